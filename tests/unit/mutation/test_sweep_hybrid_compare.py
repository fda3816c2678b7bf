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

"""iptables_hybrid: whole findings and hops of the comparison, exactly, on
the lab's compute2 as recorded (``hybrid_fixtures``), each edited in one
place (said where it is made).

Written against the survivors of the whole sweep of
``backends.ml2_ovs.fw_hybrid_compare``, ``fw_hybrid_order`` and
``fw_hybrid`` (named in the comments), each of which one of these tests
fails.
"""

import pytest

from osc_netdiag.backends.ml2_ovs import fw_hybrid
from osc_netdiag.checks.engine import HostView
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag import models
from osc_netdiag.models import Severity
from osc_netdiag.resolve import secgroups
from osc_netdiag.secgroups import Packet
from osc_netdiag.transport.base import CommandResult
from osc_netdiag.transport.pool import HostOutcome
from tests.unit.firewall.api_fixtures import FakeConnection
from tests.unit.firewall.api_fixtures import FakeNetwork
from tests.unit.firewall import hybrid6_fixtures as fx6
from tests.unit.firewall import hybrid_fixtures as fx
from tests.unit.firewall.test_fw_hybrid import without
from tests.unit.mutation.test_fw_hybrid_values import _one
from tests.unit.mutation.test_fw_hybrid_values import DEFAULT
from tests.unit.mutation.test_fw_hybrid_values import GRE2_I
from tests.unit.mutation.test_fw_hybrid_values import GRE2_O
from tests.unit.mutation.test_fw_hybrid_values import GRE2_S
from tests.unit.mutation.test_fw_hybrid_values import SET_V4
from tests.unit.mutation.test_fw_hybrid_values import VIP_LINE
from tests.unit.mutation.test_fw_hybrid_values import VXLAN2_S

RESTART = ("Restart neutron-openvswitch-agent on compute2: its resync "
           "rebuilds the port's chains and ipsets from the API.")
GRE2_ICMP = f"-A {GRE2_I} -s 198.18.0.0/15 -p icmp -j RETURN\n"
GRE2_ICMP_RULE = "bff66ebd-76bc-4366-acf3-fe7dffb413bf"     # its API rule
ESTABLISHED = ("-m state --state RELATED,ESTABLISHED -m comment --comment "
               "\"Direct packets associated with a known session to the "
               "RETURN chain.\" -j RETURN")
GRE2_FALLBACK = (f"[2:656] -A {GRE2_I} -m comment --comment \"Send unmatched "
                 "traffic to the fallback chain.\" -j "
                 "neutron-openvswi-sg-fallback\n")


def _edited(text, old, new):
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _fields(found):
    return (found.code, found.severity, found.subject, found.summary,
            found.remedy)


# -- fw_hybrid_compare._missing_finding -----------------------------------

def test_a_missing_spoof_return_is_found_whole():
    # edit: vxlan2's anti-spoofing RETURN for its VIP removed
    # (_missing_finding mutants 7: the MAC read from the wrong word, 9: no
    # subject, 11-15 and 19-23: the host, chain, address, MAC or origin
    # left out of the remedy)
    _, findings = fw_hybrid.judge(
        fx.intent("vxlan2"), fx.outputs(iptables=without(fx.IPTABLES,
                                                         VIP_LINE)))
    assert _fields(_one(findings)) == (
        "NETDIAG_FW_IPT_SPOOF_MISSING", Severity.ERROR,
        f"compute2:{VXLAN2_S}",
        f"{VXLAN2_S} on compute2 lacks the RETURN for 198.18.17.250/32 "
        "(allowed address pair 198.18.17.250)",
        f"The anti-spoofing chain {VXLAN2_S} on compute2 has no RETURN for "
        "198.18.17.250/32 with MAC fa:16:3e:28:29:a3: the port cannot send "
        f"from that address (allowed address pair 198.18.17.250). {RESTART}")


