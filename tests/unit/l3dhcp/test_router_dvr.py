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

"""router check on a distributed router: real captures from the DVR lab
(healthy, and with faults injected on the lab: fip- namespace deleted,
the floating IP's DNAT rule deleted, the snat- SNAT rule deleted) and
faults made by editing one recorded output of the healthy capture.
"""

import json

from osc_netdiag import exitcodes
from osc_netdiag.l3dhcp import router
from osc_netdiag.l3dhcp import router_dvr
from osc_netdiag.models import Status
from osc_netdiag import names

from tests.unit.l3dhcp import scenario

HEALTHY = "router-dvr"


def check(name, tmp_path, edit=None, context=None):
    context = context or scenario.load_context(name)
    capture = scenario.copy_capture(name, tmp_path, edit)
    return router.check_context(context, **scenario.options(capture))


def codes(result):
    return {f.code for f in result.findings}


def bad_rows(result):
    return [(r.host, r.device, r.kind) for r in result.rows
            if r.status == Status.ERROR]


def test_context_finds_every_host_the_router_serves():
    context = scenario.load_context(HEALTHY)
    assert context.distributed
    # the API binds only the SNAT (dvr_snat) agent; the dvr agents were
    # found from the instance ports on the router's subnet
    assert {(a.host, router_dvr.agent_mode(a)) for a in context.agents} == {
        ("network1", "dvr_snat"), ("compute1", "dvr"), ("compute2", "dvr")}
    assert router_dvr.snat_hosts(context) == ["network1"]
    assert [f.host for f in context.floating_ips] == ["compute1"]
    assert [p.device_owner for p in context.snat_ports] == [
        router_dvr.SNAT_PORT_OWNER]


def test_healthy_distributed_router(tmp_path):
    context = scenario.load_context(HEALTHY)
    result = check(HEALTHY, tmp_path)
    assert result.exit_code == exitcodes.OK
    assert not result.findings
    assert all(r.status == Status.OK for r in result.rows)
    fip, = context.floating_ips
    rows = {(r.host, r.device): r for r in result.rows}
    qrouter = names.qrouter_namespace(context.id)
    fip_ns = names.fip_namespace(context.gateway.network_id)
    snat_ns = names.snat_namespace(context.id)
    for host in ("compute1", "compute2", "network1"):
        assert rows[(host, qrouter)].state == "present"
        assert rows[(host, names.rfp_device(context.id))].kind == "fip-link"
    # the floating IP's side only on its host
    assert rows[("compute1", f"DNAT {fip.address}")].detail.endswith(
        f"-i {names.rfp_device(context.id)} -j DNAT --to-destination "
        f"{fip.fixed_ip}")
    assert rows[("compute1", fip.address)].kind == "fip-route"
    gw = router_dvr.agent_gateway_on(context, "compute1")
    assert gw.ips()[0] in rows[("compute1", names.fg_device(gw.id))].detail
    assert not any(r.host != "compute1" and r.kind == "nat-rule"
                   and "DNAT" in r.device for r in result.rows)
    # the centralized SNAT only on network1
    assert rows[("network1", snat_ns)].state == "present"
    sg, = [r for r in result.rows if r.kind == "snat-port"]
    assert sg.device == names.sg_device(context.snat_ports[0].id)
    assert rows[("network1", f"SNAT {context.gateway.ips()[0]}")].status \
        == Status.OK
    assert not any(r.host != "network1" and r.device == snat_ns
                   for r in result.rows)
    assert rows[("compute1", fip_ns)].state == "present"
    assert "fip- required where its floating IPs are bound (compute1)" in \
        result.notes[0]


def test_fip_namespace_deleted_on_compute1(tmp_path):
    name = "router-dvr-fip-namespace-deleted"
    context = scenario.load_context(name)
    result = check(name, tmp_path)
    assert result.exit_code == exitcodes.ERROR_FINDING
    fip_ns = names.fip_namespace(context.gateway.network_id)
    # deleting the namespace destroyed the veth pair too: rfp- is gone
    assert sorted(bad_rows(result)) == [
        ("compute1", fip_ns, "namespace"),
        ("compute1", names.rfp_device(context.id), "fip-link")]
    assert codes(result) == {"NETDIAG_ROUTER_NAMESPACE_MISSING",
                             "NETDIAG_ROUTER_DEVICE_BROKEN"}


