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

"""Survivors of the whole mutation sweep of the ML2/OVS layer-2 checks
(the OVS port, VLAN and tunnel translation, the physical NICs): port trace
on a real recording edited in one place (the comment says which and how),
and the whole finding (code, severity, subject, summary, remedy) and the
rows an operator reads, exactly. The fault tests of test_trace_faults.py
assert the codes and states of the same edits; here the texts.
"""

import json
import pathlib

import pytest

from osc_netdiag.backends.ml2_ovs import map_flows
from osc_netdiag import exitcodes
from osc_netdiag.parsers import ofctl
from osc_netdiag.parsers import ovs_vsctl
from osc_netdiag.transport import replay
from osc_netdiag.v1 import network as network_cmd
from tests.unit.edited import EditedCapture
from tests.unit import helpers
from tests.unit.test_mut_trace_router import BR_EX_PORTS
from tests.unit.test_mut_trace_router import QG_PORT
from tests.unit.test_trace_faults import trace_of

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
SCENARIOS = FIXTURES / "scenarios"
TAP = "tapc5f2011d-5a"
PORT_ID = "c5f2011d-5a44-4c56-9283-39926459378a"
NET_ID = "3e2b7484-02f6-43f9-98e7-87a1ff51eff8"
TAP_PORT_ROW = '"02c2bc32-bbff-4d97-8a8b-007169a0d6d8"],1,'
RESTART = ("restart neutron-openvswitch-agent on compute1 so it re-wires "
           "the port.")


@pytest.fixture
def vlan(tmp_path):
    return EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)


def findings(trace):
    return [(f.code, str(f.severity), f.subject, f.summary, f.remedy)
            for f in trace.findings]


def bad_rows(trace):
    """Every row that is not OK, whole."""
    return [(h.host, h.device, h.kind, h.state, h.detail, str(h.status))
            for h in trace.hops if str(h.status) != "OK"]


def port_fault(vlan, command, old, new):
    """The trace of vlan-healthy with compute1's ``command`` edited; the
    tap's row must be the only one that is not OK.
    """
    vlan.replace("compute1", command, old, new)
    trace = trace_of(vlan)
    assert trace.exit_code == exitcodes.ERROR_FINDING
    return trace


# -- the instance's port on br-int (l2.check_ovs_port) ------------------------

def test_tap_in_no_bridge(vlan):
    # ovs-bridges: the tap's Port row left out of br-int's ports (what
    # "ovs-vsctl del-port" leaves in the Bridge table): in no bridge
    trace = port_fault(vlan, "ovs-bridges",
                       '["uuid","3372b802-5d46-4841-b3f1-c2c84449c820"],', "")
    assert findings(trace) == [(
        "NETDIAG_OVS_PORT_MISSING", "ERROR", "compute1:br-int",
        f"{TAP} is not a port of any bridge on compute1",
        "The device is not a port of br-int on compute1: re-plug the VIF "
        "(hard reboot) or check os-vif/nova-compute logs.")]
    assert bad_rows(trace) == [(
        "compute1", TAP, "ovs-port", "absent", "not a port of br-int",
        "ERROR")]


def test_another_iface_id(vlan):
    # ovs-interfaces: the tap's external_ids:iface-id, last digit a -> 9
    trace = port_fault(vlan, "ovs-interfaces", f'"iface-id","{PORT_ID}"',
                       f'"iface-id","{PORT_ID[:-1]}9"')
    assert findings(trace) == [(
        "NETDIAG_OVS_IFACE_ID_MISMATCH", "ERROR", f"compute1:{TAP}",
        f"{TAP} has iface-id {PORT_ID[:-1]}9, expected {PORT_ID}",
        "external_ids:iface-id must be the port ID; re-plug the VIF.")]
    assert bad_rows(trace) == [(
        "compute1", TAP, "ovs-port", "wrong",
        f"on br-int, ofport 3, local VLAN 1; iface-id {PORT_ID[:-1]}9",
        "ERROR")]


def test_another_attached_mac(vlan):
    # ovs-interfaces: the tap's attached-mac, last octet 75 -> 76
    trace = port_fault(vlan, "ovs-interfaces",
                       '"attached-mac","fa:16:3e:b9:d1:75"',
                       '"attached-mac","fa:16:3e:b9:d1:76"')
    assert findings(trace) == [(
        "NETDIAG_OVS_MAC_MISMATCH", "ERROR", f"compute1:{TAP}",
        f"{TAP} has attached-mac fa:16:3e:b9:d1:76, expected "
        "fa:16:3e:b9:d1:75",
        "external_ids:attached-mac differs from the port's MAC; re-plug "
        "the VIF.")]
    assert bad_rows(trace) == [(
        "compute1", TAP, "ovs-port", "wrong",
        "on br-int, ofport 3, local VLAN 1; attached-mac fa:16:3e:b9:d1:76",
        "ERROR")]


