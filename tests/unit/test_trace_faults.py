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

"""port trace on real lab recordings edited in one place: faults that leave
something present but wrong, and every layer-2 finding code of the trace.

Each test copies a recorded scenario (tests/fixtures/scenarios), changes
one value of one command's real output (the comment says which and how),
replays it, and asserts the exact finding codes, the status of the hop
that holds the fault and the exact exit code. Edits of the API context
are in test_trace_api_faults.py.
"""

import pathlib

import pytest

from osc_netdiag import api
from osc_netdiag import exitcodes
from tests.unit.edited import EditedCapture

SCENARIOS = pathlib.Path(__file__).parents[1] / "fixtures" / "scenarios"
OK, ERROR_FINDING = exitcodes.OK, exitcodes.ERROR_FINDING

# vlan-healthy: the traced port's tap on compute1, VLAN 2113 on physnet1
# (br-eth1), local VLAN 1; its iface's and port's OVSDB rows.
VLAN_TAP = "tapc5f2011d-5a"
VLAN_PORT_ID = "c5f2011d-5a44-4c56-9283-39926459378a"
VLAN_TAP_ROW = '"02c2bc32-bbff-4d97-8a8b-007169a0d6d8"],1,'
# vxlan-healthy: VNI 1295 (0x50f), local VLAN 2 on compute1; vxlan ports
# to compute2 (198.18.1.12, ofport 2) and network1 (198.18.1.13, ofport 4).
FLOOD_FLOW = ("dl_vlan=2 actions=strip_vlan,load:0x50f->NXM_NX_TUN_ID[],"
              "output:2,output:4")


@pytest.fixture
def vlan(tmp_path):
    return EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)


@pytest.fixture
def vxlan(tmp_path):
    return EditedCapture(SCENARIOS / "vxlan-healthy", tmp_path)


def trace_of(capture):
    return api.trace_from_capture(str(capture))


def codes(trace):
    return sorted(f.code for f in trace.findings)


def bad_hops(trace):
    """(host, device, kind, state, status) of every hop that is not OK."""
    return [(h.host, h.device, h.kind, h.state, str(h.status))
            for h in trace.hops if str(h.status) != "OK"]


def test_unedited_copies_are_healthy(vlan, vxlan):
    for capture in (vlan, vxlan):
        trace = trace_of(capture)
        assert (trace.exit_code, codes(trace), bad_hops(trace)) == (OK, [], [])


# -- the instance's port on br-int ------------------------------------------

def test_wrong_local_vlan_tag_on_the_br_int_port(vlan):
    # ovs-ports: the tap's Port row tag 1 -> 5; the flows still use VLAN 1.
    vlan.replace("compute1", "ovs-ports", VLAN_TAP_ROW,
                 VLAN_TAP_ROW.replace("],1,", "],5,"))
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_OVS_NO_EGRESS_TRANSLATION",
                            "NETDIAG_OVS_VLAN_MISMATCH"]
    assert bad_hops(trace) == [
        ("compute1", "br-int table=0", "flow", "wrong", "ERROR"),
        ("compute1", "br-eth1 table=0", "flow", "absent", "ERROR")]
    [port_hop] = [h for h in trace.hops if h.device == VLAN_TAP
                  and h.kind == "ovs-port"]
    assert port_hop.state == "tag 5"
    assert trace.exit_code == ERROR_FINDING