def test_a_missing_group_rule_is_found_whole():
    # edit: gre2's ICMP rule removed from its ingress chain
    # (_missing_finding mutants 29-32 and 36-39: the host, chain, rule or
    # origin left out of the remedy; _hop mutants 71: counters said for a
    # line not installed, "None packets", 73: "XXXX" after its origin)
    hops, findings = fw_hybrid.judge(
        fx.intent("gre2"), fx.outputs(iptables=without(fx.IPTABLES,
                                                       GRE2_ICMP)))
    rule = GRE2_ICMP[len(GRE2_I) + 4:-1]
    assert _fields(_one(findings)) == (
        "NETDIAG_FW_IPT_RULE_MISSING", Severity.ERROR, f"compute2:{GRE2_I}",
        f"{GRE2_I} on compute2 lacks '{rule}' ({GRE2_ICMP_RULE})",
        f"compute2 lacks the rule '{rule}' in {GRE2_I} that the API asks "
        f"for ({GRE2_ICMP_RULE}). {RESTART}")
    (hop,) = [h for h in hops if h.state == "missing"]
    assert (hop.device, hop.kind, hop.detail, hop.evidence[0].lines) == (
        GRE2_I, "iptables-rule", f"{rule} [{GRE2_ICMP_RULE}]", ())


# -- fw_hybrid_compare._plain and fw_hybrid._hop: stale set members -------

def test_stale_networks_in_a_set_are_named_whole_in_findings_and_hop():
    # edit: two networks added to the default group's IPv4 set (a hash:net
    # set, as ipset list prints a member wider than /32), which no port of
    # the group holds; named in the order of their text, not of their
    # addresses (_plain mutants 2: the prefix length dropped, 5: "None" for
    # the network; _compare_sets mutants 56 and 58: sorted by address, 63,
    # 67 and 79: the row's stale list lost or "None", 100-118: the finding
    # lost or its code, subject, summary or values; _hop mutants 25 and 26: the stale members not
    # shown, 28: the hop's detail only its last part, 31: the members
    # joined with "XX, XX")
    text = _edited(fx.IPSETS, "198.18.18.98\n",
                   "198.18.18.98\n198.18.5.0/24\n198.18.40.0/24\n")
    text = text.replace("Number of entries: 8", "Number of entries: 10", 1)
    hops, findings = fw_hybrid.judge(fx.intent("vxlan2"),
                                     fx.outputs(ipsets=text))
    assert [_fields(f) for f in findings] == [
        ("NETDIAG_FW_IPT_IPSET_MEMBER_STALE", Severity.WARNING,
         f"compute2:{SET_V4}",
         f"{net} is in ipset {SET_V4} on compute2 but in no port of group "
         f"{DEFAULT}",
         f"{net} is in the ipset {SET_V4} on compute2 but no port of remote "
         f"group {DEFAULT} has it: a deleted port's leftover lets its next "
         f"owner in. {RESTART}")
        for net in ("198.18.40.0/24", "198.18.5.0/24")]
    (hop,) = [h for h in hops if h.device == SET_V4]
    members = ("198.18.16.16/32, 198.18.16.50/32, 198.18.17.250/32, "
               "198.18.17.51/32, 198.18.17.77/32, 198.18.18.82/32, "
               "198.18.18.98/32, 198.18.19.49/32")
    assert (hop.state, hop.detail) == (
        "differs", f"remote group {DEFAULT}: {members}, 198.18.40.0/24, "
        "198.18.5.0/24; stale: 198.18.40.0/24, 198.18.5.0/24")


# -- fw_hybrid_order._first_diff ------------------------------------------

