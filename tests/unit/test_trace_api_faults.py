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

"""port trace on real lab recordings whose recorded API context is edited
in one place (the port's state, the agents, the router), and the hybrid
plug against a real host listing: the API side's finding codes, each with
the status of the hop that holds it and the exact exit code.
"""

import json

import pytest

from tests.unit.edited import EditedCapture
from tests.unit.test_trace_faults import bad_hops
from tests.unit.test_trace_faults import codes
from tests.unit.test_trace_faults import ERROR_FINDING
from tests.unit.test_trace_faults import OK
from tests.unit.test_trace_faults import SCENARIOS
from tests.unit.test_trace_faults import trace_of
from tests.unit.test_trace_faults import VLAN_PORT_ID


@pytest.fixture
def vlan(tmp_path):
    return EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)


def test_hybrid_plug_expected_but_plugged_direct(vlan):
    # context: binding:vif_details ovs_hybrid_plug false -> true; the host
    # has the tap straight in br-int, no qbr/qvb/qvo.
    def hybrid(data):
        data["port"]["vif_details"]["ovs_hybrid_plug"] = True
    vlan.edit_context(hybrid)
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_HYBRID_BRIDGE_BROKEN",
                            "NETDIAG_OVS_PORT_MISSING"]
    assert bad_hops(trace) == [
        ("compute1", "qbrc5f2011d-5a", "linux-bridge", "broken", "ERROR"),
        ("compute1", "qvbc5f2011d-5a", "veth", "absent", "ERROR"),
        ("compute1", "qvoc5f2011d-5a", "veth", "absent", "ERROR"),
        ("compute1", "qvoc5f2011d-5a", "ovs-port", "absent", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


# -- the API's side (context edited) ------------------------------------------

def test_port_admin_down(vlan):
    vlan.edit_context(lambda d: d["port"].update(admin_state_up=False))
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_PORT_ADMIN_DOWN"]
    assert bad_hops(trace) == [
        ("api", VLAN_PORT_ID, "neutron-port", "ACTIVE", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_port_down(vlan):
    vlan.edit_context(lambda d: d["port"].update(status="DOWN"))
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_PORT_DOWN"]
    assert bad_hops(trace) == [
        ("api", VLAN_PORT_ID, "neutron-port", "DOWN", "WARN")]
    assert trace.exit_code == OK          # a WARNING only


def test_no_ovs_agent_on_the_compute_host(vlan):
    # context: compute1's Open vSwitch agent removed from the agent list;
    # without it the trace knows no bridge_mappings for physnet1.
    vlan.edit_context(lambda d: d["ovs_agents"].pop("compute1"))
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_AGENT_MISSING", "NETDIAG_OVS_NO_MAPPING"]
    assert bad_hops(trace) == [
        ("api", "compute1", "ovs-agent", "absent", "ERROR"),
        ("compute1", "physnet physnet1", "bridge-mapping", "absent",
         "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_network_without_dhcp_agent(vlan):
    # context: no DHCP agent hosts the network (its subnet has DHCP on).
    vlan.edit_context(lambda d: d.update(dhcp_agents=[], dhcp_ports=[]))
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_DHCP_NOT_HOSTED"]
    assert bad_hops(trace) == []          # no hop to hang it on
    assert trace.exit_code == ERROR_FINDING


def test_dhcp_off_on_the_subnet_expects_no_qdhcp_namespace(vlan):
    # context: the port's subnet has enable_dhcp false; network1 (still
    # the network's DHCP agent in the API) has no qdhcp- namespace for it,
    # as Neutron's agent leaves it once DHCP is off. Nothing is broken.
    ctx = vlan.context()
    net = ctx["network"]["id"]

    def dhcp_off(data):
        for subnet in data["subnets"]:
            subnet["enable_dhcp"] = False
    vlan.edit_context(dhcp_off)
    vlan.replace("network1", "netns",
                 f'{{"name":"qdhcp-{net}","id":', '{"name":"qdhcp-other","id":')
    trace = trace_of(vlan)
    assert codes(trace) == []
    # the one hop not OK says why nothing of DHCP was looked for
    assert bad_hops(trace) == [("api", net, "dhcp", "disabled", "SKIP")]
    assert trace.exit_code == OK


def test_router_without_l3_agent(vlan):
    vlan.edit_context(lambda d: d["router"].update(l3_agents=[]))
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_ROUTER_NOT_HOSTED"]
    assert bad_hops(trace) == []          # no hop to hang it on
    assert trace.exit_code == ERROR_FINDING


def test_ha_router_active_nowhere(vlan):
    # context: the router made HA, its only L3 agent reporting standby.
    def standby(data):
        data["router"]["ha"] = True
        data["router"]["l3_agents"][0]["ha_state"] = "standby"
    vlan.edit_context(standby)
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_ROUTER_HA_STATE"]
    [finding] = trace.findings
    assert "active on 0 hosts" in finding.summary
    assert bad_hops(trace) == []          # a router-wide finding, no hop
    assert trace.exit_code == ERROR_FINDING


def test_router_without_default_route(vlan):
    # ns-route: the qrouter's default route turned into 0.0.0.0/1; the
    # context gets the external subnet's gateway_ip (the lab's upstream,
    # which recordings made before gateway_ips was kept lack): all
    # north-south traffic of the router is broken, an ERROR.
    ns = "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d"
    vlan.replace("network1", f"ns-route:{ns}", '"dst":"default"',
                 '"dst":"0.0.0.0/1"')
    vlan.edit_context(
        lambda d: d["router"].update(gateway_ips=["198.19.0.1"]))
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_ROUTER_NO_DEFAULT_ROUTE"]
    assert bad_hops(trace) == [
        ("network1", "default route", "route", "absent", "ERROR")]
    assert trace.exit_code == ERROR_FINDING


def test_router_without_default_route_nor_known_gateway(vlan):
    # the same fault, the recorded context as it is: no gateway_ip known
    # for the external subnet, so nothing says where the route should go.
    ns = "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d"
    vlan.replace("network1", f"ns-route:{ns}", '"dst":"default"',
                 '"dst":"0.0.0.0/1"')
    trace = trace_of(vlan)
    assert codes(trace) == ["NETDIAG_ROUTER_NO_GATEWAY_IP"]
    assert bad_hops(trace) == [
        ("network1", "default route", "route", "absent", "WARN")]
    assert trace.exit_code == OK          # a WARNING only


def test_half_built_hybrid_plug_on_a_real_host_listing():
    """tests/fixtures/captures/ip-d-j-addr--host.out, unedited: a qbr
    bridge with its qvb/qvo veth pair, both down, and the tap in no
    bridge (tools/capture_fixtures builds it so).
    """
    import dataclasses
    import types

    from osc_netdiag.checks.engine import HostView
    from osc_netdiag.checks.engine import Report
    from osc_netdiag import context as ctx_mod
    from osc_netdiag.linux import devices
    from osc_netdiag import probes
    from osc_netdiag.transport.base import CommandResult

    text = (SCENARIOS.parent / "captures" / "ip-d-j-addr--host.out"
            ).read_text()
    probe = probes.ip_addr()
    outcome = types.SimpleNamespace(error=None, results=[
        CommandResult(probe.name, probe.argv, text, "", 0)])
    view = HostView("compute1", outcome, [probe])
    context = ctx_mod.PortContext.from_json(json.loads(
        (SCENARIOS / "vlan-healthy" / "context.json").read_text()))
    port = dataclasses.replace(
        context.port, id="3f1c9a2b-7d00-4c56-9283-39926459378a",
        vif_details={"ovs_hybrid_plug": True})
    report = Report()
    plugged = devices.check_instance_device(report, view, port,
                                            context.network)
    assert plugged == "qvo3f1c9a2b-7d"
    assert [f.code for f in report.findings] == [
        "NETDIAG_TAP_DOWN", "NETDIAG_HYBRID_BRIDGE_BROKEN"]
    assert [(h.device, h.kind, h.state, str(h.status))
            for h in report.hops] == [
        ("tap3f1c9a2b-7d", "tap", "DOWN", "ERROR"),
        ("qbr3f1c9a2b-7d", "linux-bridge", "broken", "ERROR"),
        ("qvb3f1c9a2b-7d", "veth", "wrong", "ERROR"),
        ("qvo3f1c9a2b-7d", "veth", "wrong", "ERROR")]
    assert report.hops[1].detail == "tap master is -, qvb/qvo not UP"
    # each end of the veth pair as it is: qvb in the bridge but its peer
    # down, qvo down
    assert [h.detail for h in report.hops[2:]] == [
        "in qbr3f1c9a2b-7d, peer qvo3f1c9a2b-7d, MTU 1500; LOWERLAYERDOWN",
        "in no bridge, peer qvb3f1c9a2b-7d, MTU 1450; DOWN (admin down)"]
