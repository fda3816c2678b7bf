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

"""The linux/ checks' rows and findings, field by field, where the sweep of
their mutants found them unasserted: the fip- side of a distributed router
(``linux.fip``) and the qvb/qvo veth ends of the hybrid plug
(``linux.devices``).

The DVR tests replay dvr-lab-distributed-router-healthy (compute1 holds
floating IP 198.19.0.54 of fixed IP 198.18.18.78; its fip- namespace has
fg-1c137009-37 198.19.0.68/24 and fpr-5e7a3540-6, and routes the floating
IP via 169.254.88.134 dev fpr-5e7a3540-6), edited in one place each, named
in the test. The veth tests use the half-built host listing of
``test_hybrid_plug`` (qvb LOWERLAYERDOWN in its qbr, qvo admin down in
no bridge), edited in one place each.
"""

import json

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.edited import EditedCapture
from tests.unit.mutation.test_dvr_fip_binding_rows import _findings
from tests.unit.mutation.test_dvr_fip_binding_rows import _not_ok
from tests.unit.mutation.test_dvr_fip_binding_rows import FIP_NS
from tests.unit.mutation.test_dvr_fip_binding_rows import RESTART
from tests.unit.mutation.test_hybrid_plug import hops
from tests.unit.mutation.test_hybrid_plug import QBR
from tests.unit.mutation.test_hybrid_plug import QVB
from tests.unit.mutation.test_hybrid_plug import QVO
from tests.unit.mutation.test_hybrid_plug import run as run_plug
from tests.unit.test_trace_dvr import _link
from tests.unit.test_trace_dvr import Dvr
from tests.unit.test_trace_dvr import FIP_SCENARIO
from tests.unit.test_trace_faults import SCENARIOS
from tests.unit.test_trace_faults import trace_of

FPR = "fpr-5e7a3540-6"
FG = "fg-1c137009-37"
ADDRESS = "198.19.0.54"         # the floating IP, as recorded
ROUTES = f"ns-route-all:{FIP_NS}"
ROUTES_ARGV = f"ip netns exec {FIP_NS} /usr/sbin/ip -j route show table all"
ADDR_ARGV = f"ip netns exec {FIP_NS} /usr/sbin/ip -d -j addr show"
LISTING = "ip -d -j addr show"


@pytest.fixture
def fip(tmp_path):
    return Dvr(FIP_SCENARIO, tmp_path)


def _evidence(hop):
    return [(e.host, e.command, e.lines) for e in hop.evidence]


def _bad_hops(trace):
    return [h for h in trace.hops if h.status is not Status.OK]


def test_fip_routes_unreadable_give_one_skip_row(fip):
    # compute1's ip -j route in fip- failed (exit 1, the stderr iproute2
    # prints without the right to enter the namespace): the rest is as
    # recorded (kills linux.fip read_routes mutants 2-11: the SKIP row's
    # host, device, kind or error changed or left out)
    path = fip.capture.path / "hosts" / "compute1.json"
    data = json.loads(path.read_text())
    [record] = [c for c in data["commands"] if c["name"] == ROUTES]
    record["exit_status"] = "1"
    record["stderr"] = "RTNETLINK answers: Operation not permitted\n"
    path.write_text(json.dumps(data))
    trace = fip.trace()
    error = "error, exit 1: RTNETLINK answers: Operation not permitted"
    assert _not_ok(trace) == [(
        "compute1", f"{FIP_NS} routes", "fip-route", "error",
        f"not checked: {error}", Status.SKIP)]
    assert _findings(trace) == [(
        "NETDIAG_COMMAND_FAILED", f"compute1:{FIP_NS} routes",
        f"could not read '{ROUTES_ARGV}' on compute1: {error}; not "
        f"checked: fip-route {FIP_NS} routes",
        f"Run '{ROUTES_ARGV}' on compute1 by hand and fix what it says; "
        f"until it succeeds the fip-route {FIP_NS} routes hop (and those "
        "that depend on it) is not checked.")]
    assert trace.exit_code == exitcodes.UNREADABLE