def test_wrong_iface_id(vlan):
    # ovs-interfaces: the tap's external_ids:iface-id, last digit 8 -> 9.
    vlan.replace("compute1", "ovs-interfaces", f'"iface-id","{VLAN_PORT_ID}"',
                 f'"iface-id","{VLAN_PORT_ID[:-1]}9"')
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_OVS_IFACE_ID_MISMATCH"]
    assert bad_hops(trace) == [
        ("compute1", VLAN_TAP, "ovs-port", "wrong", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_upper_case_attached_mac_is_the_same_mac(vlan):
    # ovs-interfaces: attached-mac written in upper case (as some tools do).
    vlan.replace("compute1", "ovs-interfaces",
                 '"attached-mac","fa:16:3e:b9:d1:75"',
                 '"attached-mac","FA:16:3E:B9:D1:75"')
    trace = trace_of(vlan)
    assert (trace.exit_code, codes(trace), bad_hops(trace)) == (OK, [], [])


def test_different_attached_mac(vlan):
    # ovs-interfaces: attached-mac's last octet 75 -> 76.
    vlan.replace("compute1", "ovs-interfaces",
                 '"attached-mac","fa:16:3e:b9:d1:75"',
                 '"attached-mac","fa:16:3e:b9:d1:76"')
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_OVS_MAC_MISMATCH"]
    assert bad_hops(trace) == [
        ("compute1", VLAN_TAP, "ovs-port", "wrong", "ERROR")]
    [port_hop] = [h for h in trace.hops if h.kind == "ovs-port"
                  and h.device == VLAN_TAP]
    assert port_hop.detail.endswith("; attached-mac fa:16:3e:b9:d1:76")
    assert trace.exit_code == ERROR_FINDING


def test_port_wired_for_another_network(vlan):
    # ovs-ports: the tap's other_config net_uuid, first digit 3 -> 4.
    vlan.replace("compute1", "ovs-ports",
                 '"net_uuid","3e2b7484-02f6-43f9-98e7-87a1ff51eff8"',
                 '"net_uuid","4e2b7484-02f6-43f9-98e7-87a1ff51eff8"')
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_OVS_NET_MISMATCH"]
    assert bad_hops(trace) == [
        ("compute1", VLAN_TAP, "ovs-port", "wrong", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_port_wired_for_another_segmentation_id(vlan):
    # ovs-ports: the tap's other_config segmentation_id 2113 -> 2114.
    vlan.replace("compute1", "ovs-ports",
                 '"physnet1"],["segmentation_id","2113"]',
                 '"physnet1"],["segmentation_id","2114"]')
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_OVS_NET_MISMATCH"]
    [finding] = trace.findings
    assert "segmentation ID 2114" in finding.summary
    assert bad_hops(trace) == [
        ("compute1", VLAN_TAP, "ovs-port", "wrong", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_tap_not_in_ovs(vlan):
    # ovs-interfaces: the tap's Interface row renamed (the Port row stays).
    vlan.replace("compute1", "ovs-interfaces", f'"{VLAN_TAP}","",3,',
                 '"tapffffffff-ff","",3,')
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_OVS_PORT_MISSING"]
    assert bad_hops(trace) == [
        ("compute1", VLAN_TAP, "ovs-port", "absent", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


# -- the instance's device ----------------------------------------------------

def test_tap_missing(vlan):
    # ip-addr: the tap renamed, as if the instance were not on compute1.
    vlan.replace("compute1", "ip-addr", f'"ifname":"{VLAN_TAP}"',
                 '"ifname":"tapffffffff-ff"')
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_TAP_MISSING"]
    assert bad_hops(trace) == [
        ("compute1", VLAN_TAP, "tap", "absent", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_tap_mtu_differs_from_the_network(vlan):
    # ip-addr: the tap's MTU 1500 -> 1450 (the network says 1500).
    vlan.replace("compute1", "ip-addr",
                 f'"ifname":"{VLAN_TAP}","flags":["BROADCAST","MULTICAST",'
                 '"PROMISC","UP","LOWER_UP"],"mtu":1500',
                 f'"ifname":"{VLAN_TAP}","flags":["BROADCAST","MULTICAST",'
                 '"PROMISC","UP","LOWER_UP"],"mtu":1450')
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_MTU_MISMATCH"]
    assert bad_hops(trace) == [("compute1", VLAN_TAP, "tap", "UP", "WARN")]
    assert trace.exit_code == OK          # a WARNING only


# -- VLAN translation ------------------------------------------------------

def test_ingress_flow_maps_the_segment_to_a_wrong_local_vlan(vlan):
    # flows:br-int: dl_vlan=2113 -> mod_vlan_vid:1 becomes mod_vlan_vid:7.
    vlan.replace("compute1", "flows:br-int:table=0,dl_vlan=2113",
                 "actions=mod_vlan_vid:1,", "actions=mod_vlan_vid:7,")
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_OVS_VLAN_MISMATCH"]
    assert bad_hops(trace) == [
        ("compute1", "br-int table=0", "flow", "wrong", "ERROR")]
    [hop] = [h for h in trace.hops if h.device == "br-int table=0"
             and h.host == "compute1"]
    assert "mod_vlan_vid:7, port tag 1" in hop.detail
    assert trace.exit_code == ERROR_FINDING


def test_egress_flow_maps_the_local_vlan_to_a_wrong_segment(vlan):
    # flows:br-eth1: dl_vlan=1 -> mod_vlan_vid:2113 becomes 2114: the right
    # local VLAN leaves with another network's segmentation ID.
    vlan.replace("compute1", "flows:br-eth1:table=0",
                 "dl_vlan=1 actions=mod_vlan_vid:2113,",
                 "dl_vlan=1 actions=mod_vlan_vid:2114,")
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_OVS_NO_EGRESS_TRANSLATION"]
    assert bad_hops(trace) == [
        ("compute1", "br-eth1 table=0", "flow", "absent", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_wrong_patch_peer_on_the_physical_bridge(vlan):
    # ovs-interfaces: int-br-eth1's options:peer phy-br-eth1 -> phy-br-eth2.
    vlan.replace("compute1", "ovs-interfaces", '["peer","phy-br-eth1"]',
                 '["peer","phy-br-eth2"]')
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_OVS_PATCH_PEER"]
    assert bad_hops(trace) == [
        ("compute1", "int-br-eth1<->phy-br-eth1", "patch", "broken",
         "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_physical_bridge_missing(vlan):
    # ovs-bridges: br-eth1's Bridge row renamed br-eth9.
    vlan.replace("compute1", "ovs-bridges", '"br-eth1"', '"br-eth9"')
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_OVS_BRIDGE_MISSING"]
    assert bad_hops(trace) == [
        ("compute1", "br-eth1", "bridge", "absent", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_physical_nic_down(vlan):
    # ip-addr: eth1's operstate UP -> DOWN (the cable pulled).
    vlan.replace("compute1", "ip-addr",
                 '"ifname":"eth1","flags":["BROADCAST","MULTICAST","PROMISC",'
                 '"UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue",'
                 '"operstate":"UP"',
                 '"ifname":"eth1","flags":["BROADCAST","MULTICAST","PROMISC",'
                 '"UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue",'
                 '"operstate":"DOWN"')
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_PHYS_NIC_DOWN"]
    assert bad_hops(trace) == [("compute1", "eth1", "nic", "DOWN", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_physical_nic_is_no_device(vlan):
    # ip-addr: eth1 renamed eth9: still a port of br-eth1, no such device.
    vlan.replace("compute1", "ip-addr", '"ifname":"eth1"', '"ifname":"eth9"')
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_PHYS_NIC_MISSING"]
    assert bad_hops(trace) == [("compute1", "eth1", "nic", "absent", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_physical_bridge_without_a_nic(vlan):
    # ovs-interfaces: eth1's type "" -> "internal": br-eth1 keeps only
    # internal and patch interfaces.
    vlan.replace("compute1", "ovs-interfaces", '"eth1","",1,',
                 '"eth1","internal",1,')
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_PHYS_NIC_MISSING"]
    assert bad_hops(trace) == [
        ("compute1", "br-eth1", "nic", "absent", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


# -- tunnels ---------------------------------------------------------------

def test_tunnel_table_maps_the_vni_to_a_wrong_local_vlan(vxlan):
    # flows:br-tun:tun_id=0x50f: mod_vlan_vid:2 -> mod_vlan_vid:3.
    vxlan.replace("compute1", "flows:br-tun:tun_id=0x50f",
                  "actions=mod_vlan_vid:2,", "actions=mod_vlan_vid:3,")
    trace = trace_of(vxlan)
    assert codes(trace) == ["NETDIAG_OVS_VLAN_MISMATCH"]
    assert bad_hops(trace) == [
        ("compute1", "br-tun tun_id=0x50f", "flow", "wrong", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_tunnel_flow_with_a_wrong_tun_id(vxlan):
    # flows:br-tun:tun_id=0x50f: the flow's match tun_id=0x50f -> 0x510 (the
    # host filters on tun_id; the check must not trust the filter alone).
    vxlan.replace("compute1", "flows:br-tun:tun_id=0x50f",
                  "tun_id=0x50f actions", "tun_id=0x510 actions")
    trace = trace_of(vxlan)
    assert codes(trace) == ["NETDIAG_OVS_NO_TUNNEL_TRANSLATION"]
    assert bad_hops(trace) == [
        ("compute1", "br-tun tun_id=0x50f", "flow", "absent", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_flood_flow_sets_a_wrong_tun_id(vxlan):
    # flows:br-tun:table=22: the flood flow of local VLAN 2 loads tunnel ID
    # 0x510 instead of 0x50f: broadcasts leave on another VNI.
    vxlan.replace("compute1", "flows:br-tun:table=22",
                  "load:0x50f->NXM_NX_TUN_ID[]", "load:0x510->NXM_NX_TUN_ID[]")
    trace = trace_of(vxlan)
    assert codes(trace) == ["NETDIAG_OVS_NO_FLOOD_FLOW"]
    assert bad_hops(trace) == [
        ("compute1", "br-tun table=22", "flow", "wrong", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_flood_flow_for_another_local_vlan_only(vxlan):
    # flows:br-tun:table=22: the flood flow's dl_vlan=2 -> dl_vlan=3.
    vxlan.replace("compute1", "flows:br-tun:table=22", FLOOD_FLOW,
                  FLOOD_FLOW.replace("dl_vlan=2", "dl_vlan=3"))
    trace = trace_of(vxlan)
    assert codes(trace) == ["NETDIAG_OVS_NO_FLOOD_FLOW"]
    assert bad_hops(trace) == [
        ("compute1", "br-tun table=22", "flow", "absent", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_tunnel_not_in_the_flood_flow(vxlan):
    # flows:br-tun:table=22: output:4 (the tunnel to network1) removed.
    vxlan.replace("compute1", "flows:br-tun:table=22", FLOOD_FLOW,
                  FLOOD_FLOW.replace(",output:4", ""))
    trace = trace_of(vxlan)
    assert codes(trace) == ["NETDIAG_TUNNEL_NOT_FLOODED"]
    assert bad_hops(trace) == [
        ("compute1", "vxlan-c612010d", "tunnel", "not flooded", "ERROR")]
    # broadcasts (ARP, DHCP) never reach that peer: an ERROR, as in
    # network vlan-map (NETDIAG_VLANMAP_FLOOD_MISSING_TUNNEL)
    assert trace.exit_code == ERROR_FINDING


def test_tunnel_with_a_wrong_remote_ip(vxlan):
    # ovs-interfaces: vxlan-c612010d's remote_ip 198.18.1.13 (network1) ->
    # 198.18.1.99.
    vxlan.replace("compute1", "ovs-interfaces",
                  '"vxlan",4,["map",[["df_default","true"],["egress_pkt_mark",'
                  '"0"],["in_key","flow"],["local_ip","198.18.1.11"],'
                  '["out_key","flow"],["remote_ip","198.18.1.13"]',
                  '"vxlan",4,["map",[["df_default","true"],["egress_pkt_mark",'
                  '"0"],["in_key","flow"],["local_ip","198.18.1.11"],'
                  '["out_key","flow"],["remote_ip","198.18.1.99"]')
    trace = trace_of(vxlan)
    assert codes(trace) == ["NETDIAG_TUNNEL_MISSING"]
    [finding] = trace.findings
    assert finding.subject == "compute1->network1"
    assert bad_hops(trace) == [
        ("compute1", "vxlan to network1", "tunnel", "absent", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_wrong_patch_peer_to_br_tun(vxlan):
    # ovs-interfaces: patch-tun's options:peer patch-int -> patch-inx.
    vxlan.replace("compute1", "ovs-interfaces", '["peer","patch-int"]',
                  '["peer","patch-inx"]')
    trace = trace_of(vxlan)
    assert codes(trace) == ["NETDIAG_OVS_PATCH_PEER"]
    assert bad_hops(trace) == [
        ("compute1", "patch-tun<->patch-int", "patch", "broken", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_tunnel_bridge_missing(vxlan):
    # ovs-bridges: br-tun's Bridge row renamed br-tux.
    vxlan.replace("compute1", "ovs-bridges", '"br-tun"', '"br-tux"')
    trace = trace_of(vxlan)
    assert codes(trace) == ["NETDIAG_OVS_BRIDGE_MISSING"]
    assert bad_hops(trace) == [
        ("compute1", "br-tun", "bridge", "absent", "ERROR")]
    assert trace.exit_code == ERROR_FINDING