def test_a_fixed_line_installed_twice_is_named_as_out_of_place():
    # edit: gre2's RELATED,ESTABLISHED RETURN appended a second time to its
    # ingress chain, after the jump to sg-fallback (as "iptables -A" of the
    # same line does): every fixed line is in Neutron's order up to the
    # copy, which is the one out of place (_first_diff mutants 6: "-" said,
    # 8 and 9: another line named)
    copy = f"[0:0] -A {GRE2_I} {ESTABLISHED}\n"
    text = _edited(fx.IPTABLES, GRE2_FALLBACK, GRE2_FALLBACK + copy)
    _, findings = fw_hybrid.judge(fx.intent("gre2"),
                                  fx.outputs(iptables=text))
    assert _fields(_one(findings)) == (
        "NETDIAG_FW_IPT_RULE_ORDER", Severity.WARNING, f"compute2:{GRE2_I}",
        f"{GRE2_I} on compute2 has Neutron's fixed rules out of order",
        f"{GRE2_I} on compute2 has its rules out of Neutron's order (first "
        f"out of place: {ESTABLISHED}): a rule may be shadowed. {RESTART}")


# -- fw_hybrid._own_address: the address an IPv6 packet leaves from --------

V6_EGRESS = Packet(direction="egress", ethertype="IPv6", protocol="udp",
                   port=53, remote_ip="2001:db8::5")
VLAN2_O6 = "neutron-openvswi-oa74aa20f-3"
VLAN2_S6 = "neutron-openvswi-sa74aa20f-3"
V6_PATH = ("a new connection; chains: FORWARD -> neutron-filter-top -> "
           "neutron-openvswi-local -> neutron-openvswi-FORWARD -> "
           f"neutron-openvswi-sg-chain -> {VLAN2_O6} -> {VLAN2_S6}")


def test_an_ipv6_packet_of_a_port_without_ipv6_leaves_from_its_link_local():
    # edit: none; vlan2 has an IPv4 fixed IP and an IPv6 allowed address
    # pair, so its anti-spoofing chain in ip6tables lets its link-local
    # address (and the pair's) through and drops any other (_own_address
    # mutants 3: its IPv4 address taken, 15 and 17: "0.0.0.0", 19: None;
    # each then dropped by the anti-spoofing DROP)
    v = fw_hybrid.host_verdict(fx6.intent("vlan2"), V6_EGRESS,
                               fx6.outputs())
    assert (v.decision, v.decided_by, v.detail) == (
        "allow", f"-A {VLAN2_O6} -j RETURN",
        f"{V6_PATH}; accepted by -A neutron-openvswi-sg-chain -j ACCEPT")


def test_an_ipv6_packet_leaves_from_the_ports_ipv6_fixed_ip():
    # edit: vlan2's API body given an IPv6 fixed IP, which the recorded
    # anti-spoofing chain (older than it) does not let through: the packet
    # leaves from that address and is dropped (_own_address mutant 6: no
    # fixed IP of "version 7" found, the link-local taken, allowed)
    def v6(port):
        port["fixed_ips"].append({"subnet_id": port["fixed_ips"][0][
            "subnet_id"], "ip_address": "fd00:198:18::51"})
    v = fw_hybrid.host_verdict(fx6.intent("vlan2", edit_port=v6), V6_EGRESS,
                               fx6.outputs())
    assert (v.decision, v.decided_by, v.detail) == (
        "deny", f"-A {VLAN2_S6} -m comment --comment \"Drop traffic without "
        "an IP/MAC allow rule.\" -j DROP", V6_PATH)


# -- fw_hybrid.judge: the IPv4 table unreadable ----------------------------

def test_an_unreadable_ipv4_table_is_unreadable_with_nothing_judged():
    # edit: the iptables-save of compute2 refused by sudo (the line sudo
    # prints without a grant), the other two probes' outputs as recorded
    # (judge mutants 9 and 12: no "partial" on the exception, so a
    # TypeError or AttributeError instead of the hop skipped)
    probes = fw_hybrid.probes(fx.intent("gre2").port_id)
    stdout = {fw_hybrid.FILTER: "", fw_hybrid.FILTER6: fx6.IP6TABLES,
              fw_hybrid.IPSETS: fx.IPSETS}
    results = [CommandResult(p.name, p.argv, stdout[p.name], "", 0)
               for p in probes if p.name != fw_hybrid.FILTER]
    results.append(CommandResult(
        fw_hybrid.FILTER, probes[0].argv, "",
        "sudo: a password is required\n", 1, models.HOST_PERMISSION))
    view = HostView("compute2", HostOutcome(target=None, results=results),
                    probes)
    with pytest.raises(Unreadable) as caught:
        fw_hybrid.judge(fx.intent("gre2"), view)
    assert caught.value.partial == ((), ())
    assert (caught.value.probe.name, caught.value.said()) == (
        fw_hybrid.FILTER, "permission, exit 1: sudo: a password is required")


