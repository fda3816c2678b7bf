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

"""The SNAT route of a distributed router and the causes of a failed
binding, every field as an operator reads it.

``dvr-lab-dvr2-snat-healthy`` (dvr2 on compute2, no floating IP: the
subnet 198.18.18.0/24 has its rule to table 3323073025, whose default
route goes via the sg- port 198.18.18.77 dev qr-d8dfbf75-d2) and
``single-vlan-healthy`` are copied and edited in the place each test
names. The expected texts were read off the recordings by hand.
"""

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.models import Evidence
from osc_netdiag.models import Status
from tests.unit.edited import EditedCapture
from tests.unit.mutation.test_dvr_fip_binding_rows import _failed_gateway
from tests.unit.mutation.test_dvr_fip_binding_rows import QR
from tests.unit.mutation.test_dvr_fip_binding_rows import QROUTER
from tests.unit.test_trace_dvr import _link
from tests.unit.test_trace_dvr import _route
from tests.unit.test_trace_dvr import Dvr
from tests.unit.test_trace_dvr import FIP_SCENARIO
from tests.unit.test_trace_dvr import SCENARIOS
from tests.unit.test_trace_dvr import SNAT_SCENARIO
from tests.unit.test_trace_faults import trace_of

OK, ERROR_FINDING = exitcodes.OK, exitcodes.ERROR_FINDING
TABLE = "3323073025"
CIDR = "198.18.18.0/24"
RULE_EVIDENCE = f"ip netns exec {QROUTER} /usr/sbin/ip -j rule show"
ROUTE_EVIDENCE = f"ip netns exec {QROUTER} /usr/sbin/ip -j route show table all"
RULE_LINE = f"from 198.18.18.1/24 lookup {TABLE}"
SNAT_OK = ("compute2", f"{CIDR} -> snat", "snat-route", "present",
           f"from {CIDR} lookup {TABLE}: default via 198.18.18.77 dev {QR} "
           "(the SNAT port)", Status.OK)


@pytest.fixture
def snat(tmp_path):
    return Dvr(SNAT_SCENARIO, tmp_path)


def _edit_routes(snat, change):
    snat.edit(snat.host, f"ns-route-all:{snat.qrouter}", change)


def _snat_rows(trace):
    return [(h.host, h.device, h.kind, h.state, h.detail, h.status)
            for h in trace.hops if h.kind == "snat-route"]


def _snat_findings(trace):
    return [(f.code, f.subject, f.summary, f.remedy) for f in trace.findings
            if f.code == "NETDIAG_DVR_SNAT_ROUTE_WRONG"]


def _snat_finding(cidr, found, expected):
    return ("NETDIAG_DVR_SNAT_ROUTE_WRONG", f"compute2:{cidr}",
            f"{QROUTER} on compute2 routes {cidr} {found}, expected default "
            f"via {expected}",
            f"{QROUTER} on compute2 does not send {cidr} to the router's SNAT "
            f"port {expected} ({found}): instances without a floating IP on "
            "compute2 cannot reach outside. restart neutron-l3-agent on "
            "compute2 (it rebuilds the router there).")


def _wrong_row(cidr, found, expected):
    return ("compute2", f"{cidr} -> snat", "snat-route", "wrong",
            f"{found}; expected default via {expected}", Status.ERROR)


def test_subnet_table_via_another_address_whole_finding_and_evidence(snat):
    # table 3323073025's default route goes via 198.18.18.99, not the sg-
    # port 198.18.18.77 (ip -j route edited in one field: gateway)
    # kills trace_dvr _check_snat_route mutants 92, 93, 94, 95, 96 (a
    # field of the finding None: the remedy says "None"), 100, 101, 102,
    # 103, 104 (a field left out: the remedy says "<field>") and 121 (the
    # wrong row without its evidence)
    _edit_routes(snat, lambda routes: _route(routes, table=TABLE).update(
        gateway="198.18.18.99"))
    trace = snat.trace()
    found = f"via 198.18.18.99 dev {QR} table {TABLE}"
    expected = f"198.18.18.77 dev {QR}"
    assert _snat_findings(trace) == [_snat_finding(CIDR, found, expected)]
    [row] = [h for h in trace.hops if h.kind == "snat-route"]
    assert (row.host, row.device, row.kind, row.state, row.detail,
            row.status) == _wrong_row(CIDR, found, expected)
    assert row.evidence == (
        Evidence("compute2", RULE_EVIDENCE, (RULE_LINE,)),
        Evidence("compute2", ROUTE_EVIDENCE,
                 (f"default via 198.18.18.99 dev {QR} table {TABLE}",)))
    assert trace.exit_code == ERROR_FINDING


