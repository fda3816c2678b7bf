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

"""``parsers.ofproto_trace``: every field of real ``ofproto/trace`` output
(recorded on the OVN lab's compute1, tests/fixtures/ovn/ofproto, and on the
OVS lab, tests/fixtures/firewall) read by hand, and each refusal with its
whole message, on those captures edited in one place (named in each case).
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers.ofproto_trace import parse_ofproto_trace
from osc_netdiag.parsers.ofproto_trace import Step
from tests.unit.firewall import lab_cases

OFPROTO = pathlib.Path(__file__).parents[2] / "fixtures" / "ovn" / "ofproto"
# one pass, dropped by port security at table 9
DROPPED = (OFPROTO / "ofproto-trace--port-security-wrong-compute1.out").read_text()
# three passes: conntrack twice, the router's own answer (slow path)
HEALTHY = (OFPROTO / "ofproto-trace--geneve-healthy-compute1.out").read_text()
# --ct-next est|rpl|trk: the recirculation line without "default"
ESTABLISHED = lab_cases.recorded_stdout("ingress-tcp22-established",
                                        "ofproto-trace:")
FLOW = ("icmp,in_port=5,vlan_tci=0x0000,dl_src=fa:16:3e:14:4d:3f,"
        "dl_dst=fa:16:3e:a6:01:f3,nw_src=198.18.17.76,nw_dst=198.18.17.1,"
        "nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,icmp_type=8,icmp_code=0")


def test_one_pass_dropped_by_port_security():
    [one] = parse_ofproto_trace(DROPPED).passes
    assert one.flow == FLOW
    assert one.ct_state == ""
    assert one.final_flow == (
        "icmp,reg0=0x8000,reg10=0x1000,reg11=0x9,reg12=0x8,reg13=0xa,"
        "reg14=0x5,metadata=0x3," + FLOW[len("icmp,"):])
    assert one.megaflow == ("recirc_id=0,eth,ip,in_port=5,"
                            "dl_src=fa:16:3e:14:4d:3f,nw_frag=no")
    assert one.datapath_actions == "drop"
    assert one.steps == (
        Step("br-int", 0, "in_port=5", 100, (
            "set_field:0xa->reg13", "set_field:0x9->reg11",
            "set_field:0x8->reg12", "set_field:0x3->metadata",
            "set_field:0x5->reg14", "resubmit(,8)")),
        Step("br-int", 8, "metadata=0x3", 50, (
            "set_field:0/0x1000->reg10", "resubmit(,73)")),
        # a resubmit's table is indented under the table that called it
        Step("br-int", 73, "reg14=0x5,metadata=0x3", 80, (
            "set_field:0x1000/0x1000->reg10",
            "move:NXM_NX_REG10[12]->NXM_NX_XXREG0[111]",
            "-> NXM_NX_XXREG0[111] is now 0x1", "resubmit(,9)")),
        Step("br-int", 9, "reg0=0x8000/0x8000,metadata=0x3", 50, ("drop",)))
    assert one.steps[3].describe() == (
        "table 9: reg0=0x8000/0x8000,metadata=0x3, priority 50")


def test_three_passes_with_conntrack_and_the_slow_path_note():
    trace = parse_ofproto_trace(HEALTHY)
    first, second, third = trace.passes
    assert first.flow == FLOW
    assert (first.ct_state, first.datapath_actions) == ("", "ct(zone=10),recirc(0x2a)")
    assert [s.table for s in first.steps][-5:] == [10, 11, 12, 13, 14]
    assert second.ct_state == "trk|new"
    assert second.flow.startswith("recirc_id=0x2a,ct_state=new|trk,ct_zone=10,")
    # "thaw" and "Resuming from table 15" come before the first table
    assert second.steps[0] == Step("br-int", 15, "ct_state=+new-est+trk,metadata=0x3", 7,
                                   second.steps[0].lines)
    assert second.steps[0].lines[0] == (
        "set_field:0x80000000000000000000000000/0x80000000000000000000000000->xxreg0")
    assert "thaw" not in [line for s in trace.steps for line in s.lines]
    # " 37. priority 0": a table line without a match or a cookie
    table37 = [s for s in second.steps if s.table == 37][0]
    assert (table37.bridge, table37.match, table37.priority) == ("br-int", "", 0)
    assert table37.describe() == "table 37: priority 0"
    assert third.ct_state == "trk|new"
    assert third.datapath_actions.endswith(",10")
    assert trace.steps == first.steps + second.steps + third.steps


def test_the_conntrack_state_asked_for_without_default():
    first, second = parse_ofproto_trace(ESTABLISHED).passes
    assert (first.ct_state, second.ct_state) == ("", "est|rpl|trk")


def test_a_flow_line_without_the_rule_before_it_starts_a_new_pass():
    # the "=====" rules and the recirc( line between the first two passes
    # taken out: the second "Flow:" line still closes the first pass, and
    # the second pass assumes no conntrack state
    start = HEALTHY.index("=====")
    end = HEALTHY.index("Flow: recirc_id=0x2a")
    trace = parse_ofproto_trace(HEALTHY[:start] + HEALTHY[end:])
    first, second, third = trace.passes
    assert (first.ct_state, first.datapath_actions) == ("", "ct(zone=10),recirc(0x2a)")
    assert [s.table for s in first.steps][-1] == 14
    assert (second.ct_state, second.steps[0].table) == ("", 15)
    assert second.flow.startswith("recirc_id=0x2a,")
    assert third.ct_state == "trk|new"


def test_a_pass_without_final_flow_and_megaflow_keeps_them_empty():
    text = _edited(DROPPED, DROPPED[DROPPED.index("Final flow: "):
                                    DROPPED.index("Datapath actions: ")], "")
    [one] = parse_ofproto_trace(text).passes
    assert (one.final_flow, one.megaflow, one.datapath_actions) == ("", "", "drop")
    assert len(one.steps) == 4


def test_an_action_line_indented_by_one_space_is_still_an_action():
    [one] = parse_ofproto_trace(_edited(DROPPED, "    drop\n", " drop\n")).passes
    assert one.steps[-1].lines == ("drop",)


def _edited(text, old, new):
    assert text.count(old) == 1, old
    return text.replace(old, new)


LONG = "x" * 130
FINAL = DROPPED[DROPPED.index("Final flow: ") + 12:DROPPED.index("\nMegaflow: ")]
REFUSALS = {
    "cut": (DROPPED[:-1], "ofproto/trace: output does not end with a newline "
                          "(truncated?)"),
    "no-datapath-actions": (
        _edited(DROPPED, "Datapath actions: drop\n", ""),
        "ofproto/trace: a pass has no 'Datapath actions:' line (output cut?)"),
    # the second pass cut before its actions: the first pass is closed when
    # the second's Flow: line comes, the second at the end
    "second-pass-cut": (
        HEALTHY[:HEALTHY.index("Datapath actions: ", HEALTHY.index("recirc(0x2a) -"))],
        "ofproto/trace: a pass has no 'Datapath actions:' line (output cut?)"),
    "header-before-flow": (DROPPED[DROPPED.index("Final flow: "):],
                           "ofproto/trace: Final flow: before any 'Flow:' line"),
    "megaflow-before-flow": (DROPPED[DROPPED.index("Megaflow: "):],
                             "ofproto/trace: Megaflow: before any 'Flow:' line"),
    "actions-before-flow": (DROPPED[DROPPED.index("Datapath actions: "):],
                            "ofproto/trace: Datapath actions: before any 'Flow:' line"),
    "unknown-margin-line": (_edited(DROPPED, "Megaflow: ", LONG + "\nMegaflow: "),
                            f"ofproto/trace: unexpected line {LONG[:120]!r}"),
    "table-outside-a-bridge": (
        _edited(DROPPED, 'bridge("br-int")\n----------------\n', ""),
        "ofproto/trace: table line outside a bridge: ' 0. in_port=5, "
        "priority 100, cookie 0x38e67ca1'"),
    "indented-line-before-flow": (
        "    " + LONG + "\n" + DROPPED,
        f"ofproto/trace: unexpected line {('    ' + LONG)[:120]!r}"),
    "table-before-flow": (
        DROPPED[DROPPED.index('bridge("br-int")'):],
        "ofproto/trace: table line outside a bridge: ' 0. in_port=5, "
        "priority 100, cookie 0x38e67ca1'"),
    # a one-character line at the margin
    "one-character": (_edited(DROPPED, "Megaflow: ", "x\nMegaflow: "),
                      "ofproto/trace: unexpected line 'x'"),
    # the bridge heading and the first table line replaced by a table line
    # with a long match (the capture's final flow): the message is cut
    "long-table-line-outside-a-bridge": (
        _edited(DROPPED, 'bridge("br-int")\n----------------\n'
                ' 0. in_port=5, priority 100, cookie 0x38e67ca1\n',
                f" 0. {FINAL}, priority 100, cookie 0x38e67ca1\n"),
        "ofproto/trace: table line outside a bridge: "
        + repr(f" 0. {FINAL}, priority 100, cookie 0x38e67ca1"[:120])),
    "nothing": ("\n", "ofproto/trace: no 'Flow:' line"),
}


@pytest.mark.parametrize("text,message", REFUSALS.values(), ids=list(REFUSALS))
def test_refusals_by_message(text, message):
    with pytest.raises(ParseError) as exc:
        parse_ofproto_trace(text)
    assert str(exc.value) == message