# -- fw_hybrid_compare._compare_chain: whole findings and hops -------------

SG_CHAIN = "neutron-openvswi-sg-chain"
VXLAN2_I = "neutron-openvswi-ia5bf0a8e-e"
IPT = "iptables-save -c -t filter"
SG_TO_VM = ("# the security group chain sends the port's packets to its own "
            "ingress (i) or egress (o) chain")


def _hop_fields(hop):
    (evidence,) = hop.evidence
    return (hop.host, hop.device, hop.kind, hop.state, hop.detail,
            str(hop.status), evidence.host, evidence.command, evidence.lines)


def test_a_jump_to_another_ports_chain_is_found_whole():
    # edit: sg-chain sends gre2's ingress packets to vxlan2's ingress chain
    # (_compare_chain mutants 109-111, 113-115, 117-119, 122, 125, 126,
    # 129-132: the extra line's row lost or its chain, text, origin, state
    # or counters changed; 135, 137-139, 143-145: the extra finding's
    # subject or remedy values lost)
    jump = ("-m physdev --physdev-out tap85bbfe3b-99 --physdev-is-bridged "
            "-m comment --comment \"Jump to the VM specific chain.\" -j ")
    text = _edited(fx.IPTABLES, f"{jump}{GRE2_I}\n", f"{jump}{VXLAN2_I}\n")
    hops, findings = fw_hybrid.judge(fx.intent("gre2"),
                                     fx.outputs(iptables=text))
    assert [_fields(f) for f in findings] == [
        ("NETDIAG_FW_IPT_CHAIN_MISSING", Severity.ERROR,
         f"compute2:{SG_CHAIN}",
         f"{SG_CHAIN} on compute2 has no '{jump}{GRE2_I}'",
         f"The port's chain {GRE2_I} (or the jump to it) is not in "
         "compute2's filter table, so the port's traffic is not filtered as "
         f"the API says. {RESTART}"),
        ("NETDIAG_FW_IPT_RULE_EXTRA", Severity.ERROR, f"compute2:{SG_CHAIN}",
         f"{SG_CHAIN} on compute2 has '{jump}{VXLAN2_I}', which no API rule "
         "of the port explains",
         f"{SG_CHAIN} on compute2 has the rule '{jump}{VXLAN2_I}' that no API "
         "rule of the port explains (added by hand, or left from a deleted "
         f"rule). {RESTART}")]
    assert [_hop_fields(h) for h in hops if h.state != "installed"] == [
        ("compute2", SG_CHAIN, "iptables-rule", "missing",
         f"{jump}{GRE2_I} [to the port's ingress chain (Neutron)]", "ERROR",
         "compute2", IPT, (SG_TO_VM,)),
        ("compute2", SG_CHAIN, "iptables-rule", "extra",
         f"{jump}{VXLAN2_I} [no API rule]; 12 packets, 1984 bytes", "ERROR",
         "compute2", IPT, (f"-A {SG_CHAIN} {jump}{VXLAN2_I}", SG_TO_VM))]


