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

"""iptables_hybrid: the exact hops, findings, remedies and verdicts of the
port firewall on the lab's compute2 as recorded (``hybrid_fixtures``,
``hybrid6_fixtures``). Each fault or edge is the real ``iptables-save``,
``ipset list`` or API body edited in one place, said where it is made.

Written against surviving mutants of ``backends.ml2_ovs.fw_hybrid*``
(named in the comments), each of which one of these tests fails.
"""

import dataclasses

import pytest

from osc_netdiag.backends.ml2_ovs import fw_hybrid
from osc_netdiag.backends.ml2_ovs import fw_hybrid_render as render
from osc_netdiag.backends.ml2_ovs import fw_hybrid_render6 as render6
from osc_netdiag.errors import ParseError
from osc_netdiag.secgroups import IPV6
from osc_netdiag.secgroups import Packet
from tests.unit.firewall import hybrid6_fixtures as fx6
from tests.unit.firewall import hybrid_fixtures as fx
from tests.unit.firewall.test_fw_hybrid import without
from tests.unit.firewall.test_fw_hybrid_order import FALLBACK
from tests.unit.firewall.test_fw_hybrid_order import ICMP
from tests.unit.firewall.test_fw_hybrid_order import moved

RAW = (fx.CAPTURES / "iptables-save-t-raw--compute2-hybrid.out").read_text()
GRE2_I = "neutron-openvswi-i85bbfe3b-9"
GRE2_O = "neutron-openvswi-o85bbfe3b-9"
GRE2_S = "neutron-openvswi-s85bbfe3b-9"
GRE2_TAP = "tap85bbfe3b-99"
VXLAN2_S = "neutron-openvswi-sa5bf0a8e-e"
SET_V4 = "NIPv47f282516-7042-4b2b-bcd2-"
DEFAULT = "7f282516-7042-4b2b-bcd2-4e9ceeeb3321"     # its group
RESTART = "Restart neutron-openvswitch-agent on compute2"
SG_TO_O = (f"-A neutron-openvswi-sg-chain -m physdev --physdev-in {GRE2_TAP} "
           "--physdev-is-bridged -m comment --comment \"Jump to the VM "
           f"specific chain.\" -j {GRE2_O}\n")
INPUT_TO_O = (f"-A neutron-openvswi-INPUT -m physdev --physdev-in {GRE2_TAP} "
              "--physdev-is-bridged -m comment --comment \"Direct incoming "
              "traffic from VM to the security group chain.\" "
              f"-j {GRE2_O}\n")
VIP_LINE = (f'-A {VXLAN2_S} -s 198.18.17.250/32 -m mac --mac-source '
            f'fa:16:3e:28:29:a3 -m comment --comment "Allow traffic from '
            f'defined IP/MAC pairs." -j RETURN\n')


def _one(findings):
    (found,) = findings
    return found


# -- fw_hybrid.filter_table ----------------------------------------------

def test_an_output_without_a_filter_table_is_refused_by_name():
    # the raw table's real output handed over where the filter table's
    # belongs (filter_table mutant 8: the message lost)
    with pytest.raises(ParseError) as caught:
        fw_hybrid.filter_table({fw_hybrid.FILTER: RAW})
    assert str(caught.value) == \
        "iptables-filter: no filter table in the output"


# -- fw_hybrid_compare: sets ---------------------------------------------

def test_a_missing_set_member_is_named_in_the_hop_and_the_remedy():
    # edit: 198.18.17.51 (vxlan1, a default-group member) gone from the set
    # (_compare_sets mutants 62: the row's missing list, 88: the remedy's
    # ipset)
    text = fx.IPSETS.replace("198.18.17.51\n", "", 1).replace(
        "Number of entries: 8", "Number of entries: 7", 1)
    hops, findings = fw_hybrid.judge(fx.intent("vxlan2"),
                                     fx.outputs(ipsets=text))
    (hop,) = [h for h in hops if h.device == SET_V4]
    assert (hop.kind, hop.state, str(hop.status)) == (
        "ipset", "differs", "ERROR")
    assert hop.detail.endswith("; missing: 198.18.17.51/32")
    assert "198.18.17.51/32" not in hop.detail.split("; missing")[0]
    found = _one(findings)
    assert found.code == "NETDIAG_FW_IPT_IPSET_MEMBER_MISSING"
    assert found.subject == f"compute2:{SET_V4}"
    assert found.remedy.startswith(
        f"198.18.17.51 (a port of remote group {DEFAULT}) is missing from "
        f"the ipset {SET_V4} on compute2: ")