def test_wired_for_another_network(vlan):
    # ovs-ports: the tap's other_config net_uuid, first digit 3 -> 4
    other = "4" + NET_ID[1:]
    trace = port_fault(vlan, "ovs-ports", f'"net_uuid","{NET_ID}"',
                       f'"net_uuid","{other}"')
    assert findings(trace) == [(
        "NETDIAG_OVS_NET_MISMATCH", "ERROR", f"compute1:{TAP}",
        f"{TAP} is wired for network {other}",
        f"Port other_config says net_uuid={other}, the API says network "
        f"{NET_ID}: {RESTART}")]
    assert bad_rows(trace) == [(
        "compute1", TAP, "ovs-port", "wrong",
        f"on br-int, ofport 3, local VLAN 1; net_uuid {other}", "ERROR")]


def test_wired_for_another_segmentation_id(vlan):
    # ovs-ports: the tap's other_config segmentation_id 2113 -> 2114
    trace = port_fault(vlan, "ovs-ports",
                       '"physnet1"],["segmentation_id","2113"]',
                       '"physnet1"],["segmentation_id","2114"]')
    assert findings(trace) == [(
        "NETDIAG_OVS_NET_MISMATCH", "ERROR", f"compute1:{TAP}",
        f"{TAP} is wired for segmentation ID 2114",
        f"Port other_config says segmentation_id=2114, the API says 2113: "
        f"{RESTART}")]
    assert bad_rows(trace) == [(
        "compute1", TAP, "ovs-port", "wrong",
        "on br-int, ofport 3, local VLAN 1; segmentation_id 2114", "ERROR")]


def test_tag_of_the_dead_vlan(vlan):
    # ovs-ports: the tap's Port row tag 1 -> 4095 (the agent's dead VLAN):
    # no translation is checked, there is no local VLAN to check it for
    trace = port_fault(vlan, "ovs-ports", TAP_PORT_ROW,
                       TAP_PORT_ROW.replace("],1,", "],4095,"))
    assert findings(trace) == [(
        "NETDIAG_OVS_TAG_MISSING", "ERROR", f"compute1:{TAP}",
        f"{TAP} on compute1 has tag 4095 (dead VLAN)",
        "The agent has not given the port a local VLAN (no tag, or the "
        "dead VLAN 4095). Restart neutron-openvswitch-agent on compute1 and "
        "watch its log for the port ID.")]
    assert bad_rows(trace) == [(
        "compute1", TAP, "ovs-port", "wrong",
        "on br-int, ofport 3, local VLAN 4095; dead VLAN 4095", "ERROR")]
    assert "br-int table=0" not in [h.device for h in trace.hops
                                    if h.host == "compute1"]


def test_ofport_minus_one(vlan):
    # ovs-interfaces: the tap's ofport 3 -> -1 (what OVS writes for a
    # device it could not open)
    trace = port_fault(vlan, "ovs-interfaces", f'"{TAP}","",3,',
                       f'"{TAP}","",-1,')
    assert findings(trace) == [(
        "NETDIAG_OVS_PORT_OFPORT", "ERROR", f"compute1:{TAP}",
        f"OVS has no usable ofport for {TAP} on compute1",
        "OVS could not open the device (ofport -1): check ovs-vswitchd.log "
        "on compute1.")]
    assert bad_rows(trace) == [(
        "compute1", TAP, "ovs-port", "wrong",
        "on br-int, ofport -1, local VLAN 1; ofport -1 error None", "ERROR")]


