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

"""Survivors of the whole mutation sweep of the segment map's host flows
(map_flows, map_host) and the tunnel path, second pass: translation records
read from real ovs-ofctl output, vlan map reports and port traces of real
recordings, each edited in one place (the comment says which and how),
asserted exactly.
"""

import pathlib

from osc_netdiag.backends.ml2_ovs import map_flows
from osc_netdiag import exitcodes
from osc_netdiag.parsers import ofctl
from tests.unit.edited import EditedCapture
from tests.unit.mutation.test_sweep_l2_paths import _fields
from tests.unit.mutation.test_sweep_l2_paths import _recorded
from tests.unit.mutation.test_sweep_l2_paths import _vlan_map
from tests.unit.mutation.test_sweep_l2_paths import findings
from tests.unit.test_trace_faults import trace_of

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
NAMES_CAPTURE = (FIXTURES / "captures"
                 / "ovs-ofctl-dump-flows--br-int-table0-vlan2113-names.out")


# -- port names as ovs-ofctl --names prints them: quoted ----------------------

def _ingress(text, patch_to_physnet):
    topo, _ = _recorded("vlan-healthy", "compute1")
    return [(physnet, _fields(t)) for physnet, t in map_flows.ingress_vlan_flows(
        topo, "br-int", ofctl.parse_dump_flows(text), patch_to_physnet)]


def test_ingress_translation_with_a_quoted_port_name():
    # the real capture (ovs-ofctl --names): in_port="int-br-eth1"; the
    # quotes are not part of the name
    text = NAMES_CAPTURE.read_text()
    assert _ingress(text, {"int-br-eth1": "physnet1"}) == [(
        "physnet1", ("br-int", 2113, 1, "br-int table=0 in_port=int-br-eth1,"
                     "dl_vlan=2113 actions=mod_vlan_vid:1,resubmit(,58)", ()))]


def test_ingress_translation_from_a_bridge_named_with_a_capital_x():
    # the same capture, the patch port renamed "int-br-eth1" -> "int-br-ethX"
    # (the agent's patch of a bridge mapped as br-ethX: only the quotes go)
    text = NAMES_CAPTURE.read_text().replace('"int-br-eth1"', '"int-br-ethX"')
    assert _ingress(text, {"int-br-ethX": "physnet1"}) == [(
        "physnet1", ("br-int", 2113, 1, "br-int table=0 in_port=int-br-ethX,"
                     "dl_vlan=2113 actions=mod_vlan_vid:1,resubmit(,58)", ()))]


# -- br-tun flood flows that are no translation -------------------------------

def _flood(old, new):
    topo, out = _recorded("vxlan-healthy", "compute1")
    text = out["flows:br-tun:table=22"]
    assert text.count(old) == 1
    return [_fields(t) for t in map_flows.tunnel_egress_flows(
        topo, ofctl.parse_dump_flows(text.replace(old, new)))]


def test_flood_flow_of_any_vlan_is_no_translation():
    # compute1 of vlanmap/vxlan-healthy, br-tun table=22: the flood flow of
    # local VLAN 2 matches any tagged frame instead ("dl_vlan=2 " ->
    # "vlan_tci=0x1000/0x1000 "; its mask is not the VID's 0x0fff): it
    # names no local VLAN, so it translates none
    assert _flood("dl_vlan=2 ", "vlan_tci=0x1000/0x1000 ") == []


def test_flood_flow_without_its_tunnel_id_is_no_translation():
    # the same flow without its load of the tunnel id
    # ("load:0x50f->NXM_NX_TUN_ID[]," removed): no segment, no translation
    assert _flood("load:0x50f->NXM_NX_TUN_ID[],", "") == []


def test_learned_flow_of_a_vlan_vid_is_a_translation():
    # the same flow matching the VID as a learned flow does
    # ("dl_vlan=2 " -> "vlan_tci=0x0002/0x0fff "): local VLAN 2
    assert _flood("dl_vlan=2 ", "vlan_tci=0x0002/0x0fff ") == [
        ("br-tun", 1295, 2, "br-tun table=22 vlan_tci=0x0002/0x0fff "
         "actions=strip_vlan,load:0x50f->NXM_NX_TUN_ID[],"
         "output:vxlan-c612010c,output:vxlan-c612010d",
         ("vxlan-c612010c", "vxlan-c612010d"))]


