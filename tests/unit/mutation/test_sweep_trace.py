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

"""port trace and a distributed router's floating-IP side: the rows,
findings and evidence an operator reads, exactly.

Each test copies a real recording and edits it in one place (one test in
two), named in the test. The DVR lab's values were read off the
recordings by hand: router 5e7a3540-..., compute1 holds the floating IP
198.19.0.54 of 198.18.18.78, rfp- has 169.254.88.134/31 and table 16 goes
via 169.254.88.135. The other tests edit the API context of vlan-healthy,
vxlan-healthy and a few fault recordings: which hosts, agents, segments
and addresses the API lists, the host outputs left as recorded.
"""

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.models import Evidence
from osc_netdiag.models import Status
from tests.unit.edited import EditedCapture
from tests.unit.mutation.test_dvr_fip_binding_rows import _findings
from tests.unit.mutation.test_dvr_fip_binding_rows import _not_ok
from tests.unit.mutation.test_dvr_fip_binding_rows import QROUTER
from tests.unit.mutation.test_dvr_fip_binding_rows import RESTART
from tests.unit.mutation.test_dvr_fip_binding_rows import RFP
from tests.unit.test_trace_dvr import _link
from tests.unit.test_trace_dvr import _route
from tests.unit.test_trace_dvr import Dvr
from tests.unit.test_trace_dvr import FIP_SCENARIO
from tests.unit.test_trace_faults import SCENARIOS
from tests.unit.test_trace_faults import trace_of

ERROR_FINDING = exitcodes.ERROR_FINDING
IP_NS = f"ip netns exec {QROUTER} /usr/sbin/ip"
FPR = "fpr-5e7a3540-6"
FIP_NS = "fip-444b6602-936b-4010-b6ae-c4801dc28c9b"


@pytest.fixture
def fip(tmp_path):
    return Dvr(FIP_SCENARIO, tmp_path)


def _rfp_addresses(fip, change):
    fip.edit(fip.host, f"ns-addr:{fip.qrouter}",
             lambda links: change(_link(links, fip.rfp)["addr_info"]))
    return fip.trace()


def _link_wrong(own):
    """The two rows and findings of an rfp- without its /31: its own, and
    table 16's route, whose next hop can then not be judged right.
    """
    table = (f"table 16 of 198.18.18.78 has default via 169.254.88.135 dev "
             f"{RFP}, expected default via <fpr- address> dev {RFP}")
    rows = [("compute1", RFP, "fip-link", "wrong", own, Status.ERROR),
            ("compute1", "from 198.18.18.78", "fip-link", "wrong", table,
             Status.ERROR)]
    findings = [
        ("NETDIAG_DVR_FIP_LINK_WRONG", f"compute1:{RFP}",
         f"in {QROUTER} on compute1, {own}",
         f"In {QROUTER} on compute1, {own}: the floating IP's traffic cannot "
         f"cross the rfp-/fpr- link. {RESTART}"),
        ("NETDIAG_DVR_FIP_LINK_WRONG", "compute1:from 198.18.18.78",
         f"in {QROUTER} on compute1, {table}",
         f"In {QROUTER} on compute1, {table}: the floating IP's traffic "
         f"cannot cross the rfp-/fpr- link. {RESTART}")]
    return rows, findings


FIP_KINDS = ("fip-link", "fip-rule", "nat-rule", "fip-gateway-port",
             "fip-route")
DNAT = ("-A neutron-l3-agent-PREROUTING -d 198.19.0.54/32 -i "
        f"{RFP} -j DNAT --to-destination 198.18.18.78")
SNAT = ("-A neutron-l3-agent-float-snat -s 198.18.18.78/32 -j SNAT "
        "--to-source 198.19.0.54 --random-fully")
# the floating IP's side of the healthy recording, in order
HEALTHY = [
    (RFP, "fip-link", "UP", f"in {QROUTER}: 169.254.88.134/31", Status.OK),
    ("from 198.18.18.78", "fip-rule", "present",
     f"lookup 16: default via 169.254.88.135 dev {RFP} (fpr- end; out "
     "through fip-, not SNAT)", Status.OK),
    ("DNAT 198.19.0.54", "nat-rule", "present", DNAT, Status.OK),
    ("SNAT 198.18.18.78", "nat-rule", "present", SNAT, Status.OK),
    (FPR, "fip-link", "UP", f"in {FIP_NS}: 169.254.88.135/31", Status.OK),
    ("fg-1c137009-37", "fip-gateway-port", "UP",
     f"in {FIP_NS}: 198.19.0.68/24", Status.OK),
    ("198.19.0.54", "fip-route", "present",
     f"via 169.254.88.134 dev {FPR} (fg- answers ARP for it)", Status.OK)]


