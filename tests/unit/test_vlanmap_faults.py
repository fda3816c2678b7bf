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

"""network vlan-map on the lab's recordings (tests/fixtures/vlanmap) edited
in one place: present-but-wrong translations, each with the exact finding
codes, the status of every host's row and the exact exit code.

Recorded values on compute1: the VLAN network (2113 on physnet1) has local
VLAN 1, the VXLAN network (VNI 1295 = 0x50f) local VLAN 2; the vxlan port
to network1 (198.18.1.13) has ofport 4.
"""

import pathlib

import pytest

from osc_netdiag import exitcodes
from osc_netdiag import vlanmap
from tests.unit.edited import EditedCapture

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "vlanmap"
ERROR_FINDING = exitcodes.ERROR_FINDING


@pytest.fixture
def vlan(tmp_path):
    return EditedCapture(FIXTURES / "vlan-healthy", tmp_path)


@pytest.fixture
def vxlan(tmp_path):
    return EditedCapture(FIXTURES / "vxlan-healthy", tmp_path)


def vmap(capture):
    return vlanmap.map_from_capture(str(capture))


def codes(result):
    return sorted(f.code for f in result.findings)


def statuses(result):
    return {r.host: str(r.status) for r in result.rows}


ONLY_COMPUTE1 = {"compute1": "ERROR", "compute2": "OK", "network1": "OK"}


def test_unedited_copies_are_healthy(vlan, vxlan):
    for capture in (vlan, vxlan):
        result = vmap(capture)
        assert (result.exit_code, codes(result)) == (exitcodes.OK, [])
        assert set(statuses(result).values()) == {"OK"}


def test_wrong_local_vlan_tag_on_a_port(vlan):
    # ovs-ports: the network's tap on compute1, tag 1 -> 5.
    row = '"02c2bc32-bbff-4d97-8a8b-007169a0d6d8"],1,'
    vlan.replace("compute1", "ovs-ports", row, row.replace("],1,", "],5,"))
    result = vmap(vlan)
    assert codes(result) == ["NETDIAG_VLANMAP_VLAN_MISMATCH"]
    assert statuses(result) == ONLY_COMPUTE1
    [row] = [r for r in result.rows if r.host == "compute1"]
    assert row.local_vlan == 5 and "local VLAN 5 vs [1]" in row.detail
    assert result.exit_code == ERROR_FINDING


def test_ingress_flow_to_a_wrong_local_vlan(vlan):
    # flows:br-int:table=0: dl_vlan=2113 -> mod_vlan_vid:1 becomes 7.
    vlan.replace("compute1", "flows:br-int:table=0",
                 "dl_vlan=2113 actions=mod_vlan_vid:1,",
                 "dl_vlan=2113 actions=mod_vlan_vid:7,")
    result = vmap(vlan)
    assert codes(result) == ["NETDIAG_VLANMAP_VLAN_MISMATCH"]
    assert statuses(result) == ONLY_COMPUTE1
    assert result.exit_code == ERROR_FINDING


def test_egress_flow_to_a_wrong_segmentation_id(vlan):
    # flows:br-eth1:table=0: dl_vlan=1 -> mod_vlan_vid:2113 becomes 2114.
    vlan.replace("compute1", "flows:br-eth1:table=0",
                 "dl_vlan=1 actions=mod_vlan_vid:2113,",
                 "dl_vlan=1 actions=mod_vlan_vid:2114,")
    result = vmap(vlan)
    assert codes(result) == ["NETDIAG_VLANMAP_NO_TRANSLATION"]
    [finding] = result.findings
    assert finding.subject == "compute1:br-eth1"
    assert "no egress translation" in finding.summary
    assert statuses(result) == ONLY_COMPUTE1
    assert result.exit_code == ERROR_FINDING


def test_wrong_patch_peer(vlan):
    # ovs-interfaces: int-br-eth1's options:peer phy-br-eth1 -> phy-br-eth2:
    # br-eth1 is no longer patched to br-int.
    vlan.replace("compute1", "ovs-interfaces", '["peer","phy-br-eth1"]',
                 '["peer","phy-br-eth2"]')
    result = vmap(vlan)
    assert codes(result) == ["NETDIAG_OVS_BRIDGE_MISSING"]
    assert statuses(result) == ONLY_COMPUTE1
    assert result.exit_code == ERROR_FINDING


def test_host_without_ovs_agent(vlan):
    # context: compute1's Open vSwitch agent removed from the agent list.
    vlan.edit_context(lambda d: d["ovs_agents"].pop("compute1"))
    result = vmap(vlan)
    assert codes(result) == ["NETDIAG_AGENT_MISSING"]
    assert statuses(result) == ONLY_COMPUTE1
    assert result.exit_code == ERROR_FINDING


def test_tunnel_with_a_wrong_remote_ip(vxlan):
    # ovs-interfaces: the vxlan port to network1, remote_ip .13 -> .99.
    vxlan.replace("compute1", "ovs-interfaces",
                  '"vxlan",4,["map",[["df_default","true"],["egress_pkt_mark",'
                  '"0"],["in_key","flow"],["local_ip","198.18.1.11"],'
                  '["out_key","flow"],["remote_ip","198.18.1.13"]',
                  '"vxlan",4,["map",[["df_default","true"],["egress_pkt_mark",'
                  '"0"],["in_key","flow"],["local_ip","198.18.1.11"],'
                  '["out_key","flow"],["remote_ip","198.18.1.99"]')
    result = vmap(vxlan)
    assert codes(result) == ["NETDIAG_VLANMAP_FLOOD_MISSING_TUNNEL"]
    [finding] = result.findings
    assert finding.subject == "compute1->network1"
    assert statuses(result) == ONLY_COMPUTE1
    assert result.exit_code == ERROR_FINDING


def test_tunnel_table_flow_with_a_wrong_tun_id(vxlan):
    # flows:br-tun:table=4: tun_id=0x50f -> tun_id=0x510 (VNI 1296, a
    # segment no network has).
    vxlan.replace("compute1", "flows:br-tun:table=4", "tun_id=0x50f actions",
                  "tun_id=0x510 actions")
    result = vmap(vxlan)
    assert codes(result) == ["NETDIAG_VLANMAP_NO_TRANSLATION",
                             "NETDIAG_VLANMAP_UNKNOWN_SEGMENT"]
    by_code = {f.code: f.subject for f in result.findings}
    assert by_code["NETDIAG_VLANMAP_UNKNOWN_SEGMENT"] == "compute1:vxlan 1296"
    assert statuses(result) == ONLY_COMPUTE1
    assert result.exit_code == ERROR_FINDING


def test_flood_flow_with_a_wrong_tun_id(vxlan):
    # flows:br-tun:table=22: the flood flow of local VLAN 2 loads 0x510.
    vxlan.replace("compute1", "flows:br-tun:table=22",
                  "load:0x50f->NXM_NX_TUN_ID[]", "load:0x510->NXM_NX_TUN_ID[]")
    result = vmap(vxlan)
    assert codes(result) == ["NETDIAG_VLANMAP_NO_TRANSLATION"]
    assert "no egress translation" in result.findings[0].summary
    assert statuses(result) == ONLY_COMPUTE1
    assert result.exit_code == ERROR_FINDING