# -- the vlan map of a host ---------------------------------------------------

def _compute1_rows(doc):
    return [r for r in doc["rows"] if r["host"] == "compute1"]


def test_tunnel_ingress_flow_matching_its_tunnel_port(tmp_path):
    # vlanmap/vxlan-healthy, compute1's br-tun table=4: the translation of
    # VNI 1295 also matches the tunnel port it arrives on, by number
    # ("priority=1,tun_id=0x50f " -> "priority=1,in_port=2,tun_id=0x50f "):
    # the map names the port as the host's topology does
    capture = EditedCapture(FIXTURES / "vlanmap" / "vxlan-healthy", tmp_path)
    capture.replace("compute1", "flows:br-tun:table=4",
                    "priority=1,tun_id=0x50f ",
                    "priority=1,in_port=2,tun_id=0x50f ")
    doc = _vlan_map(capture)
    assert doc["exit_code"] == exitcodes.OK
    assert _compute1_rows(doc) == [{
        "host": "compute1", "bridge": "br-tun", "network_type": "vxlan",
        "segmentation_id": 1295, "local_vlan": 2,
        "ingress": "br-tun table=4 in_port=vxlan-c612010c,tun_id=0x50f "
                   "actions=mod_vlan_vid:2,resubmit(,10)",
        "ingress_packets": 93,
        "egress": "br-tun table=22 dl_vlan=2 actions=strip_vlan,"
                  "load:0x50f->NXM_NX_TUN_ID[],output:vxlan-c612010c,"
                  "output:vxlan-c612010d",
        "egress_packets": 7, "status": "OK", "detail": "ports tagged 2"}]


def test_mapping_to_a_bridge_the_host_lacks_beside_a_good_one(tmp_path):
    # vlanmap/vlan-healthy, the recorded API context: compute1's agent
    # also maps physnet0 to br-aaa, a safe name that sorts before br-eth1
    # but no bridge of the host: br-eth1's flows are still read, the map
    # is the healthy one
    healthy = _vlan_map(FIXTURES / "vlanmap" / "vlan-healthy")
    capture = EditedCapture(FIXTURES / "vlanmap" / "vlan-healthy", tmp_path)
    capture.edit_context(lambda d: d["ovs_agents"]["compute1"][
        "configurations"]["bridge_mappings"].update(physnet0="br-aaa"))
    assert _vlan_map(capture) == healthy
    assert [r["egress"] for r in _compute1_rows(healthy)] == [
        "br-eth1 table=0 in_port=phy-br-eth1,dl_vlan=1 "
        "actions=mod_vlan_vid:2113,NORMAL"]


def test_integration_bridge_named_by_the_agent(tmp_path):
    # vlanmap/vlan-healthy, the recorded API context: compute1's agent
    # reports integration_bridge br-int0 (the recording read br-int): the
    # map reads the agent's bridge, which the recording lacks, and says so
    capture = EditedCapture(FIXTURES / "vlanmap" / "vlan-healthy", tmp_path)
    capture.edit_context(lambda d: d["ovs_agents"]["compute1"][
        "configurations"].update(integration_bridge="br-int0"))
    doc = _vlan_map(capture)
    assert doc["exit_code"] == exitcodes.UNREADABLE
    assert _compute1_rows(doc) == [{
        "host": "compute1", "bridge": "br-eth1", "network_type": "vlan",
        "segmentation_id": 2113, "local_vlan": None, "ingress": "",
        "ingress_packets": None, "egress": "", "egress_packets": None,
        "status": "SKIP",
        "detail": "flows not read: flows:br-int0:table=0: error"}]
    assert [(f["code"], f["subject"]) for f in doc["findings"]] == [
        ("NETDIAG_COMMAND_FAILED", "compute1:flows:br-int0:table=0")]