def _fip_rows(trace):
    return [(h.device, h.kind, h.state, h.detail, h.status)
            for h in trace.hops if h.host == "compute1"
            and h.kind in FIP_KINDS]


def test_rfp_without_an_ipv4_address_says_so(fip):
    # rfp- in qrouter- keeps only its IPv6 link-local address (ip -j addr
    # edited in one place: its inet entry removed)
    # kills dvr_fip _addresses mutants 5, 6 and 7 ("no IPv4 address"
    # spelled otherwise) and _link_wrong 29 (the table row's evidence lost)
    trace = _rfp_addresses(fip, lambda info: info.remove(next(
        a for a in info if a["family"] == "inet")))
    rows, findings = _link_wrong(
        f"{RFP} has no IPv4 address, not one address of a /31 (the "
        "rfp-/fpr- pair)")
    assert _not_ok(trace) == rows
    assert _findings(trace) == findings
    [own, table] = [h for h in trace.hops if h.status is Status.ERROR]
    assert own.evidence == ()
    # fip- is still read: its route to the floating IP is there, its next
    # hop not judged (kills dvr_fip check mutants 137 and 138: fip- routes
    # left unread)
    assert _fip_rows(trace)[-1] == HEALTHY[-1]
    assert table.evidence == (
        Evidence("compute1", f"{IP_NS} -j rule show",
                 ("from 198.18.18.78 lookup 16",)),
        Evidence("compute1", f"{IP_NS} -j route show table all",
                 (f"default via 169.254.88.135 dev {RFP} table 16",)))
    assert trace.exit_code == ERROR_FINDING


def test_rfp_with_two_ipv4_addresses_lists_both(fip):
    # rfp- in qrouter- has a second IPv4 address, a /24, ahead of its /31
    # (ip -j addr edited in one place: 169.254.88.136/24 inserted first)
    # kills dvr_fip _addresses mutant 3 (the addresses joined by "XX, XX")
    trace = _rfp_addresses(fip, lambda info: info.insert(0, dict(
        info[0], local="169.254.88.136", prefixlen=24)))
    rows, findings = _link_wrong(
        f"{RFP} has 169.254.88.136/24, 169.254.88.134/31, not one address "
        "of a /31 (the rfp-/fpr- pair)")
    # fip- is then judged against rfp-'s first IPv4 address
    found = f"via 169.254.88.134 dev {FPR}"
    assert _not_ok(trace) == rows + [(
        "compute1", "198.19.0.54", "fip-route", "wrong",
        f"{found}; expected via 169.254.88.136 dev {FPR}", Status.ERROR)]
    assert _findings(trace)[:2] == findings
    assert [f.code for f in trace.findings[2:]] == [
        "NETDIAG_DVR_FIP_ROUTE_WRONG"]
    assert trace.exit_code == ERROR_FINDING


def test_floating_ip_route_without_a_next_hop(fip):
    # fip-'s route to the floating IP has no gateway, only dev fpr- (ip -j
    # route edited in one place: its "gateway" removed)
    fip.edit(fip.host, f"ns-route-all:{fip.fip_ns}",
             lambda routes: _route(routes, dst="198.19.0.54").pop("gateway"))
    trace = fip.trace()
    found, expected = f"via - dev {FPR}", f"via 169.254.88.134 dev {FPR}"
    assert _not_ok(trace) == [(
        "compute1", "198.19.0.54", "fip-route", "wrong",
        f"{found}; expected {expected}", Status.ERROR)]
    assert _findings(trace) == [(
        "NETDIAG_DVR_FIP_ROUTE_WRONG", "compute1:198.19.0.54",
        f"{FIP_NS} on compute1 routes 198.19.0.54 {found}, expected "
        f"{expected}",
        f"{FIP_NS} on compute1 does not route 198.19.0.54 {expected} "
        f"({found}): fg- answers ARP for a floating IP only through that "
        f"route (proxy ARP). {RESTART}")]
    [row] = [h for h in trace.hops if h.status is Status.ERROR]
    assert row.evidence == (Evidence(
        "compute1", f"ip netns exec {FIP_NS} /usr/sbin/ip -j route show "
        "table all", (f"198.19.0.54 {found}",)),)
    assert trace.exit_code == ERROR_FINDING


