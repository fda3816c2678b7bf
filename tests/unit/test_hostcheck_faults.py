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

"""host check on the lab's healthy recording (tests/fixtures/hostcheck/
healthy) edited in one place: each finding code of host check, the status
of the row that holds the fault and the exact exit code.

The healthy recording carries three INFO findings (br-phy, the lab's
underlay bridge, is in no agent's configuration); they stay in every
expected list below so that a new finding cannot hide among them.
"""

import pathlib

import pytest

from osc_netdiag import exitcodes
from osc_netdiag import hostcheck
from tests.unit.edited import EditedCapture

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "hostcheck"
EXTRA_BRIDGES = ["NETDIAG_HOST_EXTRA_BRIDGE"] * 3
ROUTER = "7e9218af-4b0f-4fff-a748-64f7fa833d1d"
# compute1's vxlan port to compute2 (198.18.1.12) in ovs-interfaces.
VXLAN_TO_COMPUTE2 = ('"vxlan-c612010c","vxlan",2,["map",[["df_default","true"]'
                     ',["egress_pkt_mark","0"],["in_key","flow"],["local_ip",'
                     '"198.18.1.11"],["out_key","flow"],["remote_ip",'
                     '"198.18.1.12"]')
VXLAN_TO_NETWORK1 = VXLAN_TO_COMPUTE2.replace("vxlan-c612010c",
                                              "vxlan-c612010d").replace(
    '"vxlan",2,', '"vxlan",4,').replace("198.18.1.12", "198.18.1.13")


@pytest.fixture
def healthy(tmp_path):
    return EditedCapture(FIXTURES / "healthy", tmp_path)


def check(capture):
    return hostcheck.check_from_capture(str(capture))


def codes(result):
    return sorted(f.code for f in result.findings)


def bad_rows(result):
    return [(r.host, r.device, r.kind, r.state, str(r.status))
            for r in result.rows if str(r.status) not in ("OK",)]


def test_unedited_copy_is_healthy(healthy):
    result = check(healthy)
    assert (result.exit_code, codes(result), bad_rows(result)) == \
        (exitcodes.OK, EXTRA_BRIDGES, [])


def test_interface_up_without_carrier(healthy):
    # ip-addr: eth0's operstate UP -> DOWN, its flags still say UP.
    healthy.replace("compute1", "ip-addr",
                    '"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP",'
                    '"LOWER_UP"],"mtu":1500,"qdisc":"noqueue",'
                    '"operstate":"UP"',
                    '"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP",'
                    '"LOWER_UP"],"mtu":1500,"qdisc":"noqueue",'
                    '"operstate":"DOWN"')
    result = check(healthy)
    assert codes(result) == EXTRA_BRIDGES + ["NETDIAG_HOST_IFACE_NO_CARRIER"]
    assert bad_rows(result) == [
        ("compute1", "eth0", "interface", "DOWN", "WARN")]
    assert result.exit_code == exitcodes.OK       # a WARNING only


def test_controller_disconnected_while_the_agent_is_alive(healthy):
    # ovs-controllers: the first controller's is_connected true -> false.
    healthy.replace("compute1", "ovs-controllers", '"tcp:127.0.0.1:6633",true]'
                    ',[["uuid","4a67', '"tcp:127.0.0.1:6633",false],'
                    '[["uuid","4a67')
    result = check(healthy)
    assert codes(result) == sorted(EXTRA_BRIDGES + [
        "NETDIAG_HOST_CONTROLLER_DISCONNECTED"])
    assert bad_rows(result) == [
        ("compute1", "Open vSwitch agent", "agent", "alive, disconnected",
         "ERROR")]
    [finding] = [f for f in result.findings
                 if f.code == "NETDIAG_HOST_CONTROLLER_DISCONNECTED"]
    assert "br-int" in finding.summary
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_router_namespace_where_the_router_is_not_hosted(healthy):
    # context: network1's L3 agent hosts no router; the router still exists.
    healthy.edit_context(lambda d: d["hosted_routers"].update(network1=[]))
    result = check(healthy)
    assert codes(result) == EXTRA_BRIDGES + ["NETDIAG_HOST_NAMESPACE_NOT_HOSTED"]
    assert bad_rows(result) == [
        ("network1", f"qrouter-{ROUTER}", "namespace", "not hosted", "WARN")]
    assert result.exit_code == exitcodes.OK       # a WARNING only


