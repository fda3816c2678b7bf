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

"""A long command's output read line by line as it comes: what
``HostSession.stream`` does on SSH (a channel of the host's connection)
and on this machine (a process).

Not the batch transport (short read-only commands, one framed script on
stdin): a stream (a port capture) runs for its whole duration and needs
its stdin kept open, because closing it is how the remote script learns
that the client stopped or died (see ``capture.remote``). Bounded: lines
(MAX_LINE), bytes (``max_bytes``, else MAX_BYTES) and time (the deadline
is checked in the read loop, after every chunk).
"""

import logging
import os
import select
import subprocess
import threading
import time

from osc_netdiag.errors import NetdiagError
from osc_netdiag.transport import sshio

LOG = logging.getLogger(__name__)

STOP_GRACE = 8.0           # seconds to wait for the remote cleanup report
CHUNK = 65536
# A capture line is one tcpdump text line (headers only: -e -n, no hex) or
# 76 base64 characters, behind a short tag; a few hundred bytes. A longer
# "line" is not ours: it is dropped whole, never held in full.
MAX_LINE = 64 * 1024
# All a host may send on a capture channel when the caller gives no cap
# (``port capture`` gives ``capture.remote.byte_cap``): above the base64 of the
# largest capture allowed, 10,000 packets of 65,535 bytes at four points.
MAX_BYTES = 4 * 1024 ** 3


class Lines:
    """Split a byte stream into lines, holding at most MAX_LINE bytes.

    Chunks of a line are kept in a list and joined once (a ``buffer +=
    chunk`` is quadratic in the line's length); a line past ``max_line``
    is dropped up to its newline and counted in ``dropped``.
    """

    def __init__(self, max_line=MAX_LINE):
        self._max = max_line
        self._parts = []
        self._size = 0
        self._skipping = False
        self.dropped = 0

    def feed(self, data: bytes) -> list:
        lines = []
        start = 0
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                self._add(data[start:])
                return lines
            self._add(data[start:end])
            if not self._skipping:
                lines.append(b"".join(self._parts).decode("utf-8", "replace"))
            self._parts, self._size, self._skipping = [], 0, False
            start = end + 1

    def _add(self, piece):
        if self._skipping or not piece:
            return
        self._size += len(piece)
        if self._size > self._max:
            self._parts, self._skipping = [], True
            self.dropped += 1
            return
        self._parts.append(piece)


class _Budget:
    """Bytes a capture channel may still bring; past them it is cut."""

    def __init__(self, max_bytes, host):
        self.left = MAX_BYTES if max_bytes is None else max_bytes
        self.cap = self.left
        self.host = host

    def take(self, data):
        self.left -= len(data)
        if self.left < 0:
            raise NetdiagError(f"{self.host}: capture output cut at "
                               f"{self.cap} bytes")


def _deliver(lines, data, on_line):
    for line in lines.feed(data):
        on_line(line)


def _report_dropped(lines, host):
    if lines.dropped:
        LOG.warning("%s: dropped %d capture lines longer than %d bytes",
                    host, lines.dropped, MAX_LINE)


def run_ssh(session, command, deadline, on_line, stop: threading.Event,
            max_bytes=None):
    """Run ``command`` (a shell string) on a new channel of an SSHSession's
    connection; return the exit status.

    On ``stop`` the channel's stdin is closed (the remote script cleans up
    and says so); the lines keep being read for up to STOP_GRACE seconds.
    The deadline is checked after every chunk, so a host that never stops
    sending cannot keep us; stderr is read (to keep the channel's window
    open) and dropped; at most ``max_bytes`` are read in all (NetdiagError
    past them).
    """
    host = getattr(getattr(session, "target", None), "name", "host")
    lines, budget = Lines(), _Budget(max_bytes, host)
    channel = session.open_channel()
    # paramiko waits for the exec request's answer without a timeout.
    watchdog = sshio.Watchdog(channel, channel.get_transport(),
                              deadline + STOP_GRACE + 1)
    try:
        with watchdog:
            return _read_ssh(channel, command, deadline, on_line, stop,
                             lines, budget)
    finally:
        _report_dropped(lines, host)
        channel.close()


def _read_ssh(channel, command, deadline, on_line, stop, lines, budget):
    """The read loop of :func:`run_ssh`."""
    end = time.monotonic() + deadline + STOP_GRACE
    channel.exec_command(command)
    stopping = False
    while True:
        if stop.is_set() and not stopping:
            stopping = True
            channel.shutdown_write()
            end = min(end, time.monotonic() + STOP_GRACE)
        if time.monotonic() >= end:
            return None
        if channel.recv_stderr_ready():
            budget.take(channel.recv_stderr(CHUNK))
        if channel.recv_ready():
            data = channel.recv(CHUNK)
            if not data:
                break
            budget.take(data)
            _deliver(lines, data, on_line)
            continue
        if channel.recv_stderr_ready():
            continue
        if channel.eof_received or channel.closed:
            # Data may have arrived just before the EOF we now see;
            # nothing comes after it, so an empty buffer means done.
            if channel.recv_ready():
                continue
            break
        select.select([channel.fileno()], [], [], 0.2)
    return channel.recv_exit_status() if channel.exit_status_ready() \
        else None


def run_local(command_argv, deadline, on_line, stop: threading.Event,
              max_bytes=None):
    """The same on this machine (``--local``): ``command_argv`` run as a
    process of its own session.
    """
    lines, budget = Lines(), _Budget(max_bytes, "local")
    proc = subprocess.Popen(list(command_argv), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL,
                            start_new_session=True)
    end = time.monotonic() + deadline + STOP_GRACE
    stopping = False
    try:
        while True:
            if stop.is_set() and not stopping:
                stopping = True
                proc.stdin.close()
                end = min(end, time.monotonic() + STOP_GRACE)
            if time.monotonic() >= end:
                return None
            ready, _, _ = select.select([proc.stdout], [], [], 0.2)
            if ready:
                data = os.read(proc.stdout.fileno(), CHUNK)
                if not data:
                    break
                budget.take(data)
                _deliver(lines, data, on_line)
        return proc.wait(timeout=STOP_GRACE)
    finally:
        _report_dropped(lines, "local")
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream and not stream.closed:
                stream.close()