def test_fixed_ip_table_without_a_default_route(fip):
    # table 16's default route (via fpr-) moved to table 17 (ip -j route in
    # qrouter- edited in one field)
    fip.edit(fip.host, f"ns-route-all:{fip.qrouter}",
             lambda routes: _route(routes, table="16").update(table="17"))
    trace = fip.trace()
    what = ("table 16 of 198.18.18.78 has no default route, expected "
            f"default via 169.254.88.135 dev {RFP}")
    assert _not_ok(trace) == [("compute1", "from 198.18.18.78", "fip-link",
                               "wrong", what, Status.ERROR)]
    assert _findings(trace) == [(
        "NETDIAG_DVR_FIP_LINK_WRONG", "compute1:from 198.18.18.78",
        f"in {QROUTER} on compute1, {what}",
        f"In {QROUTER} on compute1, {what}: the floating IP's traffic "
        f"cannot cross the rfp-/fpr- link. {RESTART}")]
    [row] = [h for h in trace.hops if h.status is Status.ERROR]
    assert row.evidence == (
        Evidence("compute1", f"{IP_NS} -j rule show",
                 ("from 198.18.18.78 lookup 16",)),
        Evidence("compute1", f"{IP_NS} -j route show table all", ()))
    assert trace.exit_code == ERROR_FINDING


def test_router_without_an_l3_agent_names_the_router(tmp_path):
    # vlan-healthy's API context: the router's L3 agents emptied (the
    # edit of test_trace_api_faults)
    capture = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)
    capture.edit_context(lambda d: d["router"].update(l3_agents=[]))
    router = capture.context()["router"]["id"]
    trace = trace_of(capture)
    assert _findings(trace) == [(
        "NETDIAG_ROUTER_NOT_HOSTED", router,
        f"no L3 agent hosts router {router}",
        f"No L3 agent hosts router {router}: openstack network agent add "
        f"router --l3 <agent> {router}.")]
    assert trace.exit_code == ERROR_FINDING


def test_healthy_floating_ip_side_rows(fip):
    # the reference the tests below edit: the recording as it is
    trace = fip.trace()
    assert _fip_rows(trace) == HEALTHY
    assert trace.exit_code == exitcodes.OK


def test_rfp_with_a_host_address_has_no_pair(fip):
    # rfp-'s address in qrouter- is a /32 (ip -j addr edited in one field:
    # prefixlen 31 -> 32): a /32 has no other end to route through
    # kills dvr_fip _peer mutant 4 (only a /32 refused: its peer looked for
    # in a one-address network)
    trace = _rfp_addresses(fip, lambda info: next(
        a for a in info if a["family"] == "inet").update(prefixlen=32))
    rows, findings = _link_wrong(
        f"{RFP} has 169.254.88.134/32, not one address of a /31 (the "
        "rfp-/fpr- pair)")
    assert _not_ok(trace) == rows
    assert _findings(trace) == findings
    assert trace.exit_code == ERROR_FINDING


def test_floating_ip_route_replaced_by_a_blackhole(fip):
    # fip-'s route to the floating IP is a blackhole route (ip -j route
    # edited in one entry: as "ip route add blackhole 198.19.0.54" prints
    # it): no route that forwards it
    # kills dvr_fip _check_fip_routes mutants 17 and 20 (routes of any type
    # taken), 28 and 29 ("no route" spelled otherwise), 36 (an evidence
    # line for a route not found), 106 and 107 ("absent" spelled otherwise)
    def blackhole(routes):
        at = routes.index(_route(routes, dst="198.19.0.54"))
        routes[at] = {"type": "blackhole", "dst": "198.19.0.54",
                      "flags": []}
    fip.edit(fip.host, f"ns-route-all:{fip.fip_ns}", blackhole)
    trace = fip.trace()
    expected = f"via 169.254.88.134 dev {FPR}"
    assert _fip_rows(trace) == HEALTHY[:-1] + [(
        "198.19.0.54", "fip-route", "absent",
        f"no route; expected {expected}", Status.ERROR)]
    assert _findings(trace) == [(
        "NETDIAG_DVR_FIP_ROUTE_WRONG", "compute1:198.19.0.54",
        f"{FIP_NS} on compute1 routes 198.19.0.54 no route, expected "
        f"{expected}",
        f"{FIP_NS} on compute1 does not route 198.19.0.54 {expected} (no "
        "route): fg- answers ARP for a floating IP only through that route "
        f"(proxy ARP). {RESTART}")]
    [row] = [h for h in trace.hops if h.status is Status.ERROR]
    assert row.evidence == (Evidence(
        "compute1", f"ip netns exec {FIP_NS} /usr/sbin/ip -j route show "
        "table all", ()),)
    assert trace.exit_code == ERROR_FINDING


