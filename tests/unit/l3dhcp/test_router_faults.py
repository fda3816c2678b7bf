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

"""router check and floatingip check on the lab recordings of
tests/fixtures/l3dhcp/scenarios with ONE recorded answer edited so that
something is present but wrong: the finding code, the row's status and the
exact exit code of each.
"""

import dataclasses
import json

from osc_netdiag import exitcodes
from osc_netdiag.inventory import Inventory
from osc_netdiag.l3dhcp import floatingip
from osc_netdiag.l3dhcp import router
from osc_netdiag.models import Status
from osc_netdiag import resolve
from osc_netdiag import runner

from tests.unit.l3dhcp import scenario
from tests.unit.l3dhcp.test_dhcp_faults import replace_in

QG = "qg-4ed7e451-34"
FIP, FIXED, GW_IP = "198.19.0.43", "198.18.16.39", "198.19.0.56"
# public-subnet's gateway_ip in the lab's definition of its networks (the
# recording predates the field; its route goes via this address)
UPSTREAM = "198.19.0.1"


def codes(result):
    return sorted(f.code for f in result.findings)


def rows(result, kind):
    return [r for r in result.rows if r.kind == kind]


def check(tmp_path, edit=None, context=None):
    context = context or dataclasses.replace(
        scenario.load_context("router"), gateway_ips=(UPSTREAM,))
    capture = scenario.copy_capture("router", tmp_path, edit)
    if edit is not None:
        assert edit.done, "the edit changed nothing"
    return router.check_context(context, **scenario.options(capture))


def test_router_healthy_with_the_gateway_known(tmp_path):
    result = check(tmp_path)
    route, = rows(result, "route")
    assert (route.state, route.status) == ("present", Status.OK)
    assert result.findings == () and result.exit_code == exitcodes.OK


