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

"""Where the sweep of the mutants found them unasserted: the firewall hop
of a trace for an iptables_hybrid port (the driver's name in the row, the
intent handed to the hybrid judge, the evidence of a remote group without
a name), the openvswitch driver's base flows of a port (ND, DHCP, RA and
ingress: flows present but wrong, stale ND sources, address pairs and the
order of their findings), and a legacy router's NAT rows (a rule that matches in all but
one fragment, an IPv6 gateway address, the rows of a missing rule).

The hybrid tests replay the recorded firewall scenario
``hybrid-vxlan2-icmp-allowed`` (compute2), the base flow tests the lab
case ``ingress-tcp22-denied`` (port 142e0e0c-..., ofport 5 on compute1),
the router tests the recorded
router scenario (l3dhcp ``router``, network1), each edited in one place
where a test says so.
"""

import dataclasses
import json
import pathlib
import types

import pytest

from osc_netdiag.backends.ml2_ovs import fw_hop
from osc_netdiag.checks.engine import HostView
from osc_netdiag.checks.engine import Report
from osc_netdiag import exitcodes
from osc_netdiag.models import Evidence
from osc_netdiag.models import Status
from osc_netdiag import secgroups
from osc_netdiag.transport import replay
from tests.unit.firewall import lab_cases as lab
from tests.unit.firewall.test_port_firewall_openvswitch import DENIED
from tests.unit.l3dhcp import scenario
from tests.unit.l3dhcp.test_dhcp_faults import replace_in
from tests.unit.l3dhcp.test_router_faults import check as router_check
from tests.unit.l3dhcp.test_router_faults import FIP
from tests.unit.l3dhcp.test_router_faults import FIXED
from tests.unit.l3dhcp.test_router_faults import UPSTREAM
from tests.unit.mutation.test_fw_ovs_values import DENIED_PORT as PORT
from tests.unit.mutation.test_sweep_fw_ovs_flows import _base
from tests.unit.mutation.test_sweep_fw_ovs_flows import _edits
from tests.unit.mutation.test_sweep_fw_ovs_flows import MAC
from tests.unit.mutation.test_sweep_fw_ovs_flows import RESTART
from tests.unit.mutation.test_sweep_fw_ovs_flows import T71
from tests.unit.mutation.test_sweep_fw_ovs_flows import T81
from tests.unit.mutation.test_sweep_fw_ovs_flows import V6_OWN

HYBRID = pathlib.Path(__file__).parents[2] / "fixtures" / "firewall" / \
    "scenarios" / "hybrid-vxlan2-icmp-allowed"
GROUP = "438e40ab-b36e-419b-ad13-2c3d4fcc2595"
POLICY = ("in: IPv4 any from group default (8 addresses); IPv4 icmp from "
          "0.0.0.0/0; IPv6 any from group default (0 addresses)")


def _hybrid_hop(edit=None):
    """The trace's firewall rows and findings for the recorded hybrid port;
    ``edit(intent)`` changes the API intent (JSON) first.
    """
    data = json.loads((HYBRID / "context.json").read_text())
    if edit:
        edit(data["intent"])
    host = json.loads((HYBRID / "hosts" / "compute2.json").read_text())
    view = HostView("compute2", types.SimpleNamespace(
        error=None, results=[replay.result_from_dict(c)
                             for c in host["commands"]]), [])
    report = Report()
    fw_hop.check(report, types.SimpleNamespace(
        firewall=secgroups.intent_from_json(data["intent"])), view)
    return ([(h.host, h.device, h.kind, h.state, h.detail, h.status,
              h.evidence) for h in report.hops], report.findings)


def test_a_hybrid_ports_firewall_row():
    # kills fw_hop _driver mutants 4 and 5 (the driver's name in the row)
    # and _judge mutant 14 (the hybrid judge given no intent)
    assert _hybrid_hop() == ([(
        "compute2", "firewall", "firewall", "in sync",
        "iptables_hybrid; " + POLICY, Status.OK,
        (Evidence("api", f"openstack security group show {GROUP}",
                  ("name default",)),))], [])