def test_dnat_rule_on_the_wrong_device_is_missing(fip):
    # qrouter-'s DNAT rule for the floating IP matches "-i qr-..." instead
    # of "-i rfp-..." (iptables-save edited in one place): a distributed
    # router DNATs only what comes in from fip-
    # kills dvr_fip check mutants 76 and 92 (the rules judged as on a
    # standby router: a SKIP row, no finding), 78 and 86 (the in-device
    # left out: any DNAT rule taken)
    qr = "qr-d8dfbf75-d2"
    fip.capture.replace(fip.host, f"ns-iptables:{fip.qrouter}",
                        f"-d 198.19.0.54/32 -i {RFP}",
                        f"-d 198.19.0.54/32 -i {qr}")
    trace = fip.trace()
    expected = (f"-d 198.19.0.54/32 -i {RFP} -j DNAT --to-destination "
                "198.18.18.78")
    assert _fip_rows(trace) == HEALTHY[:2] + [
        ("DNAT 198.19.0.54", "nat-rule", "absent", f"expected {expected}",
         Status.ERROR)] + HEALTHY[3:]
    assert _findings(trace) == [(
        "NETDIAG_ROUTER_NAT_RULE_MISSING", "compute1:DNAT 198.19.0.54",
        f"no '{expected}' rule in the router namespace's nat table on "
        "compute1",
        "The nat table of the router namespace on compute1 lacks "
        f"'{expected}': restart neutron-l3-agent on compute1 (it rebuilds "
        "the router's iptables); if it stays missing, check the agent's log "
        "for ce75feef-5b7b-47cf-8fa7-18f124a456c7.")]
    assert trace.exit_code == ERROR_FINDING


def test_ipv6_default_route_in_the_fixed_ip_table_is_not_the_one(fip):
    # table 16's default route goes via fpr-'s IPv6 link-local address
    # (ip -j route edited in one field: gateway 169.254.88.135 ->
    # fe80::e42b:beff:fe07:4d6e): no IPv4 default route, which is what the
    # floating IP's traffic needs
    # kills dvr_fip _check_rule mutants 54 and 56 (an IPv6 next hop taken)
    fip.edit(fip.host, f"ns-route-all:{fip.qrouter}",
             lambda routes: _route(routes, table="16").update(
                 gateway="fe80::e42b:beff:fe07:4d6e"))
    trace = fip.trace()
    what = ("table 16 of 198.18.18.78 has no default route, expected "
            f"default via 169.254.88.135 dev {RFP}")
    assert _fip_rows(trace) == HEALTHY[:1] + [
        ("from 198.18.18.78", "fip-link", "wrong", what, Status.ERROR)
    ] + HEALTHY[2:]
    assert [f.code for f in trace.findings] == ["NETDIAG_DVR_FIP_LINK_WRONG"]
    assert trace.exit_code == ERROR_FINDING


def test_rfp_missing_leaves_the_fixed_ip_table_unjudged(fip):
    # rfp- is gone from qrouter- (ip -j addr edited in one field: its name
    # rfp-5e7a3540-6 -> rfp-5e7a3540-7): reported once, on rfp- itself;
    # table 16's next hop is then not judged
    # kills dvr_fip check mutants 57 and 59 (table 16 judged against an
    # empty next hop), _v4 mutant 2 (a missing link's addresses read)
    fip.edit(fip.host, f"ns-addr:{fip.qrouter}",
             lambda links: _link(links, RFP).update(
                 ifname="rfp-5e7a3540-7"))
    trace = fip.trace()
    assert _fip_rows(trace) == [
        (RFP, "fip-link", "absent", f"not in {QROUTER}", Status.ERROR)
    ] + HEALTHY[1:]
    assert _findings(trace) == [(
        "NETDIAG_DVR_DEVICE_BROKEN", f"compute1:{RFP}",
        f"{RFP} is missing from {QROUTER} on compute1",
        f"{RFP} in {QROUTER} on compute1 is missing, down or lacks its "
        f"address: {RESTART}")]
    assert trace.exit_code == ERROR_FINDING


