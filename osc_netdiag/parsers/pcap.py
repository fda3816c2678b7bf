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

"""Read the headers of a classic pcap file (what ``tcpdump -w -`` writes).

Only the framing is read, never the packets: the point is to prove that
bytes received from a host form a complete, valid capture before they are
written to the operator's disk, and to count its packets.

Layout (libpcap's savefile format)::

    global header, 24 bytes: magic a1b2c3d4 (microseconds) or a1b23c4d
        (nanoseconds), in the writer's byte order; version 2.4; thiszone;
        sigfigs; snaplen; linktype
    then per packet a 16-byte record header: ts_sec, ts_frac, caplen,
        origlen; then caplen bytes

Output::

    PcapInfo(byte_order='<', nanoseconds=False, snaplen=256, linktype=1,
             packets=4, timestamps=(1795638878.538064, ...))

Anything else (another magic, a record longer than the snaplen, bytes cut
in the middle of a header or a packet) raises ParseError: a truncated
stream is never taken for a complete capture.
"""

from __future__ import annotations

from dataclasses import dataclass
import struct

from osc_netdiag.errors import ParseError

GLOBAL_HEADER = 24
RECORD_HEADER = 16
_MAGICS = {0xA1B2C3D4: False, 0xA1B23C4D: True}     # -> nanoseconds


@dataclass(frozen=True)
class PcapInfo:
    byte_order: str
    nanoseconds: bool
    snaplen: int
    linktype: int
    packets: int
    timestamps: tuple

    def to_dict(self):
        return {"snaplen": self.snaplen, "linktype": self.linktype,
                "packets": self.packets}


def _global_header(data: bytes):
    if len(data) < GLOBAL_HEADER:
        raise ParseError(f"pcap: {len(data)} bytes, shorter than the "
                         f"{GLOBAL_HEADER}-byte file header")
    for order in ("<", ">"):
        magic = struct.unpack(order + "I", data[:4])[0]
        if magic in _MAGICS:
            break
    else:
        raise ParseError(f"pcap: unknown magic {data[:4].hex()}")
    major, minor, _zone, _sigfigs, snaplen, linktype = struct.unpack(
        order + "HHiIII", data[4:GLOBAL_HEADER])
    if (major, minor) != (2, 4):
        raise ParseError(f"pcap: unsupported version {major}.{minor}")
    return order, _MAGICS[magic], snaplen, linktype


def parse_pcap(data: bytes) -> PcapInfo:
    """Validate a whole pcap byte string and describe it."""
    if not isinstance(data, (bytes, bytearray)):
        raise ParseError(f"pcap: expected bytes, got {type(data).__name__}")
    order, nanoseconds, snaplen, linktype = _global_header(data)
    scale = 1e-9 if nanoseconds else 1e-6
    offset, stamps = GLOBAL_HEADER, []
    while offset < len(data):
        if len(data) - offset < RECORD_HEADER:
            raise ParseError(f"pcap: record header cut at byte {offset}")
        sec, frac, caplen, origlen = struct.unpack(
            order + "IIII", data[offset:offset + RECORD_HEADER])
        if caplen > max(snaplen, 1) or caplen > origlen:
            raise ParseError(f"pcap: record at byte {offset} claims "
                             f"{caplen} bytes (snaplen {snaplen}, "
                             f"original {origlen})")
        offset += RECORD_HEADER + caplen
        if offset > len(data):
            raise ParseError(f"pcap: packet {len(stamps) + 1} cut short")
        stamps.append(round(sec + frac * scale, 9))
    return PcapInfo(order, nanoseconds, snaplen, linktype, len(stamps),
                    tuple(stamps))
