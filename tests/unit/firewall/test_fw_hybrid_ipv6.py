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

"""The iptables_hybrid view's IPv6 side on the lab's compute2 as recorded
(``ip6tables-save -c -t filter`` beside ``iptables-save`` and ``ipset
list`` of the same moment; vlan2 had the IPv6 allowed address pair
fd00:198:18::50): every port's IPv6 lines rendered from the API found in
Neutron's order, and each fault injected into the real ip6tables text
(the edit is said where it is made) caught with its exact finding; the
packet question with --ethertype IPv6 answered from ip6tables."""

import pytest

from osc_netdiag.backends.ml2_ovs import fw_hybrid
from osc_netdiag.backends.ml2_ovs import fw_hybrid_render6 as render6
from osc_netdiag.secgroups import Packet
from tests.unit.firewall import hybrid6_fixtures as fx

VLAN2_S = "neutron-openvswi-sa74aa20f-3"
VLAN2_O = "neutron-openvswi-oa74aa20f-3"
VXLAN2_I = "neutron-openvswi-i29a78755-1"
VXLAN2_O = "neutron-openvswi-o29a78755-1"
GRE2_I = "neutron-openvswi-if03566f3-1"
SET_V6 = "NIPv6438e40ab-b36e-419b-ad13-"
PAIR = "fd00:198:18::50"
VLAN2_MAC = "fa:16:3e:6e:59:e3"
ALLOW = '-m comment --comment "Allow traffic from defined IP/MAC pairs."'


def codes(findings):
    return sorted(f.code for f in findings)


def v6(rows):
    """The IPv6 rule rows (not the sets')."""
    return [r for r in rows if r["family"] == "IPv6" and "chain" in r]


def edited(old, new):
    """The real ip6tables capture with one line's rule text changed."""
    assert fx.IP6TABLES.count(old) == 1, old
    return fx.IP6TABLES.replace(old, new)


@pytest.mark.parametrize("name,rows", [("vlan2", 28), ("vxlan2", 24),
                                       ("dvr2", 24), ("gre2", 23),
                                       ("open2", 3)])
def test_every_compute2_port_is_in_sync_in_both_families(name, rows):
    found, findings = fw_hybrid.compare(fx.intent(name), fx.outputs())
    assert findings == []
    assert len(v6(found)) == rows
    assert {r["state"] for r in found} == {"installed"}
    assert {r["family"] for r in found} == {"IPv4", "IPv6"}


def test_link_local_address_from_the_mac_eui64():
    assert str(render6.link_local(VLAN2_MAC)) == "fe80::f816:3eff:fe6e:59e3"
    with pytest.raises(ValueError):
        render6.link_local("fa:16:3e")


def test_ipv6_anti_spoofing_pair_then_its_link_local_then_drop():
    rows, _ = fw_hybrid.compare(fx.intent("vlan2"), fx.outputs())
    spoof = [(r["rule"].split(" -m comment")[0], r["state"])
             for r in v6(rows) if r["chain"] == VLAN2_S]
    assert spoof == [
        (f"-s {PAIR}/128 -m mac --mac-source {VLAN2_MAC}", "installed"),
        (f"-s fe80::f816:3eff:fe6e:59e3/128 -m mac --mac-source "
         f"{VLAN2_MAC}", "installed"),
        ('-m comment --comment "Drop traffic without an IP/MAC allow '
         'rule." -j DROP', "installed")]
    jump = [r for r in v6(rows) if r["rule"] == f"-j {VLAN2_S}"]
    assert [(r["chain"], r["state"]) for r in jump] == \
        [(VLAN2_O, "installed")]


def test_an_ipv4_only_port_has_no_ipv6_spoof_chain_and_fixed_icmpv6():
    rows, _ = fw_hybrid.compare(fx.intent("vxlan2"), fx.outputs())
    chains = {r["chain"] for r in v6(rows)}
    assert "neutron-openvswi-s29a78755-1" not in chains
    ingress = [r["rule"] for r in v6(rows) if r["chain"] == VXLAN2_I]
    assert ingress[:3] == [f"-p ipv6-icmp -m icmp6 --icmpv6-type {t} "
                           "-j RETURN" for t in (130, 135, 136)]
    assert "-d fe80::/64 -p udp -m udp --sport 547 --dport 546 -j RETURN" \
        in ingress
    assert f"-m set --match-set {SET_V6} src -j RETURN" in ingress


def test_the_ipv6_set_and_its_member():
    rows, _ = fw_hybrid.compare(fx.intent("vxlan2"), fx.outputs())
    sets = [r for r in rows if r.get("ipset") == SET_V6]
    assert [(s["state"], s["members"], s["family"]) for s in sets] == [
        ("installed", [f"{PAIR}/128"], "IPv6")]


def test_hops_name_ip6tables_and_what_ipv6_comments_mean():
    hops, findings = fw_hybrid.judge(fx.intent("vlan2"), fx.outputs())
    assert findings == ()
    ra = [h for h in hops if "Router Advts" in h.detail]
    assert [(h.kind, h.state) for h in ra] == \
        [("ip6tables-rule", "installed")]
    assert ra[0].evidence[0].command == "ip6tables-save -c -t filter"
    assert ra[0].evidence[0].lines[-1] == \
        f"# {render6.MEANINGS[render6.IPV6_RA_DROP]}"


