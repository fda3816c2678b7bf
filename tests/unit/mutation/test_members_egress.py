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

"""The openvswitch firewall on egress to a remote group's members, and on a
port with an allowed address pair of every address, recorded on the lab
(tests/fixtures/firewall/lab, ``tools/record_firewall_cases``):

``ipv4-v6a-egress-to-member`` / ``ipv6-v6a-egress-to-member``: v6a's group
ndfw-v6 lets TCP over IPv4 and UDP over IPv6 out only to its own members
(its IPv4 allow-all egress rule taken out); the question is egress to
member v6b (198.18.21.126, 2001:db8:21::201) port 8080. The members'
conjunction flows of table 72 match the destination (``nw_dst``,
``ipv6_dst``).

``ipv4-v6a-every-address-pair``: v6a has the allowed address pair
0.0.0.0/0 (Neutron refuses ::/0); OVS prints the pair's anti-spoofing
flows (ARP, IPv4, DHCP request) without an address match. The question
is egress from 198.18.21.250, an address only that pair allows.
"""

import json

import pytest

from osc_netdiag import api
from osc_netdiag.backends.ml2_ovs import fw_openvswitch
from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.firewall import lab_cases as lab

V4, V6 = "ipv4-v6a-egress-to-member", "ipv6-v6a-egress-to-member"
PAIR = "ipv4-v6a-every-address-pair"
GROUP = "838307c2-4426-4faf-be16-ade22705399e"
RULE4 = "9d28a7c4-86a0-44f2-ae1c-1035f4bd740a"    # egress IPv4 tcp to GROUP
RULE6 = "b5ad761d-a85e-4ad2-a210-297e56782163"    # egress IPv6 udp to GROUP
T72 = "flows:br-int:table=72,reg6=8"              # the network's members
T71 = "flows:br-int:table=71,reg5=14"             # v6a's base egress
RESTART = ("Restart neutron-openvswitch-agent on compute1: it re-installs "
           "every firewall flow of its ports.")


def _rule_rows(result, rule):
    return [(h.state, h.detail, h.status) for h in result.rows
            if h.device == rule]


@pytest.mark.parametrize("case,rule,what", [
    (V4, RULE4, f"egress IPv4 tcp to group {GROUP} (2 addresses)"),
    (V6, RULE6, f"egress IPv6 udp to group {GROUP} (3 addresses)"),
])
def test_egress_to_a_member_is_the_members_conjunction(case, rule, what):
    # as recorded: the rule's member flows are read on the destination
    # side. Kills fw_ovs_check _members mutants 30, 31 (nw_dst not read)
    # and 34, 35 (ipv6_dst not read): every member reported missing
    result = lab.run(case)
    assert result.findings == ()
    assert _rule_rows(result, rule) == [
        ("ndfw-v6", what, Status.OK),
        ("installed", f"{what}: table 72 priority 73", Status.OK)]
    assert (result.api_verdict.decision,
            result.host_verdict.decision) == ("allow", "allow")
    assert result.exit_code == exitcodes.OK