def test_the_ports_ingress_chain_missing_is_found_whole():
    # edit: gre2's ingress chain declared nowhere and all its own lines
    # gone (the jumps to it stay), as in test_fw_hybrid (_compare_chain
    # mutants 19: own chains taken for shared, 22-34: the finding lost or
    # its code, subject, summary or remedy values changed, 35-43: the
    # chain's rows lost or their state changed)
    lines = [t for t in fx.IPTABLES.splitlines(keepends=True)
             if f" {GRE2_I} " not in t and not t.startswith(f":{GRE2_I} ")]
    hops, findings = fw_hybrid.judge(fx.intent("gre2"),
                                     fx.outputs(iptables="".join(lines)))
    assert [_fields(f) for f in findings] == [
        ("NETDIAG_FW_IPT_CHAIN_MISSING", Severity.ERROR, f"compute2:{GRE2_I}",
         f"{GRE2_I} is not in compute2's filter table",
         f"The port's chain {GRE2_I} (or the jump to it) is not in "
         "compute2's filter table, so the port's traffic is not filtered as "
         f"the API says. {RESTART}")]
    missing = [h for h in hops if h.state != "installed"]
    assert [(h.device, h.state, h.detail.rsplit(" [", 1)[1],
             str(h.status)) for h in missing] == [
        (GRE2_I, "missing", origin + "]", "ERROR")
        for origin in ("conntrack: known sessions (Neutron)",
                       "DHCP replies to the port (Neutron)",
                       "DHCP broadcast replies (Neutron)", GRE2_ICMP_RULE,
                       "28b3df2b-7e23-44b6-b2de-ffca6a6cccfa",
                       "conntrack: invalid packets (Neutron)",
                       "default drop (Neutron)")]
    assert _hop_fields(missing[0]) == (
        "compute2", GRE2_I, "iptables-rule", "missing",
        f"{ESTABLISHED} [conntrack: known sessions (Neutron)]", "ERROR",
        "compute2", IPT, ("# replies and related packets of a connection "
                          "conntrack already accepted pass without matching "
                          "the rules again",))


# -- fw_hybrid_order.check: the shadowed finding whole ----------------------

def test_a_return_shadowed_by_the_fallback_jump_is_found_whole():
    # edit: gre2's jump to sg-fallback moved above its ICMP rule
    fallback = GRE2_FALLBACK[len("[2:656] "):]
    icmp = f"[1:84] {GRE2_ICMP}"
    text = _edited(fx.IPTABLES, GRE2_FALLBACK, "")
    text = _edited(text, icmp, GRE2_FALLBACK + icmp)
    _, findings = fw_hybrid.judge(fx.intent("gre2"),
                                  fx.outputs(iptables=text))
    blocker = fallback[len(GRE2_I) + 4:-1]
    rule = GRE2_ICMP[len(GRE2_I) + 4:-1]
    assert _fields(_one(findings)) == (
        "NETDIAG_FW_IPT_RULE_SHADOWED", Severity.ERROR, f"compute2:{GRE2_I}",
        f"{GRE2_I} on compute2 drops with '{blocker}' before '{rule}' can "
        "allow",
        f"{GRE2_I} on compute2 has '{blocker}', which drops everything it "
        f"reaches, before '{rule}', which Neutron puts ahead of it: what that "
        f"rule allows is dropped. {RESTART}")


# -- fw_hybrid_compare._compare_sets: order and every set ------------------

def test_missing_set_members_are_named_in_the_order_of_their_text():
    # edit: 198.18.17.51 and 198.18.17.250 (both ports of the default
    # group) gone from its IPv4 set: ".250" before ".51", as text sorts
    # (_compare_sets mutants 50 and 52: sorted by address, ".51" first)
    text = fx.IPSETS.replace("198.18.17.51\n", "", 1).replace(
        "198.18.17.250\n", "", 1).replace(
        "Number of entries: 8", "Number of entries: 6", 1)
    hops, findings = fw_hybrid.judge(fx.intent("vxlan2"),
                                     fx.outputs(ipsets=text))
    assert [(f.code, f.summary) for f in findings] == [
        ("NETDIAG_FW_IPT_IPSET_MEMBER_MISSING",
         f"{address} is missing from ipset {SET_V4} on compute2")
        for address in ("198.18.17.250", "198.18.17.51")]
    (hop,) = [h for h in hops if h.device == SET_V4]
    assert hop.detail.endswith(
        "; missing: 198.18.17.250/32, 198.18.17.51/32")


