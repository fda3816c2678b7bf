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

"""port firewall on the openvswitch driver for an IPv6 port and a port in
a stateless group, replayed from the lab (tools/record_firewall_cases:
the dual-stack port ``v6a`` with an IPv6 VIP, ``sl`` in a stateless
group, both on compute1).

Healthy cases are the recordings as taken. Each fault edits one recorded
answer in one place (said at the edit), leaving a flow present but
wrong, and must be caught with its code and exit 4.
"""

import json
import re

import pytest

from osc_netdiag import exitcodes
from tests.unit.firewall import lab_cases as lab

MEMBER = "ipv6-v6a-icmp6-from-member"
DENIED6 = "ipv6-v6a-tcp80-denied"
SPOOFED6 = "ipv6-v6a-egress-spoofed"
SPOOFED4 = "ipv4-v6a-egress-spoofed"
FROM_VIP = "ipv6-v6a-egress-from-vip"
SL_TCP22 = "stateless-sl-tcp22"
SL_REPLY = "stateless-sl-reply-established"
VIP6 = "2001:db8:21::250"
FOREIGN6 = "2001:db8:21::99"
T71 = "flows:br-int:table=71,reg5="
T81 = "flows:br-int:table=81,reg5="
T82 = "flows:br-int:table=82,reg5="
T72 = "flows:br-int:table=72,reg5="
TRACKED = "NETDIAG_FW_OF_STATELESS_TRACKED"


def _recorded(case):
    """(ofport, IPv6 fixed IP, link-local source) as the case recorded
    them: the port's table 71 probe and its flows.
    """
    data = json.loads((lab.LAB / case / "host" / "hosts" /
                       "compute1.json").read_text())
    (name,) = [c["name"] for c in data["commands"]
               if c["name"].startswith(T71)]
    port = lab.bodies(case)["port.json"]["port"]
    address = next(i["ip_address"] for i in port["fixed_ips"]
                   if ":" in i["ip_address"])
    lla = re.search(r"ipv6_src=(fe80::[0-9a-f:]+),",
                    lab.recorded_stdout(case, T71)).group(1)
    return int(name[len(T71):]), address, lla


OFPORT, V6A_ADDRESS, V6A_LLA = _recorded(MEMBER)
SL_OFPORT = _recorded(SL_TCP22)[0]
REG5 = hex(OFPORT)


def codes(result):
    return sorted(f.code for f in result.findings)


def _row(result, device):
    (row,) = [r for r in result.rows if r.device == device and
              r.host == "compute1"]
    return row


@pytest.mark.parametrize("case, api_says, host_says, host_flow", [
    (MEMBER, "allow", "allow",
     f"table 82: ct_state=+new-est,icmp6,reg5={REG5}, priority 75"),
    (DENIED6, "deny", "deny", f"table 82: ct_state=-est,reg5={REG5}, "
                              "priority 40"),
    (FROM_VIP, "allow", "allow",
     f"table 72: ct_state=+new-est,tcp6,reg5={REG5}, priority 77"),
    (SPOOFED6, "deny", "deny",
     f"table 71: reg5={REG5},in_port={OFPORT}, priority 10"),
    (SPOOFED4, "deny", "deny",
     f"table 71: reg5={REG5},in_port={OFPORT}, priority 10"),
])
def test_the_ipv6_ports_questions_are_answered_alike(case, api_says,
                                                     host_says, host_flow):
    result = lab.run(case)
    assert result.exit_code == exitcodes.OK
    assert codes(result) == []
    assert (result.api_verdict.decision, result.host_verdict.decision) == \
        (api_says, host_says)
    assert result.host_verdict.decided_by == host_flow
    rows = [r for r in result.rows if r.host == "compute1"]
    assert rows and all(str(r.status) == "OK" for r in rows)
    assert _row(result, "nd-dhcp-ra").state == "in sync"


def test_the_ipv6_ports_nd_sources_are_its_addresses_and_link_local():
    detail = _row(lab.run(MEMBER, packet=None), "nd-dhcp-ra").detail
    listed = detail.split("IPv6 neighbour discovery of ")[1].split(";")[0]
    assert set(listed.split(", ")) == {VIP6, V6A_ADDRESS, V6A_LLA}