def test_a_missing_set_is_found_with_its_remedy():
    # edit: the IPv4 set renamed (as if another group's)
    # (_compare_sets mutant 33: the finding built without its code)
    text = fx.IPSETS.replace(SET_V4, "NIPv4aaaaaaaa-7042-4b2b-bcd2-", 1)
    hops, findings = fw_hybrid.judge(fx.intent("vxlan2"),
                                     fx.outputs(ipsets=text))
    found = _one(findings)
    assert found.code == "NETDIAG_FW_IPT_IPSET_MISSING"
    assert found.subject == f"compute2:{SET_V4}"
    assert found.summary == (f"ipset {SET_V4} (remote group {DEFAULT}) is "
                             "not on compute2")
    assert found.remedy.startswith(
        f"The ipset {SET_V4} of remote group {DEFAULT} is not on compute2: ")
    (hop,) = [h for h in hops if h.device == SET_V4]
    assert (hop.state, hop.detail) == ("missing",
                                       f"remote group {DEFAULT}: no member")


# -- fw_hybrid_compare: comments and port security ------------------------

def test_a_missing_commented_line_still_says_what_it_means():
    # edit: vxlan2's RETURN for its VIP removed; its hop shows the meaning
    # of the comment the API's line carries (comment_of mutants 2 and 3:
    # the comment marker not found)
    hops, findings = fw_hybrid.judge(
        fx.intent("vxlan2"), fx.outputs(iptables=without(fx.IPTABLES,
                                                         VIP_LINE)))
    assert [f.code for f in findings] == ["NETDIAG_FW_IPT_SPOOF_MISSING"]
    (hop,) = [h for h in hops if h.state == "missing"]
    assert hop.device == VXLAN2_S
    assert hop.evidence[0].lines == (
        f"# {render.MEANINGS[render.PAIR_ALLOW]}",)


def test_port_security_off_in_the_api_while_the_ports_chains_stay():
    # edit: gre2's API body says port security off; the host still has
    # its three chains (compare mutants 27: the chain not looked up, 29:
    # the finding dropped)
    def off(port):
        port["port_security_enabled"] = False
    _, findings = fw_hybrid.compare(fx.intent("gre2", edit_port=off),
                                    fx.outputs())
    mismatch = [f for f in findings
                if f.code == "NETDIAG_FW_IPT_PORT_SECURITY_MISMATCH"]
    assert [f.subject for f in mismatch] == [
        f"compute2:{GRE2_I}", f"compute2:{GRE2_O}", f"compute2:{GRE2_S}"]
    assert mismatch[0].summary == (
        f"port security is off but {GRE2_I} is on compute2")
    assert mismatch[0].remedy.startswith(
        "The port has port security off in the API but compute2 still has "
        f"the port's chain {GRE2_I}. ")
    # the ACCEPT jumps it should have instead are missing, the jumps to
    # its chains extra
    assert sorted({f.code for f in findings}) == [
        "NETDIAG_FW_IPT_PORT_SECURITY_MISMATCH",
        "NETDIAG_FW_IPT_RULE_EXTRA", "NETDIAG_FW_IPT_RULE_MISSING"]


# -- fw_hybrid_render.shared_jumps ----------------------------------------

@pytest.mark.parametrize("line, chain", [
    (SG_TO_O, "neutron-openvswi-sg-chain"),
    (INPUT_TO_O, "neutron-openvswi-INPUT")])
def test_a_missing_jump_to_the_egress_chain_is_a_missing_chain(line, chain):
    # edit: one of the two jumps to gre2's egress chain removed
    # (shared_jumps mutant 103: the jump's kind lost, so it would be
    # reported as a missing rule)
    _, findings = fw_hybrid.compare(fx.intent("gre2"),
                                    fx.outputs(iptables=without(fx.IPTABLES,
                                                                line)))
    found = _one(findings)
    assert found.code == "NETDIAG_FW_IPT_CHAIN_MISSING"
    assert found.subject == f"compute2:{chain}"
    assert found.summary == (f"{chain} on compute2 has no "
                             f"'{line[len(chain) + 4:-1]}'")
    assert found.remedy.startswith(
        f"The port's chain {GRE2_O} (or the jump to it) is not in compute2's "
        "filter table, ")


# -- fw_hybrid_order.check ------------------------------------------------

def test_the_shadowed_findings_remedy_names_chain_and_host():
    # the fallback jump moved above the ICMP rule (check mutant 26: the
    # chain not handed to the remedy)
    _, findings = fw_hybrid.compare(fx.intent("gre2"), fx.outputs(
        iptables=moved(fx.IPTABLES, FALLBACK, ICMP)))
    found = _one(findings)
    assert found.code == "NETDIAG_FW_IPT_RULE_SHADOWED"
    assert found.remedy.startswith(
        f"{GRE2_I} on compute2 has '{FALLBACK[len(GRE2_I) + 4:-1]}', which "
        "drops everything it reaches, before '-s 198.18.0.0/15 -p icmp -j "
        "RETURN', which Neutron puts ahead of it: ")