def test_subnet_table_without_a_default_route(snat):
    # the sg- port's default route sits in table 3323073026, not in the
    # table 3323073025 the subnet's rule looks up (ip -j route edited in
    # one field: table): the rule is found, its table has no default
    # kills trace_dvr _check_snat_route mutants 45 ("no rule for the
    # subnet" said though the rule is there), 47 (str - str: TypeError),
    # 48, 49 (the text changed) and table_default mutants 3 (next()
    # without a default: StopIteration), 4 and 5 (a default route of
    # another table taken for the rule's)
    _edit_routes(snat, lambda routes: _route(routes, table=TABLE).update(
        table="3323073026"))
    trace = snat.trace()
    found = f"no default route in table {TABLE}"
    expected = f"198.18.18.77 dev {QR}"
    assert _snat_findings(trace) == [_snat_finding(CIDR, found, expected)]
    assert _snat_rows(trace) == [_wrong_row(CIDR, found, expected)]
    assert trace.exit_code == ERROR_FINDING


def test_subnet_table_holding_only_an_ipv6_default(snat):
    # table 3323073025 holds an IPv6 default route (via the router's
    # fe80:: next hop on rfp-, the one the recording has in main) in place
    # of its IPv4 one (one item of ip -j route replaced): IPv4 traffic
    # finds no default there
    # kills trace_dvr table_default mutant 7 (IPv6 routes no longer left
    # out: the IPv6 route taken as the subnet's default)
    def change(routes):
        i = routes.index(_route(routes, table=TABLE))
        routes[i] = dict(_route(routes, gateway="fe80::5ce1:a6ff:fe7e:23a0"),
                         table=TABLE)
    _edit_routes(snat, change)
    trace = snat.trace()
    found = f"no default route in table {TABLE}"
    assert _snat_rows(trace) == [_wrong_row(CIDR, found,
                                            f"198.18.18.77 dev {QR}")]
    assert trace.exit_code == ERROR_FINDING


def test_subnet_table_default_route_without_a_gateway(snat):
    # table 3323073025's default route is on-link ("default dev qr-...",
    # no via: ip -j route edited in one field, gateway removed): not the
    # sg- port, reported, not a crash
    # kills trace_dvr table_default mutant 9 ((gateway and ""): ":" in
    # None, a TypeError)
    _edit_routes(snat, lambda routes: _route(routes, table=TABLE).pop(
        "gateway"))
    trace = snat.trace()
    assert [(f.code, f.subject) for f in trace.findings] == [
        ("NETDIAG_DVR_SNAT_ROUTE_WRONG", f"compute2:{CIDR}")]
    assert [(h.device, h.state, h.status) for h in trace.hops
            if h.kind == "snat-route"] == [
                (f"{CIDR} -> snat", "wrong", Status.ERROR)]
    assert trace.exit_code == ERROR_FINDING


def test_ipv6_subnet_of_a_dual_stack_port_is_skipped_not_the_end(snat):
    # the port also has an IPv6 subnet, listed first (the API context's
    # subnets edited in one place): IPv6 is routed, not SNATed, so only
    # the IPv4 subnet's route is checked, and it still is
    # kills trace_dvr _check_snat_route mutants 5 (the IPv6 subnet
    # checked: "no rule for the subnet") and 7 (break: the IPv4 subnet
    # after it never checked)
    snat.capture.edit_context(lambda data: data["subnets"].insert(0, {
        "cidr": "2001:db8:18::/64", "enable_dhcp": False,
        "gateway_ip": "2001:db8:18::1",
        "id": "6a1c4d2e-0b6f-4f55-9d6e-7c1b2a3f4e56"}))
    trace = snat.trace()
    assert _snat_rows(trace) == [SNAT_OK]
    assert (trace.exit_code, trace.findings) == (OK, ())


