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

"""network vlan-map's host-wide findings (a local VLAN shared by two
networks, a segment no network in the API has) on the lab's recordings
(tests/fixtures/vlanmap) edited where each test says: the exact findings
with their whole text, in their order, and the exact exit code.

Values read off the recordings by hand: in vlan-healthy, compute1 carries
VLAN 2113 (the mapped network, 3e2b7484-...) on local VLAN 1 and VXLAN 1295
(71ad6b9d-...) on 2. In gre-healthy, compute1 carries GRE 84 (the mapped
network, 3cd07fc2-...) on local VLAN 3, the flat network on physnet public
on 5 (in from int-br-ex, in_port=2; int-br-eth1 is in_port=1), VLAN 2113
(0cd560e6-...) on 1 and VXLAN 1520 (1b4aa6a8-...) on 2. In
shared-local-vlan (recorded with a port's tag set by hand), compute1's
ports of the mapped VXLAN network and of the VLAN network both carry tag 1.
"""

from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.segmap_edits import edited_map
from tests.unit.segmap_edits import port_tag
from tests.unit.segmap_edits import row_of
from tests.unit.segmap_edits import summaries
from tests.unit.test_vlanmap_faults import codes

INT0, TUN4 = "flows:br-int:table=0", "flows:br-tun:table=4"
SHARED = "NETDIAG_VLANMAP_SHARED_LOCAL_VLAN"
UNKNOWN = "NETDIAG_VLANMAP_UNKNOWN_SEGMENT"
VLAN_NET = "3e2b7484-02f6-43f9-98e7-87a1ff51eff8"
VXLAN_NET = "71ad6b9d-4f87-4d0a-b1aa-7f00ba686a0b"
# compute1's instance tap on VLAN 2113's network (vlan-healthy)
VLAN_TAP = ("tapc5f2011d-5a", "02c2bc32-bbff-4d97-8a8b-007169a0d6d8")
OK, ERROR_FINDING = exitcodes.OK, exitcodes.ERROR_FINDING


def _remedies(result, code):
    return [f.remedy for f in result.findings if f.code == code]


def test_a_leftover_tunnel_flow_on_the_networks_local_vlan(tmp_path):
    # flows:br-tun:table=4 on compute1: the flow of VNI 0x50f becomes one
    # of VNI 0x511 (no network has it) to local VLAN 1, VLAN 2113's
    result = edited_map(tmp_path, "vlan-healthy", (
        "compute1", TUN4, "tun_id=0x50f actions=mod_vlan_vid:2,",
        "tun_id=0x511 actions=mod_vlan_vid:1,"))
    # two segments on local VLAN 1, the ports of one network only
    assert summaries(result, SHARED) == [
        ("compute1:1", "local VLAN 1 on compute1 carries more than one "
         "network: vlan 2113 on physnet1, vxlan 1297; ports of " + VLAN_NET)]
    assert _remedies(result, SHARED) == [
        "Local VLAN 1 on compute1 bridges two networks (also: -): traffic "
        "leaks between them. Restart neutron-openvswitch-agent on "
        "compute1; remove flows or tags left by hand."]
    # the known segment sorts first; the unknown one after it is found
    assert summaries(result, UNKNOWN) == [
        ("compute1:vxlan 1297", "compute1 translates vxlan 1297 to local "
         "VLAN 1, but no network in the API has that segment")]
    assert codes(result) == [SHARED, UNKNOWN]
    assert row_of(result, "compute1", "vlan").status == Status.OK
    assert result.exit_code == ERROR_FINDING


def test_leftover_vlans_are_listed_in_text_order(tmp_path):
    # flows:br-int:table=0 on compute1: two flows added after VLAN 2113's,
    # copies of it for VLANs 300 and 1000 (no network has them), on the
    # same local VLAN 1. Segments are listed in the order of their text
    # ("1000" before "2113" before "300"), in the summary and findings.
    def add_flows(capture):
        [line] = [f for f in capture.output("compute1", INT0).splitlines()
                  if "dl_vlan=2113" in f]
        extra = "".join(line.replace("dl_vlan=2113", f"dl_vlan={vlan}") +
                        "\n" for vlan in (300, 1000))
        capture.replace("compute1", INT0, line + "\n", line + "\n" + extra)
    result = edited_map(tmp_path, "vlan-healthy", capture=add_flows)
    assert summaries(result, SHARED) == [
        ("compute1:1", "local VLAN 1 on compute1 carries more than one "
         "network: vlan 1000 on physnet1, vlan 2113 on physnet1, vlan 300 "
         "on physnet1; ports of " + VLAN_NET)]
    assert [f.subject for f in result.findings if f.code == UNKNOWN] == [
        "compute1:vlan 1000 on physnet1", "compute1:vlan 300 on physnet1"]
    assert result.exit_code == ERROR_FINDING


def test_a_flat_segment_on_the_networks_local_vlan(tmp_path):
    # flows:br-int:table=0 on compute1 (gre-healthy): the flat network's
    # ingress flow translates to local VLAN 3 (GRE 84's), not 5
    result = edited_map(tmp_path, "gre-healthy", (
        "compute1", INT0,
        "in_port=2,vlan_tci=0x0000/0x1fff actions=mod_vlan_vid:5,",
        "in_port=2,vlan_tci=0x0000/0x1fff actions=mod_vlan_vid:3,"))
    # a flat segment has no segmentation ID: "flat on public"
    assert summaries(result, SHARED) == [
        ("compute1:3", "local VLAN 3 on compute1 carries more than one "
         "network: flat on public, gre 84; ports of "
         "3cd07fc2-6bed-4eb1-8b7f-d8ddd6e75764")]
    assert codes(result) == [SHARED]
    assert result.exit_code == ERROR_FINDING