def test_interface_error(vlan):
    # ovs-interfaces: the tap's error column, empty -> the message OVS
    # writes for a device it cannot open (its ofport left as recorded)
    error = f"could not open network device {TAP} (No such device)"
    trace = port_fault(
        vlan, "ovs-interfaces",
        '"6db5449f-8ea5-5a67-80f1-82c69df998b2"]]],["set",[]],',
        f'"6db5449f-8ea5-5a67-80f1-82c69df998b2"]]],"{error}",')
    assert findings(trace) == [(
        "NETDIAG_OVS_PORT_OFPORT", "ERROR", f"compute1:{TAP}",
        f"OVS has no usable ofport for {TAP} on compute1",
        f"OVS could not open the device ({error}): check ovs-vswitchd.log "
        "on compute1.")]
    assert bad_rows(trace) == [(
        "compute1", TAP, "ovs-port", "wrong",
        f"on br-int, ofport 3, local VLAN 1; ofport 3 error {error!r}",
        "ERROR")]


# -- the physical NICs of the VLAN's bridge (vlan.check_physical_nics) --------

def test_nic_port_that_is_no_device(vlan):
    # ip-addr: eth1 renamed eth9: still a port of br-eth1, no such device
    trace = port_fault(vlan, "ip-addr", '"ifname":"eth1"', '"ifname":"eth9"')
    assert findings(trace) == [(
        "NETDIAG_PHYS_NIC_MISSING", "ERROR", "compute1:eth1",
        "eth1 is a port of br-eth1 but not a device on compute1",
        "Add the physical interface to br-eth1 on compute1 (ovs-vsctl "
        "add-port br-eth1 <nic>).")]
    assert bad_rows(trace) == [(
        "compute1", "eth1", "nic", "absent", "port of br-eth1; no such device",
        "ERROR")]


@pytest.mark.parametrize("kind", ["system", "dpdk", "afxdp"])
def test_nic_of_another_interface_type(vlan, kind):
    # ovs-interfaces: eth1's type "" -> "system", "dpdk" or "afxdp" (a
    # kernel, DPDK or AF_XDP port of br-eth1): the bridge's NIC as a port
    # of type "" is, its link read as recorded
    vlan.replace("compute1", "ovs-interfaces", '"eth1","",1,',
                 f'"eth1","{kind}",1,')
    trace = trace_of(vlan)
    assert (trace.exit_code, findings(trace), bad_rows(trace)) == (
        exitcodes.OK, [], [])
    assert [(h.device, h.state, h.detail) for h in trace.hops
            if h.host == "compute1" and h.kind == "nic"] == [
        ("eth1", "UP", "in br-eth1, ofport 1, mtu 1500, UP")]


def test_gateway_bridge_of_the_guides_layout_without_a_nic(vlan):
    # three edits of network1: its Bridge table with qg- moved from br-int
    # to br-ex (the Operations Guide's layout, as test_mut_trace_router's
    # qg-plugged-into-br-ex), and br-ex's one NIC eth3 of type "internal":
    # br-ex, which carries the gateway, has no physical interface
    vlan.replace("network1", "ovs-bridges", QG_PORT + ",", "")
    vlan.replace("network1", "ovs-bridges", BR_EX_PORTS,
                 BR_EX_PORTS + QG_PORT + ",")
    vlan.replace("network1", "ovs-interfaces", '"eth3","",1,',
                 '"eth3","internal",1,')
    trace = trace_of(vlan)
    assert trace.exit_code == exitcodes.ERROR_FINDING
    assert findings(trace) == [(
        "NETDIAG_PHYS_NIC_MISSING", "ERROR", "network1:br-ex",
        "br-ex on network1 has no physical interface, and the external "
        "bridge carries the gateway",
        "Add the physical interface to br-ex on network1 (ovs-vsctl "
        "add-port br-ex <nic>).")]
    assert bad_rows(trace) == [(
        "network1", "br-ex", "nic", "absent", "no physical port in the bridge",
        "ERROR")]


# -- a flat segment's egress flow printed as OpenFlow 1.3 prints it ---------

def test_flat_egress_with_pop_vlan_in_the_trace(vlan):
    # network1's br-ex table=0: the external flat network's egress flow
    # "actions=strip_vlan,NORMAL" -> "actions=pop_vlan,NORMAL" (the same
    # action as ovs-ofctl prints it over OpenFlow 1.3): still the flow that
    # strips local VLAN 8
    vlan.replace("network1", "flows:br-ex:table=0", "actions=strip_vlan,",
                 "actions=pop_vlan,")
    trace = trace_of(vlan)
    assert (trace.exit_code, findings(trace), bad_rows(trace)) == (
        exitcodes.OK, [], [])
    assert [(h.device, h.state, h.detail) for h in trace.hops
            if h.host == "network1" and h.device == "br-ex table=0"] == [
        ("br-ex table=0", "present",
         "in_port=phy-br-ex,dl_vlan=8 -> strip_vlan (n_packets=5)")]