def test_second_ipv4_subnet_is_checked_after_a_good_one(snat):
    # the port has an address on a second IPv4 subnet 198.18.19.0/24 too
    # (the API context's subnets edited in one place), which has no rule
    # and no SNAT port: the first subnet's route is good, the second's is
    # reported with the placeholder for the SNAT port
    # kills trace_dvr _check_snat_route mutants 81 (break after the first
    # good subnet), 87 and 88 (the "<sg- port>" placeholder changed)
    snat.capture.edit_context(lambda data: data["subnets"].append({
        "cidr": "198.18.19.0/24", "enable_dhcp": False,
        "gateway_ip": "198.18.19.1",
        "id": "0d3e5f7a-1c2b-4e8d-9f6a-5b4c3d2e1f0a"}))
    trace = snat.trace()
    found, expected = "no rule for the subnet", f"<sg- port> dev {QR}"
    assert _snat_rows(trace) == [
        SNAT_OK, _wrong_row("198.18.19.0/24", found, expected)]
    assert _snat_findings(trace) == [
        _snat_finding("198.18.19.0/24", found, expected)]
    assert trace.exit_code == ERROR_FINDING


def test_snat_port_with_two_addresses_on_the_subnet_names_both(snat):
    # the API shows the router's SNAT port with two addresses on the
    # subnet, 198.18.18.70 and 198.18.18.71, neither the .77 table
    # 3323073025 routes to (the context's snat port fixed_ips edited in
    # one field)
    # kills trace_dvr _check_snat_route mutants 85 and 86 (the " or "
    # between the addresses changed)
    def change(data):
        [port] = data["router"]["snat_ports"]
        sid = data["subnets"][0]["id"]
        port["fixed_ips"] = [[sid, "198.18.18.70"], [sid, "198.18.18.71"]]
    snat.capture.edit_context(change)
    trace = snat.trace()
    found = f"via 198.18.18.77 dev {QR} table {TABLE}"
    expected = f"198.18.18.70 or 198.18.18.71 dev {QR}"
    assert _snat_findings(trace) == [_snat_finding(CIDR, found, expected)]
    assert _snat_rows(trace) == [_wrong_row(CIDR, found, expected)]
    assert trace.exit_code == ERROR_FINDING


def test_qr_with_another_mac_whole_finding(tmp_path):
    # dvr-lab-distributed-router-healthy: qr- in qrouter- on compute1
    # carries fa:16:3e:00:00:01, not the interface port's MAC (ip -j addr
    # edited in one field: address)
    # kills trace_dvr _check_qr_mac mutants 6 (subject None), 7 (summary
    # None), 8 (host None: the remedy says "None") and the other fields of
    # the finding the remedy is written from
    fip = Dvr(FIP_SCENARIO, tmp_path)
    fip.edit(fip.host, f"ns-addr:{fip.qrouter}",
             lambda links: _link(links, fip.qr).update(
                 address="fa:16:3e:00:00:01"))
    trace = fip.trace()
    found = (f"{QR} in {QROUTER} on compute1 has MAC fa:16:3e:00:00:01, the "
             "router interface port")
    assert [(f.code, f.subject, f.summary, f.remedy)
            for f in trace.findings] == [(
                "NETDIAG_DVR_QR_MAC_WRONG", f"compute1:{QR}",
                f"{found} d8dfbf75-d231-4c26-b002-40bd835d4e28 has "
                "fa:16:3e:6f:70:9d",
                f"{found}'s is fa:16:3e:6f:70:9d: instances on compute1 ARP "
                "for the gateway and get an address no flow expects. restart "
                "neutron-l3-agent on compute1 (it rebuilds the router "
                "there).")]
    assert trace.exit_code == ERROR_FINDING


