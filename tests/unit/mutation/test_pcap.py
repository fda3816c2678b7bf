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

"""pcap framing: exact values and exact refusals on the real capture
``tcpdump-w--dhcp-qdhcp.pcap`` (tcpdump -w in a qdhcp- namespace), each test
editing one header field in place. Written for the mutation run: each test
fails on a small change of osc_netdiag/parsers/pcap.py that the other tests
let through.
"""

import pathlib
import struct

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers.pcap import parse_pcap

CAPTURE = (pathlib.Path(__file__).parents[2] / "fixtures" / "capture" /
           "tcpdump-w--dhcp-qdhcp.pcap").read_bytes()
# Offsets in the real file: the global header's snaplen, then the first
# record header (ts_sec, ts_frac, caplen, origlen) at byte 24.
SNAPLEN, FIRST_SEC, FIRST_CAPLEN, FIRST_ORIGLEN = 16, 24, 32, 36


def edited(offset, value, fmt="<I", data=CAPTURE):
    data = bytearray(data)
    struct.pack_into(fmt, data, offset, value)
    return bytes(data)


def refused(data, message):
    with pytest.raises(ParseError) as exc:
        parse_pcap(data)
    assert str(exc.value) == message


def test_real_capture_values():
    info = parse_pcap(CAPTURE)
    assert (info.byte_order, info.nanoseconds, info.snaplen, info.linktype,
            info.packets) == ("<", False, 512, 1, 4)
    assert info.timestamps == (1795648259.732486, 1795648262.737085,
                               1795648262.737236, 1795648262.738011)
    assert info.to_dict() == {"snaplen": 512, "linktype": 1, "packets": 4}


def test_nanosecond_magic_scales_the_fraction():
    info = parse_pcap(edited(0, 0xA1B23C4D))
    assert info.nanoseconds is True
    assert info.timestamps[0] == 1795648259.000732486


def test_timestamps_after_2038_read_unsigned():
    info = parse_pcap(edited(FIRST_SEC, 0x80000000))
    assert info.timestamps[0] == 2147483648.732486


def test_snaplen_above_2_to_the_31_reads_unsigned():
    assert parse_pcap(edited(SNAPLEN, 0xFFFFFFFF)).snaplen == 0xFFFFFFFF


def test_a_record_of_exactly_snaplen_bytes_is_accepted():
    # The largest record of the capture is 349 bytes.
    assert parse_pcap(edited(SNAPLEN, 349)).packets == 4
    refused(edited(SNAPLEN, 348), "pcap: record at byte 1101 claims 349 "
            "bytes (snaplen 348, original 349)")


def test_record_longer_than_its_original_is_refused():
    refused(edited(FIRST_ORIGLEN, 341), "pcap: record at byte 24 claims 342 "
            "bytes (snaplen 512, original 341)")


def test_record_longer_than_snaplen_but_not_than_original_is_refused():
    data = edited(FIRST_ORIGLEN, 600, data=edited(FIRST_CAPLEN, 600))
    refused(data, "pcap: record at byte 24 claims 600 bytes (snaplen 512, "
            "original 600)")


def test_snaplen_below_one_still_allows_one_byte_only():
    # snaplen 1 and a first record of 2 bytes (the capture cut after them).
    data = edited(SNAPLEN, 1)
    data = edited(FIRST_CAPLEN, 2, data=data)[:24 + 16 + 2]
    refused(data, "pcap: record at byte 24 claims 2 bytes (snaplen 1, "
            "original 342)")


def test_short_file_header_is_refused():
    refused(CAPTURE[:10], "pcap: 10 bytes, shorter than the 24-byte file "
            "header")


def test_unknown_magic_is_refused():
    refused(edited(0, 0x01020304, ">I"), "pcap: unknown magic 01020304")


def test_other_version_is_refused():
    refused(edited(6, 3, "<H"), "pcap: unsupported version 2.3")


def test_text_is_refused():
    refused("not bytes", "pcap: expected bytes, got str")


def test_record_header_cut_is_refused():
    refused(CAPTURE[:24 + 15], "pcap: record header cut at byte 24")


def test_whole_record_header_without_its_packet_is_cut_short():
    refused(CAPTURE[:24 + 16], "pcap: packet 1 cut short")
    refused(CAPTURE[:382 + 16 + 10], "pcap: packet 2 cut short")
