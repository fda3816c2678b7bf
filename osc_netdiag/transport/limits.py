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

"""How much a host may send back: a byte cap per command and per host.

A host is not trusted to keep its output small: a command printing
hundreds of megabytes (a runaway flow table, or a hostile host) must not
grow the client without end, since up to 64 hosts are read at once.

Each stream (stdout, stderr) of a batch is split into its commands'
outputs as it arrives (the framing of ``script``); of each command's
output at most ``per_command`` bytes are kept and the rest is read and
dropped, so the commands after it still come back. Every byte read from
a host, kept or not, counts against ``per_host``; when it is spent the
transport stops reading that host. Either way the command whose output
was cut is ``error`` with "output cut at N bytes", never ``ok``.
"""

import dataclasses
import re
import time
from typing import Optional

from osc_netdiag import errors
from osc_netdiag import models

MIB = 1024 * 1024
# The largest real outputs are ``ovs-ofctl dump-flows`` of a busy bridge:
# about 200-300 bytes a flow, so a 100,000-flow br-int is 20-30 MB. A
# trace reads one bridge's flows filtered to one port, which is far less;
# ``host check`` and ``vlan-map`` read whole tables. 16 MiB a command keeps
# tens of thousands of flows; 64 MiB a host keeps several such tables.
DEFAULT_COMMAND_BYTES = 16 * MIB
DEFAULT_HOST_BYTES = 64 * MIB
# The option raises the per-command cap; a host may send this many times it.
HOST_FACTOR = 4


@dataclasses.dataclass(frozen=True)
class OutputLimits:
    per_command: int = DEFAULT_COMMAND_BYTES
    per_host: int = DEFAULT_HOST_BYTES

    def __post_init__(self):
        for name in ("per_command", "per_host"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) \
                    or value < 1:
                raise errors.NetdiagError(
                    f"output limit {name} must be a positive number of "
                    f"bytes: {value!r}")

    def host_budget(self, host: str, received: int) -> int:
        """Bytes ``host`` may still send after ``received``; a host that
        has sent all it may is an error before its next batch runs.
        """
        budget = self.per_host - received
        if budget <= 0:
            raise errors.HostError(
                host, models.HOST_ERROR,
                f"output cut at {self.per_host} bytes (all this host may "
                f"send; raise the limit with --max-output)")
        return budget

    @classmethod
    def from_mib(cls, mib) -> "OutputLimits":
        """``--max-output <MiB>``: per command, and HOST_FACTOR times that
        per host (never below the default host cap).
        """
        per_command = int(mib) * MIB
        return cls(per_command=per_command,
                   per_host=max(DEFAULT_HOST_BYTES, HOST_FACTOR * per_command))


def limits_of(value: Optional[object]) -> OutputLimits:
    """An OutputLimits from None (defaults), an OutputLimits, or MiB."""
    if value is None:
        return OutputLimits()
    if isinstance(value, OutputLimits):
        return value
    return OutputLimits.from_mib(value)


# A marker line: "<mark>:B:<i>\n" opens command i, "\n<mark>:E:<i>:<rc>\n"
# closes it (see script). The digits are bounded so that a hostile stream
# cannot make a "marker" of any length.
_DIGITS = 10