LAB_SSH = "0d698110-ca56-4ea0-b594-caba3664783d"    # gre2's group
SET_LAB_SSH = "NIPv40d698110-ca56-4ea0-b594-"


def _intent_with_group_rule(name, rule):
    """fx.intent, with ``rule`` added to the default group's body."""
    ports = [fx._body(p.name)["port"]
             for p in sorted(fx.API.glob("port-*.json"))]
    port = next(p for p in ports if p["name"] == name)
    groups, members = [], {}
    for path in sorted(fx.API.glob("security-group-*.json")):
        group = fx._body(path.name)["security_group"]
        if group["id"] == DEFAULT:
            group["security_group_rules"].append(rule)
        groups.append(group)
        gname = path.name[len("security-group-"):-len(".json")]
        members[group["id"]] = fx._body(f"ports-of-{gname}.json")["ports"]
    conn = FakeConnection(FakeNetwork(ports, groups, members))
    return secgroups.intent_of(conn, conn.network.find_port(port["id"]))


def test_a_missing_set_does_not_end_the_comparison_of_the_next():
    # edit: the default group's body given one more rule, IPv4 in from the
    # remote group lab-ssh-icmp (gre2's), whose set the host has not got:
    # that set is missing, and the default group's own set (after it by
    # name) still compared (_compare_sets mutant 41: the loop left at the
    # missing set, the default set's row lost)
    base = next(r for r in fx._body("security-group-default.json")[
        "security_group"]["security_group_rules"]
        if r["remote_group_id"] == DEFAULT and r["ethertype"] == "IPv4")
    rule = dict(base, id="5e0c2b4a-9f1d-4c3e-8a7b-6d5f4e3c2b1a",
                remote_group_id=LAB_SSH)
    hops, findings = fw_hybrid.judge(_intent_with_group_rule("vxlan2", rule),
                                     fx.outputs())
    sets = [(h.device, h.state, h.detail) for h in hops if h.kind == "ipset"]
    assert sets == [
        (SET_LAB_SSH, "missing", f"remote group {LAB_SSH}: no member"),
        (SET_V4, "installed", f"remote group {DEFAULT}: 198.18.16.16/32, "
         "198.18.16.50/32, 198.18.17.250/32, 198.18.17.51/32, "
         "198.18.17.77/32, 198.18.18.82/32, 198.18.18.98/32, "
         "198.18.19.49/32")]
    assert [(f.code, f.subject) for f in findings
            if f.code.startswith("NETDIAG_FW_IPT_IPSET")] == [
        ("NETDIAG_FW_IPT_IPSET_MISSING", f"compute2:{SET_LAB_SSH}")]


# -- fw_hybrid_order: which lines are in Neutron's fixed order -------------

VXLAN2_PAIR = (f"[0:0] -A {VXLAN2_S} -s 198.18.17.250/32 -m mac --mac-source "
               "fa:16:3e:28:29:a3 -m comment --comment \"Allow traffic from "
               "defined IP/MAC pairs.\" -j RETURN\n")
VXLAN2_FIXED = (f"[9:756] -A {VXLAN2_S} -s 198.18.17.77/32 -m mac "
                "--mac-source fa:16:3e:28:29:a3 -m comment --comment "
                "\"Allow traffic from defined IP/MAC pairs.\" -j RETURN\n")


def test_anti_spoofing_returns_in_another_order_are_no_finding():
    # edit: vxlan2's two anti-spoofing RETURNs swapped (its fixed IP's
    # before its allowed address pair's): both still RETURN before the
    # DROP, and their order among themselves is the agent's (_misplaced
    # mutants 5 and 6: the anti-spoofing RETURNs taken for fixed lines)
    text = _edited(fx.IPTABLES, VXLAN2_PAIR + VXLAN2_FIXED,
                   VXLAN2_FIXED + VXLAN2_PAIR)
    _, findings = fw_hybrid.judge(fx.intent("vxlan2"),
                                  fx.outputs(iptables=text))
    assert findings == ()


