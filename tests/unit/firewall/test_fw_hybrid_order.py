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

"""Rule order on iptables_hybrid: the same lines in an order that changes
the decision are a finding (NETDIAG_FW_IPT_RULE_SHADOWED, ERROR); an
order that only breaks Neutron's layout is NETDIAG_FW_IPT_RULE_ORDER
(WARNING). Each case is the lab's real ``iptables-save`` (or
``ip6tables-save``) of compute2 with one line moved, as said there."""

from osc_netdiag.backends.ml2_ovs import fw_hybrid
from osc_netdiag.backends.ml2_ovs import fw_hybrid_order as order
from osc_netdiag import exitcodes
from osc_netdiag.models import Severity
from osc_netdiag.secgroups import Packet
from tests.unit.firewall import hybrid6_fixtures as fx6
from tests.unit.firewall import hybrid_fixtures as fx

GRE2_I = "neutron-openvswi-i85bbfe3b-9"
VXLAN2_S = "neutron-openvswi-sa5bf0a8e-e"
VXLAN2_I6 = "neutron-openvswi-i29a78755-1"
FALLBACK = (f"-A {GRE2_I} -m comment --comment \"Send unmatched traffic to "
            "the fallback chain.\" -j neutron-openvswi-sg-fallback\n")
ICMP = f"-A {GRE2_I} -s 198.18.0.0/15 -p icmp -j RETURN\n"


def moved(text, line, before):
    """``text`` with the rule ``line`` moved above the rule ``before``.

    Counters kept: the same lines, one in another place.
    """
    lines = text.splitlines(keepends=True)
    (src,) = [t for t in lines if t.startswith("[") and t.endswith(line)]
    lines.remove(src)
    (index,) = [i for i, t in enumerate(lines)
                if t.startswith("[") and t.endswith(before)]
    lines.insert(index, src)
    result = "".join(lines)
    assert sorted(result.splitlines()) == sorted(text.splitlines())
    return result


def findings_of(name, text):
    _, findings = fw_hybrid.compare(fx.intent(name), fx.outputs(iptables=text))
    return findings


def test_the_fallback_jump_moved_before_the_icmp_rule_shadows_it():
    text = moved(fx.IPTABLES, FALLBACK, ICMP)
    (found,) = findings_of("gre2", text)
    assert (found.code, found.severity) == ("NETDIAG_FW_IPT_RULE_SHADOWED",
                                            Severity.ERROR)
    assert found.subject == f"compute2:{GRE2_I}"
    assert found.summary == (
        f"{GRE2_I} on compute2 drops with '{FALLBACK[len(GRE2_I) + 4:-1]}' "
        f"before '-s 198.18.0.0/15 -p icmp -j RETURN' can allow")
    assert exitcodes.for_report([found], ()) == exitcodes.ERROR_FINDING == 4
    # and the packet it allowed is now dropped there
    v = fw_hybrid.host_verdict(fx.intent("gre2"), Packet(
        direction="ingress", ethertype="IPv4", protocol="icmp",
        remote_ip="198.18.19.49", icmp_type=8, icmp_code=0),
        fx.outputs(iptables=text))
    assert v.decision == "deny"
    assert v.decided_by.startswith("-A neutron-openvswi-sg-fallback ")


def test_the_anti_spoofing_drop_moved_to_the_top():
    drop = (f"-A {VXLAN2_S} -m comment --comment \"Drop traffic without an "
            "IP/MAC allow rule.\" -j DROP\n")
    first = (f"-A {VXLAN2_S} -s 198.18.17.250/32 -m mac --mac-source "
             "fa:16:3e:28:29:a3 -m comment --comment \"Allow traffic from "
             "defined IP/MAC pairs.\" -j RETURN\n")
    codes = [f.code for f in findings_of("vxlan2",
                                         moved(fx.IPTABLES, drop, first))]
    assert codes == ["NETDIAG_FW_IPT_RULE_SHADOWED"]


def test_invalid_drop_moved_up_is_only_out_of_neutrons_order():
    # the INVALID DROP before the ICMP rule drops only what conntrack
    # cannot place: no allow is shadowed for a valid packet
    invalid = (f"-A {GRE2_I} -m state --state INVALID -m comment --comment "
               "\"Drop packets that appear related to an existing connection "
               "(e.g. TCP ACK/FIN) but do not have an entry in conntrack.\" "
               "-j DROP\n")
    (found,) = findings_of("gre2", moved(fx.IPTABLES, invalid, ICMP))
    assert (found.code, found.severity) == ("NETDIAG_FW_IPT_RULE_ORDER",
                                            Severity.WARNING)
    assert "outside the ESTABLISHED..INVALID block" in found.summary


def test_group_rules_swapped_among_themselves_are_not_a_finding():
    ssh = f"-A {GRE2_I} -s 198.18.19.0/24 -p tcp -m tcp --dport 22 -j RETURN\n"
    assert findings_of("gre2", moved(fx.IPTABLES, ICMP, ssh)) == []


def test_an_ipv6_chain_with_its_fallback_jump_first():
    fallback = (f"-A {VXLAN2_I6} -m comment --comment \"Send unmatched "
                "traffic to the fallback chain.\" -j "
                "neutron-openvswi-sg-fallback\n")
    first = f"-A {VXLAN2_I6} -p ipv6-icmp -m icmp6 --icmpv6-type 130 " \
            "-j RETURN\n"
    text = moved(fx6.IP6TABLES, fallback, first)
    _, findings = fw_hybrid.compare(fx6.intent("vxlan2"),
                                    fx6.outputs(ip6tables=text))
    assert [f.code for f in findings] == ["NETDIAG_FW_IPT_RULE_SHADOWED"]
    assert findings[0].summary.endswith("(IPv6)")


def test_what_drops_everything():
    assert order.drops_all("-j DROP")
    assert order.drops_all('-m comment --comment "x y" -j DROP')
    assert order.drops_all("-j neutron-openvswi-sg-fallback")
    assert not order.drops_all("-m state --state INVALID -j DROP")
    assert not order.drops_all('-m comment --comment "a" -p udp -m udp '
                               '--sport 67 --dport 68 -m comment --comment '
                               '"b" -j DROP')
    assert not order.drops_all("-p udp -j DROP")