def _vlan_map(capture):
    code, app = helpers.run_command(network_cmd.ShowVlanMap, "--from-capture",
                                    str(capture), "-f", "json")
    doc = json.loads(app.stdout.getvalue())
    assert doc["exit_code"] == code
    return doc


def test_flat_egress_with_pop_vlan_in_the_vlan_map(tmp_path):
    # vlanmap/flat-all-hosts, network1's br-ex table=0: strip_vlan ->
    # pop_vlan as above: the flat network's row keeps its egress flow
    capture = EditedCapture(FIXTURES / "vlanmap" / "flat-all-hosts", tmp_path)
    capture.replace("network1", "flows:br-ex:table=0", "actions=strip_vlan,",
                    "actions=pop_vlan,")
    doc = _vlan_map(capture)
    assert doc["exit_code"] == exitcodes.OK
    assert [r for r in doc["rows"] if r["bridge"] == "br-ex"] == [{
        "host": "network1", "bridge": "br-ex", "network_type": "flat",
        "segmentation_id": None, "local_vlan": 11,
        "ingress": "br-int table=0 in_port=int-br-ex,vlan_tci=0x0000/0x1fff "
                   "actions=mod_vlan_vid:11,resubmit(,58)",
        "ingress_packets": 3,
        "egress": "br-ex table=0 in_port=phy-br-ex,dl_vlan=11 "
                  "actions=pop_vlan,NORMAL",
        "egress_packets": 12, "status": "OK", "detail": "ports tagged 11"}]


# -- flows in another order: ovs-ofctl dump-flows prints them in no fixed
# order (its manual: use --sort for one), so a translation flow may come
# after the bridge's drop and NORMAL flows

def _reversed_flows(capture, host, command):
    """Reverse the order of the flows of ``command``'s real output (its
    first line, the NXST_FLOW header, stays first).
    """
    text = capture.output(host, command)
    header, *flows = text.rstrip("\n").split("\n")
    capture.replace(host, command, "\n".join(flows),
                    "\n".join(reversed(flows)))


def test_egress_translation_after_drop_and_normal_in_the_vlan_map(tmp_path):
    # vlanmap/vlan-healthy, compute1's br-eth1 table=0: NORMAL, then the
    # drop of phy-br-eth1, then the translation of local VLAN 1: the same map
    healthy = _vlan_map(FIXTURES / "vlanmap" / "vlan-healthy")
    capture = EditedCapture(FIXTURES / "vlanmap" / "vlan-healthy", tmp_path)
    _reversed_flows(capture, "compute1", "flows:br-eth1:table=0")
    assert _vlan_map(capture) == healthy
    assert healthy["exit_code"] == exitcodes.OK


def test_egress_translation_after_drop_and_normal_in_the_trace(vlan):
    # compute1's br-eth1 table=0 in reverse order, as above
    _reversed_flows(vlan, "compute1", "flows:br-eth1:table=0")
    trace = trace_of(vlan)
    assert (trace.exit_code, findings(trace), bad_rows(trace)) == (
        exitcodes.OK, [], [])
    assert [(h.state, h.detail) for h in trace.hops
            if h.host == "compute1" and h.device == "br-eth1 table=0"] == [
        ("present", "in_port=phy-br-eth1,dl_vlan=1 -> mod_vlan_vid:2113 "
         "(n_packets=35)")]


def test_ingress_flow_that_drops_in_the_vlan_map(tmp_path):
    # vlanmap/vlan-healthy, compute1's br-int table=0: the flow that
    # matches VLAN 2113 from int-br-eth1 drops it instead of setting local
    # VLAN 1 (actions=mod_vlan_vid:1,resubmit(,58) -> actions=drop)
    capture = EditedCapture(FIXTURES / "vlanmap" / "vlan-healthy", tmp_path)
    capture.replace("compute1", "flows:br-int:table=0",
                    "dl_vlan=2113 actions=mod_vlan_vid:1,resubmit(,58)",
                    "dl_vlan=2113 actions=drop")
    doc = _vlan_map(capture)
    assert doc["exit_code"] == exitcodes.ERROR_FINDING
    assert [r for r in doc["rows"] if r["host"] == "compute1"] == [{
        "host": "compute1", "bridge": "br-eth1", "network_type": "vlan",
        "segmentation_id": 2113, "local_vlan": 1, "ingress": "",
        "ingress_packets": None,
        "egress": "br-eth1 table=0 in_port=phy-br-eth1,dl_vlan=1 "
                  "actions=mod_vlan_vid:2113,NORMAL",
        "egress_packets": 0, "status": "ERROR",
        "detail": "no ingress translation"}]
    assert [(f["code"], f["subject"], f["summary"]) for f in doc["findings"]] \
        == [("NETDIAG_VLANMAP_NO_TRANSLATION", "compute1:br-eth1",
             "compute1 has ports of vlan-net but no ingress translation for "
             "vlan 2113 on physnet1")]