def _route_wrong(trace, state, found):
    expected = f"via 169.254.88.134 dev {FPR}"
    assert _not_ok(trace) == [(
        "compute1", ADDRESS, "fip-route", state,
        f"{found}; expected {expected}", Status.ERROR)]
    assert _findings(trace) == [(
        "NETDIAG_DVR_FIP_ROUTE_WRONG", f"compute1:{ADDRESS}",
        f"{FIP_NS} on compute1 routes {ADDRESS} {found}, expected "
        f"{expected}",
        f"{FIP_NS} on compute1 does not route {ADDRESS} {expected} "
        f"({found}): fg- answers ARP for a floating IP only through that "
        f"route (proxy ARP). {RESTART}")]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_no_route_to_the_floating_ip(fip):
    # fip-'s route to 198.19.0.54 removed from its ip -j route listing
    # (kills linux.fip host_route mutant 3: next() without its default
    # raises when no route is found)
    fip.edit("compute1", ROUTES, lambda routes: routes.remove(
        next(r for r in routes if r["dst"] == ADDRESS)))
    trace = fip.trace()
    _route_wrong(trace, "absent", "no route")
    [hop] = _bad_hops(trace)
    assert _evidence(hop) == [("compute1", ROUTES_ARGV, ())]


def test_a_blackhole_route_to_the_floating_ip_is_no_route(fip):
    # fip-'s route to 198.19.0.54 replaced by a blackhole route to it, as
    # ip -j prints one ({"type":"blackhole","dst":...}: no gateway, no
    # device). A typed route carries no packet to rfp-: the trace takes
    # none (kills linux.fip host_route mutant 7: the predicate ignored,
    # so the blackhole route is taken and judged "wrong")
    def change(routes):
        i = next(i for i, r in enumerate(routes) if r["dst"] == ADDRESS)
        routes[i] = {"type": "blackhole", "dst": ADDRESS,
                     "protocol": "static", "flags": []}
    fip.edit("compute1", ROUTES, change)
    _route_wrong(fip.trace(), "absent", "no route")


def test_fg_admin_down_is_a_broken_device(fip):
    # fip-'s fg-1c137009-37 admin down (flag UP removed from its ip -d -j
    # addr record) (kills linux.fip check_agent_gateway mutant 42: the
    # code of a broken fg- device None)
    fip.edit("compute1", f"ns-addr:{FIP_NS}",
             lambda links: _link(links, FG)["flags"].remove("UP"))
    trace = fip.trace()
    problem = "UNKNOWN (admin down)"
    assert _not_ok(trace) == [(
        "compute1", FG, "fip-gateway-port", "broken",
        f"in {FIP_NS}: 198.19.0.68/24; {problem}", Status.ERROR)]
    assert _findings(trace) == [(
        "NETDIAG_DVR_DEVICE_BROKEN", f"compute1:{FG}",
        f"{FG} in {FIP_NS} on compute1: {problem}",
        f"{FG} in {FIP_NS} on compute1 is missing, down or lacks its "
        f"address: {RESTART}")]
    [hop] = _bad_hops(trace)
    assert _evidence(hop) == [("compute1", ADDR_ARGV, (
        f"{FG}: <BROADCAST,MULTICAST,PROMISC,LOWER_UP> mtu 1500 state "
        "UNKNOWN master - kind tun 198.19.0.68/24 "
        "fe80::f816:3eff:fee8:efc3/64",))]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_a_qvo_of_no_kind_has_two_problems():
    # the listing's qvo has no linkinfo (ip -d prints none for a device
    # of no kind): it is no veth, and it is still admin down (kills
    # linux.devices _veth_hop mutants 26: the missing kind's "-", 66: the
    # row's evidence, 75: the separator of its problems)
    report = run_plug(lambda links: links[QVO].pop("linkinfo"))
    assert hops(report)[2:] == [
        ("compute1", QVB, "veth", "wrong",
         f"in {QBR}, peer {QVO}, MTU 1500; LOWERLAYERDOWN", "ERROR"),
        ("compute1", QVO, "veth", "wrong",
         f"in no bridge, peer {QVB}, MTU 1450; kind -, not veth; DOWN "
         "(admin down)", "ERROR")]
    assert _evidence(report.hops[3]) == [("compute1", LISTING, (
        f"{QVO}: <BROADCAST,MULTICAST> mtu 1450 state DOWN master - "
        "kind -",))]