def test_two_tunnel_ports_to_one_peer(healthy):
    # ovs-interfaces: vxlan-c612010c's remote_ip 198.18.1.12 -> .13, so two
    # vxlan ports lead to network1 and none to compute2.
    healthy.replace("compute1", "ovs-interfaces", VXLAN_TO_COMPUTE2,
                    VXLAN_TO_COMPUTE2.replace("198.18.1.12", "198.18.1.13"))
    result = check(healthy)
    assert codes(result) == EXTRA_BRIDGES + ["NETDIAG_HOST_TUNNEL_EXTRA",
                                             "NETDIAG_TUNNEL_MISSING"]
    assert bad_rows(result) == [
        # the extra port to network1 leaves that tunnel working (WARN);
        # the missing one to compute2 is the ERROR
        ("compute1", "vxlan-c612010c,vxlan-c612010d", "tunnel", "wrong",
         "WARN"),
        ("compute1", "vxlan to compute2", "tunnel", "absent", "ERROR")]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_tunnel_type_the_agent_does_not_use(healthy):
    # context: compute1's agent reports tunnel_types [vxlan] (gre dropped);
    # its gre ports are left over.
    healthy.edit_context(lambda d: d["ovs_agents"]["compute1"][
        "configurations"].update(tunnel_types=["vxlan"]))
    result = check(healthy)
    assert codes(result) == EXTRA_BRIDGES + ["NETDIAG_HOST_TUNNEL_EXTRA"] * 2
    assert bad_rows(result) == [
        ("compute1", "gre-c612010c", "tunnel", "wrong", "WARN"),
        ("compute1", "gre-c612010d", "tunnel", "wrong", "WARN")]
    assert result.exit_code == exitcodes.OK       # WARNING findings


def test_tunnel_with_a_wrong_remote_ip(healthy):
    # ovs-interfaces: vxlan-c612010d's remote_ip 198.18.1.13 -> .99.
    healthy.replace("compute1", "ovs-interfaces", VXLAN_TO_NETWORK1,
                    VXLAN_TO_NETWORK1.replace("198.18.1.13", "198.18.1.99"))
    result = check(healthy)
    assert codes(result) == EXTRA_BRIDGES + ["NETDIAG_HOST_TUNNEL_STALE",
                                             "NETDIAG_TUNNEL_MISSING"]
    assert bad_rows(result) == [
        ("compute1", "vxlan-c612010d", "tunnel", "stale", "WARN"),
        ("compute1", "vxlan to network1", "tunnel", "absent", "ERROR")]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_host_without_ovs_agent(healthy):
    # context: compute1's Open vSwitch agent removed from the agent list;
    # the others' tunnels to its address become stale.
    healthy.edit_context(lambda d: d["ovs_agents"].pop("compute1"))
    result = check(healthy)
    assert codes(result) == ["NETDIAG_AGENT_MISSING"] + EXTRA_BRIDGES[:2] + [
        "NETDIAG_HOST_TUNNEL_STALE"] * 4
    assert ("compute1", "Open vSwitch agent", "agent", "absent", "ERROR") \
        in bad_rows(result)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_mapped_bridge_missing(healthy):
    # ovs-bridges: br-eth1's Bridge row renamed br-eth9.
    healthy.replace("compute1", "ovs-bridges", '"br-eth1"', '"br-eth9"')
    result = check(healthy)
    assert codes(result) == ["NETDIAG_HOST_EXTRA_BRIDGE"] * 4 + [
        "NETDIAG_OVS_BRIDGE_MISSING"]
    assert bad_rows(result) == [
        ("compute1", "br-eth1", "bridge", "absent", "ERROR")]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_wrong_patch_peer(healthy):
    # ovs-interfaces: int-br-eth1's options:peer phy-br-eth1 -> phy-br-eth2.
    healthy.replace("compute1", "ovs-interfaces", '["peer","phy-br-eth1"]',
                    '["peer","phy-br-eth2"]')
    result = check(healthy)
    assert codes(result) == EXTRA_BRIDGES + ["NETDIAG_OVS_PATCH_PEER"]
    assert bad_rows(result) == [
        ("compute1", "int-br-eth1<->phy-br-eth1", "patch", "broken",
         "ERROR")]
    assert result.exit_code == exitcodes.ERROR_FINDING
