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

"""Parse ``tcpdump -n -tt -e -l`` text output and its closing statistics.

Sample (one packet a line; a decapsulated VXLAN packet adds a second line
without a timestamp, the inner frame)::

    1795638878.538064 fa:16:3e:b9:d1:75 > fa:16:3e:7b:34:8e, ethertype IPv4 (0x0800), length 98: 198.18.16.39 > 198.18.16.1: ICMP echo request, id 6061, seq 1, length 64
    1795638880.764439 fa:16:3e:b9:d1:75 > fa:16:3e:7b:34:8e, ethertype 802.1Q (0x8100), length 102: vlan 2113, p 0, ethertype IPv4 (0x0800), 198.18.16.39 > 198.18.16.1: ICMP echo request, id 6113, seq 1, length 64

Output::

    (Packet(time=1795638878.538064, src_mac='fa:16:3e:b9:d1:75',
            dst_mac='fa:16:3e:7b:34:8e', ethertype='IPv4', length=98,
            vlan=None, summary='198.18.16.39 > 198.18.16.1: ICMP echo
            request, id 6061, seq 1, length 64', inner=None, text=...),)

``summary`` is the payload's description with the 802.1Q header (kept in
``vlan``) taken off, so the same packet reads the same on a tap and on a
trunk. Statistics (stderr, at exit)::

    6 packets captured
    6 packets received by filter
    0 packets dropped by kernel

A line that is neither a packet nor a continuation, or output cut in the
middle of a line, raises ParseError.
"""  # noqa: E501 (real output above, one line per record)

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Optional

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import complete_lines

_MAC = r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}"
_PACKET = re.compile(
    rf"(?:(?P<time>\d+\.\d{{6}}) )?(?P<src>{_MAC}) > (?P<dst>{_MAC}), "
    r"(?:ethertype (?P<ethertype>.+?) \(0x[0-9a-f]{4}\)|(?P<llc>802\.3|LLC.*?))"
    r", length (?P<length>\d+): (?P<payload>.*)\Z")
_VLAN = re.compile(
    r"vlan (?P<vlan>\d+), p \d+, (?:ethertype (?P<ethertype>.+?) "
    r"\(0x[0-9a-f]{4}\), )?(?P<rest>.*)\Z")
_INNER = re.compile(rf"{_MAC} > {_MAC}, .*\Z")
_STAT = re.compile(
    r"(?P<n>\d+) packets? (?P<what>captured|received by filter"
    r"|dropped by kernel|dropped by interface)\Z")


@dataclass(frozen=True)
class Packet:
    time: float
    src_mac: str
    dst_mac: str
    ethertype: str
    length: int
    vlan: Optional[int]
    summary: str
    inner: Optional[str]
    text: str

    def frame(self):
        """The frame the port sent or received: the inner one of a
        decapsulated tunnel packet, else the packet itself.
        """
        if self.inner is None:
            return self
        inner = parse_packet_line(self.inner, timestamp=False)
        return Packet(**{**inner.__dict__, "time": self.time})

    def to_dict(self):
        return {"time": self.time, "src_mac": self.src_mac,
                "dst_mac": self.dst_mac, "ethertype": self.ethertype,
                "length": self.length, "vlan": self.vlan,
                "summary": self.summary, "inner": self.inner}


@dataclass(frozen=True)
class CaptureStats:
    captured: Optional[int]
    received: Optional[int]
    dropped: Optional[int]


def parse_packet_line(line: str, timestamp: bool = True) -> Packet:
    match = _PACKET.match(line)
    if match is None or (match.group("time") is None) == timestamp:
        raise ParseError(f"tcpdump: not a packet line: {line!r}")
    ethertype = match.group("ethertype") or match.group("llc")
    summary = match.group("payload")
    vlan = None
    if ethertype == "802.1Q":
        tagged = _VLAN.match(summary)
        if tagged is None:
            raise ParseError(f"tcpdump: unreadable 802.1Q header: {line!r}")
        vlan = int(tagged.group("vlan"))
        ethertype = tagged.group("ethertype") or ethertype
        summary = tagged.group("rest")
    time = float(match.group("time")) if timestamp else 0.0
    return Packet(time=time, src_mac=match.group("src"),
                  dst_mac=match.group("dst"), ethertype=ethertype,
                  length=int(match.group("length")), vlan=vlan,
                  summary=summary, inner=None, text=line)


def parse_tcpdump(text: str) -> tuple:
    """Parse the packet lines of ``tcpdump -n -tt -e -l`` (stdout)."""
    packets = []
    for line in complete_lines(text, "tcpdump"):
        if not line:
            continue
        if _INNER.match(line):
            if not packets or packets[-1].inner is not None:
                raise ParseError(f"tcpdump: inner frame without its outer "
                                 f"packet: {line!r}")
            last = packets[-1]
            packets[-1] = Packet(**{**last.__dict__, "inner": line,
                                    "text": last.text + "\n" + line})
            continue
        packets.append(parse_packet_line(line))
    return tuple(packets)


def parse_stats(text: str) -> CaptureStats:
    """Counters tcpdump prints on stderr when it stops; None if absent.

    Other stderr lines ("listening on ...", warnings) are ignored: they are
    free text of the tool's own.
    """
    found = {}
    for line in text.splitlines():
        match = _STAT.match(line.strip())
        if match:
            found[match.group("what")] = int(match.group("n"))
    return CaptureStats(captured=found.get("captured"),
                        received=found.get("received by filter"),
                        dropped=found.get("dropped by kernel"))


def is_packet_text(line: str) -> bool:
    """True for a packet line or a decapsulated inner frame's line."""
    return bool(_PACKET_START.match(line) or _INNER.match(line))


_PACKET_START = re.compile(rf"\d+\.\d{{6}} {_MAC} > ")