def test_default_route_via_the_wrong_gateway(tmp_path):
    # ip route in qrouter-: the default route's gateway .1 -> .254
    result = check(tmp_path, replace_in(
        "ns-route", '"gateway":"198.19.0.1"', '"gateway":"198.19.0.254"'))
    assert codes(result) == ["NETDIAG_ROUTER_DEFAULT_ROUTE_WRONG"]
    route, = rows(result, "route")
    assert (route.state, route.status) == ("wrong", Status.ERROR)
    assert "via 198.19.0.254" in route.detail
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_default_route_through_a_qr_device(tmp_path):
    # ip route in qrouter-: the default route's device qg- -> qr-
    result = check(tmp_path, replace_in(
        "ns-route", '"gateway":"198.19.0.1","dev":"qg-4ed7e451-34"',
        '"gateway":"198.19.0.1","dev":"qr-12cf768b-a6"'))
    assert codes(result) == ["NETDIAG_ROUTER_DEFAULT_ROUTE_WRONG"]
    route, = rows(result, "route")
    assert (route.state, route.status) == ("wrong", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_older_recording_without_the_gateway_checks_the_device(tmp_path):
    # no gateway_ips in the context (as recorded): any next hop through
    # qg- is accepted
    context = scenario.load_context("router")
    assert context.gateway_ips == ()
    result = check(tmp_path, replace_in(
        "ns-route", '"gateway":"198.19.0.1"', '"gateway":"198.19.0.254"'),
        context=context)
    assert result.findings == () and result.exit_code == exitcodes.OK


def test_dnat_to_another_fixed_ip(tmp_path):
    # nat table: PREROUTING's DNAT of the floating IP to .93, not .39
    result = check(tmp_path, replace_in(
        "ns-iptables", f"-A neutron-l3-agent-PREROUTING -d {FIP}/32 -j DNAT "
        f"--to-destination {FIXED}", f"-A neutron-l3-agent-PREROUTING -d "
        f"{FIP}/32 -j DNAT --to-destination 198.18.16.93"))
    assert codes(result) == ["NETDIAG_ROUTER_NAT_RULE_MISSING"]
    bad = [r for r in rows(result, "nat-rule") if r.status != Status.OK]
    assert [(r.device, r.state, r.status) for r in bad] == [
        (f"DNAT {FIP}", "absent", Status.ERROR)]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_float_snat_to_another_address(tmp_path):
    # nat table: float-snat's --to-source 198.19.0.43 -> .44
    result = check(tmp_path, replace_in(
        "ns-iptables", f"-j SNAT --to-source {FIP} ",
        "-j SNAT --to-source 198.19.0.44 "))
    assert codes(result) == ["NETDIAG_ROUTER_NAT_RULE_MISSING"]
    bad = [r for r in rows(result, "nat-rule") if r.status != Status.OK]
    assert [(r.device, r.status) for r in bad] == [
        (f"SNAT {FIXED}", Status.ERROR)]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_gateway_snat_through_another_device(tmp_path):
    # nat table: the gateway SNAT rule's -o qg-4ed7e451-34 -> qg-4ed7e451-35
    result = check(tmp_path, replace_in(
        "ns-iptables", f"-A neutron-l3-agent-snat -o {QG} -j SNAT",
        "-A neutron-l3-agent-snat -o qg-4ed7e451-35 -j SNAT"))
    assert codes(result) == ["NETDIAG_ROUTER_NAT_RULE_MISSING"]
    bad = [r for r in rows(result, "nat-rule") if r.status != Status.OK]
    assert [(r.device, r.status) for r in bad] == [
        (f"SNAT {GW_IP}", Status.ERROR)]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_qr_device_with_the_wrong_address(tmp_path):
    # ip addr in qrouter-: qr-12cf768b-a6's 198.18.16.1 -> 198.18.16.2
    result = check(tmp_path, replace_in(
        "ns-addr", '"local":"198.18.16.1"', '"local":"198.18.16.2"'))
    assert codes(result) == ["NETDIAG_ROUTER_DEVICE_BROKEN"]
    bad = [r for r in rows(result, "router-port") if r.status != Status.OK]
    assert [(r.device, r.state, r.status) for r in bad] == [
        ("qr-12cf768b-a6", "broken", Status.ERROR)]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_qg_device_with_the_wrong_address(tmp_path):
    # ip addr in qrouter-: qg-'s 198.19.0.56 -> 198.19.0.65
    result = check(tmp_path, replace_in(
        "ns-addr", f'"local":"{GW_IP}"', '"local":"198.19.0.65"'))
    assert codes(result) == ["NETDIAG_ROUTER_DEVICE_BROKEN"]
    row, = rows(result, "gateway-port")
    assert (row.device, row.state, row.status) == (QG, "broken",
                                                   Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_floating_ip_address_replaced_on_qg(tmp_path):
    # ip addr in qrouter-: the floating IP's /32 on qg- is .34, not .43
    result = check(tmp_path, replace_in(
        "ns-addr", f'"local":"{FIP}"', '"local":"198.19.0.34"'))
    assert codes(result) == ["NETDIAG_ROUTER_FIP_ADDRESS_MISSING"]
    row, = rows(result, "floating-ip")
    assert (row.device, row.state, row.status) == (FIP, "absent",
                                                   Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_router_fault_and_unreadable_host_is_12(tmp_path):
    # a second L3 agent (network2) could not be reached; network1's DNAT
    # goes to the wrong fixed IP
    context = scenario.load_context("router")
    other = dataclasses.replace(context.agents[0], host="network2")
    context = dataclasses.replace(context, agents=context.agents + (other,))
    edit = replace_in("ns-iptables", f"-A neutron-l3-agent-PREROUTING -d "
                      f"{FIP}/32 -j DNAT --to-destination {FIXED}",
                      f"-A neutron-l3-agent-PREROUTING -d {FIP}/32 -j DNAT "
                      f"--to-destination 198.18.16.93")
    capture = scenario.copy_capture("router", tmp_path, edit)
    (capture / "hosts" / "network2.json").write_text(json.dumps(
        {"host": "network2", "address": "network2", "status": "unreachable",
         "message": "ssh: connect to host network2 port 22: No route to "
                    "host", "commands": []}))
    result = router.check_context(context, **scenario.options(capture))
    assert codes(result) == ["NETDIAG_HOST_UNREADABLE",
                             "NETDIAG_ROUTER_NAT_RULE_MISSING"]
    assert result.exit_code == 12


def test_router_host_key_refused_is_16_and_20_with_a_fault(tmp_path):
    context = scenario.load_context("router")
    capture = scenario.copy_capture("router", tmp_path / "a")
    (capture / "hosts" / "network1.json").write_text(json.dumps(
        {"host": "network1", "address": "network1", "status": "hostkey",
         "message": "Host key verification failed.", "commands": []}))
    result = router.check_context(context, **scenario.options(capture))
    assert codes(result) == ["NETDIAG_HOST_KEY_REFUSED"]
    assert result.exit_code == exitcodes.CREDENTIALS_REFUSED == 16
    # and with an agent down (an ERROR of the API side): 4 | 16
    dead = dataclasses.replace(context.agents[0], alive=False)
    result = router.check_context(
        dataclasses.replace(context, agents=(dead,)),
        **scenario.options(capture))
    assert codes(result) == ["NETDIAG_AGENT_DEAD", "NETDIAG_HOST_KEY_REFUSED"]
    assert result.exit_code == 20


def test_router_auth_refused_is_16(tmp_path):
    context = scenario.load_context("router")
    capture = scenario.copy_capture("router", tmp_path)
    (capture / "hosts" / "network1.json").write_text(json.dumps(
        {"host": "network1", "address": "network1", "status": "auth",
         "message": "Permission denied (publickey).", "commands": []}))
    result = router.check_context(context, **scenario.options(capture))
    assert codes(result) == ["NETDIAG_HOST_AUTH_REFUSED"]
    assert result.hosts[0].status == "auth"
    assert result.exit_code == exitcodes.CREDENTIALS_REFUSED == 16


# -- floatingip check ---------------------------------------------------------

def test_floating_ip_of_an_unbound_port(tmp_path):
    # the API side: the first floating IP's port has no binding host
    states = scenario.load_context("floatingip")
    unbound = dataclasses.replace(states[0].port, binding_host="")
    states = (dataclasses.replace(states[0], port=unbound),) + states[1:]
    capture = scenario.copy_capture("floatingip", tmp_path)
    result = floatingip.check_states(states, **scenario.options(capture))
    assert [f.code for f in result.findings] == ["NETDIAG_FIP_PORT_UNBOUND"]
    assert f"openstack floating ip unset --port {states[0].id}" in \
        result.findings[0].remedy
    assert [(r.state, r.status) for r in result.rows][0] == (
        "unbound", Status.WARN)
    assert result.exit_code == exitcodes.OK           # a WARNING


def test_floating_ip_port_gone_is_4_without_any_host():
    states = scenario.load_context("floatingip")
    gone = tuple(floatingip.FipState(s.id, s.address, s.port_id, None)
                 for s in states)

    class NoHosts:
        def open(self, target):
            raise AssertionError(f"opened {target.name}")
    result = floatingip.check_states(gone, transport=NoHosts(),
                                     inventory=Inventory())
    assert [f.code for f in result.findings] == \
        ["NETDIAG_FIP_PORT_GONE"] * len(states)
    assert result.exit_code == exitcodes.ERROR_FINDING


# -- where the expected next hop comes from -----------------------------------

def test_gateway_ips_come_from_the_external_subnets():
    from openstack import exceptions
    from openstack.network.v2 import subnet as _subnet
    from openstack.test import fakes

    gateway = scenario.load_context("router").gateway
    subnet_id = gateway.fixed_ips[0][0]

    class Neutron:
        def __init__(self, answer):
            self.answer = answer

        def find_subnet(self, ref, ignore_missing=True):
            assert ref == subnet_id
            if isinstance(self.answer, Exception):
                raise self.answer
            return self.answer
    public = fakes.generate_fake_resource(_subnet.Subnet, id=subnet_id,
                                          gateway_ip=UPSTREAM)
    assert resolve.external_gateway_ips(Neutron(public), gateway) == (UPSTREAM,)
    # a subnet without a gateway, one the caller may not read, one gone
    no_gw = fakes.generate_fake_resource(_subnet.Subnet, id=subnet_id,
                                         gateway_ip=None)
    for answer in (no_gw, exceptions.ForbiddenException("policy"), None):
        assert resolve.external_gateway_ips(Neutron(answer), gateway) == ()


def test_dvr_snat_default_route_via_the_wrong_gateway(tmp_path):
    # router-dvr, ip route in snat- on network1: the default route's
    # gateway .1 -> .254 (ns-route of fip- namespaces holds no default)
    context = dataclasses.replace(scenario.load_context("router-dvr"),
                                  gateway_ips=(UPSTREAM,))

    def edit(command):
        if command["name"].startswith("ns-route:snat-"):
            assert command["stdout"].count('"gateway":"198.19.0.1"') == 1
            command["stdout"] = command["stdout"].replace(
                '"gateway":"198.19.0.1"', '"gateway":"198.19.0.254"')
    healthy = router.check_context(context, **scenario.options(
        scenario.copy_capture("router-dvr", tmp_path / "a")))
    assert healthy.exit_code == exitcodes.OK
    result = router.check_context(context, **scenario.options(
        scenario.copy_capture("router-dvr", tmp_path / "b", edit)))
    assert codes(result) == ["NETDIAG_ROUTER_DEFAULT_ROUTE_WRONG"]
    route, = [r for r in rows(result, "route") if r.status != Status.OK]
    assert (route.host, route.state, route.status) == (
        "network1", "wrong", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


# -- the same route check in port trace ---------------------------------------

def test_trace_reports_a_default_route_via_the_wrong_gateway(tmp_path):
    # scenarios/vlan-healthy (port trace on the lab), network1's ip route in
    # qrouter-: the default route's gateway .1 -> .254; the context given
    # the external subnet's gateway_ip (the recording predates the field)
    from osc_netdiag import api
    from osc_netdiag import context as ctx
    from osc_netdiag.transport import replay
    import shutil
    source = scenario.SCENARIOS.parents[1] / "scenarios" / "vlan-healthy"
    capture = tmp_path / "vlan-healthy"
    shutil.copytree(source, capture)
    path = capture / "hosts" / "network1.json"
    data = json.loads(path.read_text())
    edited = 0
    for command in data["commands"]:
        if command["name"].startswith("ns-route:qrouter-"):
            assert command["stdout"].count('"gateway":"198.19.0.1"') == 1
            command["stdout"] = command["stdout"].replace(
                '"gateway":"198.19.0.1"', '"gateway":"198.19.0.254"')
            edited += 1
    assert edited == 1
    path.write_text(json.dumps(data))
    context = ctx.PortContext.from_json(
        replay.load_json(str(capture), runner.CONTEXT_FILE))
    assert context.router.gateway_ips == ()
    # without the gateway's address: only the device is compared
    trace = api.trace_context(context, inventory=Inventory(),
                              transport=replay.ReplayTransport(str(capture)))
    assert trace.exit_code == exitcodes.OK
    context = dataclasses.replace(context, router=dataclasses.replace(
        context.router, gateway_ips=(UPSTREAM,)))
    trace = api.trace_context(context, inventory=Inventory(),
                              transport=replay.ReplayTransport(str(capture)))
    assert sorted(f.code for f in trace.findings) == [
        "NETDIAG_ROUTER_DEFAULT_ROUTE_WRONG"]
    route, = [h for h in trace.hops if h.kind == "route"]
    assert (route.host, route.state, route.status) == (
        "network1", "wrong", Status.ERROR)
    assert trace.exit_code == exitcodes.ERROR_FINDING
