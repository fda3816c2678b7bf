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

"""The ML2/OVS layer-2 checks, third look (OVS port, topology, bindings):
port traces of real recordings, each edited where the comment says, with
the findings (code, severity, subject, summary, remedy) and the rows an
operator reads asserted exactly.
"""

import pathlib

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.models import Evidence
from tests.unit.edited import EditedCapture
from tests.unit.mutation.test_l2_second_look import physnet2_segment_first
from tests.unit.mutation.test_sweep_l2_paths import bad_rows
from tests.unit.mutation.test_sweep_l2_paths import findings
from tests.unit.test_trace_faults import trace_of

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"
OK, ERROR_FINDING = exitcodes.OK, exitcodes.ERROR_FINDING
TAP = "tapc5f2011d-5a"
INGRESS = "flows:br-int:table=0,dl_vlan=2113"


@pytest.fixture
def vlan(tmp_path):
    return EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)


@pytest.fixture
def vxlan(tmp_path):
    return EditedCapture(SCENARIOS / "vxlan-healthy", tmp_path)


# -- the ingress translation flow keyed on another port (topology) ------------

@pytest.mark.parametrize("match", [
    # the flow keyed on ofport 3 (compute1's tap) instead of 1 (int-br-eth1):
    # kills topology flow_port_matches mutants 6 (any other name matches),
    # 10 and 11 (any in_port matches once the patch port has an ofport)
    "in_port=3,dl_vlan=2113",
    # the flow without in_port: a flow the agent never writes (it keys every
    # translation on the patch port), not the one from int-br-eth1
    # kills topology flow_port_matches mutant 2 (no in_port counted as the
    # patch port)
    "dl_vlan=2113",
])
def test_ingress_flow_from_another_port_is_missing(vlan, match):
    # flows:br-int:table=0,dl_vlan=2113 on compute1: the translation flow's
    # match in_port=1,dl_vlan=2113 -> ``match``
    vlan.replace("compute1", INGRESS, "in_port=1,dl_vlan=2113", match)
    trace = trace_of(vlan)
    assert findings(trace) == [(
        "NETDIAG_OVS_NO_INGRESS_TRANSLATION", "ERROR", "compute1:br-int",
        "no flow on br-int maps vlan 2113 on physnet1 (dl_vlan=2113 from "
        "int-br-eth1) to local VLAN 1",
        "Restart neutron-openvswitch-agent on compute1: it re-installs the "
        "flows of br-int. If the flow stays missing, check bridge_mappings "
        "and the agent's log.")]
    assert bad_rows(trace) == [(
        "compute1", "br-int table=0", "flow", "absent",
        "in_port=int-br-eth1,dl_vlan=2113 -> mod_vlan_vid:1 missing",
        "ERROR")]
    assert trace.exit_code == ERROR_FINDING


# -- the segment the port's other_config names (topology) --------------------

def test_segment_named_by_the_port_among_two_vlan_segments(vlan):
    # context: vlan-net gets a first segment, vlan 2114 on physnet2 (a
    # multi-segment network, both segments of type vlan); the tap's
    # other_config still says network_type vlan, segmentation_id 2113, so
    # the port is judged on the second segment, which compute1 maps
    # kills topology choose_segment mutants 1, 2 and 3 (the port's
    # segmentation_id not read: the first vlan segment chosen, a
    # NETDIAG_OVS_NET_MISMATCH and physnet2's path)
    vlan.edit_context(physnet2_segment_first)
    trace = trace_of(vlan)
    assert (findings(trace), bad_rows(trace)) == ([], [])
    assert [(h.device, h.kind, h.state, h.detail) for h in trace.hops
            if h.host == "compute1"][1:] == [
        (TAP, "ovs-port", "tag 1", "on br-int, ofport 3, local VLAN 1, "
         "iface-id and attached-mac match the port"),
        ("br-int table=0", "flow", "present",
         "in_port=int-br-eth1,dl_vlan=2113 -> mod_vlan_vid:1 (n_packets=45)"),
        ("int-br-eth1<->phy-br-eth1", "patch", "peered", "br-int <-> br-eth1"),
        ("br-eth1 table=0", "flow", "present",
         "in_port=phy-br-eth1,dl_vlan=1 -> mod_vlan_vid:2113 (n_packets=35)"),
        ("eth1", "nic", "UP", "in br-eth1, ofport 1, mtu 1500, UP")]
    assert trace.exit_code == OK