def test_a_qvb_whose_peer_is_not_named():
    # the listing's qvb has no "link" (ip prints none when the peer is in
    # another namespace) (kills linux.devices _veth_hop mutant 52: the
    # missing peer's "-")
    report = run_plug(lambda links: links[QVB].pop("link"))
    assert hops(report)[2] == (
        "compute1", QVB, "veth", "wrong",
        f"in {QBR}, peer -, MTU 1500; LOWERLAYERDOWN", "ERROR")


# -- linux.nat: a router namespace without a default route -----------------

QROUTER = "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d"   # vlan-healthy's
ROUTE_ARGV = f"ip netns exec {QROUTER} /usr/sbin/ip -j route show"


def _without_default_route(tmp_path, gateway_ips=None):
    # vlan-healthy, network1's ip -j route in the qrouter-: its default
    # route turned into 0.0.0.0/1 (as test_trace_api_faults does)
    capture = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)
    capture.replace("network1", f"ns-route:{QROUTER}", '"dst":"default"',
                    '"dst":"0.0.0.0/1"')
    if gateway_ips is not None:
        capture.edit_context(
            lambda d: d["router"].update(gateway_ips=gateway_ips))
    trace = trace_of(capture)
    [hop] = _bad_hops(trace)
    assert _evidence(hop) == [("network1", ROUTE_ARGV, ())]
    return trace, (hop.host, hop.device, hop.kind, hop.state, hop.detail,
                   hop.status)


def test_no_default_route_names_every_external_gateway(tmp_path):
    # the context gets the external subnets' gateway_ips, an IPv4 and an
    # IPv6 subnet's (the recording predates gateway_ips): every one is
    # named (kills linux.nat check_routes' text mutants: the summary, the
    # row's detail and the separators of the gateways)
    trace, hop = _without_default_route(
        tmp_path, ["198.19.0.1", "2001:db8:19::1"])
    gateways = "198.19.0.1, 2001:db8:19::1"
    assert hop == ("network1", "default route", "route", "absent",
                   f"expected via {gateways}", Status.ERROR)
    assert [(f.code, f.subject, f.summary, f.remedy)
            for f in trace.findings] == [(
                "NETDIAG_ROUTER_NO_DEFAULT_ROUTE", f"network1:{QROUTER}",
                f"{QROUTER} on network1 has no default route, but the "
                f"external subnet's gateway is {gateways}: no traffic of the "
                "router leaves the external subnet",
                f"{QROUTER} on network1 has no default route although the "
                f"external subnet's gateway is {gateways}: restart "
                "neutron-l3-agent on network1 (it re-applies the gateway) "
                "and check its log for the router.")]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_no_default_route_and_no_gateway_known(tmp_path):
    # the same fault, the recorded context as it is (no gateway_ip known)
    trace, hop = _without_default_route(tmp_path)
    assert hop == ("network1", "default route", "route", "absent",
                   "no external gateway_ip known", Status.WARN)
    assert [(f.code, f.subject, f.summary, f.remedy)
            for f in trace.findings] == [(
                "NETDIAG_ROUTER_NO_GATEWAY_IP", f"network1:{QROUTER}",
                f"{QROUTER} on network1 has no default route; the API gives "
                "no gateway_ip of the external subnet",
                f"{QROUTER} on network1 has no default route and the API "
                "gives the external subnet no gateway_ip (or it could not be "
                "read): traffic leaving the cloud reaches only the external "
                "subnet itself. Set the subnet's gateway_ip if it should go "
                "further.")]
    assert trace.exit_code == exitcodes.OK