def test_mac_rewrite_to_the_router_mac_row_shows_the_flow(snat):
    # br-tun table 1 on compute2 rewrites the qr- MAC to itself, not to
    # the host's DVR MAC fa:16:3f:e4:08:25 (dump-flows edited in one
    # place): the absent row shows the flow it read
    # kills trace_dvr _check_mac_rewrite mutant 95 (the row without its
    # evidence)
    mac = "fa:16:3e:6f:70:9d"
    snat.capture.replace(snat.host, "flows:br-tun:table=1",
                         "mod_dl_src:fa:16:3f:e4:08:25", f"mod_dl_src:{mac}")
    trace = snat.trace()
    [row] = [h for h in trace.hops if h.kind == "dvr-mac"]
    assert (row.state, row.evidence) == ("absent", (Evidence(
        "compute2", "ovs-ofctl dump-flows br-tun table=1",
        (" cookie=0x7c04a9b3c05982bb, duration=131.785s, table=1, "
         "n_packets=12, n_bytes=1224, idle_age=1981, priority=1,dl_vlan=3,"
         f"dl_src={mac} actions=mod_dl_src:{mac},resubmit(,2)",)),))
    assert trace.exit_code == ERROR_FINDING


# -- failed bindings: the cause read from the agent --------------------------

def test_failed_dhcp_binding_on_a_tunnel_network_names_the_tunnel_type(snat):
    # the DHCP port of dvr-net (vxlan) on network1 failed to bind, and
    # network1's agent lists gre only in tunnel_types (the context edited:
    # the port's vif_type and status, the agent's tunnel_types)
    # kills binding binding_causes mutants 19 (the test inverted: "looks
    # able to bind it") and 20 (the cause None: join of None, TypeError),
    # and check_binding's finding fields (the remedy names port, host,
    # status and causes)
    def change(data):
        data["dhcp_ports"][0].update(vif_type="binding_failed",
                                     status="DOWN")
        data["ovs_agents"]["network1"]["configurations"]["tunnel_types"] = [
            "gre"]
    snat.capture.edit_context(change)
    trace = snat.trace()
    port = "be888ad2-d89c-4e62-b8aa-36440f42c729"
    cause = "the agent on network1 has no vxlan in tunnel_types"
    findings = [(f.code, f.subject, f.summary, f.remedy)
                for f in trace.findings]
    assert findings == [(
        "NETDIAG_PORT_BINDING_FAILED", port,
        f"the DHCP port {port} on network1 could not be bound: "
        f"binding:vif_type binding_failed, status DOWN; likely: {cause}",
        f"Neutron could not bind port {port} on network1 (binding:vif_type "
        "binding_failed, status DOWN); the agent leaves it on the dead VLAN "
        f"4095 and nothing passes. Likely causes: {cause}. Fix the cause, "
        f"then rebind: openstack port set --host network1 {port} (for a "
        "router gateway, unset and set the gateway again; for a DHCP port, "
        "restart neutron-dhcp-agent on network1).")]
    assert [(h.host, h.device, h.kind, h.state, h.detail, h.status)
            for h in trace.hops if h.kind == "binding"] == [(
                "api", port, "binding", "binding_failed",
                f"DHCP port on network1, status DOWN: {cause}",
                Status.ERROR)]
    assert trace.exit_code == ERROR_FINDING


def test_binding_cause_when_the_agent_maps_no_physnet(tmp_path):
    # aio1's agent has no bridge_mappings at all (the context's agent
    # configurations edited in that field): the cause says it maps none
    # kills binding binding_causes mutants 28 and 29 ('none' changed)
    vlan = EditedCapture(SCENARIOS / "single-vlan-healthy", tmp_path)
    conf = dict(vlan.context()["ovs_agents"]["aio1"]["configurations"],
                bridge_mappings={})
    assert _failed_gateway(vlan, configurations=conf) == (
        "the router gateway port 7e858eff-c371-49d5-9d28-7384a397e312 on "
        "aio1 could not be bound: binding:vif_type binding_failed, status "
        "DOWN; likely: the agent on aio1 has no bridge_mappings entry for "
        "physical network public (flat on public; it maps none)")


