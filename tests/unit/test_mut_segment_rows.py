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

"""network vlan-map's rows (one per host and segment) on the lab's
recordings (tests/fixtures/vlanmap) edited where each test says: the
exact status, local VLAN and detail of the rows, the exact findings and
the exact exit code; and the probes planned for a host.

Values read off the recordings by hand: in vlan-healthy, VLAN 2113's
local VLAN is 1 on compute1 and 2 on compute2 and network1, where its two
ports (a DHCP tap and a router port) carry tag 2; compute1 also carries the
VXLAN network (VNI 1295 = 0x50f) on local VLAN 2. In gre-healthy, compute1
carries GRE 84 (0x54, the mapped network) on local VLAN 3 and VXLAN 1520
(0x5f0) on local VLAN 2, with l2population's unicast flows (br-tun table
20) for both next to their flood flows (table 22).
"""

import dataclasses

from osc_netdiag.backends.ml2_ovs import segment_map
from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.mutation.test_probe_fault_reports import _break
from tests.unit.segmap_edits import add_segment
from tests.unit.segmap_edits import edited_map
from tests.unit.segmap_edits import port_tag
from tests.unit.segmap_edits import row_of
from tests.unit.segmap_edits import summaries
from tests.unit.test_vlanmap import context_of
from tests.unit.test_vlanmap_faults import codes
from tests.unit.test_vlanmap_faults import statuses

INT0, ETH0 = "flows:br-int:table=0", "flows:br-eth1:table=0"
TUN4, TUN22 = "flows:br-tun:table=4", "flows:br-tun:table=22"
# network1's DHCP tap on VLAN 2113's network (vlan-healthy)
DHCP_TAP = ("tap0ca4aaaf-71", "3ae34f40-e990-482c-b114-98aa80648edc")
# compute1's instance tap on it
VLAN_TAP = ("tapc5f2011d-5a", "02c2bc32-bbff-4d97-8a8b-007169a0d6d8")
OK, ERROR_FINDING = exitcodes.OK, exitcodes.ERROR_FINDING


def test_a_bridge_not_patched_to_br_int_is_named_in_row_and_finding(
        tmp_path):
    # ovs-interfaces: int-br-eth1's options:peer phy-br-eth1 -> phy-br-eth2
    result = edited_map(tmp_path, "vlan-healthy", (
        "compute1", "ovs-interfaces", '["peer","phy-br-eth1"]',
        '["peer","phy-br-eth2"]'))
    row = row_of(result, "compute1", "vlan")
    # nothing failed to read: the row says which bridge is not patched
    assert (row.status, row.local_vlan, row.detail) == (
        Status.ERROR, 1, "br-eth1 does not exist or is not patched to br-int")
    [finding] = result.findings
    assert (finding.code, finding.subject, finding.summary) == (
        "NETDIAG_OVS_BRIDGE_MISSING", "compute1:br-eth1",
        "br-eth1 (vlan 2113 on physnet1) is missing or not patched to "
        "br-int on compute1")
    assert finding.remedy == (
        "Create br-eth1 (ovs-vsctl add-br) and restart "
        "neutron-openvswitch-agent on compute1; check bridge_mappings.")
    assert result.exit_code == ERROR_FINDING


def test_unreadable_flow_tables_are_named_in_the_rows_detail(tmp_path):
    # compute1's br-int table 0 (ingress) and br-eth1 table 0 (egress)
    # commands failed (exit 1, an injected stderr); the rest is as recorded
    def fail(capture):
        for command in (INT0, ETH0):
            _break("failed", capture, "compute1", command)
    result = edited_map(tmp_path, "vlan-healthy", capture=fail)
    row = row_of(result, "compute1", "vlan")
    assert (row.status, row.ingress, row.egress) == (Status.SKIP, "", "")
    assert row.detail == ("flows not read: flows:br-int:table=0: error; "
                          "flows:br-eth1:table=0: error")
    assert [f.subject for f in result.findings] == [
        "compute1:flows:br-int:table=0", "compute1:flows:br-eth1:table=0"]
    assert codes(result) == ["NETDIAG_COMMAND_FAILED"] * 2
    assert statuses(result) == {"compute1": "SKIP", "compute2": "OK",
                                "network1": "OK"}
    assert result.exit_code == exitcodes.UNREADABLE


