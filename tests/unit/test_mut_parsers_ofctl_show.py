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

"""``ovs-ofctl show``: every refusal with its whole message, on the real
br-eth1 capture edited in one place (named in each case), and its ports'
values read off the capture by hand.
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import ofctl_show

CAPTURE = (pathlib.Path(__file__).parents[1] / "fixtures" / "captures" /
           "ovs-ofctl-show--br-eth1.out")
TEXT = CAPTURE.read_text()
HEAD = "OFPT_FEATURES_REPLY (xid=0x2): dpid:00009e87ae541e4a\n"
LAST = "OFPT_GET_CONFIG_REPLY (xid=0x4): frags=normal miss_send_len=0\n"


def _edited(old, new):
    assert TEXT.count(old) == 1, old
    return TEXT.replace(old, new)


def test_values_read_by_hand():
    show = ofctl_show.parse_ofctl_show(TEXT)
    assert show.dpid == "00009e87ae541e4a"
    assert [(p.number, p.name, p.mac, p.config, p.state)
            for p in show.ports] == [
        (1, "phy-br-eth1", "2e:9b:92:8c:75:ae", (), ()),
        (2, "eth1.100", "4a:4d:80:61:19:d9", ("PORT_DOWN",), ("LINK_DOWN",)),
        ("LOCAL", "br-eth1", "9e:87:ae:54:1e:4a", (), ())]


@pytest.mark.parametrize("text,message", [
    ("", "ovs-ofctl show: empty output"),
    (TEXT[:-1], "ovs-ofctl show: output does not end with a newline "
                "(truncated?)"),
    # the first line cut (a second copy of the features line follows)
    (TEXT.replace(HEAD, "n_tables:254, n_buffers:0\n" + HEAD, 1),
     "ovs-ofctl show: unexpected first line 'n_tables:254, n_buffers:0'"),
    # the last line, which ovs-ofctl always prints, cut off
    (TEXT.replace(LAST, ""),
     "ovs-ofctl show: output ends early (no OFPT_GET_CONFIG_REPLY)"),
    # a port without its state line
    (TEXT.replace("     config:     PORT_DOWN\n     state:      LINK_DOWN\n",
                  "     config:     PORT_DOWN\n"),
     "ovs-ofctl show: port 'eth1.100' incomplete"),
    # a line of no known shape between two ports
    (TEXT.replace(" 2(eth1.100)", "garbage\n 2(eth1.100)"),
     "ovs-ofctl show: unexpected line 'garbage'"),
])
def test_refusals(text, message):
    with pytest.raises(ParseError) as exc:
        ofctl_show.parse_ofctl_show(text)
    assert str(exc.value) == message


def test_the_line_after_the_header_is_read():
    # edit: the first port's header moved right after the features line,
    # so a parser skipping two lines would miss it
    moved = _edited(" 1(phy-br-eth1): addr:2e:9b:92:8c:75:ae\n     config:"
                    "     0\n     state:      0\n     speed: 0 Mbps now, 0 "
                    "Mbps max\n", "")
    moved = moved.replace(HEAD, HEAD + " 1(phy-br-eth1): addr:2e:9b:92:8c:75"
                          ":ae\n     config:     0\n     state:      0\n")
    show = ofctl_show.parse_ofctl_show(moved)
    assert [p.name for p in show.ports] == ["phy-br-eth1", "eth1.100",
                                            "br-eth1"]