def test_an_ipv6_rule_removed():
    # edit: vxlan2's neighbour solicitation accept (ingress) deleted
    line = f"[0:0] -A {VXLAN2_I} -p ipv6-icmp -m icmp6 --icmpv6-type 135 " \
           "-j RETURN\n"
    _, findings = fw_hybrid.compare(fx.intent("vxlan2"), fx.outputs(
        ip6tables=edited(line, "")))
    assert codes(findings) == ["NETDIAG_FW_IPT_RULE_MISSING"]
    assert findings[0].subject == f"compute2:{VXLAN2_I}"
    assert findings[0].summary.endswith("(IPv6)")


def test_an_ipv6_rule_present_but_wrong():
    # edit: vxlan2's IPv6 egress rule (any protocol) made UDP only
    old = f"-A {VXLAN2_O} -j RETURN\n"
    text = edited(old, f"-A {VXLAN2_O} -p udp -j RETURN\n")
    _, findings = fw_hybrid.compare(fx.intent("vxlan2"),
                                    fx.outputs(ip6tables=text))
    assert codes(findings) == ["NETDIAG_FW_IPT_RULE_EXTRA",
                               "NETDIAG_FW_IPT_RULE_MISSING"]


def test_the_link_local_anti_spoofing_return_missing():
    # edit: vlan2's link-local RETURN removed from its IPv6 spoof chain
    line = (f"[0:0] -A {VLAN2_S} -s fe80::f816:3eff:fe6e:59e3/128 -m mac "
            f"--mac-source {VLAN2_MAC} {ALLOW} -j RETURN\n")
    _, findings = fw_hybrid.compare(fx.intent("vlan2"), fx.outputs(
        ip6tables=edited(line, "")))
    assert codes(findings) == ["NETDIAG_FW_IPT_SPOOF_MISSING"]
    assert "fe80::f816:3eff:fe6e:59e3/128" in findings[0].summary


def test_the_ipv6_set_member_removed():
    # edit: the pair's address taken out of the NIPv6 set (its only member)
    old = f"Number of entries: 1\nMembers:\n{PAIR}\n"
    assert fx.IPSETS.count(old) == 1
    text = fx.IPSETS.replace(old, "Number of entries: 0\nMembers:\n")
    _, findings = fw_hybrid.compare(fx.intent("vxlan2"),
                                    fx.outputs(ipsets=text))
    assert codes(findings) == ["NETDIAG_FW_IPT_IPSET_MEMBER_MISSING"]
    assert findings[0].summary == (f"{PAIR} is missing from ipset {SET_V6} "
                                   "on compute2")


def test_the_ipv4_table_alone_is_not_enough_for_a_host_view():
    # IPv6 read as the IPv4 text (the wrong probe's output): every port
    # line of the IPv6 tables is then missing or extra
    _, findings = fw_hybrid.compare(fx.intent("gre2"), fx.outputs(
        ip6tables=fx.IPTABLES))
    assert "NETDIAG_FW_IPT_RULE_MISSING" in codes(findings)
    assert all(f.summary.endswith("(IPv6)") for f in findings)


# -- the host's verdict on IPv6 packets ---------------------------------------

def verdict(name, text=fx.IP6TABLES, **packet):
    return fw_hybrid.host_verdict(fx.intent(name), Packet(
        ethertype="IPv6", **packet), fx.outputs(ip6tables=text))


def test_ipv6_egress_allowed_by_the_default_groups_rule():
    v = verdict("vxlan2", direction="egress", protocol="tcp", port=443,
                remote_ip="2001:db8::5")
    assert v.decision == "allow"
    assert v.decided_by == f"-A {VXLAN2_O} -j RETURN"


def test_ipv6_ingress_denied_where_no_rule_allows_it():
    v = verdict("gre2", direction="ingress", protocol="tcp", port=22,
                remote_ip="2001:db8::5")
    assert v.decision == "deny"
    assert v.decided_by.startswith("-A neutron-openvswi-sg-fallback ")
    assert GRE2_I in v.detail


def test_ipv6_ingress_from_a_set_member_allowed():
    v = verdict("vxlan2", direction="ingress", protocol="tcp", port=22,
                remote_ip=PAIR)
    assert (v.decision, v.decided_by) == (
        "allow", f"-A {VXLAN2_I} -m set --match-set {SET_V6} src -j RETURN")


def test_neighbour_solicitation_allowed_by_neutrons_fixed_line():
    v = verdict("gre2", direction="ingress", protocol="icmp", icmp_type=135,
                icmp_code=0, remote_ip="fe80::1")
    assert v.decided_by == \
        f"-A {GRE2_I} -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j RETURN"


def test_ipv6_egress_denied_once_the_rule_is_made_udp_only():
    # edit: as in test_an_ipv6_rule_present_but_wrong
    text = edited(f"-A {VXLAN2_O} -j RETURN\n",
                  f"-A {VXLAN2_O} -p udp -j RETURN\n")
    v = verdict("vxlan2", text, direction="egress", protocol="tcp", port=443,
                remote_ip="2001:db8::5")
    assert v.decision == "deny"
    assert v.decided_by.startswith("-A neutron-openvswi-sg-fallback ")


def test_ipv6_egress_from_a_port_without_ipv6_leaves_from_its_link_local():
    # vxlan2 has no IPv6 address: its packets leave from fe80::.../64,
    # which no anti-spoofing chain checks on an IPv4-only port
    v = verdict("vxlan2", direction="egress", protocol="udp", port=53,
                remote_ip="2001:db8::5")
    assert v.decision == "allow"
