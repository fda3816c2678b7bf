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

"""The single-node lab's recordings (tools/record_single_node_scenarios):
aio1 is the compute node, the DHCP host and the legacy L3 host at once,
alone on physnet1 (br-eth1 has no NIC) and on its VXLAN network.

Every DHCP and router hop on the port's own host is judged; being alone
on a network is said (WARNING, INFO) but is no ERROR until the API shows
another host or an off-host gateway that needs the way out; ports whose
binding really failed (a physnet aio1 does not map) are ERRORs in port
trace, router check and dhcp check.
"""

import pathlib

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.l3dhcp import dhcp
from osc_netdiag.l3dhcp import router
from osc_netdiag import vlanmap
from tests.unit.edited import EditedCapture
from tests.unit.test_trace_faults import bad_hops
from tests.unit.test_trace_faults import codes
from tests.unit.test_trace_faults import trace_of

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
SCENARIOS = FIXTURES / "scenarios"
L3DHCP = FIXTURES / "l3dhcp" / "scenarios"
OK, ERROR_FINDING = exitcodes.OK, exitcodes.ERROR_FINDING

# single-vlan-healthy: lab-router's ports and the vlan-net DHCP port, all
# on aio1 (the traced port's own host)
ROUTER = "b1ec2f03-b3d8-4bf3-8c79-ec52f46a5dc3"
QG = "qg-7e858eff-c3"
GATEWAY_PORT = "7e858eff-c371-49d5-9d28-7384a397e312"
LOCAL_ONLY = ("aio1", "br-eth1", "nic", "absent", "WARN")


@pytest.fixture
def vlan(tmp_path):
    return EditedCapture(SCENARIOS / "single-vlan-healthy", tmp_path)


@pytest.fixture
def vxlan(tmp_path):
    return EditedCapture(SCENARIOS / "single-vxlan-healthy", tmp_path)


def _on_aio1(trace):
    return {(h.kind, str(h.status)) for h in trace.hops if h.host == "aio1"}


# -- item 1: one host in every role -----------------------------------------

def test_healthy_vlan_port_on_an_all_in_one_host():
    trace = trace_of(SCENARIOS / "single-vlan-healthy")
    assert codes(trace) == ["NETDIAG_PHYS_PATH_LOCAL_ONLY"]
    assert bad_hops(trace) == [LOCAL_ONLY]
    assert trace.exit_code == OK                  # a WARNING only
    # the DHCP and router hops of the compute host itself are judged
    assert {("dhcp-port", "OK"), ("dhcp-server", "OK"), ("router-port", "OK"),
            ("gateway-port", "OK"), ("route", "OK")} <= _on_aio1(trace)
    [finding] = trace.findings
    assert finding.summary.startswith(
        "traffic of vlan 2113 on physnet1 cannot leave aio1: br-eth1 has no "
        "physical interface")