# -- why a host's way out is needed (layout) ----------------------------------

def _vlan_trace(tmp_path, change_context=None, host_edit=None):
    capture = EditedCapture(SCENARIOS / "single-vlan-healthy", tmp_path)
    if change_context:
        capture.edit_context(change_context)
    if host_edit:
        capture.replace("aio1", *host_edit)
    return trace_of(capture)


def _nic_rows(trace):
    return [(h.host, h.device, h.kind, h.state, h.detail, h.status)
            for h in trace.hops if h.kind == "nic" and
            h.status is not Status.OK]


NIC_ABSENT = ("aio1", "br-eth1", "nic", "absent",
              "no physical port in the bridge", Status.ERROR)


def test_two_other_hosts_carry_the_network(tmp_path):
    # the API shows ports of the VLAN network on compute8 and compute9 too
    # (context: network_hosts edited in one field): aio1's br-eth1 without
    # a NIC cuts them off, said with both names and the plural
    # kills layout physical_path_needed mutants 21 (", " changed), 22,
    # 24, 25 ("carry" changed) and 27 (plural only from three hosts)
    trace = _vlan_trace(tmp_path, lambda d: d.update(
        network_hosts=d["network_hosts"] + ["compute8", "compute9"]))
    assert [(f.code, f.subject, f.summary) for f in trace.findings] == [(
        "NETDIAG_PHYS_NIC_MISSING", "aio1:br-eth1",
        "br-eth1 on aio1 has no physical interface, and compute8, compute9 "
        "also carry it")]
    assert _nic_rows(trace) == [NIC_ABSENT]
    assert trace.exit_code == ERROR_FINDING


def test_provider_network_without_a_router(tmp_path):
    # no Neutron router on the network (context: router edited to null):
    # the subnet's gateway .1 is then a physical router's, so aio1's NIC
    # is needed
    # kills layout _network_hosts mutant 5 (the router's L3 agents read
    # when there is no router: AttributeError) and physical_path_needed
    # mutants 30 (router_ips None: "in None", a TypeError) and 31 (the
    # interface port read on no router)
    trace = _vlan_trace(tmp_path, lambda d: d.update(router=None))
    assert [(f.code, f.subject, f.summary) for f in trace.findings] == [(
        "NETDIAG_PHYS_NIC_MISSING", "aio1:br-eth1",
        "br-eth1 on aio1 has no physical interface, and subnet "
        "198.18.16.0/24's gateway 198.18.16.1 is not a Neutron router port")]
    assert _nic_rows(trace) == [NIC_ABSENT]
    assert trace.exit_code == ERROR_FINDING


def test_external_bridge_without_its_nic_names_the_external_network(
        tmp_path):
    # br-ex's NIC eth3 is recorded as an internal port (ovs-vsctl list
    # Interface edited in one field: type "" -> "internal"), so br-ex has
    # no physical interface: the router gateway's network is external,
    # its gateway off the host
    # kills layout physical_path_needed mutants 6 and 7 (the reason's
    # text)
    trace = _vlan_trace(tmp_path, host_edit=(
        "ovs-interfaces", '"eth3","",1,', '"eth3","internal",1,'))
    [finding] = [f for f in trace.findings
                 if f.code == "NETDIAG_PHYS_NIC_MISSING"]
    assert (finding.subject, finding.summary) == (
        "aio1:br-ex", "br-ex on aio1 has no physical interface, and public "
        "is an external network: its gateway is off the host")
    assert ("aio1", "br-ex", "nic", "absent", "no physical port in the "
            "bridge", Status.ERROR) in _nic_rows(trace)
    assert trace.exit_code == ERROR_FINDING