def test_the_order_findings_remedy_names_chain_and_host():
    # the INVALID DROP moved above the ICMP rule (check mutant 40: the
    # host not handed to the remedy)
    invalid = (f"-A {GRE2_I} -m state --state INVALID -m comment --comment "
               "\"Drop packets that appear related to an existing connection "
               "(e.g. TCP ACK/FIN) but do not have an entry in conntrack.\" "
               "-j DROP\n")
    _, findings = fw_hybrid.compare(fx.intent("gre2"), fx.outputs(
        iptables=moved(fx.IPTABLES, invalid, ICMP)))
    found = _one(findings)
    assert found.code == "NETDIAG_FW_IPT_RULE_ORDER"
    assert found.remedy.startswith(
        f"{GRE2_I} on compute2 has its rules out of Neutron's order (a group "
        "rule outside the ESTABLISHED..INVALID block): a rule may be "
        f"shadowed. {RESTART}")


# -- fw_hybrid_render: IPv6 ICMP ------------------------------------------

def test_an_ipv6_icmp_rule_is_written_as_ip6tables_prints_it():
    # gre2's ICMP rule with its ethertype made IPv6, no prefix and ICMPv6
    # type 135: the line ip6tables-save prints for Neutron's own type 135
    # RETURN (_protocol_and_ports mutant 9: the protocol's spelling)
    rule = next(r for r in fx.intent("gre2").rules if r.protocol == "icmp")
    rule = dataclasses.replace(rule, ethertype=IPV6, remote_ip_prefix=None,
                               port_range_min=135)
    text = render.rule_text(rule)
    assert text == "-p ipv6-icmp -m icmp6 --icmpv6-type 135 -j RETURN"
    assert f"-A neutron-openvswi-i29a78755-1 {text}\n" in fx6.IP6TABLES


# -- fw_hybrid_render6.spoof_pairs ---------------------------------------

def test_an_ipv6_fixed_ip_is_a_spoof_pair_after_the_address_pairs():
    # edit: vlan2's API body given an IPv6 fixed IP besides its IPv6
    # allowed address pair (spoof_pairs mutant 28: add() called short)
    def v6(port):
        port["fixed_ips"].append({"subnet_id": port["fixed_ips"][0][
            "subnet_id"], "ip_address": "fd00:198:18::51"})
    intent = fx6.intent("vlan2", edit_port=v6)
    mac = intent.mac_address
    lla = f"{render6.link_local(mac)}/128"
    assert render6.spoof_pairs(intent) == [
        ("fd00:198:18::50/128", mac,
         "allowed address pair fd00:198:18::50"),
        (lla, mac, f"link-local of {mac} (allowed address pair "
                   "fd00:198:18::50)"),
        ("fd00:198:18::51/128", mac, "fixed IP fd00:198:18::51")]


# -- fw_hybrid_eval: ICMP codes and gotos ---------------------------------

def _icmp_verdict(text, icmp_code):
    return fw_hybrid.host_verdict(fx.intent("gre2"), Packet(
        direction="ingress", ethertype="IPv4", protocol="icmp",
        remote_ip="198.18.19.49", icmp_type=8, icmp_code=icmp_code),
        fx.outputs(iptables=text))


def test_an_icmp_rule_with_a_code_allows_that_code_only():
    # edit: gre2's ICMP rule given type 8 code 0, as Neutron writes a rule
    # with port_range_min 8 and port_range_max 0 (matches mutant 163: the
    # code compared the wrong way)
    rule = "-s 198.18.0.0/15 -p icmp -m icmp --icmp-type 8/0 -j RETURN"
    text = fx.IPTABLES.replace("-s 198.18.0.0/15 -p icmp -j RETURN",
                               rule, 1)
    allowed = _icmp_verdict(text, 0)
    assert (allowed.decision, allowed.decided_by) == (
        "allow", f"-A {GRE2_I} {rule}")
    denied = _icmp_verdict(text, 3)
    assert denied.decision == "deny"
    assert denied.decided_by.startswith("-A neutron-openvswi-sg-fallback ")


def test_a_goto_is_followed_not_skipped():
    # edit: FORWARD's jump of gre2's ingress packets to sg-chain made a
    # goto (-g), as iptables-save prints one (matches mutant 31: -g taken
    # for a match not understood, the rule skipped)
    jump = (f"--physdev-out {GRE2_TAP} --physdev-is-bridged -m comment "
            "--comment \"Direct traffic from the VM interface to the "
            "security group chain.\" -j neutron-openvswi-sg-chain")
    assert jump in fx.IPTABLES
    text = fx.IPTABLES.replace(jump, jump.replace(" -j ", " -g "), 1)
    v = _icmp_verdict(text, 0)
    assert (v.decision, v.decided_by) == (
        "allow", f"-A {GRE2_I} -s 198.18.0.0/15 -p icmp -j RETURN")
    assert v.detail == (
        "a new connection; chains: FORWARD -> neutron-filter-top -> "
        "neutron-openvswi-local -> neutron-openvswi-FORWARD -> "
        f"neutron-openvswi-sg-chain -> {GRE2_I}; accepted by "
        "-A neutron-openvswi-sg-chain -j ACCEPT")