def test_broken_qg_on_the_compute_host_is_caught():
    # recorded with qg-'s address removed in qrouter- on aio1 (present
    # but wrong); before, hops on the compute host's own qrouter- were
    # probed but never judged, and this trace said exit 0
    trace = trace_of(SCENARIOS / "single-vlan-qg-address-missing")
    assert codes(trace) == ["NETDIAG_PHYS_PATH_LOCAL_ONLY",
                            "NETDIAG_ROUTER_DEVICE_BROKEN"]
    assert bad_hops(trace) == [
        LOCAL_ONLY, ("aio1", QG, "gateway-port", "broken", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_dead_dnsmasq_on_the_compute_host_is_caught(vlan):
    # dnsmasq: vlan-net's dnsmasq line dropped from the process list (the
    # vxlan-net one stays)
    net = vlan.context()["network"]["id"]
    [line] = [line for line in vlan.output("aio1", "dnsmasq").splitlines(
        keepends=True) if net in line]
    vlan.replace("aio1", "dnsmasq", line, "")
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_DHCP_DNSMASQ_NOT_RUNNING",
                            "NETDIAG_PHYS_PATH_LOCAL_ONLY"]
    assert trace.exit_code == ERROR_FINDING


def test_nic_is_needed_once_another_host_carries_the_network(vlan):
    # context: a port of vlan-net bound on compute9 as well
    vlan.edit_context(lambda d: d["network_hosts"].append("compute9"))
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_PHYS_NIC_MISSING"]
    assert bad_hops(trace) == [
        ("aio1", "br-eth1", "nic", "absent", "ERROR")]
    assert "compute9 also carries it" in trace.findings[0].summary
    assert trace.exit_code == ERROR_FINDING


def test_nic_is_needed_for_a_gateway_off_the_host(vlan):
    # context: the subnet's gateway is not the router's port (a physical
    # router on the provider network would answer there)
    vlan.edit_context(
        lambda d: d["subnets"][0].update(gateway_ip="198.18.16.254"))
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_PHYS_NIC_MISSING"]
    assert trace.exit_code == ERROR_FINDING


def test_healthy_vxlan_port_without_peers():
    trace = trace_of(SCENARIOS / "single-vxlan-healthy")
    assert codes(trace) == ["NETDIAG_TUNNEL_NO_PEERS"]
    assert bad_hops(trace) == []
    assert trace.exit_code == OK                  # INFO only


def test_flood_flow_is_needed_once_a_peer_carries_the_network(vxlan):
    # context: compute9, with an Open vSwitch agent and a tunnel address,
    # also carries vxlan-net: aio1 must flood to it and tunnel to it
    def peer(data):
        agent = dict(data["ovs_agents"]["aio1"], host="compute9")
        agent["configurations"] = dict(agent["configurations"],
                                       tunneling_ip="198.18.1.19")
        data["ovs_agents"]["compute9"] = agent
        data["network_hosts"].append("compute9")
    vxlan.edit_context(peer)
    trace = trace_of(vxlan)
    assert codes(trace) == ["NETDIAG_OVS_NO_FLOOD_FLOW",
                            "NETDIAG_TUNNEL_MISSING"]
    assert trace.exit_code & ERROR_FINDING


def test_vlan_map_of_a_tunnel_network_without_peers():
    result = vlanmap.map_from_capture(
        str(FIXTURES / "vlanmap" / "single-vxlan-healthy"))
    assert [f.code for f in result.findings] == ["NETDIAG_TUNNEL_NO_PEERS"]
    assert [str(r.status) for r in result.rows] == ["OK"]
    assert result.exit_code == OK


# -- item 2: ports whose binding failed -------------------------------------

def test_router_check_of_a_gateway_that_failed_to_bind():
    # recorded: a router's gateway on an external network of physnet
    # 'nomap', which the server knows and aio1 does not map; its qg- is
    # up with its address in qrouter-, on the dead VLAN (before: exit 0)
    result = router.check_from_capture(
        str(L3DHCP / "router-single-gateway-unbound"))
    assert [f.code for f in result.findings] == [
        "NETDIAG_PORT_BINDING_FAILED"]
    [finding] = result.findings
    assert "binding:vif_type binding_failed, status DOWN" in finding.summary
    assert ("the agent on aio1 has no bridge_mappings entry for physical "
            "network nomap") in finding.summary
    assert "openstack port set --host aio1" in finding.remedy
    assert [(r.kind, r.state, str(r.status)) for r in result.rows
            if str(r.status) != "OK"] == [
        ("binding", "binding_failed", "ERROR")]
    assert result.exit_code == ERROR_FINDING


def test_dhcp_check_of_a_dhcp_port_that_failed_to_bind():
    # recorded: a network of physnet 'nomap' given to aio1's DHCP agent by
    # hand; its qdhcp- tap is up with addresses and dnsmasq runs, but the
    # port is on the dead VLAN (before: exit 0)
    result = dhcp.check_from_capture(
        str(L3DHCP / "dhcp-single-port-unbound"))
    assert [f.code for f in result.findings] == [
        "NETDIAG_PORT_BINDING_FAILED"]
    assert "the DHCP port" in result.findings[0].summary
    assert result.exit_code == ERROR_FINDING


def test_port_trace_through_a_gateway_that_failed_to_bind(vlan):
    # context: the router's gateway port as the API shows a failed binding
    # (vif_type binding_failed, status DOWN) on an external network of an
    # unmapped physnet
    def unbound(data):
        data["router"]["gateway_port"].update(vif_type="binding_failed",
                                              status="DOWN")
        data["router"]["gateway_network"]["segments"][0][
            "physical_network"] = "nomap"
    vlan.edit_context(unbound)
    trace = trace_of(vlan)
    assert "NETDIAG_PORT_BINDING_FAILED" in codes(trace)
    assert ("api", GATEWAY_PORT, "binding", "binding_failed",
            "ERROR") in bad_hops(trace)
    assert trace.exit_code & ERROR_FINDING


def test_binding_cause_when_the_agent_is_dead(vlan):
    def unbound(data):
        data["router"]["gateway_port"].update(vif_type="binding_failed",
                                              status="DOWN")
        data["ovs_agents"]["aio1"]["alive"] = False
    vlan.edit_context(unbound)
    trace = trace_of(vlan)
    [failed] = [f for f in trace.findings
                if f.code == "NETDIAG_PORT_BINDING_FAILED"]
    assert "the Open vSwitch agent on aio1 is dead" in failed.summary