# -- the evidence of a missing bridge's row (topology) ------------------------

def test_missing_physnet_bridge_row_shows_the_interface_list(vlan):
    # ovs-bridges on compute1: br-eth1's Bridge row renamed br-eth9 (as in
    # test_trace_bridge_rows); the row's evidence is the command that
    # listed the interfaces
    # kills topology topology_with_bridge mutant 42 (the row without its
    # evidence)
    vlan.replace("compute1", "ovs-bridges", '"br-eth1"', '"br-eth9"')
    trace = trace_of(vlan)
    assert [(h.detail, h.evidence) for h in trace.hops
            if h.device == "br-eth1"] == [(
                "bridge_mappings physnet1:br-eth1",
                (Evidence(host="compute1", command=(
                    "ovs-vsctl --timeout=5 --format=json --columns=_uuid,"
                    "name,type,ofport,options,external_ids,error,"
                    "admin_state,link_state,mac_in_use,mtu list Interface"
                )),))]
    assert trace.exit_code == ERROR_FINDING


def test_tunnel_segment_the_agent_does_not_carry_is_passed_over(vlan):
    # context: vlan-net gets a first segment, geneve 1295, a tunnel type
    # compute1's agent does not list (its tunnel_types: vxlan, gre);
    # ovs-ports: the tap's other_config segmentation_id 2113 -> 2115, so it
    # names no segment and the port is judged on the first segment compute1
    # can carry: vlan 2113 on physnet1
    # kills topology choose_segment mutant 18 (a tunnel segment taken when
    # its type is NOT in tunnel_types: geneve, br-tun's hops)
    vlan.edit_context(lambda d: d["network"]["segments"].insert(0, dict(
        network_type="geneve", physical_network=None,
        segmentation_id=1295)))
    vlan.replace("compute1", "ovs-ports", '["segmentation_id","2113"]',
                 '["segmentation_id","2115"]')
    trace = trace_of(vlan)
    assert findings(trace) == [(
        "NETDIAG_OVS_NET_MISMATCH", "ERROR", f"compute1:{TAP}",
        f"{TAP} is wired for segmentation ID 2115",
        "Port other_config says segmentation_id=2115, the API says 2113: "
        "restart neutron-openvswitch-agent on compute1 so it re-wires the "
        "port.")]
    assert bad_rows(trace) == [(
        "compute1", TAP, "ovs-port", "wrong",
        "on br-int, ofport 3, local VLAN 1; segmentation_id 2115", "ERROR")]
    assert [h.device for h in trace.hops if h.host == "compute1"] == [
        TAP, TAP, "br-int table=0", "int-br-eth1<->phy-br-eth1",
        "br-eth1 table=0", "eth1"]
    assert trace.exit_code == ERROR_FINDING


def test_without_an_agent_a_tunnel_segment_is_taken(vxlan):
    # context: vxlan-net gets a first segment, vlan 2113 on physnet1, and
    # compute1's Open vSwitch agent is gone from the API (not registered);
    # ovs-ports: the tap's other_config segmentation_id 1295 -> 1296, so it
    # names no segment. With no agent to say which physnets compute1 maps,
    # only a tunnel segment is known to be carried: vxlan 1295, br-tun's
    # hops
    # kills topology choose_segment mutant 15 (any segment taken when there
    # is no agent: the first, vlan 2113)
    vxlan.edit_context(lambda d: d["network"]["segments"].insert(0, dict(
        network_type="vlan", physical_network="physnet1",
        segmentation_id=2113)))
    vxlan.edit_context(lambda d: d["ovs_agents"].pop("compute1"))
    vxlan.replace("compute1", "ovs-ports", '["segmentation_id","1295"]',
                  '["segmentation_id","1296"]')
    trace = trace_of(vxlan)
    tap = "tapa5bfc8b1-af"
    assert findings(trace) == [
        ("NETDIAG_AGENT_MISSING", "ERROR", "compute1",
         "no Open vSwitch agent is registered on compute1",
         "No Open vSwitch agent is registered for compute1: the port cannot "
         "be wired there. Check the agent's 'host' option matches the "
         "binding host."),
        ("NETDIAG_OVS_NET_MISMATCH", "ERROR", f"compute1:{tap}",
         f"{tap} is wired for segmentation ID 1296",
         "Port other_config says segmentation_id=1296, the API says 1295: "
         "restart neutron-openvswitch-agent on compute1 so it re-wires the "
         "port.")]
    assert [(h.device, h.state, h.detail) for h in trace.hops
            if h.host == "compute1"][2:] == [
        ("patch-tun<->patch-int", "peered", "br-int <-> br-tun"),
        ("br-tun tun_id=0x50f", "present",
         "table=4 tun_id=0x50f -> mod_vlan_vid:2 (n_packets=83)"),
        ("br-tun table=22", "present",
         "dl_vlan=2 -> tun_id 0x50f, 2 tunnel output(s) (n_packets=7)"),
        ("vxlan-c612010c", "present", "to compute2 remote_ip=198.18.1.12 "
         "local_ip=198.18.1.11, ofport 2, in the flood flow"),
        ("vxlan-c612010d", "present", "to network1 remote_ip=198.18.1.13 "
         "local_ip=198.18.1.11, ofport 4, in the flood flow")]
    assert trace.exit_code == ERROR_FINDING