@pytest.mark.parametrize("case,rule,what,member,other,conj", [
    (V4, RULE4, f"egress IPv4 tcp to group {GROUP} (2 addresses)",
     "198.18.21.126", "198.18.21.127", "nw_dst={} actions=conjunction(70,"),
    (V6, RULE6, f"egress IPv6 udp to group {GROUP} (3 addresses)",
     "2001:db8:21::201", "2001:db8:21::202",
     "ipv6_dst={} actions=conjunction(78,"),
])
def test_a_member_flow_to_another_address(tmp_path, case, rule, what,
                                          member, other, conj):
    # table 72 of the network (reg6=8): the +est-rel-rpl member flow of
    # v6b's address matches another address instead, present but wrong
    result = lab.run(case, tmp_path, {T72: lab.replace(
        conj.format(member), conj.format(other))})
    assert [(f.code, f.subject, f.summary, f.remedy)
            for f in result.findings] == [
        ("NETDIAG_FW_OF_REMOTE_MEMBER_MISSING",
         f"compute1:{rule}:{member}",
         f"the conjunction of rule {rule} on compute1 lacks member "
         f"{member} of group {GROUP}",
         f"Rule {rule} allows the members of group {GROUP}, but compute1 "
         f"has no flow for member address {member}: its traffic is "
         f"dropped. {RESTART}"),
        ("NETDIAG_FW_OF_REMOTE_MEMBER_STALE",
         f"compute1:{rule}:{other}",
         f"the conjunction of rule {rule} on compute1 admits {other}, not "
         f"a member of group {GROUP}",
         f"compute1 still admits {other} as a member of group {GROUP} "
         f"(rule {rule}); the API lists no such member: restart "
         "neutron-openvswitch-agent on compute1: it re-installs every "
         "firewall flow of its ports.")]
    assert _rule_rows(result, rule)[1] == (
        "missing", f"{what}: table 72 priority 73; member {member} "
        f"missing; stale member {other}", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_a_udp_question_is_traced_with_udp_ports():
    # ofproto/trace (OVS 3.1) refuses tp_src/tp_dst with udp6 ("Bad
    # openflow flow syntax ... prerequisites not met for setting tp_src",
    # seen on the lab): the trace recorded, and replayed here, is the one
    # with udp_ fields (with tp_ fields the trace is not found: no host
    # verdict, exit code 8)
    host = json.loads((lab.LAB / V6 / "host" / "hosts" /
                       "compute1.json").read_text())
    (argv,) = [c["argv"] for c in host["commands"]
               if c["argv"][:2] == ["ovs-appctl", "ofproto/trace"]]
    assert argv[-1].endswith(
        "ipv6_dst=2001:db8:21::201,udp_src=40000,udp_dst=8080")
    verdict = lab.run(V6).host_verdict
    assert (verdict.decision, verdict.decided_by, verdict.detail) == (
        "allow", "table 72: conj_id=79,ct_state=+new-est,ipv6,reg5=0xe, "
        "priority 73", "ofproto/trace on br-int: tables 0 -> 58 -> 59 -> "
        "60 -> 71 -> 72 -> 73 -> 91; conntrack assumed trk|new")


@pytest.mark.parametrize("protocol,fields", [
    ("tcp", "tp_src=40000,tp_dst=8080"),
    ("udp", "udp_src=40000,udp_dst=8080"),
    ("sctp", "sctp_src=40000,sctp_dst=8080"),
    ("dccp", "nw_proto=33"),
])
def test_each_protocol_traces_its_own_port_fields(protocol, fields):
    # the question of V4's recording asked for each protocol: the end of
    # the flow to trace (OVS has no port field for DCCP, and Neutron's
    # openvswitch firewall matches no port of it)
    question = json.loads((lab.LAB / V4 / "question.json").read_text())
    packet = api.firewall_packet(**dict(question, protocol=protocol))
    flow = fw_openvswitch.trace_flow(lab.intent(V4), packet, 14, 8)
    assert flow.endswith(
        "nw_src=198.18.21.49,nw_dst=198.18.21.126," + fields)


def test_an_every_address_pair_is_in_sync():
    # as recorded: the pair's flows, without an address match, are the
    # pair's (before, its DHCP request flow was not read, and a false
    # NETDIAG_FW_OF_DHCP_CLIENT_MISSING came out with exit code 4)
    result = lab.run(PAIR)
    assert result.findings == ()
    (spoofing,) = [(h.state, h.detail.split(":")[0], h.status)
                   for h in result.rows if h.device == "anti-spoofing"]
    assert spoofing == ("in sync", "5 source(s) allowed", Status.OK)
    assert [(h.state, h.status) for h in result.rows
            if h.device == "nd-dhcp-ra"] == [("in sync", Status.OK)]
    assert result.exit_code == exitcodes.OK


def test_an_every_address_pair_without_its_dhcp_flow(tmp_path):
    # table 71: the pair's DHCP request flow (udp from its MAC, 68 -> 67,
    # no nw_src) removed: the pair's requests are dropped
    result = lab.run(PAIR, tmp_path, {T71: lab.drop(
        "priority=80,udp,reg5=0xe,in_port=14,dl_src=fa:16:3e:33:11:5a,"
        "tp_src=68")})
    assert [(f.code, f.subject, f.summary) for f in result.findings] == [(
        "NETDIAG_FW_OF_DHCP_CLIENT_MISSING",
        "compute1:102cca40-9198-4d54-a214-8d5bfd8b9042:dhcp-client:"
        "0.0.0.0/0",
        "table 71 on compute1 has no flow letting port "
        "102cca40-9198-4d54-a214-8d5bfd8b9042 send DHCP requests from "
        "0.0.0.0/0 (MAC fa:16:3e:33:11:5a)")]
    assert result.exit_code == exitcodes.ERROR_FINDING
