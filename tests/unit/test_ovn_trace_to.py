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

"""``port trace --to IP`` on ML2/OVN, replayed from real recordings of the
OVN lab (tools/record_ovn_scenarios): geneve1 pinging geneve2 on its own
network, vlan1 behind the router, geneve2 in a security group without
ingress rules (the lab fault), and geneve2 with geneve1's chassis's
remote output flows deleted (the lab fault). The logical answer
(ovn-trace), its ACLs named by security group and rule, and the
chassis's answer (ofproto/trace) beside it.
"""

import dataclasses
import json
import pathlib
import shutil

import pytest

from osc_netdiag import api
from osc_netdiag.backends.ml2_ovn import hostpath
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag import context as ctx
from osc_netdiag.errors import ResolveError
from osc_netdiag import exitcodes
from osc_netdiag.transport import replay as replay_mod
from osc_netdiag.v1 import port as port_cmd
from tests.unit import helpers

SCENARIOS = pathlib.Path(__file__).parents[1] / "fixtures" / "ovn" / "scenarios"
GENEVE1 = "bc3e1b0a-0f9e-40d0-a5be-a9c8f7e36061"
EGRESS_RULE = ("security group default rule "
               "11426bca-4b7b-4688-86a0-d938c420d493 (egress)")
INGRESS_RULE = ("security group default rule "
                "be9ca2e1-20fb-4814-9029-f68673a72125 (ingress)")


def replay(directory):
    code, app = helpers.run_command(port_cmd.TracePort, "--from-capture",
                                    str(directory), "-f", "json")
    out = app.stdout.getvalue()
    return code, (json.loads(out) if out else None)


def codes(doc):
    return sorted(f["code"] for f in doc["findings"])


def hop(doc, host, kind, device):
    found = [h for h in doc["hops"] if (h["host"], h["kind"], h["device"])
             == (host, kind, device)]
    assert len(found) == 1, (host, kind, device)
    return found[0]


def test_to_an_instance_on_the_same_network():
    code, doc = replay(SCENARIOS / "geneve-to-geneve2")
    assert (code, codes(doc)) == (exitcodes.OK, [])
    logical = hop(doc, "network1", "ovn-logical", "ping 198.18.17.80")
    assert (logical["state"], logical["detail"]) == (
        "delivered",
        "to 198.18.17.80 (port geneve2 on geneve-net) through geneve-net; "
        f"delivered to port geneve2; allowed by {EGRESS_RULE}, "
        f"{INGRESS_RULE}")
    host = hop(doc, "compute1", "ovn-host-trace", "ping 198.18.17.80")
    # geneve2 is on compute2: compute1's tables tunnel it to its encap
    assert (host["state"], host["status"]) == ("agrees", "OK")
    assert host["detail"].startswith("br-int sends it to geneve to "
                                     "198.18.1.12; ")
    # the gateway ping is still traced beside it
    assert hop(doc, "network1", "ovn-logical",
               "ping 198.18.17.1")["state"] == "delivered"


def test_to_an_instance_behind_the_router():
    code, doc = replay(SCENARIOS / "geneve-to-vlan1-routed")
    assert (code, codes(doc)) == (exitcodes.OK, [])
    logical = hop(doc, "network1", "ovn-logical", "ping 198.18.16.92")
    # networks and the router by their Neutron names, never neutron-<uuid>
    assert logical["detail"].startswith(
        "to 198.18.16.92 (port vlan1 on vlan-net) through geneve-net -> "
        "lab-router -> vlan-net; delivered to port vlan1; ")
    assert "neutron-" not in logical["detail"]
    host = hop(doc, "compute1", "ovn-host-trace", "ping 198.18.16.92")
    # vlan1 is on compute1 too: delivered on the chassis
    assert host["detail"].startswith("br-int sends it to a port of this "
                                     "chassis; ")