class _Stream:
    """One framed stream, split as it arrives; bodies kept up to a cap.

    ``kept`` is the stream as ``script.parse_framed`` would see it, with
    each body cut at ``cap`` bytes. Bytes outside any command's frame are
    never kept (parse_framed ignores them). Only a marker's length is held
    back between chunks, so memory is the kept bytes plus a few dozen.
    """

    def __init__(self, mark: str, count: int, cap: int):
        self._mark = mark.encode()
        self._count = count
        self._cap = cap
        self.kept = bytearray()
        self._pending = b""
        self._index = 0          # the next command expected to begin
        self._inside = None      # the command whose body is being read
        self._body = 0           # bytes of that body seen (kept or not)
        self.cut = {}            # index -> bytes of its body seen
        # index -> time.monotonic() when its opening / closing marker came
        self.began, self.ended = {}, {}
        self._begin = re.compile(re.escape(self._mark) + rb":B:(\d{1,%d})\n"
                                 % _DIGITS)
        self._hold = len(self._mark) + _DIGITS * 2 + 8

    @property
    def inside(self):
        return self._inside

    def feed(self, data: bytes):
        buf = self._pending + data
        self._pending = b""
        while buf:
            if self._inside is None:
                buf = self._outside(buf)
            else:
                buf = self._body_part(buf)
            if buf is None:
                return

    def finish(self):
        """End of stream: a body without its end marker stays cut short."""
        if self._pending and self._inside is not None:
            self._keep(self._pending)
        self._pending = b""

    def _outside(self, buf):
        match = self._begin.search(buf)
        if match is None:
            # Keep only what could be the start of a marker.
            self._pending = buf[-self._hold:]
            return None
        index = int(match.group(1))
        if index < self._index or index >= self._count:
            return buf[match.end():]        # data that looks like a marker
        self.kept += match.group(0)
        self.began[index] = time.monotonic()
        self._index = index + 1
        self._inside, self._body = index, 0
        return buf[match.end():]

    def _body_part(self, buf):
        end = re.compile(re.escape(b"\n" + self._mark + b":E:%d:"
                                   % self._inside) + rb"(\d{1,%d})\n"
                         % _DIGITS)
        match = end.search(buf)
        if match is None:
            safe = max(0, len(buf) - self._hold)
            self._keep(buf[:safe])
            self._pending = buf[safe:]
            return None
        self._keep(buf[:match.start()])
        self.kept += match.group(0)
        self.ended[self._inside] = time.monotonic()
        self._inside = None
        return buf[match.end():]

    def _keep(self, data):
        if not data:
            return
        room = self._cap - min(self._body, self._cap)
        if room:
            self.kept += data[:room]
        self._body += len(data)
        if self._body > self._cap:
            self.cut[self._inside] = self._body


class BoundedBatch:
    """Both streams of one batch, with the per-command and host caps.

    ``budget`` is what the host may still send (its cap minus what earlier
    batches read); :attr:`exhausted` says the transport must stop reading.
    """

    def __init__(self, mark: str, count: int, limits: OutputLimits,
                 budget: int):
        self.limits = limits
        self.out = _Stream(mark, count, limits.per_command)
        self.err = _Stream(mark, count, limits.per_command)
        self.budget = budget
        self.received = 0
        self.host_cut = None     # the index being read when the host cap hit

    @property
    def exhausted(self):
        return self.received >= self.budget

    def feed(self, stream: _Stream, data: bytes):
        if self.exhausted:
            return
        data = data[:self.budget - self.received]
        self.received += len(data)
        stream.feed(data)
        if self.exhausted and self.host_cut is None:
            inside = [s.inside for s in (self.out, self.err)
                      if s.inside is not None]
            self.host_cut = min(inside) if inside else -1

    def feed_out(self, data: bytes):
        self.feed(self.out, data)

    def feed_err(self, data: bytes):
        self.feed(self.err, data)

    def streams(self):
        """(stdout, stderr) as bytes, each body cut at the command cap."""
        self.out.finish()
        self.err.finish()
        return bytes(self.out.kept), bytes(self.err.kept)

    def timed(self, results: list) -> list:
        """Results with their ``duration``: seconds from the first opening
        marker of the command that arrived here to the last closing one.

        Measured on this side as the framed output arrives (one script runs
        a batch, so the host's clock is never read): a command's own run,
        give or take how late its first and last lines came. A command
        not finished runs until the batch ended; one that never began
        took 0.
        """
        stop = time.monotonic()
        timed = []
        for index, result in enumerate(results):
            began = [s.began[index] for s in (self.out, self.err)
                     if index in s.began]
            ended = [s.ended.get(index, stop) for s in (self.out, self.err)
                     if index in s.began]
            duration = max(ended) - min(began) if began else 0.0
            timed.append(dataclasses.replace(result, duration=duration))
        return timed

    def mark_cuts(self, results: list) -> list:
        """Results of the commands whose output was cut become ``error``."""
        marked = []
        for index, result in enumerate(results):
            seen = max(self.out.cut.get(index, 0), self.err.cut.get(index, 0))
            if index == self.host_cut:      # the reason the read stopped
                result = dataclasses.replace(
                    result, status=models.HOST_ERROR, exit_status=None,
                    message=(f"{result.name}: output cut at "
                             f"{self.limits.per_host} bytes (all this host "
                             f"may send; raise the limit with --max-output)"))
            elif seen:
                result = dataclasses.replace(
                    result, status=models.HOST_ERROR, message=(
                        f"{result.name}: output cut at "
                        f"{self.limits.per_command} bytes (the command sent "
                        f"at least {seen}; raise the limit with "
                        f"--max-output)"))
            marked.append(result)
        return marked