def test_fpr_missing_still_reads_fip_routes(fip):
    # fpr- is gone from fip- (ip -j addr edited in one field: its name
    # fpr-5e7a3540-6 -> fpr-5e7a3540-7): fip-'s route to the floating IP
    # is still judged, against rfp-'s address
    # kills dvr_fip check mutant 139 (fip- routes read only without rfp-)
    fip.edit(fip.host, f"ns-addr:{fip.fip_ns}",
             lambda links: _link(links, FPR).update(
                 ifname="fpr-5e7a3540-7"))
    trace = fip.trace()
    assert _fip_rows(trace) == HEALTHY[:4] + [
        (FPR, "fip-link", "absent", f"not in {FIP_NS}", Status.ERROR)
    ] + HEALTHY[5:]
    assert [f.code for f in trace.findings] == ["NETDIAG_DVR_DEVICE_BROKEN"]
    assert trace.exit_code == ERROR_FINDING


def test_second_floating_ip_is_judged_too(fip):
    # the API context gives the port a second floating IP, 198.19.0.99 of
    # 198.18.18.79 (context edited in one place: one floating IP added);
    # nothing on the host is set up for it
    # kills dvr_fip _check_fip_routes mutant 62 (the loop left after the
    # first floating IP's good route) and _check_rule mutant 42 (the
    # missing rule's row without its evidence)
    fip.capture.edit_context(lambda data: data["router"][
        "floating_ips"].append({
            "address": "198.19.0.99", "fixed_ip": "198.18.18.79",
            "id": "ce75feef-5b7b-47cf-8fa7-18f124a456c8"}))
    trace = fip.trace()
    assert _fip_rows(trace)[-2:] == [HEALTHY[-1], (
        "198.19.0.99", "fip-route", "absent",
        f"no route; expected via 169.254.88.134 dev {FPR}", Status.ERROR)]
    assert [f.code for f in trace.findings] == [
        "NETDIAG_DVR_FIP_RULE_MISSING", "NETDIAG_ROUTER_NAT_RULE_MISSING",
        "NETDIAG_ROUTER_NAT_RULE_MISSING", "NETDIAG_DVR_FIP_ROUTE_WRONG"]
    [rule] = [h for h in trace.hops if h.device == "from 198.18.18.79"]
    assert (rule.state, rule.evidence) == ("absent", (
        Evidence("compute1", f"{IP_NS} -j rule show", ()),))
    assert trace.exit_code == ERROR_FINDING


def test_floating_ip_route_missing_and_rfp_without_address(fip):
    # two faults, edited in two places: rfp- keeps only its IPv6 address
    # (its inet entry removed) and fip-'s route to the floating IP is gone
    # (its destination 198.19.0.54 -> 198.19.0.55): the route's next hop
    # cannot be named, and is said to be rfp-'s address
    # kills dvr_fip _check_fip_routes mutants 65 and 66 ("<rfp- address>"
    # spelled otherwise)
    _rfp_addresses(fip, lambda info: info.remove(next(
        a for a in info if a["family"] == "inet")))
    fip.edit(fip.host, f"ns-route-all:{fip.fip_ns}",
             lambda routes: _route(routes, dst="198.19.0.54").update(
                 dst="198.19.0.55"))
    trace = fip.trace()
    expected = f"via <rfp- address> dev {FPR}"
    assert _fip_rows(trace)[-1] == (
        "198.19.0.54", "fip-route", "absent",
        f"no route; expected {expected}", Status.ERROR)
    assert _findings(trace)[-1] == (
        "NETDIAG_DVR_FIP_ROUTE_WRONG", "compute1:198.19.0.54",
        f"{FIP_NS} on compute1 routes 198.19.0.54 no route, expected "
        f"{expected}",
        f"{FIP_NS} on compute1 does not route 198.19.0.54 {expected} (no "
        "route): fg- answers ARP for a floating IP only through that route "
        f"(proxy ARP). {RESTART}")
    assert trace.exit_code == ERROR_FINDING


# -- trace on vlan-healthy (compute1's port c5f2011d-..., 198.18.16.39) ------

PORT_ROW = ("{ips} fa:16:3e:b9:d1:75 on vlan-net ({segments}); bound to "
            "compute1 vif ovs (direct plug: openvswitch or noop firewall)")


def _rows(trace):
    return [(h.host, h.device, h.kind, h.state, h.detail, h.status)
            for h in trace.hops]


def _vlan_trace(tmp_path, change):
    capture = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path / "edited")
    capture.edit_context(change)
    healthy = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path / "as-is")
    return trace_of(capture), _rows(trace_of(healthy))


