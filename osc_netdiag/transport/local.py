#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""Run batches on this machine (netdiag running on the node itself).

The same framed script as over SSH, fed to ``/bin/sh -s`` on stdin; no
``shell=True``, nothing interpolated. The whole batch has a deadline (sum
of the command timeouts plus a margin); past it the process group is killed.
Output is capped as over SSH (``limits``): past the host's cap the process
group is killed too.
"""

import os
import selectors
import signal
import subprocess
import time
from typing import Sequence

from osc_netdiag import models
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.base import HostSession
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.base import Transport
from osc_netdiag.transport import limits
from osc_netdiag.transport import script


def run_script(shell_argv: Sequence[str], commands: Sequence[Command], *,
               sudo: bool, exec_prefix: tuple = (), deadline: float = None,
               output_limits=None) -> list:
    """Run ``commands`` as one framed script under ``shell_argv``."""
    return run_counted(shell_argv, commands, sudo=sudo,
                       exec_prefix=exec_prefix, deadline=deadline,
                       output_limits=output_limits)[0]


def run_counted(shell_argv: Sequence[str], commands: Sequence[Command], *,
                sudo: bool, exec_prefix: tuple = (), deadline: float = None,
                output_limits=None, budget: int = None) -> tuple:
    """:func:`run_script`, returning (results, bytes read); ``budget`` is
    what the host may still send (default: the whole per-host cap).
    """
    caps = limits.limits_of(output_limits)
    nonce = script.new_nonce()
    text = script.build_script(commands, sudo=sudo, exec_prefix=exec_prefix,
                               nonce=nonce)
    if deadline is None:
        deadline = script.batch_deadline(commands)
    batch = limits.BoundedBatch(script.marker(nonce), len(commands), caps,
                                caps.per_host if budget is None else budget)
    proc = subprocess.Popen(list(shell_argv), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        ending = _exchange(proc, text.encode(), deadline, batch)
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    if ending != DONE:
        _kill_group(proc)
    proc.wait()
    out, err = batch.streams()
    return batch.timed(batch.mark_cuts(script.parse_framed(
        out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
        commands, nonce, sudo=sudo,
        cut_status=models.HOST_TIMEOUT if ending == DEADLINE
        else models.HOST_ERROR))), batch.received


DONE, DEADLINE, CAPPED = "done", "deadline", "capped"


def _exchange(proc, stdin: bytes, deadline: float, batch) -> str:
    """Feed stdin, give both streams to ``batch`` until EOF, the deadline
    or the host's byte cap; return DONE, DEADLINE or CAPPED.

    Not ``communicate()``: past the deadline it would still wait for EOF,
    which a command in another process group (``timeout`` makes its own)
    may hold open; and it keeps all the output.
    """
    end = time.monotonic() + deadline
    feed = {proc.stdout: batch.feed_out, proc.stderr: batch.feed_err}
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdin, selectors.EVENT_WRITE)
        selector.register(proc.stdout, selectors.EVENT_READ)
        selector.register(proc.stderr, selectors.EVENT_READ)
        view = memoryview(stdin)
        try:
            while len(selector.get_map()) > 0:
                left = end - time.monotonic()
                if left <= 0:
                    return DEADLINE
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
                        feed[key.fileobj](data)
                        if batch.exhausted:
                            return CAPPED
                    else:
                        selector.unregister(key.fileobj)
        finally:
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                stream.close()
    return DONE


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class LocalSession(HostSession):
    def __init__(self, target: HostTarget, shell_argv, output_limits=None):
        self.target = target
        self.shell_argv = tuple(shell_argv)
        self._limits = limits.limits_of(output_limits)
        self.received = 0        # bytes read from this host, all batches
        self.round_trips = 0

    def run(self, commands: Sequence[Command]) -> list:
        if not commands:
            return []
        budget = self._limits.host_budget(self.target.name, self.received)
        self.round_trips += 1
        results, received = run_counted(
            self.shell_argv, commands, sudo=self.target.sudo,
            exec_prefix=self.target.exec_prefix,
            output_limits=self._limits, budget=budget)
        self.received += received
        return results

    def stream(self, argv, *, deadline, on_line, stop, max_bytes=None):
        """See HostSession.stream: ``argv`` as a process of its own."""
        from osc_netdiag.transport import stream
        return stream.run_local(argv, deadline, on_line, stop, max_bytes)


class LocalTransport(Transport):
    """Run on this machine; ``target.sudo`` and ``exec_prefix`` still apply.
    ``output_limits`` as for SSHTransport.
    """

    def __init__(self, shell_argv=("/bin/sh", "-s"), output_limits=None):
        self.shell_argv = tuple(shell_argv)
        self.output_limits = limits.limits_of(output_limits)

    def open(self, target: HostTarget) -> HostSession:
        return LocalSession(target, self.shell_argv, self.output_limits)