def test_to_an_address_an_acl_drops():
    # the lab fault: geneve2 in a security group with no ingress rule
    code, doc = replay(SCENARIOS / "geneve-to-acl-dropped")
    assert code == exitcodes.ERROR_FINDING == 4
    assert codes(doc) == ["NETDIAG_OVN_ACL_DROP"]
    finding = doc["findings"][0]
    assert finding["subject"] == f"{GENEVE1}:ping 198.18.17.80"
    assert finding["summary"].endswith(
        "at ls_out_acl (table 4 of geneve-net) by Neutron's drop ACL "
        "(ingress: no rule of the destination port's security groups "
        "(netdiag-test-no-ingress) allows it)")
    logical = hop(doc, "network1", "ovn-logical", "ping 198.18.17.80")
    assert (logical["state"], logical["status"]) == ("dropped", "ERROR")
    # the destination's ACLs run on its chassis: compute1 rightly tunnels
    # it there, which is no parting
    host = hop(doc, "compute1", "ovn-host-trace", "ping 198.18.17.80")
    assert (host["state"], host["status"]) == ("agrees", "OK")
    assert "the logical pipeline drops it there" in host["detail"]


def test_host_parts_when_the_remote_output_flows_are_deleted():
    # the lab fault: compute1's table 39 flows of geneve-net deleted
    code, doc = replay(SCENARIOS / "remote-output-flows-deleted")
    assert code == exitcodes.ERROR_FINDING == 4
    assert codes(doc) == ["NETDIAG_OVN_HOST_PARTS"]
    finding = doc["findings"][0]
    assert finding["subject"] == "compute1:ping 198.18.17.80"
    assert "the logical pipeline delivers it, the chassis sends it " \
        "nowhere" in finding["summary"]
    assert "Restart ovn-controller on compute1" in finding["remedy"]
    assert hop(doc, "network1", "ovn-logical",
               "ping 198.18.17.80")["state"] == "delivered"
    host = hop(doc, "compute1", "ovn-host-trace", "ping 198.18.17.80")
    assert (host["state"], host["status"]) == ("parts", "ERROR")
    assert host["detail"].startswith("br-int sends it to nowhere; ")


def edited(tmp_path, scenario, host, prefix, edit):
    """A copy of ``scenario`` whose one command named ``prefix...`` on
    ``host`` went through ``edit`` (text -> text).
    """
    target = tmp_path / scenario
    shutil.copytree(SCENARIOS / scenario, target)
    path = target / "hosts" / f"{host}.json"
    data = json.loads(path.read_text())
    hits = [c for c in data["commands"] if c["name"].startswith(prefix)]
    assert len(hits) == 1, prefix
    before = hits[0]["stdout"]
    hits[0]["stdout"] = edit(before)
    assert hits[0]["stdout"] != before, "the edit changed nothing"
    path.write_text(json.dumps(data))
    return target


def test_host_parts_when_it_tunnels_to_another_chassis(tmp_path):
    # compute1's real trace edited in one place: the tunnel goes to
    # network1's encap (198.18.1.13), geneve2 is on compute2 (198.18.1.12)
    d = edited(tmp_path, "geneve-to-geneve2", "compute1",
               "ofproto-trace:br-int:icmp,in_port=5,dl_src=fa:16:3e:14:4d:3f,"
               "dl_dst=fa:16:3e:c2:d0:04",
               lambda t: t.replace("ipv4(src=198.18.1.11,dst=198.18.1.12,",
                                   "ipv4(src=198.18.1.11,dst=198.18.1.13,"))
    code, doc = replay(d)
    assert (code, codes(doc)) == (4, ["NETDIAG_OVN_HOST_PARTS"])
    assert "the destination is on compute2 (198.18.1.12), the chassis " \
        "tunnels it to 198.18.1.13" in doc["findings"][0]["summary"]


def test_allowing_acl_named_by_its_security_group_rule(tmp_path):
    # the ACL list edited in one place: the rule ID of the default
    # group's egress ACL changed, so it is no longer the API's rule and
    # is named by its port group's security group instead
    d = edited(tmp_path, "geneve-to-geneve2", "network1", "ovn-nb-acls",
               lambda t: t.replace("11426bca-4b7b-4688-86a0-d938c420d493",
                                   "11426bca-4b7b-4688-86a0-000000000000"))
    code, doc = replay(d)
    assert code == 0
    detail = hop(doc, "network1", "ovn-logical", "ping 198.18.17.80")["detail"]
    assert "security group default rule " \
        "11426bca-4b7b-4688-86a0-000000000000 (egress)" in detail


