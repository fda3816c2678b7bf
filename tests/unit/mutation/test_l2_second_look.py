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

"""The ML2/OVS layer-2 path checks, second look (binding, VLAN, topology,
tunnel): port traces of real recordings, each edited where the comment
says, with the findings (code, severity, subject, summary, remedy) and the
rows an operator reads asserted exactly.
"""

import json
import pathlib

import pytest

from osc_netdiag import exitcodes
from tests.unit.edited import EditedCapture
from tests.unit.mutation.test_sweep_l2_paths import bad_rows
from tests.unit.mutation.test_sweep_l2_paths import findings
from tests.unit.test_trace_faults import trace_of

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"
OK, ERROR_FINDING = exitcodes.OK, exitcodes.ERROR_FINDING
TAP = "tapc5f2011d-5a"

# Neutron's names for the patch ports of a bridge_mappings bridge
# br-provider1 ("int-br-provider1" and "phy-br-provider1" are 16 characters,
# one over a device name's limit): neutron-lib's get_interface_name keeps
# the prefix and the bridge name's first 15 - 4 - 6 = 5 characters and
# appends the first 6 hex digits of sha1("br-provider1"), cebb81.
LONG_BRIDGE = "br-provider1"
INT_PATCH = "int-br-prcebb81"
PHY_PATCH = "phy-br-prcebb81"


@pytest.fixture
def vlan(tmp_path):
    return EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)


@pytest.fixture
def vxlan(tmp_path):
    return EditedCapture(SCENARIOS / "vxlan-healthy", tmp_path)


def rows_of(trace, host):
    return [(h.device, h.kind, h.state, h.detail, str(h.status))
            for h in trace.hops if h.host == host]


def _rename(capture, host, pairs):
    """Every occurrence of each old name in ``host``'s recording (probe
    names, argv and outputs) and in its agent's reported configuration
    becomes the new one, in order: what the same host, set up with those
    names, would have recorded.
    """
    path = capture.path / "hosts" / f"{host}.json"
    text = path.read_text()
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text)

    def change(data):
        conf = json.dumps(data["ovs_agents"][host]["configurations"])
        for old, new in pairs:
            conf = conf.replace(old, new)
        data["ovs_agents"][host]["configurations"] = json.loads(conf)
    capture.edit_context(change)


def _long_bridge(vlan):
    # compute1 of vlan-healthy with its physnet1 bridge named br-provider1
    # instead of br-eth1, so that Neutron hashes its patch ports' names:
    # every place of compute1's recording naming them (Bridge, Port and
    # Interface rows, the patch ports' options:peer, ip addr's internal
    # device, the name and argv of "ovs-ofctl dump-flows br-eth1") and of
    # its agent's configuration (bridge_mappings, resource_provider_
    # hypervisors). The flows name ports by number and stay as recorded.
    _rename(vlan, "compute1", [("int-br-eth1", INT_PATCH),
                               ("phy-br-eth1", PHY_PATCH),
                               ("br-eth1", LONG_BRIDGE)])


HEALTHY_LONG_BRIDGE = [
    (f"{INT_PATCH}<->{PHY_PATCH}", "patch", "peered",
     f"br-int <-> {LONG_BRIDGE}", "OK"),
    (f"{LONG_BRIDGE} table=0", "flow", "present",
     f"in_port={PHY_PATCH},dl_vlan=1 -> mod_vlan_vid:2113 (n_packets=35)",
     "OK"),
    ("eth1", "nic", "UP", f"in {LONG_BRIDGE}, ofport 1, mtu 1500, UP", "OK")]


# -- a failed binding on the router interface (binding) -----------------------

