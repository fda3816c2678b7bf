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

"""tcpdump parser against real captures from the lab (tests/fixtures/capture)."""

import json
import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import tcpdump

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "capture"
CASES = sorted(FIXTURES.glob("tcpdump--*.out"))


@pytest.mark.parametrize("out", CASES, ids=lambda p: p.stem)
def test_capture_matches_expected(out):
    expected = json.loads(out.with_suffix(".json").read_text())
    packets = tcpdump.parse_tcpdump(out.read_text())
    stats = tcpdump.parse_stats(out.with_suffix(".err").read_text())
    assert [p.to_dict() for p in packets] == expected["packets"]
    assert stats.__dict__ == expected["stats"]
    assert stats.captured == len(packets)


def test_vlan_header_is_taken_off_the_summary():
    packets = tcpdump.parse_tcpdump(
        (FIXTURES / "tcpdump--vlan-eth1.out").read_text())
    assert {p.vlan for p in packets} == {2113}
    assert packets[0].ethertype == "IPv4"
    assert packets[0].summary.startswith("198.18.16.39 > 198.18.16.1: ICMP")


def test_vxlan_inner_frame_is_kept_with_its_packet():
    packets = tcpdump.parse_tcpdump(
        (FIXTURES / "tcpdump--vxlan-eth2.out").read_text())
    assert len(packets) == 4
    assert all("VXLAN" in p.summary and "vni 1295" in p.summary
               for p in packets)
    assert all(p.inner and "ICMP echo" in p.inner for p in packets)


def test_truncated_output_is_refused():
    text = (FIXTURES / "tcpdump--icmp-tap.out").read_text()
    with pytest.raises(ParseError):
        tcpdump.parse_tcpdump(text[:-1])


def test_unknown_line_is_refused():
    with pytest.raises(ParseError):
        tcpdump.parse_tcpdump("listening on eth0\n")


def test_inner_without_outer_is_refused():
    text = (FIXTURES / "tcpdump--vxlan-eth2.out").read_text()
    with pytest.raises(ParseError):
        tcpdump.parse_tcpdump(text.split("\n", 1)[1])


def test_packet_text_detection():
    lines = (FIXTURES / "tcpdump--vxlan-eth2.out").read_text().splitlines()
    assert all(tcpdump.is_packet_text(line) for line in lines)
    assert not tcpdump.is_packet_text("4 packets captured")
    assert not tcpdump.is_packet_text("tcpdump: listening on eth2")