def test_a_segment_no_host_wires_is_not_expected_anywhere(tmp_path):
    # context: the network gets a second segment, VXLAN 1296, that no
    # host translates; its ports name VLAN 2113 in their other_config
    result = edited_map(tmp_path, "vlan-healthy",
                        context=add_segment("vxlan", None, 1296))
    for host in ("compute1", "compute2", "network1"):
        row = row_of(result, host, "vxlan")
        assert (row.segmentation_id, row.local_vlan, row.ingress,
                row.egress, row.status, row.detail) == (
            1296, None, "", "", Status.OK,
            "not wired on this host (no ports)")
        assert row_of(result, host, "vlan").status == Status.OK
    assert result.findings == () and result.exit_code == OK


def test_a_half_translated_segment_the_ports_do_not_use_warns(tmp_path):
    # context: the network is VLAN 2113 and VXLAN 1295, its ports wired to
    # VLAN 2113; compute1's tunnel table flow of VNI 0x50f is for 0x511
    # instead (a VNI no network has), its flood flow is intact
    result = edited_map(tmp_path, "vlan-healthy",
                        ("compute1", TUN4, "tun_id=0x50f actions",
                         "tun_id=0x511 actions"),
                        context=add_segment("vxlan", None, 1295))
    row = row_of(result, "compute1", "vxlan")
    # no port of the network on VXLAN 1295: the local VLAN is the flood
    # flow's, and a translation missing is a warning, no finding
    assert (row.local_vlan, row.ingress, row.status, row.detail) == (
        2, "", Status.WARN, "no ingress translation")
    assert row.egress == (
        "br-tun table=22 dl_vlan=2 actions=strip_vlan,load:0x50f->"
        "NXM_NX_TUN_ID[],output:vxlan-c612010c,output:vxlan-c612010d")
    assert summaries(result, "NETDIAG_VLANMAP_UNKNOWN_SEGMENT") == [
        ("compute1:vxlan 1297", "compute1 translates vxlan 1297 to local "
         "VLAN 2, but no network in the API has that segment")]
    assert codes(result) == ["NETDIAG_VLANMAP_UNKNOWN_SEGMENT"]
    assert result.exit_code == OK


def test_unicast_flows_alone_are_no_translation(tmp_path):
    # context: the network is GRE 84 and VXLAN 1520, its ports wired to
    # GRE 84; on compute1 VXLAN 1520's tunnel table and flood flows are
    # both for VNI 0x5f1 instead (two edits): only its unicast flows of
    # table 20 still load 0x5f0
    result = edited_map(
        tmp_path, "gre-healthy",
        ("compute1", TUN4, "tun_id=0x5f0 actions", "tun_id=0x5f1 actions"),
        ("compute1", TUN22, "load:0x5f0->", "load:0x5f1->"),
        context=add_segment("vxlan", None, 1520))
    row = row_of(result, "compute1", "vxlan")
    # the unicast flows neither give the row a local VLAN nor count as
    # the egress translation; they are listed as its egress flows
    assert (row.local_vlan, row.ingress, row.status, row.detail) == (
        None, "", Status.WARN, "no ingress and no egress translation")
    # (three of l2population's, three learned: all six on local VLAN 2)
    flows = row.egress.split("; ")
    assert len(flows) == 6 and all(
        f.startswith("br-tun table=20 ") and "load:0x5f0->" in f and
        ("dl_vlan=2," in f or "vlan_tci=0x0002/0x0fff," in f)
        for f in flows)
    assert codes(result) == ["NETDIAG_VLANMAP_UNKNOWN_SEGMENT"]
    assert result.exit_code == OK


def test_unicast_flows_do_not_stand_in_for_the_flood_flow(tmp_path):
    # flows:br-tun:table=22 on compute1: GRE 84's flood flow loads 0x55
    result = edited_map(tmp_path, "gre-healthy", (
        "compute1", TUN22, "load:0x54->", "load:0x55->"))
    row = row_of(result, "compute1", "gre")
    assert (row.local_vlan, row.status, row.detail) == (
        3, Status.ERROR, "no egress translation")
    assert summaries(result, "NETDIAG_VLANMAP_NO_TRANSLATION") == [
        ("compute1:br-tun", "compute1 has ports of gre-net but no egress "
         "translation for gre 84")]
    assert codes(result) == ["NETDIAG_VLANMAP_NO_TRANSLATION"]
    assert result.exit_code == ERROR_FINDING