# -- an OVS port without attached-mac (l2) ------------------------------------

def test_port_without_attached_mac_says_so(vlan):
    # ovs-interfaces on compute1: the tap's external_ids lose their
    # attached-mac entry (what a port plugged by hand with only
    # external_ids:iface-id looks like)
    # kills l2 check_ovs_port mutants 126 (no attached-mac read as "xxxx"),
    # 131 (the row's "-" as "XX-XX") and 142 (the summary's "-" as "XX-XX")
    vlan.replace("compute1", "ovs-interfaces",
                 '["attached-mac","fa:16:3e:b9:d1:75"],', "")
    trace = trace_of(vlan)
    assert findings(trace) == [(
        "NETDIAG_OVS_MAC_MISMATCH", "ERROR", f"compute1:{TAP}",
        f"{TAP} has attached-mac -, expected fa:16:3e:b9:d1:75",
        "external_ids:attached-mac differs from the port's MAC; re-plug "
        "the VIF.")]
    assert bad_rows(trace) == [(
        "compute1", TAP, "ovs-port", "wrong",
        "on br-int, ofport 3, local VLAN 1; attached-mac -", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


# -- an empty segmentation_id in the port's other_config (l2) -----------------

def test_empty_segmentation_id_is_not_a_mismatch(vlan):
    # ovs-ports on compute1: the tap's other_config segmentation_id 2113 ->
    # "" (set but empty): it names no segmentation ID, so nothing is
    # compared and the path is healthy
    # kills l2 check_ovs_port mutant 215 ("" compared as a segmentation ID:
    # a NETDIAG_OVS_NET_MISMATCH "wired for segmentation ID ")
    vlan.replace("compute1", "ovs-ports", '["segmentation_id","2113"]',
                 '["segmentation_id",""]')
    trace = trace_of(vlan)
    assert (findings(trace), bad_rows(trace)) == ([], [])
    assert [(h.device, h.state) for h in trace.hops
            if h.host == "compute1"] == [
        (TAP, "UP"), (TAP, "tag 1"), ("br-int table=0", "present"),
        ("int-br-eth1<->phy-br-eth1", "peered"),
        ("br-eth1 table=0", "present"), ("eth1", "UP")]
    assert trace.exit_code == OK


def test_port_plugged_without_external_ids_lists_both_problems(vlan):
    # ovs-interfaces on compute1: the tap's external_ids emptied (what
    # "ovs-vsctl add-port br-int tapc5f2011d-5a" by hand leaves): no
    # iface-id and no attached-mac, two problems in one row
    # kills l2 check_ovs_port mutant 260 (the row's problems joined by
    # "XX; XX")
    vlan.replace(
        "compute1", "ovs-interfaces",
        '["map",[["attached-mac","fa:16:3e:b9:d1:75"],["iface-id",'
        '"c5f2011d-5a44-4c56-9283-39926459378a"],["iface-status","active"],'
        '["vm-uuid","6db5449f-8ea5-5a67-80f1-82c69df998b2"]]]', '["map",[]]')
    trace = trace_of(vlan)
    assert findings(trace) == [
        ("NETDIAG_OVS_IFACE_ID_MISMATCH", "ERROR", f"compute1:{TAP}",
         f"{TAP} has iface-id None, expected "
         "c5f2011d-5a44-4c56-9283-39926459378a",
         "external_ids:iface-id must be the port ID; re-plug the VIF."),
        ("NETDIAG_OVS_MAC_MISMATCH", "ERROR", f"compute1:{TAP}",
         f"{TAP} has attached-mac -, expected fa:16:3e:b9:d1:75",
         "external_ids:attached-mac differs from the port's MAC; re-plug "
         "the VIF.")]
    assert bad_rows(trace) == [(
        "compute1", TAP, "ovs-port", "wrong",
        "on br-int, ofport 3, local VLAN 1; iface-id None; attached-mac -",
        "ERROR")]
    assert trace.exit_code == ERROR_FINDING


# -- a patch port without its peer (topology) ---------------------------------

def test_patch_port_without_a_peer(vlan):
    # ovs-interfaces on compute1: int-br-eth1's options:peer=phy-br-eth1
    # removed (options {}); phy-br-eth1 still names it. The pair is then
    # found by its default names, and the row's evidence lists both ends
    # as OVS has them
    # kills topology check_patch_pair mutant 91 (a missing peer shown as
    # "XX-XX" instead of "-")
    vlan.replace("compute1", "ovs-interfaces",
                 '"int-br-eth1","patch",1,["map",[["peer","phy-br-eth1"]]]',
                 '"int-br-eth1","patch",1,["map",[]]')
    trace = trace_of(vlan)
    broken = "int-br-eth1 peer=-, phy-br-eth1 peer=int-br-eth1"
    assert findings(trace) == [(
        "NETDIAG_OVS_PATCH_PEER", "ERROR",
        "compute1:int-br-eth1<->phy-br-eth1",
        f"patch pair br-int <-> br-eth1 on compute1 is broken: {broken}",
        "Fix the patch pair: ovs-vsctl set Interface int-br-eth1 "
        "options:peer=phy-br-eth1 (or restart neutron-openvswitch-agent on "
        "compute1).")]
    assert bad_rows(trace) == [(
        "compute1", "int-br-eth1<->phy-br-eth1", "patch", "broken", broken,
        "ERROR")]
    [row] = [h for h in trace.hops
             if h.host == "compute1" and h.kind == "patch"]
    assert [e.lines for e in row.evidence] == [(
        "int-br-eth1: type=patch options={} ofport=1",
        "phy-br-eth1: type=patch options={'peer': 'int-br-eth1'} ofport=2")]
    assert trace.exit_code == ERROR_FINDING


# -- a failed binding with two likely causes (binding) ------------------------

def test_failed_binding_lists_two_causes(vlan):
    # context: the router's interface port on vlan-net, vif_type ovs ->
    # binding_failed and status ACTIVE -> DOWN (as in test_l2_second_look),
    # and vlan-net gets two more segments network1's agent cannot carry
    # (geneve 1295: not in its tunnel_types; vlan 2114 on physnet2: not in
    # its bridge_mappings), two causes joined in the summary, the remedy
    # and the row
    # kills binding check_binding mutants 35, 37 and 54 (the causes joined
    # by "XX; XX" in the summary, the remedy and the row)
    vlan.edit_context(lambda d: d["router"]["interface_port"].update(
        vif_type="binding_failed", status="DOWN"))
    vlan.edit_context(lambda d: d["network"]["segments"].extend([
        dict(network_type="geneve", physical_network=None,
             segmentation_id=1295),
        dict(network_type="vlan", physical_network="physnet2",
             segmentation_id=2114)]))
    trace = trace_of(vlan)
    port = "12cf768b-a6f5-47a3-b557-39914d7cc81d"
    causes = ("the agent on network1 has no geneve in tunnel_types; the "
              "agent on network1 has no bridge_mappings entry for physical "
              "network physnet2 (vlan 2114 on physnet2; it maps physnet1, "
              "public)")
    assert findings(trace) == [(
        "NETDIAG_PORT_BINDING_FAILED", "ERROR", port,
        f"the router interface port {port} on network1 could not be bound: "
        f"binding:vif_type binding_failed, status DOWN; likely: {causes}",
        f"Neutron could not bind port {port} on network1 (binding:vif_type "
        "binding_failed, status DOWN); the agent leaves it on the dead VLAN "
        f"4095 and nothing passes. Likely causes: {causes}. Fix the cause, "
        f"then rebind: openstack port set --host network1 {port} (for a "
        "router gateway, unset and set the gateway again; for a DHCP port, "
        "restart neutron-dhcp-agent on network1).")]
    assert bad_rows(trace) == [(
        "api", port, "binding", "binding_failed",
        f"router interface port on network1, status DOWN: {causes}",
        "ERROR")]
    assert trace.exit_code == ERROR_FINDING
