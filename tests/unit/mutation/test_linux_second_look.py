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

"""The linux/ checks' findings where the last mutation draw and sweep found
a field unasserted: the missing tap's subject (``linux.devices``) and the
default route of a router (``linux.nat``): its next hop when the external
side is dual-stack, an unreachable default, a standby copy's route with two
problems, and the evidence of a wrong route's row.

The tap test replays vlan-healthy (the traced port's tap tapc5f2011d-5a on
compute1), the route test the router recording of ``test_router_faults``
(qrouter-7e9218af-... on network1, default route via 198.19.0.1 dev
qg-4ed7e451-34), the route tests on port trace vlan-healthy (the same
router), each edited in one place named in the test (and the API context
where the test says).
"""

import dataclasses
import pathlib

from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.edited import EditedCapture
from tests.unit.l3dhcp import scenario
from tests.unit.l3dhcp.test_dhcp_faults import replace_in
from tests.unit.l3dhcp.test_router_faults import check
from tests.unit.l3dhcp.test_router_faults import UPSTREAM
from tests.unit.mutation.test_router_gateway_rows import QG
from tests.unit.mutation.test_router_gateway_rows import QROUTER
from tests.unit.test_mut_trace_router import _ha
from tests.unit.test_trace_faults import trace_of
from tests.unit.test_trace_faults import vlan  # noqa: F401 (a fixture)
from tests.unit.test_trace_faults import VLAN_PORT_ID
from tests.unit.test_trace_faults import VLAN_TAP

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"
ROUTE_PROBE = f"ns-route:{QROUTER}"
ROUTE_ARGV = f"ip netns exec {QROUTER} /usr/sbin/ip -j route show"
DEFAULT = '"dst":"default","gateway":"198.19.0.1","dev":"qg-4ed7e451-34"'


def test_a_missing_tap_is_named_by_host_and_device(vlan):  # noqa: F811
    # ip-addr on compute1: the tap renamed, as if the instance were not
    # there (kills linux.devices check_instance_device mutant 24: the
    # finding's subject None)
    vlan.replace("compute1", "ip-addr", f'"ifname":"{VLAN_TAP}"',
                 '"ifname":"tapffffffff-ff"')
    trace = trace_of(vlan)
    assert [(f.code, f.subject, f.summary, f.remedy)
            for f in trace.findings] == [(
                "NETDIAG_TAP_MISSING", f"compute1:{VLAN_TAP}",
                f"{VLAN_TAP} does not exist on compute1",
                "The instance's device is not on compute1: is the instance "
                "running there (virsh list)? Hard-reboot it to re-plug the "
                "VIF.")]
    assert [(h.host, h.device, h.state, h.detail, h.status)
            for h in trace.hops if h.kind == "tap"] == [
        ("compute1", VLAN_TAP, "absent",
         f"no device {VLAN_TAP} (port {VLAN_PORT_ID})", Status.ERROR)]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_a_dual_stack_router_compares_only_the_ipv4_next_hop(tmp_path):
    # context: the gateway port is on an IPv4 and an IPv6 external subnet
    # (gateways 198.19.0.1 and 2001:db8:19::1); ip route in qrouter-: the
    # default route's gateway .1 -> .254. The IPv6 gateway is no candidate
    # for an IPv4 next hop (kills linux.nat _route_problems mutant 8: the
    # IPv4 gateways chosen by "XX:XX" instead of ":")
    context = dataclasses.replace(scenario.load_context("router"),
                                  gateway_ips=(UPSTREAM, "2001:db8:19::1"))
    result = check(tmp_path, replace_in(
        "ns-route", '"gateway":"198.19.0.1"', '"gateway":"198.19.0.254"'),
        context=context)
    problem = "via 198.19.0.254, the external subnet's gateway is 198.19.0.1"
    assert [(f.code, f.summary) for f in result.findings] == [(
        "NETDIAG_ROUTER_DEFAULT_ROUTE_WRONG",
        f"the default route of {QROUTER} on network1 is wrong: {problem}")]
    assert [(r.state, r.detail, r.status) for r in result.rows
            if r.kind == "route"] == [
        ("wrong", f"via 198.19.0.254 dev {QG}; {problem}", Status.ERROR)]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_an_ipv6_only_external_side_leaves_the_ipv4_route_alone(tmp_path):
    # context: the external subnet's only gateway is IPv6 (2001:db8:19::1);
    # the recorded IPv4 default route via 198.19.0.1 has nothing to be
    # compared with (the same mutant: the IPv6 gateway taken for IPv4)
    context = dataclasses.replace(scenario.load_context("router"),
                                  gateway_ips=("2001:db8:19::1",))
    result = check(tmp_path, context=context)
    assert result.findings == ()
    assert [(r.state, r.detail, r.status) for r in result.rows
            if r.kind == "route"] == [
        ("present", f"via 198.19.0.1 dev {QG}", Status.OK)]
    assert result.exit_code == exitcodes.OK