def test_an_address_with_no_next_hop_is_not_traced(tmp_path):
    # the recorded context's destination with no next hop: an address on
    # no subnet of the port, and no router (edited from the real one)
    target = tmp_path / "no-next-hop"
    shutil.copytree(SCENARIOS / "geneve-to-geneve2", target)
    context = ctx.PortContext.from_json(
        replay_mod.load_json(str(target), "context"))
    context = dataclasses.replace(context, destination=ctx.Destination(
        ip="198.18.17.99"))
    replay_mod.save_json(str(target), "context", context.to_json())
    code, doc = replay(target)
    assert (code, codes(doc)) == (0, [])
    row = hop(doc, "network1", "ovn-logical", "ping 198.18.17.99")
    assert (row["state"], row["status"]) == ("not traced", "SKIP")
    assert not [h for h in doc["hops"] if h["device"] == "ping 198.18.17.99"
                and h["kind"] == "ovn-host-trace"]


@pytest.mark.parametrize("value", ["198.18.17.256", "-x", "fe80::1",
                                   "198.18.17.80; true", ""])
def test_to_takes_one_ipv4_address_only(value):
    # refused as a usage error before the API or any host is reached
    with pytest.raises(SystemExit) as exc:
        helpers.run_command(port_cmd.TracePort, GENEVE1, "--to", value)
    assert exc.value.code == exitcodes.USAGE == 2


def test_to_is_refused_with_server():
    code_or_exit = None
    try:
        helpers.run_command(port_cmd.TracePort, "--server", "vm1", "--to",
                            "198.18.17.80", conn=object())
    except SystemExit as exc:
        code_or_exit = exc.code
    assert code_or_exit == exitcodes.USAGE


def test_to_is_refused_for_ml2_ovs_with_exit_3():
    # a real ML2/OVS port's recorded context: --to is for ML2/OVN only
    recorded = pathlib.Path(__file__).parents[1] / "fixtures" / \
        "scenarios" / "gre-healthy"
    context = ctx.PortContext.from_json(
        replay_mod.load_json(str(recorded), "context"))
    with pytest.raises(ResolveError) as exc:
        api._with_destination(None, context, "198.18.17.80")
    assert exc.value.reason == "unsupported"    # exit 3, as the CLI maps it
    assert "port trace --to is not available for ML2/OVS" in str(exc.value)


def test_no_host_trace_without_the_port_s_br_int_interface():
    # the lab fault: geneve1's iface-id cleared, so br-int has no port
    # number for it; the logical answer stands alone, and the second
    # round trip is asked (for --show-commands) but has nothing to run
    code, doc = replay(SCENARIOS / "iface-id-cleared")
    assert code == 4
    assert hop(doc, "network1", "ovn-logical",
               "ping 198.18.17.1")["state"] == "delivered"
    assert not [h for h in doc["hops"] if h["kind"] == "ovn-host-trace"]
    context = ctx.PortContext.from_json(
        replay_mod.load_json(str(SCENARIOS / "iface-id-cleared"), "context"))

    class NoInterfaces:
        def read(self, probe):
            raise Unreadable("compute1", probe, "error", "not read")
    assert hostpath.follow_up(context, {"compute1": NoInterfaces()}) == \
        {"compute1": []}


def test_the_drop_acl_names_whose_groups_judge_the_way_in():
    # the real drop stage of the ACL fault's trace (ls_out_acl, Neutron's
    # drop-all): for the --to ping the destination's groups judge it; for
    # the router's reply to the port (the gateway ping) the port's own
    from osc_netdiag.backends.ml2_ovn import logical
    from osc_netdiag.parsers.ovn_trace import parse_ovn_trace
    recorded = SCENARIOS / "geneve-to-acl-dropped"
    context = ctx.PortContext.from_json(
        replay_mod.load_json(str(recorded), "context"))
    stage = parse_ovn_trace((SCENARIOS.parent / "probes" / (
        "ovn-trace--geneve-to-acl-dropped-network1-2.out")).read_text()
    ).drop_stage
    assert logical.acl_label(stage, (), context) == (
        "Neutron's drop ACL (ingress: no rule of the destination port's "
        "security groups (netdiag-test-no-ingress) allows it)")
    assert logical.acl_label(stage, (), context, reply=True) == (
        "Neutron's drop ACL (ingress: no rule of the port's security "
        "groups (the reply to it) (default) allows it)")