def test_a_remote_group_without_a_name():
    # the port's security group renamed "default" -> "" (Neutron allows
    # an empty name): the row's evidence says "name -"
    # kills fw_hop _group_evidence mutant 20 (the "-" of no name)
    def unnamed(intent):
        intent["security_groups"][0]["name"] = ""
    rows, findings = _hybrid_hop(unnamed)
    assert [row[6] for row in rows] == [(
        Evidence("api", f"openstack security group show {GROUP}",
                 ("name -",)),)]
    assert findings == []


NS = "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d"
SAVE = f"ip netns exec {NS} /usr/sbin/iptables-save -t nat"
FIP_ID = "826b6ea2-912f-42f7-a326-c894943e92b7"
GW_SNAT = ("-A neutron-l3-agent-snat -o qg-4ed7e451-34 -j SNAT --to-source "
           "198.19.0.56 --random-fully")
DNAT = (f"-A neutron-l3-agent-PREROUTING -d {FIP}/32 -j DNAT "
        f"--to-destination {FIXED}")
FLOAT_SNAT = (f"-A neutron-l3-agent-float-snat -s {FIXED}/32 -j SNAT "
              f"--to-source {FIP} --random-fully")


def _present(device, text):
    return ("network1", device, "present", text, Status.OK,
            (Evidence("network1", SAVE, (text,)),))


def _absent(device, expected):
    return ("network1", device, "absent", f"expected {expected}",
            Status.ERROR, (Evidence("network1", SAVE, ()),))


def _nat(result):
    return [(r.host, r.device, r.state, r.detail, r.status, r.evidence)
            for r in result.rows if r.kind == "nat-rule"]


def _missing(result):
    return [(f.code, f.subject, f.summary, f.remedy)
            for f in result.findings]


def _remedy(expected):
    return (f"The nat table of the router namespace on network1 lacks "
            f"'{expected}': restart neutron-l3-agent on network1 (it "
            f"rebuilds the router's iptables); if it stays missing, check "
            f"the agent's log for {FIP_ID}.")


def test_a_dnat_rule_of_another_floating_ip(tmp_path):
    # nat table: PREROUTING's DNAT to the fixed IP matches -d 198.19.0.44,
    # not the floating IP 198.19.0.43 (the OUTPUT chain's copy still does)
    # kills nat check_nat mutant 81 (-d not matched), 66 and 67 (the
    # expected text of a router without an rfp-), _nat_row 69 (the ERROR
    # row's evidence)
    expected = f"-d {FIP}/32 -j DNAT --to-destination {FIXED}"
    result = router_check(tmp_path, replace_in(
        "ns-iptables", f"-A neutron-l3-agent-PREROUTING -d {FIP}/32",
        "-A neutron-l3-agent-PREROUTING -d 198.19.0.44/32"))
    assert _nat(result) == [
        _present("SNAT 198.19.0.56", GW_SNAT),
        _absent(f"DNAT {FIP}", expected),
        _present(f"SNAT {FIXED}", FLOAT_SNAT)]
    assert _missing(result) == [(
        "NETDIAG_ROUTER_NAT_RULE_MISSING", f"network1:DNAT {FIP}",
        f"no '{expected}' rule in the router namespace's nat table on "
        "network1", _remedy(expected))]


def test_a_float_snat_rule_of_another_fixed_ip(tmp_path):
    # nat table: float-snat's SNAT to the floating IP matches -s
    # 198.18.16.93, not the fixed IP 198.18.16.39
    # kills nat check_nat mutant 100 (-s not matched) and 139 (the
    # floating IP's ID in the remedy)
    expected = f"-s {FIXED}/32 -j SNAT --to-source {FIP}"
    result = router_check(tmp_path, replace_in(
        "ns-iptables", f"-A neutron-l3-agent-float-snat -s {FIXED}/32",
        "-A neutron-l3-agent-float-snat -s 198.18.16.93/32"))
    assert _nat(result) == [
        _present("SNAT 198.19.0.56", GW_SNAT),
        _present(f"DNAT {FIP}", DNAT),
        _absent(f"SNAT {FIXED}", expected)]
    assert _missing(result) == [(
        "NETDIAG_ROUTER_NAT_RULE_MISSING", f"network1:SNAT {FIXED}",
        f"no '{expected}' rule in the router namespace's nat table on "
        "network1", _remedy(expected))]


