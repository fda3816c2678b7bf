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

"""network vlan-map on captures recorded from the real lab (tests/lab
records them with NETDIAG_RECORD_FIXTURES), on variations of their API
context, and its resolution against SDK fakes.
"""

import dataclasses
import json
import pathlib
import types

import pytest

from osc_netdiag.backends.ml2_ovs import map_flows
from osc_netdiag.errors import ResolveError
from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from osc_netdiag.parsers import ofctl
from osc_netdiag.parsers import ovs_vsctl
from osc_netdiag import runner
from osc_netdiag.transport import replay
from osc_netdiag.v1 import network as network_cmd
from osc_netdiag import vlanmap
from tests.unit.api import sdk_fakes as sf
from tests.unit import helpers
from tests.unit.helpers import codes

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "vlanmap"


def load(scenario):
    return vlanmap.map_from_capture(str(FIXTURES / scenario))


def context_of(scenario):
    return helpers.recorded_context(FIXTURES / scenario,
                                    vlanmap.VlanMapContext,
                                    runner.CONTEXT_FILE)


def with_context(scenario, **changes):
    """Replay ``scenario`` against an API context changed by ``changes``."""
    return helpers.replay_context(
        vlanmap.map_context,
        dataclasses.replace(context_of(scenario), **changes),
        FIXTURES / scenario)


def by_host(result):
    return {r.host: r for r in result.rows}


def test_vlan_network_healthy():
    result = load("vlan-healthy")
    assert result.exit_code == exitcodes.OK and result.findings == ()
    assert result.round_trips == 3
    rows = by_host(result)
    assert sorted(rows) == ["compute1", "compute2", "network1"]
    for row in rows.values():
        assert (row.bridge, row.network_type, row.segmentation_id) == \
            ("br-eth1", "vlan", 2113)
        assert row.status == Status.OK
        # ports by name although ovs-ofctl over SSH printed numbers
        assert row.ingress == (
            f"br-int table=0 in_port=int-br-eth1,dl_vlan=2113 "
            f"actions=mod_vlan_vid:{row.local_vlan},resubmit(,58)")
        assert row.egress == (
            f"br-eth1 table=0 in_port=phy-br-eth1,dl_vlan={row.local_vlan} "
            f"actions=mod_vlan_vid:2113,NORMAL")
        assert isinstance(row.ingress_packets, int)
    assert rows["compute1"].local_vlan != rows["network1"].local_vlan


def test_vxlan_network_healthy():
    result = load("vxlan-healthy")
    assert result.exit_code == exitcodes.OK and result.findings == ()
    for row in result.rows:
        assert row.bridge == "br-tun" and row.segmentation_id == 1295
        assert row.ingress.startswith("br-tun table=4 tun_id=0x50f actions="
                                      f"mod_vlan_vid:{row.local_vlan},")
        assert "load:0x50f->NXM_NX_TUN_ID[]" in row.egress
        [flood] = [f for f in row.egress.split("; ")
                   if f.startswith("br-tun table=22 ")]
        assert flood.count("output:vxlan-") == 2


def test_flat_network_on_all_hosts():
    result = load("flat-all-hosts")
    assert result.exit_code == exitcodes.OK and result.findings == ()
    rows = by_host(result)
    assert rows["network1"].segmentation_id is None
    assert "vlan_tci=0x0000/0x1fff" in rows["network1"].ingress
    assert "strip_vlan" in rows["network1"].egress
    assert rows["compute1"].status == Status.SKIP
    assert "cannot carry" in rows["compute1"].detail
    assert rows["compute1"].row()[3] == "-"


def test_ingress_flow_deleted():
    result = load("ingress-deleted")
    assert result.exit_code == exitcodes.ERROR_FINDING
    [finding] = result.findings
    assert finding.code == "NETDIAG_VLANMAP_NO_TRANSLATION"
    assert finding.subject == "compute2:br-eth1"
    row = by_host(result)["compute2"]
    assert row.status == Status.ERROR and row.ingress == ""
    assert row.egress and row.local_vlan is not None


def test_tunnel_removed_breaks_the_flood_flow():
    result = load("tunnel-removed")
    assert result.exit_code == exitcodes.ERROR_FINDING
    assert codes(result) == ["NETDIAG_VLANMAP_FLOOD_MISSING_TUNNEL"]
    assert result.findings[0].subject == "compute1->network1"
    assert "no tunnel port" in result.findings[0].summary
    assert by_host(result)["compute1"].status == Status.ERROR
    assert by_host(result)["compute2"].status == Status.OK