GRE2_SPOOF_RETURN = (f"[8:672] -A {GRE2_S} -s 198.18.19.47/32 -m mac "
                     "--mac-source fa:16:3e:4c:d5:f1 -m comment --comment "
                     "\"Allow traffic from defined IP/MAC pairs.\" "
                     "-j RETURN\n")
GRE2_SPOOF_DROP = (f"[0:0] -A {GRE2_S} -m comment --comment \"Drop traffic "
                   "without an IP/MAC allow rule.\" -j DROP\n")


def _rule_of(line, chain):
    """The text after '-A CHAIN ' of a capture's line."""
    return line.split(f"-A {chain} ", 1)[1][:-1]


def test_the_drop_right_after_the_only_spoof_return_moved_above_it():
    # edit: gre2's anti-spoofing DROP moved above its one RETURN, the line
    # right before it in Neutron's order (_shadowed mutant 11: blockers
    # looked for from two lines on, so none found)
    text = _edited(fx.IPTABLES, GRE2_SPOOF_RETURN + GRE2_SPOOF_DROP,
                   GRE2_SPOOF_DROP + GRE2_SPOOF_RETURN)
    _, findings = fw_hybrid.judge(fx.intent("gre2"),
                                  fx.outputs(iptables=text))
    found = _one(findings)
    assert (found.code, found.subject, found.summary) == (
        "NETDIAG_FW_IPT_RULE_SHADOWED", f"compute2:{GRE2_S}",
        f"{GRE2_S} on compute2 drops with "
        f"'{_rule_of(GRE2_SPOOF_DROP, GRE2_S)}' before "
        f"'{_rule_of(GRE2_SPOOF_RETURN, GRE2_S)}' can allow")


GRE2_ALLOW_ALL = f"[2:168] -A {GRE2_O} -j RETURN\n"
GRE2_O_FALLBACK = (f"[0:0] -A {GRE2_O} -m comment --comment \"Send unmatched "
                   "traffic to the fallback chain.\" -j "
                   "neutron-openvswi-sg-fallback\n")


def test_a_return_after_the_jump_to_the_spoof_chain_can_be_shadowed():
    # edit: gre2's egress jump to sg-fallback moved above its group rule
    # "-j RETURN", which comes after the (non-RETURN) jump to the
    # anti-spoofing chain (_shadowed mutant 9: the search stopped at that
    # jump, so only an order finding)
    text = _edited(fx.IPTABLES, GRE2_O_FALLBACK, "")
    text = _edited(text, GRE2_ALLOW_ALL, GRE2_O_FALLBACK + GRE2_ALLOW_ALL)
    _, findings = fw_hybrid.judge(fx.intent("gre2"),
                                  fx.outputs(iptables=text))
    found = _one(findings)
    assert (found.code, found.subject, found.summary) == (
        "NETDIAG_FW_IPT_RULE_SHADOWED", f"compute2:{GRE2_O}",
        f"{GRE2_O} on compute2 drops with "
        f"'{_rule_of(GRE2_O_FALLBACK, GRE2_O)}' before '-j RETURN' can "
        "allow")


# -- fw_hybrid._wire and host_verdict: the packet as netfilter sees it -----

FORWARD_TOP = "[135:23784] -A FORWARD -j neutron-filter-top\n"
GRE2_EGRESS = dict(direction="egress", protocol="icmp",
                   remote_ip="198.18.19.49")
GRE2_INGRESS = dict(direction="ingress", protocol="icmp",
                    remote_ip="198.18.19.49")
GRE2_PATH = ("a new connection; chains: FORWARD -> neutron-filter-top -> "
             "neutron-openvswi-local -> neutron-openvswi-FORWARD -> "
             "neutron-openvswi-sg-chain -> ")
ACCEPTED = "; accepted by -A neutron-openvswi-sg-chain -j ACCEPT"


def _gre2_verdict(text, **packet):
    return fw_hybrid.host_verdict(fx.intent("gre2"), Packet(
        ethertype="IPv4", **packet), fx.outputs(iptables=text))


