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

"""The openvswitch firewall driver's base flows and host verdict: exact
subjects, remedies and details on the dual-stack port ``v6a`` replayed from
the lab (``lab_cases``, recorded by tools/record_firewall_cases). Each
fault edits one recorded flow in one place, said at the edit, leaving it
present but wrong.

Written against surviving mutants of ``backends.ml2_ovs.fw_ovs_base`` and
``fw_ovs_verdict`` (named in the comments), each of which one of these
tests fails.
"""

from osc_netdiag import exitcodes
from osc_netdiag.models import Evidence
from osc_netdiag.models import Status
from tests.unit.firewall import lab_cases as lab
from tests.unit.firewall.test_ovs_ipv6_stateless import FOREIGN6
from tests.unit.firewall.test_ovs_ipv6_stateless import MEMBER
from tests.unit.firewall.test_ovs_ipv6_stateless import OFPORT
from tests.unit.firewall.test_ovs_ipv6_stateless import REG5
from tests.unit.firewall.test_ovs_ipv6_stateless import SPOOFED6
from tests.unit.firewall.test_ovs_ipv6_stateless import T71
from tests.unit.firewall.test_ovs_ipv6_stateless import T81
from tests.unit.firewall.test_ovs_ipv6_stateless import T82
from tests.unit.firewall.test_ovs_ipv6_stateless import V6A_ADDRESS
from tests.unit.firewall.test_port_firewall_openvswitch import DENIED
from tests.unit.firewall.test_port_firewall_openvswitch import MEMBER_RULE
from tests.unit.firewall.test_port_firewall_openvswitch import T60
from tests.unit.firewall.test_port_firewall_openvswitch import T71 as T71_5
DENIED_PORT = "142e0e0c-2cc5-45ec-94ed-77725476eb86"
DENIED_TAP = "tap142e0e0c-2c"
DUMP_60 = "ovs-ofctl dump-flows br-int table=60"
ENTRY_60 = ("cookie=0x1a4c9913f965d224, duration=20.343s, table=60, "
            "n_packets=0, n_bytes=0, idle_age=43, priority=100,in_port=5 "
            "actions=load:0x5->NXM_NX_REG5[],load:0x2->NXM_NX_REG6[],"
            "resubmit(,71)")

V4_ADDRESS = "198.18.21.75"     # v6a's IPv4 fixed IP, as recorded


def _port(case=MEMBER):
    return lab.bodies(case)["port.json"]["port"]["id"]


def test_nd_findings_carry_their_subject_and_address(tmp_path):
    # the neighbour advertisement flow of the port's IPv6 address
    # rewritten to another address (_check_nd mutants 29: the missing
    # finding's subject lost, 74: the stale finding's remedy without its
    # address)
    port = _port()
    result = lab.run(MEMBER, tmp_path, {T71: lab.replace(
        f"icmp_type=136,nd_target={V6A_ADDRESS} ",
        f"icmp_type=136,nd_target={FOREIGN6} ")}, packet=None)
    missing, stale = sorted(result.findings, key=lambda f: f.code)
    assert missing.code == "NETDIAG_FW_OF_ND_MISSING"
    assert missing.subject == f"compute1:{port}:nd:{V6A_ADDRESS}"
    assert stale.code == "NETDIAG_FW_OF_ND_STALE"
    assert stale.subject == f"compute1:{port}:nd:{FOREIGN6}"
    assert stale.remedy.startswith(
        f"compute1 lets port {port} answer IPv6 neighbour discovery for "
        f"{FOREIGN6}, which is neither a fixed IP nor an allowed address "
        "pair in the API ")


def test_dhcp_requests_sent_to_the_drop_table_are_missing(tmp_path):
    # the port's DHCP request flow from its IPv4 address sends to table 93
    # (dropped) instead of 73: present, with the right priority, and wrong
    # (_egress_key mutant 41: any priority-80 flow taken for an accepting
    # one)
    port = _port()
    result = lab.run(MEMBER, tmp_path, {T71: lab.replace(
        f"nw_src={V4_ADDRESS},tp_src=68,tp_dst=67 actions=resubmit(,73)",
        f"nw_src={V4_ADDRESS},tp_src=68,tp_dst=67 actions=resubmit(,93)")},
        packet=None)
    assert result.exit_code == exitcodes.ERROR_FINDING
    (found,) = result.findings
    assert found.code == "NETDIAG_FW_OF_DHCP_CLIENT_MISSING"
    assert found.subject == f"compute1:{port}:dhcp-client:{V4_ADDRESS}"