def test_fip_dnat_rule_deleted_on_compute1(tmp_path):
    name = "router-dvr-fip-dnat-deleted"
    fip, = scenario.load_context(name).floating_ips
    result = check(name, tmp_path)
    assert result.exit_code == exitcodes.ERROR_FINDING
    assert bad_rows(result) == [("compute1", f"DNAT {fip.address}",
                                 "nat-rule")]
    finding, = result.findings
    assert finding.code == "NETDIAG_ROUTER_NAT_RULE_MISSING"
    assert "compute1" in finding.summary


def test_snat_rule_deleted_on_network1(tmp_path):
    name = "router-dvr-snat-rule-deleted"
    context = scenario.load_context(name)
    result = check(name, tmp_path)
    assert result.exit_code == exitcodes.ERROR_FINDING
    gw_ip = context.gateway.ips()[0]
    assert bad_rows(result) == [("network1", f"SNAT {gw_ip}", "nat-rule")]
    assert codes(result) == {"NETDIAG_ROUTER_NAT_RULE_MISSING"}


def _edit_host(tmp_path, host, probe_prefix, change):
    """Copy the healthy capture and change one probe's output on one host."""
    target = scenario.copy_capture(HEALTHY, tmp_path)
    path = target / "hosts" / f"{host}.json"
    data = json.loads(path.read_text())
    for command in data["commands"]:
        if command["name"].startswith(probe_prefix):
            change(command)
    path.write_text(json.dumps(data))
    return target


def _run(capture, context=None):
    context = context or scenario.load_context(HEALTHY)
    return router.check_context(context, **scenario.options(capture))


def test_sg_port_missing_from_snat_namespace(tmp_path):
    context = scenario.load_context(HEALTHY)
    sg = names.sg_device(context.snat_ports[0].id)

    def drop_sg(command):
        links = [link for link in json.loads(command["stdout"])
                 if link["ifname"] != sg]
        command["stdout"] = json.dumps(links) + "\n"
    capture = _edit_host(tmp_path, "network1", "ns-addr:snat-", drop_sg)
    result = _run(capture)
    assert bad_rows(result) == [("network1", sg, "snat-port")]
    assert codes(result) == {"NETDIAG_ROUTER_DEVICE_BROKEN"}


def test_fip_route_missing(tmp_path):
    context = scenario.load_context(HEALTHY)
    fip, = context.floating_ips

    def drop_route(command):
        routes = [r for r in json.loads(command["stdout"])
                  if r["dst"] != fip.address]
        command["stdout"] = json.dumps(routes) + "\n"
    capture = _edit_host(tmp_path, "compute1", "ns-route:fip-", drop_route)
    result = _run(capture)
    assert bad_rows(result) == [("compute1", fip.address, "fip-route")]
    assert codes(result) == {"NETDIAG_ROUTER_FIP_ROUTE_MISSING"}


def test_no_agent_gateway_port_for_the_floating_ip_host(tmp_path):
    import dataclasses
    context = scenario.load_context(HEALTHY)
    context = dataclasses.replace(context, agent_gateways=tuple(
        p for p in context.agent_gateways if p.binding_host != "compute1"))
    result = _run(scenario.copy_capture(HEALTHY, tmp_path), context)
    assert bad_rows(result) == [("compute1", "fg-", "fip-gateway-port")]
    assert codes(result) == {"NETDIAG_ROUTER_NO_AGENT_GATEWAY"}


def test_fip_namespace_absent_where_no_floating_ip_is_only_shown(tmp_path):
    context = scenario.load_context(HEALTHY)
    fip_ns = names.fip_namespace(context.gateway.network_id)

    def drop_fip_ns(command):
        spaces = [n for n in json.loads(command["stdout"])
                  if n["name"] != fip_ns]
        command["stdout"] = json.dumps(spaces) + "\n"
    capture = _edit_host(tmp_path, "compute2", "netns", drop_fip_ns)
    result = _run(capture)
    assert result.exit_code == exitcodes.OK and not result.findings
    row, = [r for r in result.rows
            if r.host == "compute2" and r.device == fip_ns]
    assert row.status == Status.SKIP and row.state == "absent"


def test_dvr_serviced_owners_follow_neutron():
    assert router_dvr.is_dvr_serviced("compute:nova")
    assert router_dvr.is_dvr_serviced("compute:az1")
    assert router_dvr.is_dvr_serviced("network:dhcp")
    assert not router_dvr.is_dvr_serviced("network:router_centralized_snat")
    assert not router_dvr.is_dvr_serviced("network:floatingip_agent_gateway")
    assert not router_dvr.is_dvr_serviced("")