def test_an_nd_target_for_the_wrong_address(tmp_path):
    # the neighbour advertisement flow of the port's IPv6 address
    # rewritten to another address: present, and wrong
    result = lab.run(MEMBER, tmp_path, {T71: lab.replace(
        f"icmp_type=136,nd_target={V6A_ADDRESS} ",
        f"icmp_type=136,nd_target={FOREIGN6} ")}, packet=None)
    assert result.exit_code == exitcodes.ERROR_FINDING
    assert codes(result) == ["NETDIAG_FW_OF_ND_MISSING",
                             "NETDIAG_FW_OF_ND_STALE"]
    missing, stale = sorted(result.findings, key=lambda f: f.code)
    assert f"fixed IP {V6A_ADDRESS}" in missing.summary
    assert f"neighbour advertisement (nd_target={V6A_ADDRESS})" in \
        missing.summary
    assert FOREIGN6 in stale.summary
    row = _row(result, "nd-dhcp-ra")
    assert (row.state, str(row.status)) == ("wrong", "ERROR")


def test_neighbour_solicitations_from_the_link_local_address_dropped(
        tmp_path):
    # the NS flow of the link-local source sent to the drop table instead
    result = lab.run(MEMBER, tmp_path, {T71: lab.replace(
        f"ipv6_src={V6A_LLA},icmp_type=135 actions=resubmit(,94)",
        f"ipv6_src={V6A_LLA},icmp_type=135 actions=resubmit(,93)")},
        packet=None)
    assert codes(result) == ["NETDIAG_FW_OF_ND_MISSING"]
    assert "link-local address" in result.findings[0].summary
    assert "ICMPv6 type 135" in result.findings[0].summary
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_dhcpv6_replies_from_the_port_accepted_not_dropped(tmp_path):
    result = lab.run(MEMBER, tmp_path, {T71: lab.replace(
        "tp_src=547,tp_dst=546 actions=resubmit(,93)",
        "tp_src=547,tp_dst=546 actions=resubmit(,94)")}, packet=None)
    assert codes(result) == ["NETDIAG_FW_OF_DHCP_SPOOF_MISSING"]
    assert "DHCPv6" in result.findings[0].summary
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_router_advertisements_from_the_port_accepted(tmp_path):
    result = lab.run(MEMBER, tmp_path, {T71: lab.replace(
        "icmp_type=134 actions=resubmit(,93)",
        "icmp_type=134 actions=resubmit(,94)")}, packet=None)
    assert codes(result) == ["NETDIAG_FW_OF_RA_SPOOF_MISSING"]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_dhcpv6_requests_from_the_vip_keyed_on_another_address(tmp_path):
    result = lab.run(MEMBER, tmp_path, {T71: lab.replace(
        f"ipv6_src={VIP6},tp_src=546", "ipv6_src=2001:db8:21::98,tp_src=546")},
        packet=None)
    assert codes(result) == ["NETDIAG_FW_OF_DHCP_CLIENT_MISSING"]
    assert f"DHCPv6 requests from {VIP6}" in result.findings[0].summary
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_neighbour_advertisements_to_the_port_sent_elsewhere(tmp_path):
    result = lab.run(MEMBER, tmp_path, {T81: lab.replace(
        f"icmp_type=136 actions=output:{OFPORT}",
        f"icmp_type=136 actions=output:{OFPORT + 1}")},
        packet=None)
    assert codes(result) == ["NETDIAG_FW_OF_INGRESS_BASE_MISSING"]
    assert "ICMPv6 type 136" in result.findings[0].summary
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_an_ipv6_rules_flows_for_another_prefix(tmp_path):
    # the IPv6 tcp 22 rule's flows admit another prefix: the rule is
    # missing and the flows are extra
    result = lab.run(MEMBER, tmp_path, {T82: lab.replace(
        "ipv6_src=2001:db8:21::/64,tp_dst=22",
        "ipv6_src=2001:db8:99::/64,tp_dst=22")}, packet=None)
    # one extra flow per conntrack state
    assert codes(result) == ["NETDIAG_FW_OF_RULE_EXTRA",
                             "NETDIAG_FW_OF_RULE_EXTRA",
                             "NETDIAG_FW_OF_RULE_MISSING"]
    (missing,) = [f for f in result.findings
                  if f.code == "NETDIAG_FW_OF_RULE_MISSING"]
    assert "ingress IPv6 tcp 22 from 2001:db8:21::/64" in missing.summary
    assert result.exit_code == exitcodes.ERROR_FINDING