def test_unsafe_bridge_mapping_beside_a_good_one(tmp_path):
    # vlanmap/vlan-healthy, the recorded API context: compute1's agent
    # reports a second mapping physnet2:"br-eth 2" (no safe device name, so
    # never given to ovs-ofctl; it sorts before br-eth1): br-eth1's flows
    # are still read, and the map is the healthy one
    healthy = _vlan_map(FIXTURES / "vlanmap" / "vlan-healthy")
    capture = EditedCapture(FIXTURES / "vlanmap" / "vlan-healthy", tmp_path)
    capture.edit_context(lambda d: d["ovs_agents"]["compute1"][
        "configurations"]["bridge_mappings"].update(physnet2="br-eth 2"))
    assert _vlan_map(capture) == healthy


def test_vlan_flow_without_its_vlan_before_the_flat_one(tmp_path):
    # vlanmap/dvr-lab-flat-all-hosts, compute1's br-int table=0: the VLAN
    # network's translation from int-br-eth1 loses its dl_vlan=2113 match
    # (it now sets local VLAN 2 on anything from int-br-eth1); it is listed
    # before the flat network's translation from int-br-ex, which is still
    # read: the flat network's map stays the healthy one
    name = "dvr-lab-flat-all-hosts"
    healthy = _vlan_map(FIXTURES / "vlanmap" / name)
    capture = EditedCapture(FIXTURES / "vlanmap" / name, tmp_path)
    capture.replace("compute1", "flows:br-int:table=0",
                    "in_port=1,dl_vlan=2113 actions", "in_port=1 actions")
    assert _vlan_map(capture) == healthy
    assert [r["ingress"] for r in healthy["rows"]
            if r["host"] == "compute1"] == [
        "br-int table=0 in_port=int-br-ex,vlan_tci=0x0000/0x1fff "
        "actions=mod_vlan_vid:6,resubmit(,58)"]


def test_egress_flow_with_a_bare_match_field(tmp_path):
    # vlanmap/vlan-healthy, compute1's br-eth1 table=0: the translation of
    # local VLAN 1 matches IP only ("priority=4,in_port=2,dl_vlan=1" ->
    # "priority=4,ip,in_port=2,dl_vlan=1"): the map prints the field as
    # ovs-ofctl does, a name without a value
    capture = EditedCapture(FIXTURES / "vlanmap" / "vlan-healthy", tmp_path)
    capture.replace("compute1", "flows:br-eth1:table=0",
                    "priority=4,in_port=2,dl_vlan=1 ",
                    "priority=4,ip,in_port=2,dl_vlan=1 ")
    assert [r["egress"] for r in _vlan_map(capture)["rows"]
            if r["host"] == "compute1"] == [
        "br-eth1 table=0 ip,in_port=phy-br-eth1,dl_vlan=1 "
        "actions=mod_vlan_vid:2113,NORMAL"]


def test_flat_ingress_written_as_dl_vlan_0xffff(vlan):
    # network1's br-int table=0: the flat external network's translation
    # matches untagged frames as "dl_vlan=0xffff" (OpenFlow 1.0's "no
    # VLAN", as older agents wrote it) instead of vlan_tci=0x0000/0x1fff:
    # still the ingress translation of the flat network
    vlan.replace("network1", "flows:br-int:table=0",
                 "in_port=2,vlan_tci=0x0000/0x1fff ",
                 "in_port=2,dl_vlan=0xffff ")
    trace = trace_of(vlan)
    assert (trace.exit_code, findings(trace), bad_rows(trace)) == (
        exitcodes.OK, [], [])
    assert [(h.state, h.detail) for h in trace.hops
            if h.host == "network1" and h.device == "br-int table=0"
            and "int-br-ex" in h.detail] == [
        ("present", "in_port=int-br-ex,untagged -> mod_vlan_vid:8 "
         "(n_packets=0)")]