@pytest.mark.parametrize("match, packet", [
    ("-i qbr85bbfe3b-99", GRE2_EGRESS),
    ("-o qbr85bbfe3b-99", GRE2_INGRESS),
    ("-m physdev --physdev-out qvb85bbfe3b-99", GRE2_EGRESS),
    ("-m physdev --physdev-in qvb85bbfe3b-99", GRE2_INGRESS)])
def test_a_hand_drop_on_the_ports_bridge_or_veth_decides(match, packet):
    # edit: a DROP added by hand at the top of FORWARD, matching gre2's
    # packets by the bridge (qbr: both its in and out interface, as
    # br_netfilter hands a bridged packet over) or by the veth (qvb: the
    # bridge port a packet leaves by on egress, comes in by on ingress)
    # (_wire mutants 9 and 11: no qvb or qbr name, 21, 22, 27 and 28: no
    # in or out interface, 37: no physdev-out on egress, 50: no physdev-in
    # on ingress; each lets the packet on to its allow)
    line = f"[0:0] -A FORWARD {match} -j DROP\n"
    v = _gre2_verdict(_edited(fx.IPTABLES, FORWARD_TOP, line + FORWARD_TOP),
                      **packet)
    assert (v.decision, v.decided_by, v.detail) == (
        "deny", f"-A FORWARD {match} -j DROP",
        "a new connection; chains: FORWARD")


GRE2_EGRESS_ALL = f"[2:168] -A {GRE2_O} -j RETURN\n"
GRE2_EGRESS_443 = (f"[2:168] -A {GRE2_O} -d 198.18.0.0/15 -p tcp -m tcp "
                   "--dport 443 -j RETURN\n")


def test_an_egress_packet_meets_its_destination_and_port():
    # edit: gre2's egress group rule "-j RETURN" narrowed to TCP 443 to
    # 198.18.0.0/15, as Neutron writes a rule with that prefix and port
    # (_wire mutants 35: no destination on an egress packet, 39 and 46: no
    # destination port; each then denied); a UDP packet is denied by the
    # fallback DROP, after the anti-spoofing RETURN (host_verdict mutants
    # 39: that RETURN named as deciding, 41: "accepted by" said of a denied
    # packet)
    text = _edited(fx.IPTABLES, GRE2_EGRESS_ALL, GRE2_EGRESS_443)
    path = f"{GRE2_PATH}{GRE2_O} -> {GRE2_S}"
    v = _gre2_verdict(text, direction="egress", protocol="tcp", port=443,
                      remote_ip="198.18.19.49")
    assert (v.decision, v.decided_by, v.detail) == (
        "allow", f"-A {GRE2_O} {_rule_of(GRE2_EGRESS_443, GRE2_O)}",
        path + ACCEPTED)
    v = _gre2_verdict(text, direction="egress", protocol="udp", port=53,
                      remote_ip="198.18.19.49")
    assert (v.decision, v.decided_by, v.detail) == (
        "deny", "-A neutron-openvswi-sg-fallback -m comment --comment "
        "\"Default drop rule for unmatched traffic.\" -j DROP",
        f"{path} -> neutron-openvswi-sg-fallback")


def test_a_skipped_rule_is_counted_after_the_chains():
    # edit: a rule with a match the walk does not read (-m limit) added at
    # the top of FORWARD (host_verdict mutant 31: the detail only the
    # count, 32: "-=" on a text)
    line = "[0:0] -A FORWARD -m limit --limit 5/min -j DROP\n"
    v = _gre2_verdict(_edited(fx.IPTABLES, FORWARD_TOP, line + FORWARD_TOP),
                      **GRE2_INGRESS)
    assert (v.decision, v.decided_by, v.detail) == (
        "allow", f"-A {GRE2_I} -s 198.18.0.0/15 -p icmp -j RETURN",
        f"{GRE2_PATH}{GRE2_I}; 1 rule(s) with matches not understood were "
        f"skipped{ACCEPTED}")