def _another_segment_first(segment):
    return lambda data: data["network"]["segments"].insert(0, segment)


def test_network_with_a_tunnel_segment_first(tmp_path):
    # the API context gives vlan-net a vxlan segment (VNI 1500) ahead of its
    # vlan one (context edited in one place): the port row names both, and
    # the vlan segment's translation is still read on every host
    # kills trace _api_hops mutant 4 (the segments joined by "XX, XX") and
    # _translation_probes mutant 19 (no probe planned after a tunnel
    # segment)
    trace, healthy = _vlan_trace(tmp_path, _another_segment_first(dict(
        network_type="vxlan", physical_network=None, segmentation_id=1500)))
    port = healthy[0][:4] + (PORT_ROW.format(
        ips="198.18.16.39", segments="vxlan 1500, vlan 2113 on physnet1"),
        Status.OK)
    assert _rows(trace) == [port] + healthy[1:]
    assert (trace.findings, trace.exit_code) == ((), exitcodes.OK)


def test_network_with_an_unmapped_segment_first(tmp_path):
    # the API context gives vlan-net a flat segment on physnet9, which no
    # agent maps, ahead of its vlan one (context edited in one place): the
    # vlan segment's translation is still read on every host
    # kills trace _translation_probes mutant 25 (no probe planned after an
    # unmapped segment)
    trace, healthy = _vlan_trace(tmp_path, _another_segment_first(dict(
        network_type="flat", physical_network="physnet9",
        segmentation_id=None)))
    assert _rows(trace)[1:] == healthy[1:]
    assert (trace.findings, trace.exit_code) == ((), exitcodes.OK)


def test_port_with_two_addresses_lists_both(tmp_path):
    # the API context gives the port a second address on its subnet,
    # 198.18.16.99 (context edited in one place)
    # kills trace _api_hops mutant 35 (the addresses joined by "XX, XX")
    def second_ip(data):
        fixed_ips = data["port"]["fixed_ips"]
        fixed_ips.append([fixed_ips[0][0], "198.18.16.99"])
    trace, healthy = _vlan_trace(tmp_path, second_ip)
    assert _rows(trace)[0] == healthy[0][:4] + (PORT_ROW.format(
        ips="198.18.16.39, 198.18.16.99",
        segments="vlan 2113 on physnet1"), Status.OK)


def test_dhcp_off_without_dhcp_agent_is_no_fault(tmp_path):
    # the API context: the port's subnet has DHCP off and no DHCP agent
    # hosts the network (edited in one place: the subnet's enable_dhcp, the
    # agents and ports the API then lists for it): nothing to host, no
    # finding; the row says why no DHCP hop follows
    # kills trace evaluate mutant 37 (NETDIAG_DHCP_NOT_HOSTED raised when
    # DHCP is off) and _api_hops mutants 155 to 159 (the row's detail
    # spelled otherwise)
    def dhcp_off(data):
        for subnet in data["subnets"]:
            subnet["enable_dhcp"] = False
        data.update(dhcp_agents=[], dhcp_ports=[])
    trace, healthy = _vlan_trace(tmp_path, dhcp_off)
    network = "3e2b7484-02f6-43f9-98e7-87a1ff51eff8"
    assert _rows(trace)[:2] == [healthy[0], (
        "api", network, "dhcp", "disabled", "DHCP is off on the port's "
        "subnets: no qdhcp- namespace or dnsmasq serves this port",
        Status.SKIP)]
    assert (trace.findings, trace.exit_code) == ((), exitcodes.OK)


def test_router_host_without_agent_keeps_qg_on_br_int(tmp_path):
    # the API context lists no Open vSwitch agent on network1 (its entry
    # keyed by network9): qg- is still judged on br-int, where it is
    # plugged, not as the external-bridge layout
    # kills trace _external_hops mutants 22 and 23 (the integration bridge
    # misnamed when there is no agent)
    trace, healthy = _vlan_trace(tmp_path, lambda data: data[
        "ovs_agents"].update(network9=data["ovs_agents"].pop("network1")))
    qg = "qg-4ed7e451-34"
    assert [r for r in _rows(trace) if r[1] == qg] == [
        ("network1", qg, "gateway-port", "UP",
         "in qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d: 198.19.0.56/24, "
         "198.19.0.43/32", Status.OK),
        ("network1", qg, "ovs-port", "tag 8", "on br-int, ofport 23, local "
         "VLAN 8, iface-id and attached-mac match the port", Status.OK)]
    assert [(f.code, f.subject) for f in trace.findings] == [
        ("NETDIAG_AGENT_MISSING", "network1"),
        ("NETDIAG_OVS_NO_MAPPING", "network1:physnet1"),
        ("NETDIAG_OVS_NO_MAPPING", "network1:public")]
    assert trace.exit_code == ERROR_FINDING


