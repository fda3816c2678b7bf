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

"""``parsers.ovn_trace``: every field of real ``ovn-trace`` output recorded
on the OVN lab (tests/fixtures/ovn/probes), read by hand, and each refusal
with its whole message, on those captures edited in one place (named in
each case): a hop the trace could not be read for shows the message.
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import ovn_trace
from osc_netdiag.parsers.ovn_trace import Stage

PROBES = pathlib.Path(__file__).parents[2] / "fixtures" / "ovn" / "probes"


def read(name):
    return (PROBES / f"ovn-trace--{name}.out").read_text()


# geneve1 -> geneve2, dropped by the egress ACL (detailed, conntrack steps)
ACL_DROPPED = read("geneve-to-acl-dropped-network1-2")
# geneve1 -> geneve2, delivered
DELIVERED = read("geneve-to-geneve2-network1")
# a ping refused by port security: the summary trace
SUMMARY = read("port-security-wrong-network1")
# the same, detailed
DETAILED = read("port-security-wrong-network1-2")
FLOW = ("icmp,reg14=0x7,vlan_tci=0x0000,dl_src=fa:16:3e:17:58:69,"
        "dl_dst=fa:16:3e:f2:93:23,nw_src=198.18.17.64,nw_dst=198.18.17.1,"
        "nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,icmp_type=8,icmp_code=0")


def test_summary_trace_of_a_drop():
    trace = ovn_trace.parse_ovn_trace(SUMMARY)
    assert trace == ovn_trace.LogicalTrace(
        flow=FLOW, datapaths=("geneve-net",), outputs=(), drops=1, stages=())
    assert trace.dropped is True
    assert trace.drop_stage is None


def test_detailed_trace_of_a_drop_by_port_security():
    trace = ovn_trace.parse_ovn_trace(DETAILED)
    assert trace.flow == (
        "icmp,reg14=0x5,vlan_tci=0x0000,dl_src=fa:16:3e:14:4d:3f,"
        "dl_dst=fa:16:3e:a6:01:f3,nw_src=198.18.17.76,nw_dst=198.18.17.1,"
        "nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,icmp_type=8,icmp_code=0")
    assert trace.stages == (
        Stage("geneve-net", "ingress", 0, "ls_in_check_port_sec", "1", 50,
              "6ea24851", ("reg0[15] = check_in_port_sec();", "next;")),
        Stage("geneve-net", "ingress", 1, "ls_in_apply_port_sec",
              "reg0[15] == 1", 50, "7fc1bb48", ("drop;",)))
    assert (trace.datapaths, trace.outputs, trace.drops) == (("geneve-net",), (), 1)
    assert trace.drop_stage is trace.stages[1]
    assert [s.drops for s in trace.stages] == [False, True]


def test_detailed_trace_through_conntrack_to_an_acl_drop():
    trace = ovn_trace.parse_ovn_trace(ACL_DROPPED)
    assert [(s.pipeline, s.table, s.name, s.priority, s.uuid)
            for s in trace.stages] == [
        ("ingress", 0, "ls_in_check_port_sec", 50, "6ea24851"),
        ("ingress", 4, "ls_in_pre_acl", 100, "6ee27b0e"),
        ("ingress", 6, "ls_in_pre_stateful", 100, "395f501b"),
        ("ingress", 7, "ls_in_acl_hint", 7, "747bd0c2"),
        ("ingress", 8, "ls_in_acl", 2002, "5fe8dc93"),
        ("ingress", 18, "ls_in_stateful", 100, "54e9c845"),
        ("ingress", 25, "ls_in_l2_lkup", 50, "744c307d"),
        ("egress", 0, "ls_out_pre_acl", 100, "93b4abbb"),
        ("egress", 2, "ls_out_pre_stateful", 100, "9ce408d7"),
        ("egress", 3, "ls_out_acl_hint", 7, "329fc640"),
        ("egress", 4, "ls_out_acl", 2000, "a672f895")]
    assert {s.datapath for s in trace.stages} == {"geneve-net"}
    # the stage before a conntrack heading keeps its own actions only
    assert trace.stages[2].actions == ("ct_next;",)
    assert trace.stages[3].actions == ("reg0[7] = 1;", "reg0[9] = 1;", "next;")
    assert trace.stages[5].actions == ("ct_commit { ct_mark.blocked = 0; };", "next;")
    assert trace.stages[6].actions == ('outport = "geneve2";', "output;")
    assert trace.stages[4].match == (
        "reg0[7] == 1 && (inport == @pg_fa704a55_0424_46dd_9f35_ddd5c86704bf && ip4)")
    assert (trace.outputs, trace.drops, trace.dropped) == ((), 1, True)
    assert trace.drop_stage is trace.stages[-1]


def test_delivered_ping_has_its_output_and_no_drop():
    trace = ovn_trace.parse_ovn_trace(DELIVERED)
    assert (trace.outputs, trace.drops, trace.dropped, trace.drop_stage) == (
        ("geneve2",), 0, False, None)
    assert trace.datapaths == ("geneve-net",)
    assert len(trace.stages) == 14
    assert [s.name for s in trace.stages[-2:]] == [
        "ls_out_check_port_sec", "ls_out_apply_port_sec"]


def test_a_routed_ping_names_each_datapath_once_in_order():
    trace = ovn_trace.parse_ovn_trace(read("geneve-to-vlan1-routed-network1"))
    assert trace.datapaths == ("geneve-net", "lab-router", "vlan-net")
    assert trace.outputs == ("vlan1",)


def test_the_detailed_and_the_summary_trace_together():
    # ovn-trace --detailed --summary prints both, in this order; made of
    # the two real port-security captures of the same ping (the detailed
    # part of one, the summary part of the other)
    detailed = DETAILED[:DETAILED.index("# Minimal trace.")]
    summary = SUMMARY[SUMMARY.index("# Summary trace."):]
    trace = ovn_trace.parse_ovn_trace(detailed + summary)
    # the drops and the datapaths are read off the summary
    assert (trace.drops, trace.datapaths, trace.outputs) == (1, ("geneve-net",), ())
    assert [s.name for s in trace.stages] == ["ls_in_check_port_sec",
                                              "ls_in_apply_port_sec"]


def test_a_comment_line_in_the_summary_is_read_as_an_action():
    # ovn-trace prints notes as C comments on lines of their own; this one
    # is copied from the detailed part of the delivered ping
    note = '    /* output to "geneve2", type "" */\n'
    assert note in DELIVERED
    trace = ovn_trace.parse_ovn_trace(_edited(SUMMARY, "    drop;\n", note + "    drop;\n"))
    assert (trace.drops, trace.outputs) == (1, ())


def test_a_heading_as_the_last_line_of_the_detailed_part():
    # the detailed part cut right after its first heading and dashes (no
    # stage left), the summary part of the same ping after it: the heading
    # is read as a heading, not as a stray line
    detailed = DETAILED[:DETAILED.index(" 0. ls_in_check_port_sec")]
    assert detailed.endswith('inport="geneve1")\n'
                             '------------------------------------------\n')
    summary = SUMMARY[SUMMARY.index("# Summary trace."):]
    trace = ovn_trace.parse_ovn_trace(detailed + summary)
    assert (trace.stages, trace.drops, trace.datapaths) == ((), 1, ("geneve-net",))


@pytest.mark.parametrize("microflow", ["x", "ip"])
def test_the_shortest_microflow_line(microflow):
    # "# " and one character is a microflow line; "# " alone is not
    text = _edited(SUMMARY, "# " + FLOW + "\n", f"# {microflow}\n")
    assert ovn_trace.parse_ovn_trace(text).flow == microflow


def _edited(text, old, new):
    assert text.count(old) == 1, old
    return text.replace(old, new)


MINIMAL_DELIVERED = DELIVERED[DELIVERED.index("# Minimal trace."):]
# a line over 120 characters that is no action (no final ";")
LONG = "    " + "reg0[15] = check_in_port_sec(); " * 5 + "next\n"
REFUSALS = {
    "not-text": (SUMMARY.encode(), "ovn-trace: expected text, got bytes"),
    "cut": (SUMMARY[:-1],
            "ovn-trace: output does not end with a newline (truncated?)"),
    "no-microflow": (SUMMARY[SUMMARY.index("# Summary"):],
                     "ovn-trace: no microflow line: "
                     + repr(SUMMARY[SUMMARY.index("# Summary"):][:120])),
    "microflow-not-a-comment": (SUMMARY[2:], "ovn-trace: no microflow line: "
                                + repr(SUMMARY[2:][:120])),
    "empty-microflow": ("# \n" + SUMMARY[SUMMARY.index("# Summary"):],
                        "ovn-trace: no microflow line: "
                        + repr(("# \n" + SUMMARY[SUMMARY.index("# Summary"):])[:120])),
    "minimal-only": (_edited(SUMMARY, SUMMARY[SUMMARY.index("# Summary"):
                                              SUMMARY.index("# Minimal")], ""),
                     "ovn-trace: expected the detailed and/or summary trace, "
                     "then the minimal trace"),
    "section-not-second": (_edited(SUMMARY, "# Summary trace.\n",
                                   "# note\n# Summary trace.\n"),
                           "ovn-trace: expected the detailed and/or summary "
                           "trace, then the minimal trace"),
    "out-of-order": (_edited(DETAILED, "# Detailed trace.\n", "# Minimal trace.\n")
                     .replace("# Minimal trace.\n", "# Detailed trace.\n", 2)
                     .replace("# Detailed trace.\n", "# Minimal trace.\n", 1),
                     "ovn-trace: expected the detailed and/or summary trace, "
                     "then the minimal trace"),
    "blank-in-summary": (_edited(SUMMARY, "    next;\n", "    next;\n\n"),
                         "ovn-trace: blank line"),
    "summary-closed-twice": (_edited(SUMMARY, "};\n", "};\n};\n"),
                             "ovn-trace: unbalanced braces"),
    "summary-not-closed": (_edited(SUMMARY, "};\n", ""),
                           "ovn-trace: unbalanced braces (cut short?)"),
    "summary-not-an-action": (_edited(SUMMARY, "    next;\n", LONG),
                              "ovn-trace: not an action: "
                              + repr(LONG.strip()[:120])),
    "minimal-not-closed": (_edited(DELIVERED, MINIMAL_DELIVERED,
                                   MINIMAL_DELIVERED[:-3]),
                           "ovn-trace: unbalanced braces (cut short?)"),
    "stage-outside-pipeline": (
        _edited(DETAILED, 'ingress(dp="geneve-net", inport="geneve1")\n'
                '------------------------------------------\n', ""),
        "ovn-trace: a stage outside a pipeline: "
        + repr("0. ls_in_check_port_sec (northd.c:8432): 1, priority 50, "
               "uuid 6ea24851"[:120])),
    # the first stage the parser meets is a long one: its message is cut
    "long-stage-outside-pipeline": (
        ACL_DROPPED[:ACL_DROPPED.index("ingress(")]
        + ACL_DROPPED[ACL_DROPPED.index(" 8. ls_in_acl "):],
        "ovn-trace: a stage outside a pipeline: "
        + repr("8. ls_in_acl (northd.c:6445): reg0[7] == 1 && (inport == "
               "@pg_fa704a55_0424_46dd_9f35_ddd5c86704bf && ip4), priority "
               "2002, uuid 5fe8dc93"[:120])),
    "not-an-action-in-detailed": (
        _edited(DETAILED, "    drop;\n", LONG),
        "ovn-trace: unexpected line in the detailed trace: "
        + repr(LONG.strip()[:120])),
    "action-before-any-stage": (
        _edited(DETAILED, "------------------------------------------\n",
                "------------------------------------------\n    next;\n"),
        "ovn-trace: unexpected line in the detailed trace: 'next;'"),
    "neither-output-nor-drop": (_edited(DETAILED, "    drop;\n", "    next;\n"),
                                "ovn-trace: no output and no drop (cut short?)"),
}


@pytest.mark.parametrize("text,message", REFUSALS.values(), ids=list(REFUSALS))
def test_refusals_by_message(text, message):
    with pytest.raises(ParseError) as exc:
        ovn_trace.parse_ovn_trace(text)
    assert str(exc.value) == message