def test_ports_of_the_network_on_two_local_vlans(tmp_path):
    # ovs-ports on network1: the DHCP tap's tag 2 -> 6 (the router port
    # keeps 2, which the flows use)
    result = edited_map(tmp_path, "vlan-healthy", (
        "network1", "ovs-ports", *port_tag(*DHCP_TAP, 2, 6)))
    row = row_of(result, "network1", "vlan")
    assert (row.local_vlan, row.status, row.detail) == (
        2, Status.ERROR, "local VLAN 2 vs [6] in port tags")
    [finding] = result.findings
    assert (finding.code, finding.subject, finding.summary) == (
        "NETDIAG_VLANMAP_VLAN_MISMATCH", "network1:br-eth1",
        "on network1, vlan 2113 on physnet1 is translated to local VLAN(s) "
        "[2] but the network's ports carry tag(s) [2, 6]")
    assert finding.remedy == (
        "Flows and port tags disagree on network1 (the ports' local VLAN "
        "is 2): restart neutron-openvswitch-agent on network1 so it "
        "rewires the network.")
    assert statuses(result) == {"compute1": "OK", "compute2": "OK",
                                "network1": "ERROR"}
    assert result.exit_code == ERROR_FINDING


def test_ports_on_two_local_vlans_and_no_translation_left(tmp_path):
    # network1, three edits: the DHCP tap's tag 2 -> 6, and both VLAN
    # translations for VLAN 2114 instead of 2113 (ingress match, egress
    # action)
    result = edited_map(
        tmp_path, "vlan-healthy",
        ("network1", "ovs-ports", *port_tag(*DHCP_TAP, 2, 6)),
        ("network1", INT0, "in_port=1,dl_vlan=2113 ",
         "in_port=1,dl_vlan=2114 "),
        ("network1", ETH0, "actions=mod_vlan_vid:2113,",
         "actions=mod_vlan_vid:2114,"))
    row = row_of(result, "network1", "vlan")
    assert (row.local_vlan, row.ingress, row.egress, row.status) == (
        2, "", "", Status.ERROR)
    assert row.detail == ("no ingress and no egress translation; "
                          "local VLAN 2 vs [6] in port tags")
    assert summaries(result, "NETDIAG_VLANMAP_VLAN_MISMATCH") == [
        ("network1:br-eth1", "on network1, vlan 2113 on physnet1 is "
         "translated to local VLAN(s) - but the network's ports carry "
         "tag(s) [2, 6]")]
    assert codes(result) == ["NETDIAG_VLANMAP_NO_TRANSLATION",
                             "NETDIAG_VLANMAP_UNKNOWN_SEGMENT",
                             "NETDIAG_VLANMAP_VLAN_MISMATCH"]
    assert result.exit_code == ERROR_FINDING


def test_a_stale_second_ingress_flow_is_listed_and_judged(tmp_path):
    # flows:br-int:table=0 on compute1: a second flow for VLAN 2113 added
    # after the recorded one, at a higher priority, to local VLAN 7
    def add_flow(capture):
        [line] = [f for f in capture.output("compute1", INT0).splitlines()
                  if "dl_vlan=2113" in f]
        stale = line.replace("priority=3,", "priority=4,").replace(
            "mod_vlan_vid:1,", "mod_vlan_vid:7,")
        capture.replace("compute1", INT0, line + "\n",
                        line + "\n" + stale + "\n")
    result = edited_map(tmp_path, "vlan-healthy", capture=add_flow)
    row = row_of(result, "compute1", "vlan")
    assert row.ingress == (
        "br-int table=0 in_port=int-br-eth1,dl_vlan=2113 "
        "actions=mod_vlan_vid:1,resubmit(,58); "
        "br-int table=0 in_port=int-br-eth1,dl_vlan=2113 "
        "actions=mod_vlan_vid:7,resubmit(,58)")
    assert row.ingress_packets == 58       # the copy keeps the counters
    assert (row.local_vlan, row.status, row.detail) == (
        1, Status.ERROR, "local VLAN 1 vs [7] in flows")
    assert codes(result) == ["NETDIAG_VLANMAP_VLAN_MISMATCH"]
    assert result.exit_code == ERROR_FINDING


