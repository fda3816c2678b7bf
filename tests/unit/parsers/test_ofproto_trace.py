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

"""The ofproto/trace parser on real output recorded on the lab's compute1
(Open vSwitch 3.1, userspace datapath), strict on anything else."""

import hypothesis
from hypothesis import strategies as st
import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers.ofproto_trace import parse_ofproto_trace
from tests.unit.firewall import lab_cases

EGRESS = lab_cases.recorded_stdout("egress-tcp443-allowed", "ofproto-trace:")
DENIED = lab_cases.recorded_stdout("ingress-tcp22-denied", "ofproto-trace:")
UNFILTERED = lab_cases.recorded_stdout("open1-port-security-off",
                                       "ofproto-trace:")
ESTABLISHED = lab_cases.recorded_stdout("ingress-tcp22-established",
                                        "ofproto-trace:")


def br_int(trace):
    return [(s.table, s.priority) for s in trace.steps if s.bridge == "br-int"]


def test_an_egress_trace_with_its_conntrack_recirculation():
    trace = parse_ofproto_trace(EGRESS)
    assert len(trace.passes) == 2
    first, second = trace.passes
    assert first.flow.startswith("tcp,in_port=5,")
    assert first.ct_state == ""
    assert first.datapath_actions.startswith("ct(zone=2),recirc(")
    assert second.ct_state == "trk|new"
    assert [s.table for s in first.steps if s.bridge == "br-int"] == \
        [0, 58, 59, 60, 71]
    step_71 = [s for s in first.steps if s.table == 71][0]
    assert step_71.priority == 65
    assert step_71.match.startswith("ip,reg5=0x5,in_port=5,")
    assert step_71.lines[0] == "ct(table=72,zone=NXM_NX_REG6[0..15])"
    assert [s.table for s in second.steps if s.bridge == "br-int"][:4] == \
        [72, 73, 91, 94]


def test_tables_from_10_up_start_at_the_margin():
    # " 0. priority 0" but "58. priority 0": both are steps
    assert br_int(parse_ofproto_trace(DENIED))[:4] == [(0, 0), (58, 0),
                                                       (59, 0), (60, 90)]


def test_the_bridges_reached_through_patch_ports_are_named():
    trace = parse_ofproto_trace(UNFILTERED)
    bridges = [s.bridge for s in trace.steps]
    assert bridges[:4] == ["br-int"] * 4
    assert "br-tun" in bridges
    assert trace.steps[3].lines[0] == "NORMAL"


def test_the_conntrack_state_asked_for_is_kept():
    (_, second) = parse_ofproto_trace(ESTABLISHED).passes
    assert second.ct_state == "est|rpl|trk"


@pytest.mark.parametrize("text, why", [
    (DENIED[:-1], "does not end with a newline"),
    (DENIED.split("Datapath actions:")[0], "no 'Datapath actions:'"),
    ("Flow: ip\nsomething else\nDatapath actions: drop\n",
     "unexpected line"),
    ("bridge(\"br-int\")\n 0. priority 0\n", "outside a bridge"),
    ("", "no 'Flow:' line"),
    ("Megaflow: ip\n", "before any 'Flow:'"),
])
def test_strict(text, why):
    with pytest.raises(ParseError, match=why):
        parse_ofproto_trace(text)


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(st.integers(0, len(EGRESS)), st.text(max_size=40))
def test_cut_or_spliced_output_parses_or_is_refused(cut, noise):
    # whatever arrives, the parser answers or raises ParseError
    for text in (EGRESS[:cut], EGRESS[:cut] + noise + "\n"):
        try:
            parse_ofproto_trace(text)
        except ParseError:
            pass