def test_stale_egress_flow_before_the_translation_in_the_vlan_map(tmp_path):
    # vlanmap/vlan-healthy, compute1's br-eth1 table=0 in reverse order
    # (as above) and its drop flow from phy-br-eth1 matching local VLAN 1
    # ("priority=2,in_port=2 " -> "priority=2,in_port=2,dl_vlan=1 "): a
    # flow of local VLAN 1 that is no translation comes first; the
    # translation after it is still found, the map is the healthy one
    healthy = _vlan_map(FIXTURES / "vlanmap" / "vlan-healthy")
    capture = EditedCapture(FIXTURES / "vlanmap" / "vlan-healthy", tmp_path)
    _reversed_flows(capture, "compute1", "flows:br-eth1:table=0")
    capture.replace("compute1", "flows:br-eth1:table=0",
                    "priority=2,in_port=2 ", "priority=2,in_port=2,dl_vlan=1 ")
    assert _vlan_map(capture) == healthy


# -- the translation records the segment map is built from -------------------

def _recorded(name, host):
    """(topology, outputs by probe name) of ``host`` in vlanmap/``name``."""
    hosts = {h["host"]: h for h in replay.captured_hosts(
        str(FIXTURES / "vlanmap" / name))}
    outputs = {c["name"]: c["stdout"] for c in hosts[host]["commands"]}
    topo = ovs_vsctl.build_topology(
        ovs_vsctl.parse_bridges(outputs["ovs-bridges"]),
        ovs_vsctl.parse_ports(outputs["ovs-ports"]),
        ovs_vsctl.parse_interfaces(outputs["ovs-interfaces"]))
    return topo, outputs


def _fields(t):
    return (t.bridge, t.segmentation_id, t.lvid, t.text, t.outputs)


def test_vlan_translation_records():
    # compute1 of vlanmap/vlan-healthy, as recorded: one translation each way
    topo, out = _recorded("vlan-healthy", "compute1")
    ingress = map_flows.ingress_vlan_flows(
        topo, "br-int", ofctl.parse_dump_flows(out["flows:br-int:table=0"]),
        {"int-br-eth1": "physnet1"})
    assert [(physnet, _fields(t)) for physnet, t in ingress] == [(
        "physnet1", ("br-int", 2113, 1, "br-int table=0 in_port=int-br-eth1,"
                     "dl_vlan=2113 actions=mod_vlan_vid:1,resubmit(,58)", ()))]
    egress = map_flows.egress_vlan_flows(
        topo, "br-eth1", ofctl.parse_dump_flows(out["flows:br-eth1:table=0"]),
        "phy-br-eth1")
    assert [_fields(t) for t in egress] == [
        ("br-eth1", 2113, 1, "br-eth1 table=0 in_port=phy-br-eth1,dl_vlan=1 "
         "actions=mod_vlan_vid:2113,NORMAL", ())]


def test_flood_translation_record():
    # compute1 of vlanmap/vxlan-healthy, br-tun table=22 as recorded
    topo, out = _recorded("vxlan-healthy", "compute1")
    flood = map_flows.tunnel_egress_flows(
        topo, ofctl.parse_dump_flows(out["flows:br-tun:table=22"]))
    assert [_fields(t) for t in flood] == [
        ("br-tun", 1295, 2, "br-tun table=22 dl_vlan=2 actions=strip_vlan,"
         "load:0x50f->NXM_NX_TUN_ID[],output:vxlan-c612010c,"
         "output:vxlan-c612010d", ("vxlan-c612010c", "vxlan-c612010d"))]


def test_port_on_the_dead_vlan_in_the_vlan_map(tmp_path):
    # vlanmap/vlan-healthy, compute1's ovs-ports: the tap's tag 1 -> 4095
    # (the agent's dead VLAN): no port of the network is wired on compute1
    # any more; its translations are still listed, the row says so
    capture = EditedCapture(FIXTURES / "vlanmap" / "vlan-healthy", tmp_path)
    row = ('"tapc5f2011d-5a",["uuid","02c2bc32-bbff-4d97-8a8b-007169a0d6d8"]'
           ',1,')
    capture.replace("compute1", "ovs-ports", row, row.replace(",1,", ",4095,"))
    doc = _vlan_map(capture)
    assert [(r["local_vlan"], r["status"], r["detail"]) for r in doc["rows"]
            if r["host"] == "compute1"] == [(1, "OK", "no ports on this host")]
