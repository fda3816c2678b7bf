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

"""network vlan-map's reading of br-tun's tunnel table (tun_id=S ->
mod_vlan_vid:L) on compute1's real ``ovs-ofctl dump-flows br-tun table=4``
of the GRE recording (tests/fixtures/vlanmap/gre-healthy), which holds two
VXLAN networks' translations: VNI 0x5f0 to local VLAN 2, then 0x61a to 4.
"""

import pathlib

from osc_netdiag.backends.ml2_ovs import map_flows
from osc_netdiag.parsers import ofctl
from osc_netdiag.parsers import ovs_vsctl
from osc_netdiag.transport import replay

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "vlanmap"
FIRST = "tun_id=0x5f0 actions=mod_vlan_vid:2,resubmit(,9)"


def _translations(edit=lambda text: text):
    hosts = {h["host"]: h for h in replay.captured_hosts(
        str(FIXTURES / "gre-healthy"))}
    outputs = {c["name"]: c["stdout"] for c in hosts["compute1"]["commands"]}
    topo = ovs_vsctl.build_topology(
        ovs_vsctl.parse_bridges(outputs["ovs-bridges"]),
        ovs_vsctl.parse_ports(outputs["ovs-ports"]),
        ovs_vsctl.parse_interfaces(outputs["ovs-interfaces"]))
    text = outputs["flows:br-tun:table=4"]
    assert text.count(FIRST) == 1
    flows = ofctl.parse_dump_flows(edit(text))
    return [(t.bridge, t.segmentation_id, t.lvid, t.text)
            for t in map_flows.tunnel_ingress_flows(topo, flows)]


def test_every_translation_of_the_table():
    assert _translations() == [
        ("br-tun", 0x5f0, 2, "br-tun table=4 tun_id=0x5f0 "
         "actions=mod_vlan_vid:2,resubmit(,9)"),
        ("br-tun", 0x61a, 4, "br-tun table=4 tun_id=0x61a "
         "actions=mod_vlan_vid:4,resubmit(,9)")]


def test_a_tunnel_flow_without_its_vlan_leaves_the_next_ones_read():
    # edited: the first VNI's flow lost its mod_vlan_vid (present but
    # wrong). Flows of one priority and mask come in OVS's hash order, so a
    # wrong one may come before a right one: that one is still read.
    # kills tunnel_ingress_flows mutant 14 (the loop stops at the first
    # flow that is no translation)
    assert _translations(lambda text: text.replace(
        FIRST, "tun_id=0x5f0 actions=resubmit(,9)")) == [
        ("br-tun", 0x61a, 4, "br-tun table=4 tun_id=0x61a "
         "actions=mod_vlan_vid:4,resubmit(,9)")]