def test_router_interface_whose_binding_failed(vlan):
    # context: the router's interface port on vlan-net, vif_type ovs ->
    # binding_failed and status ACTIVE -> DOWN (what Neutron shows when no
    # mechanism driver could bind it on network1)
    # kills binding check_path_bindings mutant 6 (the role upper-cased)
    vlan.edit_context(lambda d: d["router"]["interface_port"].update(
        vif_type="binding_failed", status="DOWN"))
    trace = trace_of(vlan)
    port = "12cf768b-a6f5-47a3-b557-39914d7cc81d"
    cause = ("the agent on network1 looks able to bind it: see "
             f"neutron-server's log for 'Failed to bind port' {port}")
    assert findings(trace) == [(
        "NETDIAG_PORT_BINDING_FAILED", "ERROR", port,
        f"the router interface port {port} on network1 could not be bound: "
        f"binding:vif_type binding_failed, status DOWN; likely: {cause}",
        f"Neutron could not bind port {port} on network1 (binding:vif_type "
        "binding_failed, status DOWN); the agent leaves it on the dead VLAN "
        f"4095 and nothing passes. Likely causes: {cause}. Fix the cause, "
        f"then rebind: openstack port set --host network1 {port} (for a "
        "router gateway, unset and set the gateway again; for a DHCP port, "
        "restart neutron-dhcp-agent on network1).")]
    assert bad_rows(trace) == [(
        "api", port, "binding", "binding_failed",
        f"router interface port on network1, status DOWN: {cause}", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


# -- patch ports under Neutron's hashed names (vlan) --------------------------

def test_patch_ports_with_hashed_names_are_found_by_peer(vlan):
    # compute1 with a long bridge name (see _long_bridge): the translation
    # flows match the patch ports by number, which only the patch pair
    # found by its peers gives (no port has the default name
    # int-br-provider1 / phy-br-provider1)
    # kills vlan _ingress_flow mutant 4 and _egress_flow mutant 5 (the
    # pair looked up without one of its bridges: the default name, no
    # flow found, NETDIAG_OVS_NO_INGRESS/EGRESS_TRANSLATION)
    _long_bridge(vlan)
    trace = trace_of(vlan)
    assert (findings(trace), bad_rows(trace)) == ([], [])
    assert rows_of(trace, "compute1")[2:] == [
        ("br-int table=0", "flow", "present",
         f"in_port={INT_PATCH},dl_vlan=2113 -> mod_vlan_vid:1 (n_packets=45)",
         "OK")] + HEALTHY_LONG_BRIDGE
    assert trace.exit_code == OK


def test_hashed_patch_names_with_another_integration_bridge(vlan):
    # the same, and compute1's integration bridge named br-int2 (the
    # agent's [ovs] integration_bridge): every place of compute1's
    # recording naming br-int (its Bridge, Port and Interface rows, ip
    # addr's device, the name and argv of "ovs-ofctl dump-flows br-int"),
    # its agent's integration_bridge and the port's binding:vif_details
    # bridge_name in the context.
    # The egress flow was looked up from br-int's patch port whatever the
    # agent's bridge, so it fell back to the unhashed phy-br-provider1 and
    # reported the healthy flow missing (fixed in vlan._egress_flow).
    _long_bridge(vlan)
    _rename(vlan, "compute1", [("br-int", "br-int2")])
    vlan.edit_context(lambda d: d["port"]["vif_details"].update(
        bridge_name="br-int2"))
    trace = trace_of(vlan)
    assert (findings(trace), bad_rows(trace)) == ([], [])
    assert rows_of(trace, "compute1")[1:] == [
        (TAP, "ovs-port", "tag 1", "on br-int2, ofport 3, local VLAN 1, "
         "iface-id and attached-mac match the port", "OK"),
        ("br-int2 table=0", "flow", "present",
         f"in_port={INT_PATCH},dl_vlan=2113 -> mod_vlan_vid:1 (n_packets=45)",
         "OK"),
        (f"{INT_PATCH}<->{PHY_PATCH}", "patch", "peered",
         f"br-int2 <-> {LONG_BRIDGE}", "OK")] + HEALTHY_LONG_BRIDGE[1:]
    assert trace.exit_code == OK


# -- a physical NIC OVS has given no OpenFlow port (vlan) ---------------------

def test_physical_nic_without_an_ofport_is_down(vlan):
    # ovs-interfaces: compute1's eth1 ofport 1 -> empty (["set",[]], what
    # ovs-vsctl lists for an interface ovs-vswitchd has not attached): the
    # kernel link is up, but the NIC is no port of the datapath
    # kills vlan check_physical_nics mutant 151 (no ofport counted as 1)
    vlan.replace("compute1", "ovs-interfaces", '"eth1","",1,',
                 '"eth1","",["set",[]],')
    trace = trace_of(vlan)
    assert findings(trace) == [(
        "NETDIAG_PHYS_NIC_DOWN", "ERROR", "compute1:eth1",
        "eth1 (br-eth1) on compute1 is down",
        "ip link set eth1 up on compute1; check cabling/switch port "
        "(ethtool eth1).")]
    assert bad_rows(trace) == [(
        "compute1", "eth1", "nic", "DOWN",
        "in br-eth1, ofport None, mtu 1500, UP", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


# -- the integration bridge's end of a patch pair deleted (topology) ----------

def test_patch_pair_without_its_integration_bridge_end(vlan):
    # compute1, what "ovs-vsctl del-port br-int int-br-eth1" leaves: the
    # port's uuid out of br-int's ports (ovs-bridges), its Port row
    # (ovs-ports) and its Interface row (ovs-interfaces) gone; phy-br-eth1
    # still names it as its peer (three places, one fault)
    # kills topology check_patch_pair mutant 18 (the missing end's name read
    # from None: AttributeError)
    port_uuid = "d9d2d6db-085b-47c5-a3e6-91b389425543"
    iface_uuid = "ac0c2d18-a19a-439c-bc8f-344abc129682"
    vlan.replace("compute1", "ovs-bridges", f',["uuid","{port_uuid}"]', "")
    vlan.replace(
        "compute1", "ovs-ports",
        f'[["uuid","{port_uuid}"],"int-br-eth1",["uuid","{iface_uuid}"],'
        '["set",[]],["set",[]],["map",[["mcast-snooping-flood","false"],'
        '["mcast-snooping-flood-reports","true"]]]],', "")
    vlan.replace(
        "compute1", "ovs-interfaces",
        f'[["uuid","{iface_uuid}"],"int-br-eth1","patch",1,["map",[["peer",'
        '"phy-br-eth1"]]],["map",[]],["set",[]],"up","up",'
        '"fa:2c:58:a7:b9:8e",["set",[]]],', "")
    trace = trace_of(vlan)
    broken = "int-br-eth1 missing, phy-br-eth1 peer=int-br-eth1"
    assert findings(trace) == [
        ("NETDIAG_OVS_NO_INGRESS_TRANSLATION", "ERROR", "compute1:br-int",
         "no flow on br-int maps vlan 2113 on physnet1 (dl_vlan=2113 from "
         "int-br-eth1) to local VLAN 1",
         "Restart neutron-openvswitch-agent on compute1: it re-installs the "
         "flows of br-int. If the flow stays missing, check bridge_mappings "
         "and the agent's log."),
        ("NETDIAG_OVS_PATCH_PEER", "ERROR",
         "compute1:int-br-eth1<->phy-br-eth1",
         f"patch pair br-int <-> br-eth1 on compute1 is broken: {broken}",
         "Fix the patch pair: ovs-vsctl set Interface int-br-eth1 "
         "options:peer=phy-br-eth1 (or restart neutron-openvswitch-agent "
         "on compute1).")]
    assert bad_rows(trace) == [
        ("compute1", "br-int table=0", "flow", "absent",
         "in_port=int-br-eth1,dl_vlan=2113 -> mod_vlan_vid:1 missing",
         "ERROR"),
        ("compute1", "int-br-eth1<->phy-br-eth1", "patch", "broken", broken,
         "ERROR")]
    assert trace.exit_code == ERROR_FINDING


# -- the segment of a multi-segment network (topology) ------------------------

def physnet2_segment_first(context):
    """Context edit: vlan-net gets a first segment, vlan 2114 on physnet2,
    which compute1's agent does not map.
    """
    context["network"]["segments"].insert(0, dict(
        network_type="vlan", physical_network="physnet2",
        segmentation_id=2114))


def test_segment_the_host_maps_among_several(vlan):
    # context: vlan-net gets a first segment, vlan 2114 on physnet2, which
    # compute1's agent does not map (a multi-segment network); ovs-ports:
    # the tap's other_config segmentation_id 2113 -> 2115, so it names no
    # segment: the port is judged on the segment compute1 maps (physnet1),
    # not on the network's first
    # kills topology choose_segment mutant 21 (the mapped-physnet test
    # made for tunnel segments: the first segment, NETDIAG_OVS_NO_MAPPING)
    vlan.edit_context(physnet2_segment_first)
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
    assert [r[0] for r in rows_of(trace, "compute1")] == [
        TAP, TAP, "br-int table=0", "int-br-eth1<->phy-br-eth1",
        "br-eth1 table=0", "eth1"]
    assert trace.exit_code == ERROR_FINDING


# -- br-tun's translation of the tunnel ID (tunnel) ---------------------------

def test_missing_tunnel_translation_names_its_tunnel_id(vxlan):
    # flows:br-tun:tun_id=0x50f on compute1: the flow's match tun_id=0x50f
    # -> 0x510 (the host filters on tun_id; the check reads the match)
    # kills tunnel _tun_to_lv_flow mutant 62 (the remedy's {seg} unfilled)
    vxlan.replace("compute1", "flows:br-tun:tun_id=0x50f",
                  "tun_id=0x50f actions", "tun_id=0x510 actions")
    trace = trace_of(vxlan)
    assert findings(trace) == [(
        "NETDIAG_OVS_NO_TUNNEL_TRANSLATION", "ERROR", "compute1:br-tun",
        "no flow on br-tun maps tunnel ID 0x50f to local VLAN 2 on compute1",
        "Restart neutron-openvswitch-agent on compute1: it re-installs "
        "br-tun's flows; traffic arriving with tunnel ID 0x50f is dropped "
        "until then.")]
    assert bad_rows(trace) == [(
        "compute1", "br-tun tun_id=0x50f", "flow", "absent",
        "tun_id=0x50f -> mod_vlan_vid:2 missing", "ERROR")]
    assert trace.exit_code == ERROR_FINDING