def test_two_networks_on_one_local_vlan():
    result = load("shared-local-vlan")
    assert result.exit_code == exitcodes.ERROR_FINDING
    assert set(codes(result)) == {"NETDIAG_VLANMAP_SHARED_LOCAL_VLAN",
                                  "NETDIAG_VLANMAP_VLAN_MISMATCH"}
    shared = [f for f in result.findings
              if f.code == "NETDIAG_VLANMAP_SHARED_LOCAL_VLAN"]
    assert [f.subject.split(":")[0] for f in shared] == ["compute1"]
    row = by_host(result)["compute1"]
    assert row.status == Status.ERROR and "port" not in row.ingress


def test_segment_unknown_to_the_api():
    context = context_of("vlan-healthy")
    known = tuple(s for s in context.known_segments if s[2] != 1295)
    result = with_context("vlan-healthy", known_segments=known)
    unknown = [f for f in result.findings
               if f.code == "NETDIAG_VLANMAP_UNKNOWN_SEGMENT"]
    # the VXLAN network's flows are still on every host that read br-tun
    assert sorted(f.subject for f in unknown) == [
        "compute1:vxlan 1295", "compute2:vxlan 1295", "network1:vxlan 1295"]
    assert result.exit_code == exitcodes.OK       # a WARNING


def test_flood_must_reach_every_carrier():
    context = context_of("vxlan-healthy")
    agents = dict(context.ovs_agents)
    extra = dataclasses.replace(
        agents["compute2"], host="compute3",
        configurations=dict(agents["compute2"].configurations,
                            tunneling_ip="198.18.1.14"))
    agents["compute3"] = extra
    ports = dict(context.port_hosts, compute3=1)
    result = with_context("vxlan-healthy", ovs_agents=agents,
                          port_hosts=ports)
    flood = sorted(f.subject for f in result.findings
                   if f.code == "NETDIAG_VLANMAP_FLOOD_MISSING_TUNNEL")
    assert flood == ["compute1->compute3", "compute2->compute3",
                     "network1->compute3"]
    assert result.exit_code == exitcodes.ERROR_FINDING
    # compute3 is a carrier but was not read (not in context.hosts)
    assert "compute3" not in by_host(result)


def test_host_without_mapping_for_the_segment():
    context = context_of("vlan-healthy")
    agents = dict(context.ovs_agents)
    agents["compute1"] = dataclasses.replace(
        agents["compute1"], configurations=dict(
            agents["compute1"].configurations, bridge_mappings={}))
    result = with_context("vlan-healthy", ovs_agents=agents)
    assert codes(result, "ERROR") == ["NETDIAG_OVS_NO_MAPPING"]
    assert by_host(result)["compute1"].status == Status.ERROR
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_multi_segment_network_gives_one_row_per_segment():
    vlan = context_of("vlan-healthy")
    vxlan = context_of("vxlan-healthy")
    network = dataclasses.replace(
        vlan.network, segments=vlan.network.segments + vxlan.network.segments)
    result = with_context("vlan-healthy", network=network)
    assert sorted((r.host, r.network_type) for r in result.rows) == sorted(
        (h, t) for h in ("compute1", "compute2", "network1")
        for t in ("vlan", "vxlan"))
    # the ports are wired to the VLAN segment (Port other_config says so):
    # the VXLAN segment's flows, which serve another network here, are
    # neither expected nor taken for this network's
    assert result.findings == () and result.exit_code == exitcodes.OK
    vlan_rows = [r for r in result.rows if r.network_type == "vlan"]
    assert all(r.status == Status.OK for r in vlan_rows)
    assert all(r.local_vlan is not None for r in vlan_rows)


def test_flow_extractors_on_real_flows():
    hosts = {h["host"]: h for h in replay.captured_hosts(
        str(FIXTURES / "vlan-healthy"))}
    outputs = {c["name"]: c["stdout"] for c in hosts["compute1"]["commands"]}
    topo = ovs_vsctl.build_topology(
        ovs_vsctl.parse_bridges(outputs["ovs-bridges"]),
        ovs_vsctl.parse_ports(outputs["ovs-ports"]),
        ovs_vsctl.parse_interfaces(outputs["ovs-interfaces"]))
    flows = ofctl.parse_dump_flows(outputs["flows:br-int:table=0"])
    [(physnet, ingress)] = map_flows.ingress_vlan_flows(
        topo, "br-int", flows, {"int-br-eth1": "physnet1"})
    assert (physnet, ingress.segmentation_id) == ("physnet1", 2113)
    egress = map_flows.egress_vlan_flows(
        topo, "br-eth1", ofctl.parse_dump_flows(
            outputs["flows:br-eth1:table=0"]), "phy-br-eth1")
    assert [(t.lvid, t.segmentation_id) for t in egress] == [
        (ingress.lvid, 2113)]
    tun = map_flows.tunnel_egress_flows(topo, ofctl.parse_dump_flows(
        outputs["flows:br-tun:table=22"]))
    assert [t.segmentation_id for t in tun] == [1295]
    assert all(o.startswith("vxlan-") for o in tun[0].outputs)