def _dhcp_agent_on_compute1(first):
    """A context edit: compute1 gets a copy of network1's DHCP agent,
    listed before or after it. compute1's recording holds no DHCP probe,
    so its DHCP rows read "not in capture" (SKIP): only that they are
    there, and in which order, is asserted.
    """
    def change(data):
        agent = dict(data["dhcp_agents"][0], host="compute1")
        data["dhcp_agents"].insert(0 if first else 1, agent)
    return change


def test_compute_host_serving_dhcp_first_still_judges_network1(tmp_path):
    # vlan-healthy, the API context listing a DHCP agent on compute1 first
    # (the compute host, where the port is): network1 is judged after it,
    # row for row as in the recording
    # kills trace evaluate mutant 26 (the loop left after the compute host)
    trace, healthy = _vlan_trace(tmp_path, _dhcp_agent_on_compute1(True))
    rows = _rows(trace)
    assert [r for r in rows if r[0] == "network1"] == [
        r for r in healthy if r[0] == "network1"]
    assert [r[:3] for r in rows if r[0] == "compute1"][-2:] == [
        ("compute1", "qdhcp-3e2b7484-02f6-43f9-98e7-87a1ff51eff8",
         "namespace"), ("compute1", "dnsmasq", "dhcp-server")]


def test_unreachable_network_node_first_still_judges_the_next_host(
        tmp_path):
    # vlan-network-node-unreachable (network1 refuses SSH), the API context
    # listing a second DHCP agent on compute1 after network1's: compute1's
    # DHCP hops follow network1's SKIP row
    # kills trace evaluate mutant 30 (the loop left after an unreadable
    # host)
    capture = EditedCapture(SCENARIOS / "vlan-network-node-unreachable",
                            tmp_path)
    capture.edit_context(_dhcp_agent_on_compute1(False))
    trace = trace_of(capture)
    assert [r[:4] for r in _rows(trace)][-3:] == [
        ("network1", "network1", "host", "unreachable"),
        ("compute1", "qdhcp-3e2b7484-02f6-43f9-98e7-87a1ff51eff8",
         "namespace", "error"),
        ("compute1", "dnsmasq", "dhcp-server", "error")]
    assert [f.code for f in trace.findings][0] == "NETDIAG_HOST_UNREADABLE"


def test_dvr_agent_off_the_path_listed_first_still_judges_snat(tmp_path):
    # dvr-lab-dvr2-snat-healthy (compute2's port, SNAT on network1), the
    # API context with DHCP off on the subnet and the router's L3 agents
    # listing a dvr agent on compute1 (off this port's path, not probed)
    # ahead of network1's: network1's SNAT side is judged all the same
    # kills trace evaluate mutant 28 (the loop left at a host not probed)
    capture = EditedCapture(SCENARIOS / "dvr-lab-dvr2-snat-healthy",
                            tmp_path)

    def change(data):
        for subnet in data["subnets"]:
            subnet["enable_dhcp"] = False
        agents = data["router"]["l3_agents"]
        agents.insert(0, dict(agents[0], host="compute1"))
    capture.edit_context(change)
    trace = trace_of(capture)
    assert [(r[1], r[2]) for r in _rows(trace) if r[0] == "network1"] == [
        ("br-tun table=22", "flow"), ("vxlan-c612010b", "tunnel"),
        ("vxlan-c612010c", "tunnel"), ("br-tun tun_id=0x729", "flow"),
        ("patch-tun<->patch-int", "patch"), ("sg-2e9c7047-a3", "ovs-port"),
        ("snat-5e7a3540-66f9-42f6-bba7-e858c212b4fa", "namespace"),
        ("sg-2e9c7047-a3", "snat-port"), ("qg-f94bbb6d-c0", "gateway-port"),
        ("default route", "route"), ("SNAT 198.19.0.26", "nat-rule"),
        ("qg-f94bbb6d-c0", "ovs-port"), ("br-int table=0", "flow"),
        ("int-br-ex<->phy-br-ex", "patch"), ("br-ex table=2", "flow"),
        ("eth3", "nic")]
    assert (trace.findings, trace.exit_code) == ((), exitcodes.OK)


