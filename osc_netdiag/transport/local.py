"""Run batches on this machine (netdiag running on the node itself).

The same framed script as over SSH, fed to ``/bin/sh -s`` on stdin; no
``shell=True``, nothing interpolated. The whole batch has a deadline (sum
of the command timeouts plus a margin); past it the process group is killed.
"""

import os
import signal
import subprocess
from typing import Sequence

from osc_netdiag import models
from osc_netdiag.transport import script
from osc_netdiag.transport.base import Command, HostSession, HostTarget, Transport


def run_script(shell_argv: Sequence[str], commands: Sequence[Command], *,
               sudo: bool, exec_prefix: tuple = (),
               deadline: float = None) -> list:
    """Run ``commands`` as one framed script under ``shell_argv``."""
    nonce = script.new_nonce()
    text = script.build_script(commands, sudo=sudo, exec_prefix=exec_prefix,
                               nonce=nonce)
    if deadline is None:
        deadline = script.batch_deadline(commands)
    proc = subprocess.Popen(list(shell_argv), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    cut_status = models.HOST_ERROR
    try:
        out, err = proc.communicate(text.encode(), timeout=deadline)
    except subprocess.TimeoutExpired:
        cut_status = models.HOST_TIMEOUT
        _kill_group(proc)
        out, err = proc.communicate()
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    return script.parse_framed(out.decode("utf-8", "replace"),
                               err.decode("utf-8", "replace"), commands,
                               nonce, sudo=sudo, cut_status=cut_status)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class LocalSession(HostSession):
    def __init__(self, target: HostTarget, shell_argv):
        self.target = target
        self.shell_argv = tuple(shell_argv)
        self.round_trips = 0

    def run(self, commands: Sequence[Command]) -> list:
        if not commands:
            return []
        self.round_trips += 1
        return run_script(self.shell_argv, commands, sudo=self.target.sudo,
                          exec_prefix=self.target.exec_prefix)


class LocalTransport(Transport):
    """Run on this machine; ``target.sudo`` and ``exec_prefix`` still apply."""

    def __init__(self, shell_argv=("/bin/sh", "-s")):
        self.shell_argv = tuple(shell_argv)

    def open(self, target: HostTarget) -> HostSession:
        return LocalSession(target, self.shell_argv)