def test_dhcp_replies_let_in_below_their_priority_are_missing(tmp_path):
    # the flow letting DHCP replies reach the port written at priority 65
    # instead of 95: present, output to the port, and wrong (_ingress_key
    # mutant 23: any flow with tp_src=67 taken for it)
    port = _port()
    result = lab.run(MEMBER, tmp_path, {T81: lab.replace(
        f"priority=95,udp,reg5={REG5},tp_src=67,tp_dst=68 "
        f"actions=output:{OFPORT}",
        f"priority=65,udp,reg5={REG5},tp_src=67,tp_dst=68 "
        f"actions=output:{OFPORT}")}, packet=None)
    assert result.exit_code == exitcodes.ERROR_FINDING
    (found,) = result.findings
    assert found.code == "NETDIAG_FW_OF_INGRESS_BASE_MISSING"
    assert found.summary == (f"table 81 on compute1 does not let DHCP "
                             f"replies reach port {port}")
    # (_check_ingress mutants 11: what is lacking, 27: the table, lost
    # from the remedy)
    assert found.remedy.startswith(
        f"Table 81 on compute1 does not let DHCP replies reach port {port}: ")


def test_a_spoofed_source_is_explained_in_the_verdicts_detail():
    # (verdict_of_trace mutant 50: the explanation's text)
    verdict = lab.run(SPOOFED6).host_verdict
    assert verdict.detail == (
        "anti-spoofing: no table 71 flow lets the port send from this "
        "source; ofproto/trace on br-int: tables 0 -> 58 -> 59 -> 60 -> 71 "
        "-> 93")


def test_dhcp_requests_without_an_address_dropped_are_dhcp_not_dhcpv6(
        tmp_path):
    # the port's DHCP request flow from 0.0.0.0 (no address yet) sends to
    # table 93 instead of 73 (_check_dhcp_ra mutant 20: the 0.0.0.0
    # source wanted of DHCPv6 instead of DHCP)
    port = _port()
    result = lab.run(MEMBER, tmp_path, {T71: lab.replace(
        "nw_src=0.0.0.0,tp_src=68,tp_dst=67 actions=resubmit(,73)",
        "nw_src=0.0.0.0,tp_src=68,tp_dst=67 actions=resubmit(,93)")},
        packet=None)
    (found,) = result.findings
    assert found.code == "NETDIAG_FW_OF_DHCP_CLIENT_MISSING"
    assert found.subject == f"compute1:{port}:dhcp-client:0.0.0.0"
    assert found.summary.startswith(
        f"table 71 on compute1 has no flow letting port {port} send DHCP "
        "requests from 0.0.0.0 (MAC ")


def test_a_port_range_rule_matched_by_a_masked_port(tmp_path):
    # edge: the IPv6 tcp 22 rule made 16-31 in the API body, and its two
    # flows' tp_dst=22 written as OVS prints the range Neutron masks it
    # to, tp_dst=0x10/0xfff0 (_ports_of mutants 5: the mask not read, 16:
    # the ports outside the mask taken)
    def widen(bodies):
        for name, body in bodies.items():
            if name.startswith("security-group-"):
                for rule in body["security_group"]["security_group_rules"]:
                    if rule["port_range_min"] == 22:
                        rule["port_range_min"] = 16
                        rule["port_range_max"] = 31
    result = lab.run(MEMBER, tmp_path, {T82: lab.replace(
        "ipv6_src=2001:db8:21::/64,tp_dst=22 ",
        "ipv6_src=2001:db8:21::/64,tp_dst=0x10/0xfff0 ")}, packet=None,
        edit_api=widen)
    assert result.findings == ()
    assert result.exit_code == exitcodes.OK


def test_a_fixed_ips_anti_spoofing_for_another_address(tmp_path):
    # the port's IP anti-spoofing flow rewritten to another source
    # (allowed_sources mutant 5: what the API calls the address)
    result = lab.run(DENIED, tmp_path, {T71_5: lab.replace(
        "nw_src=198.18.17.51 actions=ct(", "nw_src=198.18.17.99 actions=ct(")},
        packet=None)
    (missing,) = [f for f in result.findings
                  if f.code == "NETDIAG_FW_OF_SPOOF_MISSING"]
    assert missing.summary == (
        f"no anti-spoofing flow lets port {DENIED_PORT} send from "
        "198.18.17.51 (fixed IP, MAC fa:16:3e:b7:78:ce) on compute1")


def _firewall_hop(result, device):
    (hop,) = [h for h in result.rows
              if h.kind == "ovs-firewall" and h.device == device]
    return hop