def test_context_json_round_trip():
    context = context_of("vxlan-healthy")
    assert vlanmap.VlanMapContext.from_json(
        json.loads(json.dumps(context.to_json()))) == context


# -- resolution against SDK fakes ---------------------------------------------

class MapNeutron(sf.FakeNeutron):
    def find_network(self, ref, ignore_missing=True):
        for net in self._networks.values():
            if ref in (net.id, net.name):
                return net
        return None

    def networks(self, **filters):
        return iter(self._networks.values())


def fake_cloud():
    base = sf.vlan_cloud()
    neutron = base.network
    neutron.__class__ = MapNeutron
    return types.SimpleNamespace(network=neutron, compute=None)


def test_resolve_carriers_and_all_hosts():
    conn = fake_cloud()
    context = vlanmap.resolve_context(conn, "vlan-net")
    assert context.network.id == sf.NET_ID
    assert context.hosts == ("compute1", "network1")
    assert context.port_hosts == {"compute1": 1, "network1": 2}
    assert ("vlan", "physnet1", 2113, sf.NET_ID) in context.known_segments
    every = vlanmap.resolve_context(conn, sf.NET_ID, all_hosts=True)
    assert every.hosts == ("compute1", "compute2", "network1")


def test_resolve_unknown_network_exits_3():
    with pytest.raises(ResolveError):
        vlanmap.resolve_context(fake_cloud(), "nope")
    code, app = run_command("nope", conn=fake_cloud())
    assert code == exitcodes.UNRESOLVED
    assert "No network found" in app.stderr.getvalue()


# -- the command --------------------------------------------------------------

def run_command(*argv, conn=None):
    return helpers.run_command(network_cmd.ShowVlanMap, *argv, conn=conn)


@pytest.mark.parametrize("scenario,expected", [
    ("vlan-healthy", 0), ("ingress-deleted", 4), ("tunnel-removed", 4)])
def test_command_json_document_and_exit_code(scenario, expected):
    code, app = run_command("--from-capture", str(FIXTURES / scenario),
                            "-f", "json")
    assert code == expected
    doc = json.loads(app.stdout.getvalue())
    assert doc["exit_code"] == expected
    assert {"network_id", "rows", "findings", "hosts"} <= set(doc)
    assert {"host", "bridge", "local_vlan", "ingress", "egress",
            "ingress_packets", "egress_packets", "status"} <= set(doc["rows"][0])


def test_command_table_has_counters_and_findings():
    code, app = run_command("--from-capture",
                            str(FIXTURES / "ingress-deleted"))
    out = app.stdout.getvalue()
    assert code == 4
    assert "Ingress Packets" in out and "NETDIAG_VLANMAP_NO_TRANSLATION" in out


def test_command_needs_a_network():
    with pytest.raises(SystemExit) as exc:
        run_command()
    assert exc.value.code == exitcodes.USAGE


def test_dvr_lab_egress_translation_is_read_from_table_2():
    """Recorded on the DVR lab: with enable_distributed_routing the OVS
    agent puts local VLAN -> segment in the physical bridge's table 2.
    """
    from osc_netdiag.backends.ml2_ovs import topology
    agents = context_of("dvr-lab-vlan-healthy").ovs_agents
    assert {topology.phys_translation_table(a) for a in agents.values()} == {2}
    for scenario, bridge, action in (
            ("dvr-lab-vlan-healthy", "br-eth1", "mod_vlan_vid:2113"),
            ("dvr-lab-flat-all-hosts", "br-ex", "strip_vlan")):
        result = load(scenario)
        assert result.exit_code == exitcodes.OK and result.findings == ()
        rows = by_host(result)
        assert sorted(rows) == ["compute1", "compute2", "network1"]
        for row in rows.values():
            assert row.status == Status.OK and row.bridge == bridge
            assert row.egress == (
                f"{bridge} table=2 in_port=phy-{bridge},"
                f"dl_vlan={row.local_vlan} actions={action},NORMAL")


def test_agent_without_dvr_keeps_table_0():
    from osc_netdiag.backends.ml2_ovs import topology
    agent = context_of("vlan-healthy").ovs_agents["compute1"]
    assert not agent.configurations.get("enable_distributed_routing")
    assert topology.phys_translation_table(agent) == 0
    assert topology.phys_translation_table(None) == 0