def test_an_ipv6_gateway_address_listed_first_has_no_nat(tmp_path):
    # the API context: the gateway port gets an IPv6 fixed IP, listed
    # before its IPv4 one (a dual-stack external network); the recording's
    # qg- lacks that address (a finding of its own), no NAT is expected
    # for it, and the IPv4 address's SNAT is still checked
    # kills nat check_nat mutant 20 (IPv6 taken for NAT) and 22 (the loop
    # left at the IPv6 address)
    context = scenario.load_context("router")
    gateway = dataclasses.replace(context.gateway, fixed_ips=(
        ("6a3c1e1e-5b1b-4c4e-9a52-0d3c2f0e5a11", "2001:db8::56"),)
        + tuple(context.gateway.fixed_ips))
    result = router_check(tmp_path, context=dataclasses.replace(
        context, gateway_ips=(UPSTREAM,), gateway=gateway))
    assert _nat(result) == [
        _present("SNAT 198.19.0.56", GW_SNAT),
        _present(f"DNAT {FIP}", DNAT),
        _present(f"SNAT {FIXED}", FLOAT_SNAT)]
    assert [f.code for f in result.findings] == [
        "NETDIAG_ROUTER_DEVICE_BROKEN"]


# -- fw_ovs_base: the port's base flows (lab case ingress-tcp22-denied) -----

def _findings(result):
    return [(f.code, f.subject, f.summary, f.remedy) for f in result.findings]


def _nd_missing(address, what, lacking):
    return ("NETDIAG_FW_OF_ND_MISSING", f"compute1:{PORT}:nd:{address}",
            f"table 71 on compute1 lacks the IPv6 neighbour discovery "
            f"flows of port {PORT}'s {what} {address} (MAC {MAC}): "
            f"{lacking}",
            f"Port {PORT}'s IPv6 neighbour discovery for {address} (MAC "
            f"{MAC}) lacks {lacking} on compute1: its neighbours cannot "
            "resolve (or it cannot announce) that address, and IPv6 "
            f"traffic to it fails. {RESTART}")


def _dhcp_missing(protocol, address):
    return ("NETDIAG_FW_OF_DHCP_CLIENT_MISSING",
            f"compute1:{PORT}:dhcp-client:{address}",
            f"table 71 on compute1 has no flow letting port {PORT} send "
            f"{protocol} requests from {address} (MAC {MAC})",
            f"compute1 has no flow letting port {PORT} send {protocol} "
            f"requests from {address}: the instance gets no address (or "
            f"lease renewal) that way. {RESTART}")