# -- the packet's local address (--local-ip) ----------------------------

@pytest.mark.parametrize("case, source", [
    (SPOOFED6, FOREIGN6), (SPOOFED4, "198.18.21.250")])
def test_an_egress_packet_from_a_foreign_address_is_denied_by_both(
        case, source):
    result = lab.run(case)
    api, host = result.api_verdict, result.host_verdict
    assert (api.decision, api.decided_by) == ("deny", "anti-spoofing")
    assert f"{source} is neither a fixed IP nor an allowed address pair" \
        in api.detail
    assert host.detail.startswith("anti-spoofing: no table 71 flow")
    assert "tables 0 -> 58 -> 59 -> 60 -> 71 -> 93" in host.detail
    (row,) = [r for r in result.rows if r.kind == "api-verdict"]
    assert f"from {source} (new)" in row.detail


def test_the_local_ip_decides_both_verdicts():
    # the same question without --local-ip (the port's own address) is
    # allowed by the egress rule; the host's trace of that other packet
    # was not recorded, so it cannot be answered from this recording
    packet = lab.question(SPOOFED6)
    import dataclasses
    own = dataclasses.replace(packet, local_ip=None)
    result = lab.run(SPOOFED6, packet=own)
    assert result.api_verdict.decision == "allow"
    assert result.host_verdict is None
    assert result.exit_code == exitcodes.UNREADABLE


def test_an_egress_packet_from_the_vip_is_allowed():
    result = lab.run(FROM_VIP)
    assert result.api_verdict.decided_by != "anti-spoofing"
    assert (result.api_verdict.decision,
            result.host_verdict.decision) == ("allow", "allow")


# -- stateless groups -----------------------------------------------------

def test_a_stateless_group_on_a_host_that_tracks_it_is_said():
    result = lab.run(SL_TCP22)
    # a warning: the host allows more than the API (replies), nothing the
    # API allows is dropped
    assert result.exit_code == exitcodes.OK
    assert codes(result) == ["NETDIAG_FW_OF_STATELESS_TRACKED"]
    assert "ndfw-stateless" in result.findings[0].summary
    row = _row(result, "stateless")
    assert (row.state, str(row.status)) == ("tracked", "WARN")
    # its rules are compared like a stateful group's, and all installed
    rules = [r for r in result.rows if r.kind == "sg-rule"
             and r.host == "compute1"]
    assert len(rules) == 4 and all(r.state == "installed" for r in rules)
    assert (result.api_verdict.decision,
            result.host_verdict.decision) == ("allow", "allow")


def test_a_reply_the_stateless_rules_do_not_allow_is_a_disagreement():
    result = lab.run(SL_REPLY)
    assert result.exit_code == exitcodes.ERROR_FINDING
    assert codes(result) == [TRACKED, "NETDIAG_FW_VERDICT_DISAGREE"]
    api, host = result.api_verdict, result.host_verdict
    assert (api.decision, api.decided_by) == ("deny", "")
    assert "stateless: a reply needs a rule of its own" in api.detail
    assert host.decision == "allow"
    assert host.decided_by.startswith("table 82: ct_state=+est-rel+rpl,")
    assert host.decided_by.endswith(f",reg5={hex(SL_OFPORT)}, priority 50")


def test_the_same_reply_in_a_stateful_group_is_conntracks():
    # the API body edited in one place: the group stateful
    def stateful(bodies):
        for name, body in bodies.items():
            if name.startswith("security-group-"):
                body["security_group"]["stateful"] = True
    result = lab.run(SL_REPLY, edit_api=stateful)
    assert result.exit_code == exitcodes.OK
    assert codes(result) == []
    assert result.api_verdict.decision == "allow"
    assert result.api_verdict.decided_by.startswith("conntrack")


def test_a_stateless_group_without_reply_flows_is_not_warned(tmp_path):
    # the port's conntrack reply flows taken out of both rules tables, as
    # a driver that honoured the flag would leave them
    result = lab.run(SL_TCP22, tmp_path, {
        T72: lab.drop("priority=50,ct_state=+est-rel+rpl"),
        T82: lab.drop("priority=50,ct_state=+est-rel+rpl")}, packet=None)
    assert codes(result) == []
    assert _row(result, "stateless").state == "untracked"