def test_a_port_no_interface_carries(tmp_path):
    # the interface's iface-id one digit off the port's ID: present, and
    # wrong (check_port mutants 14: the finding's subject, 30: the hop's
    # detail, 39: its evidence, lost)
    result = lab.run(DENIED, tmp_path, {"ovs-interfaces": lab.replace(
        f'["iface-id","{DENIED_PORT}"]', f'["iface-id","{DENIED_PORT[:-1]}7"]'
    )}, packet=None)
    assert result.exit_code == exitcodes.ERROR_FINDING
    (found,) = result.findings
    assert (found.code, found.subject) == ("NETDIAG_OVS_PORT_MISSING",
                                           "compute1:br-int")
    hop = _firewall_hop(result, DENIED_PORT)
    assert (hop.state, hop.detail, hop.status) == (
        "absent", "not a port of br-int", Status.ERROR)
    (evidence,) = hop.evidence
    assert evidence.command.startswith("ovs-vsctl --timeout=5 --format=json ")
    assert evidence.command.endswith(" list Interface")


def test_a_port_without_a_table_60_flow(tmp_path):
    # the port's table 60 flow gone (check_wired mutants 32: the port in
    # the remedy, 69: why it is not wired)
    result = lab.run(DENIED, tmp_path, {T60: lab.drop(
        "priority=100,in_port=5 ")}, packet=None)
    assert result.exit_code == exitcodes.ERROR_FINDING
    (found,) = result.findings
    assert found.code == "NETDIAG_FW_OF_PORT_NOT_WIRED"
    assert found.summary == (
        f"port {DENIED_PORT} (ofport 5) is not sent through the firewall "
        "on compute1: no flow takes its traffic")
    assert found.remedy.startswith(
        f"Port {DENIED_PORT} has no firewall flows on compute1's br-int "
        "(table 60 does not send its traffic through the firewall): ")
    hop = _firewall_hop(result, DENIED_TAP)
    assert (hop.kind, hop.state, hop.detail, hop.status) == (
        "ovs-firewall", "not filtered", "ofport 5: no flow takes its traffic",
        Status.ERROR)


def test_a_port_sent_past_the_firewall_shows_its_flow(tmp_path):
    # table 60 takes the port's traffic straight to table 73 (check_wired
    # mutants 88 and 95: the hop's kind, 99: its evidence, lost)
    result = lab.run(DENIED, tmp_path, {T60: lab.replace(
        "load:0x2->NXM_NX_REG6[],resubmit(,71)",
        "load:0x2->NXM_NX_REG6[],resubmit(,73)")}, packet=None)
    hop = _firewall_hop(result, DENIED_TAP)
    assert (hop.kind, hop.state, hop.detail, hop.status) == (
        "ovs-firewall", "not filtered",
        "ofport 5: its traffic goes straight to table 73, unfiltered",
        Status.ERROR)
    assert hop.evidence == (Evidence("compute1", DUMP_60, (
        ENTRY_60.replace("resubmit(,71)", "resubmit(,73)"),)),)


def test_a_table_60_flow_that_loads_no_zone_says_so(tmp_path):
    # the port's table 60 flow without its load into register 6 (the
    # zone) (check_wired mutant 157: "zone None" for "zone -")
    result = lab.run(DENIED, tmp_path, {T60: lab.replace(
        "load:0x5->NXM_NX_REG5[],load:0x2->NXM_NX_REG6[],resubmit(,71)",
        "load:0x5->NXM_NX_REG5[],resubmit(,71)")}, packet=None)
    hop = _firewall_hop(result, DENIED_TAP)
    assert (hop.state, hop.detail) == (
        "ofport 5", "table 60 sends it to the firewall (reg5=0x5, zone -)")


def test_a_remote_group_members_findings_name_the_rule(tmp_path):
    # one member's conjunction flows re-addressed: 198.18.16.16 gone,
    # 198.18.99.9 admitted (_check_conjunction mutant 59: the rule lost
    # from the remedy)
    result = lab.run(DENIED, tmp_path, {
        "flows:br-int:table=82,reg6=2": lab.replace(
            "nw_src=198.18.16.16 ", "nw_src=198.18.99.9 ")}, packet=None)
    missing, stale = sorted(result.findings, key=lambda f: f.code)
    assert missing.remedy.startswith(f"Rule {MEMBER_RULE} allows the members "
                                     "of group ")
    assert stale.remedy.startswith(
        "compute1 still admits 198.18.99.9 as a member of group ")
    assert f"(rule {MEMBER_RULE}); " in stale.remedy