def test_nd_flows_from_two_sources_the_api_does_not_give(tmp_path):
    # table 71: the port's ND flows of types 130 and 135 match ipv6_src
    # 2001:db8::5 and 2001:db8::10, not its link-local address: present,
    # wrong, and two stale sources (listed in text order, ::10 first)
    # kills fw_ovs_base _check_nd mutants 60, 62, 63 (stale ND sources not
    # read) and 65, 67 (the stale ones sorted as text)
    own = f"ipv6_src={V6_OWN},icmp_type="
    result = lab.run(DENIED, tmp_path, {T71: _edits(
        (f"{own}130", "ipv6_src=2001:db8::5,icmp_type=130"),
        (f"{own}135", "ipv6_src=2001:db8::10,icmp_type=135"))},
        packet=None)
    stale = [("NETDIAG_FW_OF_ND_STALE", f"compute1:{PORT}:nd:{address}",
              f"port {PORT} may answer IPv6 neighbour discovery for "
              f"{address} on compute1, which the API does not give it")
             for address in ("2001:db8::10", "2001:db8::5")]
    assert [f[:3] for f in _findings(result)] == [_nd_missing(
        V6_OWN, "link-local address",
        "ICMPv6 type 130, ICMPv6 type 135")[:3]] + stale
    assert _base(result) == (
        "wrong", f"ND of {V6_OWN} missing; ND of 2001:db8::10 not in the "
        "API; ND of 2001:db8::5 not in the API", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_two_ipv6_address_pairs_without_their_flows(tmp_path):
    # the API: the port gets allowed address pairs 2001:db8::5 and
    # 2001:db8::10 with its own MAC; the recorded table 71 has no flow for
    # them: their ND and DHCPv6 flows are missing, in text order (::10
    # first)
    # kills fw_ovs_base sources mutants 9, 11, 13, 14 (what a pair is
    # called), _check_nd mutants 14, 16 and _check_dhcp_ra mutants 28, 30
    # (sorted as text), _check_dhcp_ra 41, 42, 46, 47, 48 (the remedy's
    # protocol, address, host and port)
    def pairs(data):
        data["port.json"]["port"]["allowed_address_pairs"] = [
            {"ip_address": "2001:db8::5", "mac_address": MAC},
            {"ip_address": "2001:db8::10", "mac_address": MAC}]
    result = lab.run(DENIED, tmp_path, packet=None, edit_api=pairs)
    base = ("NETDIAG_FW_OF_ND_MISSING", "NETDIAG_FW_OF_DHCP_CLIENT_MISSING")
    nd = "ICMPv6 type 130, ICMPv6 type 133, ICMPv6 type 135, neighbour " \
        "advertisement (nd_target={})"
    assert [f for f in _findings(result) if f[0] in base] == [
        _nd_missing(a, "allowed address pair", nd.format(a))
        for a in ("2001:db8::10", "2001:db8::5")] + [
        _dhcp_missing("DHCPv6", a) for a in ("2001:db8::10", "2001:db8::5")]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_a_dhcp_request_flow_to_the_wrong_port(tmp_path):
    # table 71: the DHCP request flow of 198.18.17.51 matches tp_dst=68,
    # not 67: present, and wrong
    # kills fw_ovs_base _egress_key mutant 56 (any flow with a source
    # taken for a DHCP request flow)
    result = lab.run(DENIED, tmp_path, {T71: _edits(
        ("nw_src=198.18.17.51,tp_src=68,tp_dst=67",
         "nw_src=198.18.17.51,tp_src=68,tp_dst=68"))}, packet=None)
    assert _findings(result) == [_dhcp_missing("DHCP", "198.18.17.51")]
    assert _base(result) == (
        "wrong", "DHCP requests from 198.18.17.51 dropped", Status.ERROR)


def test_dhcpv6_and_ra_drop_flows_of_other_packets(tmp_path):
    # table 71: the drop of the port's DHCPv6 replies matches tp_src=546
    # (not 547), the drop of its router advertisements icmp_type=133 (not
    # 134): present, and wrong
    # kills fw_ovs_base _egress_key mutants 81 and 94 (any udp6 or icmp6
    # drop taken for these)
    result = lab.run(DENIED, tmp_path, {T71: _edits(
        ("tp_src=547,tp_dst=546 actions=resubmit(,93)",
         "tp_src=546,tp_dst=546 actions=resubmit(,93)"),
        ("icmp_type=134 actions=resubmit(,93)",
         "icmp_type=133 actions=resubmit(,93)"))}, packet=None)
    assert [f[:2] for f in _findings(result)] == [
        ("NETDIAG_FW_OF_DHCP_SPOOF_MISSING", f"compute1:{PORT}:dhcpv6"),
        ("NETDIAG_FW_OF_RA_SPOOF_MISSING", f"compute1:{PORT}:ra")]


def test_ingress_nd_and_dhcpv6_flows_at_another_priority(tmp_path):
    # table 81: the port's ICMPv6 type 135 and DHCPv6 reply flows at
    # priority 90, not 100 and 95: present, and wrong
    # kills fw_ovs_base _ingress_key mutants 14 and 37 (the priority not
    # required)
    result = lab.run(DENIED, tmp_path, {T81: _edits(
        ("priority=100,icmp6,reg5=0x5,icmp_type=135",
         "priority=90,icmp6,reg5=0x5,icmp_type=135"),
        ("priority=95,udp6,reg5=0x5,tp_src=547",
         "priority=90,udp6,reg5=0x5,tp_src=547"))}, packet=None)
    assert [f[:3] for f in _findings(result)] == [(
        "NETDIAG_FW_OF_INGRESS_BASE_MISSING", f"compute1:{PORT}:ingress-base",
        f"table 81 on compute1 does not let ICMPv6 type 135, DHCPv6 "
        f"replies reach port {PORT}")]


def test_an_ingress_udp6_flow_from_another_port(tmp_path):
    # table 81: the port's DHCPv6 reply flow matches tp_src=546, not 547
    # kills fw_ovs_base _ingress_key mutant 38 (udp6 port not required)
    result = lab.run(DENIED, tmp_path, {T81: _edits(
        ("priority=95,udp6,reg5=0x5,tp_src=547",
         "priority=95,udp6,reg5=0x5,tp_src=546"))}, packet=None)
    assert [f[:3] for f in _findings(result)] == [(
        "NETDIAG_FW_OF_INGRESS_BASE_MISSING", f"compute1:{PORT}:ingress-base",
        f"table 81 on compute1 does not let DHCPv6 replies reach port "
        f"{PORT}")]


# -- fw_ovs_flows: a rule of ICMP type and code (lab case
# ingress-icmp-allowed) ------------------------------------------------------

def test_an_icmp_rule_of_type_and_code_in_sync(tmp_path):
    # two edits that together are what Neutron installs for an ICMP rule
    # with a type and a code: the API's ingress ICMP rule gets type 8,
    # code 0 (port_range_min/max), and its two table 82 flows match
    # icmp_type=8,icmp_code=0 at priority 77 (70 + 4 + 3) instead of 75
    # kills fw_ovs_flows flow_key mutants 24-27, 36, 44, 63, 65 (the
    # flow's code not read) and rule_keys 44, 52 (the rule's code left
    # out): either side without the code is out of sync
    def type_and_code(data):
        for name, body in data.items():
            if name.startswith("security-group-"):
                for rule in body["security_group"]["security_group_rules"]:
                    if rule["protocol"] == "icmp":
                        rule["port_range_min"] = 8
                        rule["port_range_max"] = 0
    flows = [(f"priority=75,ct_state={state},icmp,reg5=0x5 actions",
              f"priority=77,ct_state={state},icmp,reg5=0x5,icmp_type=8,"
              "icmp_code=0 actions")
             for state in ("+est-rel-rpl", "+new-est")]
    result = lab.run("ingress-icmp-allowed", tmp_path,
                     {"flows:br-int:table=82,reg5=5": _edits(*flows)},
                     packet=None, edit_api=type_and_code)
    assert [(r.state, r.detail, r.status) for r in result.rows
            if r.device == "85a380fa-85c1-49d9-9437-134e3dad573a"] == [
        ("default", "ingress IPv4 icmp type 8 code 0 from 0.0.0.0/0",
         Status.OK),
        ("installed", "ingress IPv4 icmp type 8 code 0 from 0.0.0.0/0: "
         "table 82 priority 77", Status.OK)]
    assert result.findings == ()
    assert result.exit_code == exitcodes.OK


def test_the_link_local_anti_spoofing_flow_for_another_address(tmp_path):
    # table 71: the port's anti-spoofing flow of its link-local address
    # matches ipv6_src fe80::f816:3eff:feb7:78cf (not :78ce): present,
    # wrong, and the finding names the address as the API calls it
    # kills fw_ovs_flows allowed_sources mutants 21, 23, 26, 27 (what the
    # link-local address is called)
    ours = f"priority=65,ipv6,reg5=0x5,in_port=5,dl_src={MAC},ipv6_src="
    result = lab.run(DENIED, tmp_path, {T71: _edits(
        (f"{ours}{V6_OWN}", f"{ours}fe80::f816:3eff:feb7:78cf"))},
        packet=None)
    assert [f[:3] for f in _findings(result)][0] == (
        "NETDIAG_FW_OF_SPOOF_MISSING", f"compute1:{PORT}:{V6_OWN}",
        f"no anti-spoofing flow lets port {PORT} send from {V6_OWN} "
        f"(link-local address, MAC {MAC}) on compute1")
    (row,) = [r for r in result.rows if r.device == "anti-spoofing"]
    assert (row.state, row.detail, row.status) == (
        "wrong", f"2 source(s) allowed: 198.18.17.51 ({MAC}), {V6_OWN} "
        f"({MAC}); link-local address {V6_OWN} missing; "
        "fe80::f816:3eff:feb7:78cf not in the API", Status.ERROR)


def _tcp_rule_ports(low, high):
    """An API edit: the tcp rule of stateless-sl-tcp22 (22-22) gets the
    ports ``low``-``high``.
    """
    def edit(data):
        for name, body in data.items():
            if name.startswith("security-group-"):
                for rule in body["security_group"]["security_group_rules"]:
                    if rule["protocol"] == "tcp":
                        rule["port_range_min"] = low
                        rule["port_range_max"] = high
    return edit


@pytest.mark.parametrize("low,high,ports", [
    # kills fw_ovs_flows rule_keys mutant 16 (a rule of every port
    # compared as None with the flows' port 22: a crash)
    (None, None, ""),
    # kills fw_ovs_flows rule_keys mutant 23 (22-23 taken for port 22
    # alone, which the flows cover)
    (22, 23, " 22-23"),
])
def test_a_tcp_rule_wider_than_its_flows_of_port_22(
        tmp_path, low, high, ports):
    # lab case stateless-sl-tcp22, the API's tcp rule 22-22 -> every port,
    # or 22-23; the recorded table 82 flows match tp_dst=22 only: missing
    rule = "1447570a-78f0-4d09-b5c5-cd53953d6196"
    port = "2af956a2-0b65-4062-9a26-12ea35ffb03b"
    result = lab.run("stateless-sl-tcp22", tmp_path, packet=None,
                     edit_api=_tcp_rule_ports(low, high))
    what = f"ingress IPv4 tcp{ports} from anywhere"
    assert [(r.state, r.detail, r.status) for r in result.rows
            if r.device == rule][1] == (
        "missing", f"{what}: table 82 priority 77; no +est-rel-rpl flow; "
        "no +new-est flow", Status.ERROR)
    assert [(f.code, f.subject, f.summary) for f in result.findings][1] == (
        "NETDIAG_FW_OF_RULE_MISSING", f"compute1:{port}:{rule}",
        f"rule {rule} ({what}) is not installed in table 82 on compute1")
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_a_tcp_range_with_one_masked_flow_of_two(tmp_path):
    # lab case stateless-sl-tcp22, two edits: the API's tcp rule 22-22 ->
    # 22-24, and its table 82 flows tp_dst=22 -> tp_dst=0x16/0xfffe
    # (ports 22 and 23, the first of the two masks Neutron installs for
    # 22-24): port 24's flows are missing
    # kills fw_ovs_flows _ports_of mutant 7 (a masked match read as mask
    # 0: every port)
    rule = "1447570a-78f0-4d09-b5c5-cd53953d6196"
    result = lab.run("stateless-sl-tcp22", tmp_path, {
        "flows:br-int:table=82,reg5=34": lab.replace(
            "tcp,reg5=0x22,tp_dst=22 ", "tcp,reg5=0x22,tp_dst=0x16/0xfffe ")},
        packet=None, edit_api=_tcp_rule_ports(22, 24))
    assert [(r.state, r.detail, r.status) for r in result.rows
            if r.device == rule][1] == (
        "missing", "ingress IPv4 tcp 22-24 from anywhere: table 82 priority "
        "77; no +est-rel-rpl flow; no +new-est flow", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_an_egress_rule_to_a_prefix_in_sync(tmp_path):
    # lab case ingress-icmp-allowed, two edits that together are what
    # Neutron installs for an egress IPv4 rule to 198.18.21.0/24: the
    # API's egress IPv4 rule gets that remote_ip_prefix, and its two table
    # 72 flows match nw_dst=198.18.21.0/24
    # kills fw_ovs_flows flow_key mutants 10, 11 (an egress flow's nw_dst
    # not read)
    rule = "bbc5f276-ea23-4afb-8cfe-98ba4c7738e0"

    def to_prefix(data):
        for name, body in data.items():
            if name.startswith("security-group-"):
                for item in body["security_group"]["security_group_rules"]:
                    if item["id"] == rule:
                        item["remote_ip_prefix"] = "198.18.21.0/24"
    flows = [(f"ct_state={state},ip,reg5=0x5 actions",
              f"ct_state={state},ip,reg5=0x5,nw_dst=198.18.21.0/24 actions")
             for state in ("+est-rel-rpl", "+new-est")]
    result = lab.run("ingress-icmp-allowed", tmp_path,
                     {"flows:br-int:table=72,reg5=5": _edits(*flows)},
                     packet=None, edit_api=to_prefix)
    assert [(r.state, r.detail, r.status) for r in result.rows
            if r.device == rule][1] == (
        "installed", "egress IPv4 any to 198.18.21.0/24: table 72 priority "
        "74", Status.OK)
    assert result.findings == ()
    assert result.exit_code == exitcodes.OK