def test_a_flat_translation_from_a_physnet_without_flat_network(tmp_path):
    # flows:br-int:table=0 on compute1 (gre-healthy): the flat network's
    # ingress flow comes in from int-br-eth1 (physnet1), not int-br-ex
    result = edited_map(tmp_path, "gre-healthy", (
        "compute1", INT0, "in_port=2,vlan_tci=0x0000/0x1fff",
        "in_port=1,vlan_tci=0x0000/0x1fff"))
    assert summaries(result, UNKNOWN) == [
        ("compute1:flat on physnet1", "compute1 translates flat on physnet1 "
         "to local VLAN 5, but no network in the API has that segment")]
    assert codes(result) == [UNKNOWN]
    assert result.exit_code == OK              # a WARNING


def test_a_dead_port_leaves_the_local_vlan_to_the_flows(tmp_path):
    # ovs-ports on compute1: its tap's tag 1 -> 4095, the agent's dead
    # VLAN; no other port there is on local VLAN 1
    result = edited_map(tmp_path, "vlan-healthy", (
        "compute1", "ovs-ports", *port_tag(*VLAN_TAP, 1, 4095)))
    row = row_of(result, "compute1", "vlan")
    assert (row.local_vlan, row.status, row.detail) == (
        1, Status.OK, "no ports on this host")
    assert result.findings == () and result.exit_code == OK


def test_two_segments_on_a_local_vlan_no_port_carries(tmp_path):
    # compute1, two edits: its tap's tag 1 -> 4095 (dead VLAN) and the
    # tunnel table flow of VNI 0x50f to local VLAN 1, not 2
    result = edited_map(
        tmp_path, "vlan-healthy",
        ("compute1", "ovs-ports", *port_tag(*VLAN_TAP, 1, 4095)),
        ("compute1", TUN4, "tun_id=0x50f actions=mod_vlan_vid:2,",
         "tun_id=0x50f actions=mod_vlan_vid:1,"))
    assert summaries(result, SHARED) == [
        ("compute1:1", "local VLAN 1 on compute1 carries more than one "
         "network: vlan 2113 on physnet1, vxlan 1295; ports of -")]
    assert codes(result) == [SHARED]
    assert result.exit_code == ERROR_FINDING


def test_ports_of_two_networks_on_a_local_vlan_no_flow_maps(tmp_path):
    # shared-local-vlan, flows:br-int:table=0 on compute1: VLAN 2113's
    # ingress flow to local VLAN 7, so no flow translates to 1 any more
    result = edited_map(tmp_path, "shared-local-vlan", (
        "compute1", INT0, "dl_vlan=2113 actions=mod_vlan_vid:1,",
        "dl_vlan=2113 actions=mod_vlan_vid:7,"))
    assert summaries(result, SHARED) == [
        ("compute1:1", "local VLAN 1 on compute1 carries more than one "
         f"network: -; ports of {VLAN_NET}, {VXLAN_NET}")]
    assert _remedies(result, SHARED) == [
        f"Local VLAN 1 on compute1 bridges two networks (also: {VLAN_NET})"
        ": traffic leaks between them. Restart neutron-openvswitch-agent "
        "on compute1; remove flows or tags left by hand."]
    assert codes(result) == [SHARED, "NETDIAG_VLANMAP_VLAN_MISMATCH"]
    assert result.exit_code == ERROR_FINDING


def test_a_tagged_port_that_names_no_network_is_not_counted(tmp_path):
    # shared-local-vlan, ovs-ports on compute1: the VLAN network's tap
    # loses net_uuid from its other_config (it keeps tag 1): only the
    # mapped network's ports are on local VLAN 1 as far as the agent says
    result = edited_map(tmp_path, "shared-local-vlan", (
        "compute1", "ovs-ports", f'["net_uuid","{VLAN_NET}"],', ""))
    assert codes(result) == ["NETDIAG_VLANMAP_VLAN_MISMATCH"]
    assert result.exit_code == ERROR_FINDING


def test_ports_of_three_networks_on_one_local_vlan(tmp_path):
    # gre-healthy, ovs-ports on compute1: the taps of VLAN 2113's network
    # (tag 1) and of VXLAN 1520's (tag 2) both get tag 3, GRE 84's
    result = edited_map(
        tmp_path, "gre-healthy",
        ("compute1", "ovs-ports", *port_tag(
            "tapf6216da4-1e", "c9dea2fb-01e4-471c-b1c8-d529a54dfb63", 1, 3)),
        ("compute1", "ovs-ports", *port_tag(
            "tap6c1ddfd5-d9", "f64ceb2d-2e45-408b-b968-a69fcc101b91", 2, 3)))
    others = ("0cd560e6-a38c-43a5-9a63-aca9e2337b82, "
              "1b4aa6a8-a5ec-4c33-aded-f8bb2a1789c7")
    assert summaries(result, SHARED) == [
        ("compute1:3", "local VLAN 3 on compute1 carries more than one "
         "network: gre 84; ports of " + others +
         ", 3cd07fc2-6bed-4eb1-8b7f-d8ddd6e75764")]
    assert _remedies(result, SHARED) == [
        f"Local VLAN 3 on compute1 bridges two networks (also: {others}): "
        "traffic leaks between them. Restart neutron-openvswitch-agent on "
        "compute1; remove flows or tags left by hand."]
    assert codes(result) == [SHARED]
    assert result.exit_code == ERROR_FINDING
