"""Run batches on this machine (netdiag running on the node itself).

The same framed script as over SSH, fed to ``/bin/sh -s`` on stdin; no
``shell=True``, nothing interpolated. The whole batch has a deadline (sum
of the command timeouts plus a margin); past it the process group is killed.
"""

import os
import selectors
import signal
import subprocess
import time
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
    try:
        out, err, finished = _exchange(proc, text.encode(), deadline)
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    if not finished:
        _kill_group(proc)
    proc.wait()
    return script.parse_framed(out.decode("utf-8", "replace"),
                               err.decode("utf-8", "replace"), commands,
                               nonce, sudo=sudo,
                               cut_status=models.HOST_ERROR if finished
                               else models.HOST_TIMEOUT)


def _exchange(proc, stdin: bytes, deadline: float):
    """Feed stdin, collect both streams until EOF or the deadline.

    Not ``communicate()``: past the deadline it would still wait for EOF,
    which a command in another process group (``timeout`` makes its own)
    may hold open.
    """
    end = time.monotonic() + deadline
    chunks = {proc.stdout: [], proc.stderr: []}
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdin, selectors.EVENT_WRITE)
        selector.register(proc.stdout, selectors.EVENT_READ)
        selector.register(proc.stderr, selectors.EVENT_READ)
        view = memoryview(stdin)
        try:
            while len(selector.get_map()) > 0:
                left = end - time.monotonic()
                if left <= 0:
                    return (b"".join(chunks[proc.stdout]),
                            b"".join(chunks[proc.stderr]), False)
                for key, _ in selector.select(min(left, 1.0)):
                    if key.fileobj is proc.stdin:
                        try:
                            written = os.write(key.fd, view[:65536])
                        except BrokenPipeError:
                            written = len(view)
                        view = view[written:]
                        if not view:
                            selector.unregister(proc.stdin)
                            proc.stdin.close()
                        continue
                    data = os.read(key.fd, 65536)
                    if data:
                        chunks[key.fileobj].append(data)
                    else:
                        selector.unregister(key.fileobj)
        finally:
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                stream.close()
    return b"".join(chunks[proc.stdout]), b"".join(chunks[proc.stderr]), True


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