def _route_trace(tmp_path, new_default, context_edit=None):
    # vlan-healthy; network1's ip -j route in the qrouter-: the default
    # route replaced by ``new_default``
    capture = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)
    if context_edit is not None:
        capture.edit_context(context_edit)
    capture.replace("network1", ROUTE_PROBE, DEFAULT, new_default)
    trace = trace_of(capture)
    [row] = [h for h in trace.hops if h.kind == "route"]
    evidence = [(e.host, e.command, e.lines) for e in row.evidence]
    return trace, (row.state, row.detail, row.status), evidence


def test_an_unreachable_default_route_leaves_through_no_device(tmp_path):
    # the default route made "unreachable" (ip route add unreachable
    # default; ip -j prints it with a type and no gateway or device, as
    # recorded in a namespace of this test bed). Kills linux.nat
    # _route_problems mutant 6 (the missing device's "-") and check_routes
    # mutant 195 (the wrong route's row without its evidence)
    trace, row, evidence = _route_trace(
        tmp_path, '"type":"unreachable","dst":"default"')
    problem = "leaves through -, expected qg-4ed7e451-34"
    assert row == ("wrong", f"via None dev None; {problem}", Status.ERROR)
    assert evidence == [("network1", ROUTE_ARGV,
                         ("default via None dev None",))]
    assert [(f.code, f.subject, f.summary, f.remedy)
            for f in trace.findings] == [(
                "NETDIAG_ROUTER_DEFAULT_ROUTE_WRONG", f"network1:{QROUTER}",
                f"the default route of {QROUTER} on network1 is wrong: "
                f"{problem}",
                f"The default route of {QROUTER} on network1 goes via None "
                "dev None, not the external subnet's gateway -: restart "
                "neutron-l3-agent on network1 (it re-applies the gateway); "
                "if it comes back wrong, check the subnet's gateway_ip.")]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_a_standby_copy_lists_every_problem_of_its_route(tmp_path):
    # context: the router is HA, network1's copy standby, the external
    # subnet's gateway 198.19.0.1; the default route goes via 198.19.0.254
    # dev qr-12cf768b-a6: two problems, shown, not judged. Kills linux.nat
    # check_routes mutants 155 (the problems joined by "XX; XX") and 147
    # (the standby row without its evidence)
    def standby_with_gateway(data):
        _ha("standby")(data)
        data["router"]["gateway_ips"] = ["198.19.0.1"]
    trace, row, evidence = _route_trace(
        tmp_path, '"dst":"default","gateway":"198.19.0.254",'
        '"dev":"qr-12cf768b-a6"', standby_with_gateway)
    assert row == (
        "wrong", "standby: leaves through qr-12cf768b-a6, expected "
        "qg-4ed7e451-34; via 198.19.0.254, the external subnet's gateway "
        "is 198.19.0.1", Status.SKIP)
    assert evidence == [("network1", ROUTE_ARGV,
                         ("default via 198.19.0.254 dev qr-12cf768b-a6",))]
    assert [f.code for f in trace.findings] == ["NETDIAG_ROUTER_HA_STATE"]