def test_ha_router_active_here_needs_its_gateway_address(tmp_path):
    # single-vlan-qg-address-missing (qg- on aio1 lacks 198.19.0.58), the
    # API context making the router HA with aio1's agent "active" (edited
    # in one place): the active side must hold the address, so it is an
    # error as for a router without HA
    # kills trace _router_hops mutants 10 and 11 (the active agent taken
    # for a standby one, whose qg- holds no address)
    capture = EditedCapture(SCENARIOS / "single-vlan-qg-address-missing",
                            tmp_path)

    def active(data):
        data["router"]["ha"] = True
        data["router"]["l3_agents"][0]["ha_state"] = "active"
    capture.edit_context(active)
    trace = trace_of(capture)
    qrouter = "qrouter-b1ec2f03-b3d8-4bf3-8c79-ec52f46a5dc3"
    assert [r for r in _rows(trace) if r[2] == "gateway-port"] == [(
        "aio1", "qg-7e858eff-c3", "gateway-port", "broken",
        f"in {qrouter}: 198.19.0.70/32; missing 198.19.0.58",
        Status.ERROR)]
    assert [(f.code, f.summary) for f in trace.findings][1:] == [(
        "NETDIAG_ROUTER_DEVICE_BROKEN",
        f"qg-7e858eff-c3 in {qrouter} on aio1: missing 198.19.0.58")]
    assert trace.exit_code == ERROR_FINDING


def test_tunnel_network_without_router(tmp_path):
    # vxlan-healthy, the API context without the router (edited in one
    # place: "router" null, as for a network no router is attached to):
    # the compute host and network1's DHCP side only, all healthy
    # kills trace plan mutants 38 and 39 (the router's distributed flag
    # read when there is no router), _l3_hosts mutant 2, _api_hops mutant
    # 162 and evaluate mutant 51 (the router's L3 agents read when there
    # is none)
    capture = EditedCapture(SCENARIOS / "vxlan-healthy", tmp_path)
    capture.edit_context(lambda data: data.update(router=None))
    trace = trace_of(capture)
    assert [r[:3] for r in _rows(trace)[1:]] == [
        ("compute1", "tapa5bfc8b1-af", "tap"),
        ("compute1", "tapa5bfc8b1-af", "ovs-port"),
        ("compute1", "patch-tun<->patch-int", "patch"),
        ("compute1", "br-tun tun_id=0x50f", "flow"),
        ("compute1", "br-tun table=22", "flow"),
        ("compute1", "vxlan-c612010c", "tunnel"),
        ("compute1", "vxlan-c612010d", "tunnel"),
        ("network1", "br-tun table=22", "flow"),
        ("network1", "vxlan-c612010b", "tunnel"),
        ("network1", "vxlan-c612010c", "tunnel"),
        ("network1", "br-tun tun_id=0x50f", "flow"),
        ("network1", "patch-tun<->patch-int", "patch"),
        ("network1", "tap6bdcf039-02", "ovs-port"),
        ("network1", "qdhcp-71ad6b9d-4f87-4d0a-b1aa-7f00ba686a0b",
         "namespace"),
        ("network1", "tap6bdcf039-02", "dhcp-port"),
        ("network1", "dnsmasq", "dhcp-server")]
    assert {r[5] for r in _rows(trace)} == {Status.OK}
    assert (trace.findings, trace.exit_code) == ((), exitcodes.OK)


def test_fg_missing_is_a_broken_dvr_device(fip):
    # fg- is gone from fip- (ip -j addr edited in one field: its name
    # fg-1c137009-37 -> fg-1c137009-38)
    # kills dvr_fip _check_agent_gateway mutants 23 and 24 (the code of a
    # broken fg- spelled otherwise)
    fg = "fg-1c137009-37"
    fip.edit(fip.host, f"ns-addr:{fip.fip_ns}",
             lambda links: _link(links, fg).update(ifname="fg-1c137009-38"))
    trace = fip.trace()
    assert _fip_rows(trace) == HEALTHY[:5] + [
        (fg, "fip-gateway-port", "absent", f"not in {FIP_NS}",
         Status.ERROR)] + HEALTHY[6:]
    assert _findings(trace) == [(
        "NETDIAG_DVR_DEVICE_BROKEN", f"compute1:{fg}",
        f"{fg} is missing from {FIP_NS} on compute1",
        f"{fg} in {FIP_NS} on compute1 is missing, down or lacks its "
        f"address: {RESTART}")]
    assert trace.exit_code == ERROR_FINDING
