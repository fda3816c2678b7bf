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

"""port capture's points on ML2/OVS: every point the path offers with the
exact taps of each, on recorded API contexts (tests/fixtures/scenarios),
each edited in the one field its comment names.

vlan-healthy: port c5f2011d-... on compute1, VLAN 2113 on physnet1
(br-eth1), a legacy router 7e9218af-... with interface and gateway ports,
hosted with the DHCP port on network1.
"""

import json
import pathlib

from osc_netdiag.backends.ml2_ovs import capture_points
from osc_netdiag import context as ctx_mod
from osc_netdiag.taps import Point
from osc_netdiag.taps import Tap

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"
ROUTER_NS = "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d"
MAC = "fa:16:3e:b9:d1:75"


def _context(name, edit=lambda data: None):
    data = json.loads((SCENARIOS / name / "context.json").read_text())
    edit(data)
    return ctx_mod.PortContext.from_json(data)


def _points(edit=lambda data: None, name="vlan-healthy"):
    return capture_points.all_points(_context(name, edit))


TAP = Point("tap", "compute1", (Tap(device="tapc5f2011d-5a"),))
NIC = Point("nic", "compute1", (Tap(nic=True, vlan=2113),))
ROUTER_AND_DHCP = (
    Point("qr", "network1", (Tap(device="qr-12cf768b-a6", netns=ROUTER_NS),)),
    Point("qg", "network1", (Tap(device="qg-4ed7e451-34", netns=ROUTER_NS),)),
    Point("dhcp", "network1", (Tap(
        device="tap0ca4aaaf-71",
        netns="qdhcp-3e2b7484-02f6-43f9-98e7-87a1ff51eff8"),)))


def test_every_point_of_a_vlan_port_behind_a_legacy_router():
    # kills all_points mutants 112 (qg only for a router without gateway)
    # and 124 (qg's tap without its device)
    patch = Point("patch", "compute1", (
        Tap(bridge="br-int", port="int-br-eth1"),
        Tap(bridge="br-eth1", all_ports=True, sender=MAC, vlan=2113)))
    assert _points() == (TAP, patch, NIC) + ROUTER_AND_DHCP


def test_hybrid_plug_adds_the_veth_ends():
    # context: the port's binding:vif_details ovs_hybrid_plug false -> true
    # (as the API shows a port of the iptables_hybrid firewall)
    # kills all_points mutant 37 (qvo's device named from None)
    def hybrid(data):
        data["port"]["vif_details"]["ovs_hybrid_plug"] = True
    points = _points(hybrid)
    assert points[:3] == (
        TAP, Point("qvb", "compute1", (Tap(device="qvbc5f2011d-5a"),)),
        Point("qvo", "compute1", (Tap(device="qvoc5f2011d-5a"),)))


def test_patch_point_on_the_agents_integration_bridge():
    # context: compute1's agent integrates into br-int2, not br-int
    # kills _patch_taps mutant 3 (br-int whatever the agent says)
    def elsewhere(data):
        data["ovs_agents"]["compute1"]["configurations"][
            "integration_bridge"] = "br-int2"
    [patch] = [p for p in _points(elsewhere) if p.label == "patch"]
    assert patch.taps[0] == Tap(bridge="br-int2", port="int-br-eth1")


def test_no_patch_point_without_an_agent_on_the_host():
    # context: the API has no Open vSwitch agent on compute1 (the key of
    # another host): no bridge mapping to find the physnet's bridge by
    # kills _patch_taps mutant 30 (the agent's mappings read from None)
    def no_agent(data):
        data["ovs_agents"]["compute9"] = data["ovs_agents"].pop("compute1")
    assert _points(no_agent) == (TAP, NIC) + ROUTER_AND_DHCP


def test_geneve_nic_filter_selects_geneve_packets():
    # context: vxlan-healthy's segment network_type vxlan -> geneve (an
    # ML2/OVS agent with tunnel_types geneve)
    # kills tunnel_filter mutant 7 (geneve taken for VLAN/flat: no filter)
    def geneve(data):
        data["network"]["segments"][0]["network_type"] = "geneve"
    [nic] = [p for p in _points(geneve, "vxlan-healthy") if p.label == "nic"]
    assert nic.taps == (Tap(nic=True, bpf="udp port 6081"),)