def test_flows_that_disagree_on_a_host_whose_port_is_dead(tmp_path):
    # compute1, two edits: its tap's tag 1 -> 4095 (the agent's dead
    # VLAN: no port of the network is wired there) and the ingress flow
    # to local VLAN 7 (the egress flow keeps 1)
    result = edited_map(
        tmp_path, "vlan-healthy",
        ("compute1", "ovs-ports", *port_tag(*VLAN_TAP, 1, 4095)),
        ("compute1", INT0, "dl_vlan=2113 actions=mod_vlan_vid:1,",
         "dl_vlan=2113 actions=mod_vlan_vid:7,"))
    row = row_of(result, "compute1", "vlan")
    assert (row.local_vlan, row.status, row.detail) == (
        7, Status.ERROR, "local VLAN 7 vs [1] in flows")
    [finding] = result.findings
    assert (finding.code, finding.summary) == (
        "NETDIAG_VLANMAP_VLAN_MISMATCH",
        "on compute1, vlan 2113 on physnet1 is translated to local VLAN(s) "
        "[1, 7] but the network's ports carry tag(s) -")
    assert "(the ports' local VLAN is 7)" in finding.remedy
    assert result.exit_code == ERROR_FINDING


def test_no_mapping_for_any_of_the_networks_segments(tmp_path):
    # context: the network is VLAN 2113 and VXLAN 1296; compute1's agent
    # has neither bridge_mappings nor tunnel_types
    def edit(data):
        add_segment("vxlan", None, 1296)(data)
        data["ovs_agents"]["compute1"]["configurations"].update(
            bridge_mappings={}, tunnel_types=[])
    result = edited_map(tmp_path, "vlan-healthy", context=edit)
    [finding] = result.findings
    assert (finding.code, finding.subject, finding.summary) == (
        "NETDIAG_OVS_NO_MAPPING", "compute1:physnet1,vxlan",
        "compute1 has ports of vlan-net but can carry none of its segments")
    assert finding.remedy == (
        "The agent on compute1 has no bridge for physical network "
        "physnet1,vxlan: add it to bridge_mappings and restart the agent.")
    [row] = [r for r in result.rows if r.host == "compute1"]
    assert (row.status, row.detail) == (
        Status.ERROR,
        "no bridge_mappings or tunnel_types entry for any segment")
    assert result.exit_code == ERROR_FINDING


def _flow_probes(context, host):
    return [p.argv for p in segment_map.plan(context)[host]
            if p.argv[0] == "ovs-ofctl"]


def test_a_host_without_agent_is_read_on_br_int():
    # compute1's Open vSwitch agent missing from the API: its OVS lists
    # and br-int's table 0 are still read (the default bridge's name)
    context = context_of("vlan-healthy")
    agents = dict(context.ovs_agents)
    del agents["compute1"]
    probes = segment_map.plan(dataclasses.replace(
        context, ovs_agents=agents))["compute1"]
    assert [p.name for p in probes] == [
        "ovs-bridges", "ovs-ports", "ovs-interfaces", "flows:br-int:table=0"]
    assert probes[-1].argv == ("ovs-ofctl", "dump-flows", "br-int",
                               "table=0")


def test_an_agents_integration_bridge_is_read_by_its_name():
    # compute1's agent reports integration_bridge br-int2
    context = context_of("vlan-healthy")
    agents = dict(context.ovs_agents)
    agents["compute1"] = dataclasses.replace(
        agents["compute1"], configurations=dict(
            agents["compute1"].configurations, integration_bridge="br-int2"))
    changed = dataclasses.replace(context, ovs_agents=agents)
    assert _flow_probes(changed, "compute1") == [
        ("ovs-ofctl", "dump-flows", "br-int2", "table=0"),
        ("ovs-ofctl", "dump-flows", "br-eth1", "table=0"),
        ("ovs-ofctl", "dump-flows", "br-tun", "table=4"),
        ("ovs-ofctl", "dump-flows", "br-tun", "table=3"),
        ("ovs-ofctl", "dump-flows", "br-tun", "table=20"),
        ("ovs-ofctl", "dump-flows", "br-tun", "table=22")]
    assert _flow_probes(changed, "compute2")[0] == (
        "ovs-ofctl", "dump-flows", "br-int", "table=0")
