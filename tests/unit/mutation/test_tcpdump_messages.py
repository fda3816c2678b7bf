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

"""tcpdump's refusals word for word (the message names the line a user
has to look at) and a blank line skipped, not taken for the end (some real
captures end with one; found by the mutation run). Every case is a real
capture (tests/fixtures/capture) edited in one place, named in the case.
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import tcpdump

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "capture"
VLAN = (FIXTURES / "tcpdump--vlan-eth1.out").read_text()
VXLAN = (FIXTURES / "tcpdump--vxlan-eth2.out").read_text()


def refused(text, message):
    with pytest.raises(ParseError) as exc:
        tcpdump.parse_tcpdump(text)
    assert str(exc.value) == message


def test_unreadable_vlan_header_names_the_line():
    # edit: the first packet's 802.1Q header without the comma after the VID
    text = VLAN.replace("vlan 2113, p 0", "vlan 2113 p 0", 1)
    refused(text, "tcpdump: unreadable 802.1Q header: "
            f"{text.splitlines()[0]!r}")


def test_line_that_is_no_packet_is_named():
    # edit: the first packet's length not a number
    text = VLAN.replace("length 102:", "length x102:", 1)
    refused(text, f"tcpdump: not a packet line: {text.splitlines()[0]!r}")


def test_inner_frame_without_its_packet_is_named():
    # edit: the capture's first line (the outer packet) cut off
    first, rest = VXLAN.split("\n", 1)
    refused(rest, "tcpdump: inner frame without its outer packet: "
            f"{rest.splitlines()[0]!r}")


def test_cut_short_names_tcpdump():
    refused(VLAN[:-1],
            "tcpdump: output does not end with a newline (truncated?)")


def test_blank_line_is_skipped_not_the_end():
    # edit: an empty line after the first packet
    first, rest = VLAN.split("\n", 1)
    packets = tcpdump.parse_tcpdump(f"{first}\n\n{rest}")
    assert packets == tcpdump.parse_tcpdump(VLAN)
    assert len(packets) == len(VLAN.splitlines())


INNER = ("fa:16:3e:75:62:49 > fa:16:3e:49:97:45, ethertype IPv4 (0x0800), "
         "length 98: 198.18.17.41 > 198.18.17.43: ICMP echo request, "
         "id 6316, seq 1, length 64")


def test_decapsulated_frame_keeps_the_outer_packets_time():
    first = tcpdump.parse_tcpdump(VXLAN)[0]
    assert first.frame() == tcpdump.Packet(
        time=1795638892.588184, src_mac="fa:16:3e:75:62:49",
        dst_mac="fa:16:3e:49:97:45", ethertype="IPv4", length=98,
        vlan=None, summary="198.18.17.41 > 198.18.17.43: ICMP echo "
        "request, id 6316, seq 1, length 64", inner=None, text=INNER)


def test_second_inner_frame_of_one_packet_is_refused():
    # edit: the first packet's inner frame printed twice
    assert VXLAN.count(INNER + "\n") == 1
    refused(VXLAN.replace(INNER + "\n", INNER + "\n" + INNER + "\n"),
            f"tcpdump: inner frame without its outer packet: {INNER!r}")