def test_tagged_port_in_no_bridge_in_the_vlan_map(tmp_path):
    # vlanmap/vlan-healthy, compute1's ovs-bridges: the tap's Port row left
    # out of br-int's ports (what "ovs-vsctl del-port" leaves in the Bridge
    # table); its Port row still carries the network and tag 1: it is on
    # no bridge, so no port of the network is wired on compute1
    capture = EditedCapture(FIXTURES / "vlanmap" / "vlan-healthy", tmp_path)
    capture.replace("compute1", "ovs-bridges",
                    '["uuid","3372b802-5d46-4841-b3f1-c2c84449c820"],', "")
    doc = _vlan_map(capture)
    assert doc["exit_code"] == exitcodes.OK
    assert [(r["local_vlan"], r["status"], r["detail"])
            for r in _compute1_rows(doc)] == [(1, "OK", "no ports on this host")]


def test_first_port_of_the_network_wired_to_another_segment(tmp_path):
    # vlanmap/vlan-healthy, network1's ovs-ports: the router port
    # qr-12cf768b-a6, listed before the DHCP port of the same network,
    # names segmentation_id 2114 instead of 2113; the DHCP port still wires
    # the network's segment on local VLAN 2: the map is the healthy one
    healthy = _vlan_map(FIXTURES / "vlanmap" / "vlan-healthy")
    capture = EditedCapture(FIXTURES / "vlanmap" / "vlan-healthy", tmp_path)
    qr = ('"qr-12cf768b-a6",["uuid","23a9bcf7-cd75-40f5-bddc-eba3f0794372"],'
          '2,["set",[]],["map",[["net_uuid","3e2b7484-02f6-43f9-98e7-'
          '87a1ff51eff8"],["network_type","vlan"],["physical_network",'
          '"physnet1"],["segmentation_id","2113"]')
    capture.replace("network1", "ovs-ports", qr, qr.replace('"2113"', '"2114"'))
    assert _vlan_map(capture) == healthy
    assert [(r["local_vlan"], r["detail"]) for r in healthy["rows"]
            if r["host"] == "network1"] == [(2, "ports tagged 2")]


# -- the tunnel path of a port trace (tunnel.tunnel_hops, tunnel_peers) -------

def _vxlan(tmp_path):
    return EditedCapture(FIXTURES / "scenarios" / "vxlan-healthy", tmp_path)


def test_tunnel_bridge_missing(tmp_path):
    # scenarios/vxlan-healthy, compute1's ovs-bridges: the Bridge row
    # "br-tun" renamed "br-tun0": br-tun is not on compute1; the finding
    # and the hop say so, exactly
    capture = _vxlan(tmp_path)
    capture.replace("compute1", "ovs-bridges", '"br-tun"', '"br-tun0"')
    trace = trace_of(capture)
    assert trace.exit_code == exitcodes.ERROR_FINDING
    assert findings(trace) == [(
        "NETDIAG_OVS_BRIDGE_MISSING", "ERROR", "compute1:br-tun",
        "br-tun does not exist on compute1",
        "Create br-tun (ovs-vsctl add-br) and restart "
        "neutron-openvswitch-agent on compute1; check bridge_mappings.")]
    assert [(h.host, h.device, h.kind, h.state, h.detail, str(h.status))
            for h in trace.hops if str(h.status) != "OK"] == [
        ("compute1", "br-tun", "bridge", "absent", "", "ERROR")]


def test_tunnel_peers_of_a_network_without_a_router(tmp_path):
    # scenarios/vxlan-healthy, the recorded API context: no router on the
    # network ("router" -> null): the peers are the hosts of its ports and
    # DHCP agents; compute1's tunnels to both are checked
    capture = _vxlan(tmp_path)
    capture.edit_context(lambda d: d.update(router=None))
    trace = trace_of(capture)
    assert (trace.exit_code, findings(trace)) == (exitcodes.OK, [])
    assert [(h.device, h.state, h.detail) for h in trace.hops
            if h.host == "compute1" and h.kind == "tunnel"] == [
        ("vxlan-c612010c", "present", "to compute2 remote_ip=198.18.1.12 "
         "local_ip=198.18.1.11, ofport 2, in the flood flow"),
        ("vxlan-c612010d", "present", "to network1 remote_ip=198.18.1.13 "
         "local_ip=198.18.1.11, ofport 4, in the flood flow")]
