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

"""``ovn-trace --ct=new --ct=new --detailed --minimal`` (OVN 23.03) and the
chassis's ``ofproto/trace`` of the same ping, on real output recorded on
the OVN lab (tests/fixtures/ovn, tools/record_ovn_scenarios)."""

import pathlib

import pytest

from osc_netdiag.backends.ml2_ovn import hostpath
from osc_netdiag.errors import ParseError
from osc_netdiag.parsers.ofproto_trace import parse_ofproto_trace
from osc_netdiag.parsers.ovn_trace import parse_ovn_trace

OVN = pathlib.Path(__file__).parents[2] / "fixtures" / "ovn"
# geneve1 -> geneve2 with geneve2 in a group without ingress rules
ACL_DROPPED = (OVN / "probes" /
               "ovn-trace--geneve-to-acl-dropped-network1-2.out").read_text()
# geneve1 -> vlan1, through lab-router
ROUTED = (OVN / "probes" /
          "ovn-trace--geneve-to-vlan1-routed-network1.out").read_text()
OFPROTO = OVN / "ofproto"


def test_a_drop_by_an_acl_names_its_stage():
    trace = parse_ovn_trace(ACL_DROPPED)
    assert (trace.dropped, trace.outputs, trace.drops) == (True, (), 1)
    stage = trace.drop_stage
    assert (stage.datapath, stage.pipeline, stage.table, stage.name,
            stage.priority, stage.uuid) == (
        "geneve-net", "egress", 4, "ls_out_acl", 2000, "a672f895")
    assert stage.match == "reg0[9] == 1 && (outport == @neutron_pg_drop && ip)"
    assert stage.actions == ("drop;",)
    assert trace.datapaths == ("geneve-net",)


def test_a_routed_ping_walks_the_router_stage_by_stage():
    trace = parse_ovn_trace(ROUTED)
    assert trace.datapaths == ("geneve-net", "lab-router", "vlan-net")
    assert (trace.dropped, trace.outputs, trace.drops) == (False, ("vlan1",), 0)
    assert trace.drop_stage is None
    routing = [s for s in trace.stages if s.name == "lr_in_ip_routing"]
    assert [(s.datapath, s.pipeline, s.match) for s in routing] == [
        ("lab-router", "ingress", "ip4.dst == 198.18.16.0/24")]
    assert "ip.ttl--;" in routing[0].actions
    acls = [(s.datapath, s.name, s.priority) for s in trace.stages
            if s.name in ("ls_in_acl", "ls_out_acl") and s.priority > 1000]
    assert acls == [("geneve-net", "ls_in_acl", 2002),
                    ("vlan-net", "ls_out_acl", 2002)]


@pytest.mark.parametrize("edit", [
    # a stage line before any pipeline heading
    lambda t: t.replace('ingress(dp="geneve-net", inport="geneve1")\n'
                        '------------------------------------------\n', '', 1),
    # a line that is no stage, heading or action
    lambda t: t.replace("    next;\n", "    next\n", 1),
    # the minimal part missing
    lambda t: t[:t.index("# Minimal trace.")],
    # the detailed part after the minimal one
    lambda t: t.replace("# Detailed trace.", "# Minimal trace.", 1),
], ids=["stage-outside-pipeline", "not-an-action", "no-minimal",
        "out-of-order"])
def test_detailed_trace_is_strict(edit):
    with pytest.raises(ParseError):
        parse_ovn_trace(edit(ACL_DROPPED))


@pytest.mark.parametrize("path", sorted(OFPROTO.glob("*.out")),
                         ids=lambda p: p.stem)
def test_every_recorded_chassis_trace_parses(path):
    trace = parse_ofproto_trace(path.read_text())
    assert trace.passes and all(p.datapath_actions for p in trace.passes)


def test_the_slow_path_note_after_the_router_s_own_answer():
    # the ping to the router's address: ovs-vswitchd answers it itself and
    # says so after the actions; the reply's pass follows
    text = (OFPROTO / "ofproto-trace--geneve-healthy-compute1.out").read_text()
    assert "This flow is handled by the userspace slow path" in text
    trace = parse_ofproto_trace(text)
    assert len(trace.passes) == 3
    assert trace.passes[-1].datapath_actions.endswith(",10")
    assert hostpath.host_answer(trace) == ((), True)


@pytest.mark.parametrize("name,answer", [
    ("geneve-to-geneve2-compute1-2", (("198.18.1.12",), True)),
    ("geneve-to-vlan1-routed-compute1-2", ((), True)),
    ("remote-output-flows-deleted-compute1-2", ((), False)),
])
def test_where_the_chassis_finally_sends_the_ping(name, answer):
    # the last pass's datapath actions: a geneve tunnel (tnl_push to the
    # peer's encap), a port of the chassis, or nothing at all
    text = (OFPROTO / f"ofproto-trace--{name}.out").read_text()
    assert hostpath.host_answer(parse_ofproto_trace(text)) == answer
