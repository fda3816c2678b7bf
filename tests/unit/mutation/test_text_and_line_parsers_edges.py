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

"""Edges of the shared text helpers and of the line parsers the recorded
lab captures never reach: split_top's fast path on unbalanced or quoted
action lists, a non-text input, an indented oslo.config continuation, and a
frame without an ethertype (802.3/LLC) in tcpdump's text.

split_top's inputs are OVS action syntax, as in test_split_top.py (a quoted
port name next to ct()/resubmit() actions). The others are real captures:
the lab's dhcp_agent.ini edited in one place, and tcpdump's own text for a
saved STP frame (tests/fixtures/README.rst, pcap-read/).
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import require_final_newline
from osc_netdiag.parsers._text import split_top
from osc_netdiag.parsers import oslo_ini
from osc_netdiag.parsers import tcpdump

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures"


# -- split_top's comma-piece fast path ---------------------------------------

@pytest.mark.parametrize("text,message", [
    # no '(' at all: a ')' is refused before any split
    ("mod_vlan_vid:1),NORMAL", "unbalanced ')' in 'mod_vlan_vid:1),NORMAL'"),
    # a ')' that closes nothing, before a balanced action
    ("drop),resubmit(,58)", "unbalanced ')' in 'drop),resubmit(,58)'"),
    # a '(' that never closes
    ("resubmit(,58", "unbalanced brackets or quote in 'resubmit(,58'"),
])
def test_fast_path_refuses_unbalanced_actions_by_name(text, message):
    with pytest.raises(ParseError) as exc:
        split_top(text)
    assert str(exc.value) == message


def test_a_quoted_piece_closing_a_parenthesis_takes_the_exact_scan():
    # The piece 'output:"a")' holds a quote and a ')': the fast path cannot
    # tell whether the ')' is inside the quotes, so the exact scan decides
    # (it is outside: ct( closes there).
    assert split_top('ct(zone=1,output:"a"),drop') == [
        'ct(zone=1,output:"a")', "drop"]


def test_parentheses_inside_a_quoted_name_are_not_counted():
    # '(b' lies inside the quoted name "a,(b,c": it opens nothing.
    assert split_top('output:"a,(b,c",ct(commit)') == [
        'output:"a,(b,c"', "ct(commit)"]


def test_non_text_is_refused_with_its_type():
    # Bytes, as a transport that forgot to decode would hand over.
    with pytest.raises(ParseError) as exc:
        require_final_newline(b"[DEFAULT]\n", "dhcp_agent.ini")
    assert str(exc.value) == "dhcp_agent.ini: expected text, got bytes"
    with pytest.raises(ParseError) as exc:
        oslo_ini.parse_oslo_ini(b"[DEFAULT]\n", what="dhcp_agent.ini")
    assert str(exc.value) == "dhcp_agent.ini: expected text, got bytes"


# -- oslo.config continuation lines ------------------------------------------

def test_a_tab_indented_line_continues_the_value_above():
    text = (FIXTURES / "l3dhcp/agent/cat--dhcp_agent.ini.out").read_text()
    # Edit: the value of dnsmasq_config_file goes on over a second line
    # indented by one tab, as oslo.config's iniparser allows.
    edited = text.replace("dnsmasq_config_file = /etc/neutron/dnsmasq-lab.conf\n",
                          "dnsmasq_config_file = /etc/neutron/dnsmasq-lab.conf\n"
                          "\t/etc/neutron/dnsmasq-extra.conf\n", 1)
    assert edited != text
    parsed = oslo_ini.parse_oslo_ini(edited)
    assert parsed["DEFAULT"]["dnsmasq_config_file"] == (
        "/etc/neutron/dnsmasq-lab.conf\n/etc/neutron/dnsmasq-extra.conf")
    assert parsed["DEFAULT"]["resync_interval"] == "5"


# -- tcpdump: a frame without an ethertype -----------------------------------

def test_an_llc_frame_is_read_with_802_3_for_its_ethertype():
    line = (FIXTURES / "pcap-read/tcpdump-r--stp-bpdu.out").read_text()
    (packet,) = tcpdump.parse_tcpdump(line)
    assert packet.to_dict() == {
        "time": 1795638900.123456,
        "src_mac": "00:1b:21:3a:4b:5c", "dst_mac": "01:80:c2:00:00:00",
        "ethertype": "802.3", "length": 38, "vlan": None, "inner": None,
        "summary": ("LLC, dsap STP (0x42) Individual, ssap STP (0x42) Command,"
                    " ctrl 0x03: STP 802.1d, Config, Flags [none], bridge-id"
                    " 8000.00:1b:21:3a:4b:5c.8001, length 35"),
    }
