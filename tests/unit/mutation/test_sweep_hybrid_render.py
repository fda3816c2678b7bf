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

"""iptables_hybrid, the whole sweep of ``fw_hybrid_eval``,
``fw_hybrid_render`` and ``fw_hybrid_render6``: exact verdicts, lines and
messages on the lab's compute2 as recorded (``hybrid_fixtures``,
``hybrid6_fixtures``), each edited in one place (said where it is made).

Written against surviving mutants of those modules (named in the
comments), each of which one of these tests fails.
"""

import dataclasses
import json

import pytest

from osc_netdiag.backends.ml2_ovs import fw_hybrid
from osc_netdiag.backends.ml2_ovs import fw_hybrid_render as render
from osc_netdiag.backends.ml2_ovs import fw_hybrid_render6 as render6
from osc_netdiag.resolve import secgroups
from osc_netdiag.secgroups import Packet
from tests.unit.firewall.api_fixtures import FakeConnection
from tests.unit.firewall.api_fixtures import FakeNetwork
from tests.unit.firewall import hybrid6_fixtures as fx6
from tests.unit.firewall import hybrid_fixtures as fx
from tests.unit.mutation.test_fw_hybrid_draw2 import _edited
from tests.unit.mutation.test_fw_hybrid_draw2 import FALLBACK_DROP
from tests.unit.mutation.test_fw_hybrid_values import DEFAULT
from tests.unit.mutation.test_fw_hybrid_values import GRE2_I
from tests.unit.mutation.test_fw_hybrid_values import GRE2_O
from tests.unit.mutation.test_fw_hybrid_values import GRE2_TAP
from tests.unit.mutation.test_fw_hybrid_values import SET_V4

GRE2_SSH = "-s 198.18.19.0/24 -p tcp -m tcp --dport 22 -j RETURN"
VXLAN2_I = "neutron-openvswi-ia5bf0a8e-e"
VXLAN2_SET = f"-m set --match-set {SET_V4} src -j RETURN"


def _tcp(text, port, name="gre2", ipsets=fx.IPSETS, remote="198.18.19.49"):
    """The host's verdict on a new TCP connection in to ``name``."""
    v = fw_hybrid.host_verdict(fx.intent(name), Packet(
        direction="ingress", ethertype="IPv4", protocol="tcp",
        remote_ip=remote, port=port), fx.outputs(iptables=text,
                                                 ipsets=ipsets))
    return v.decision, v.decided_by


# -- fw_hybrid_eval._ports ------------------------------------------------

@pytest.mark.parametrize("port, expected", [
    (22, ("allow", f"-A {GRE2_I} {GRE2_SSH}")),
    (21, ("deny", FALLBACK_DROP)),
    (23, ("deny", FALLBACK_DROP))])
def test_a_single_port_rule_lets_that_port_in_only(port, expected):
    # edit: none; gre2's "--dport 22" RETURN as recorded (_ports mutants
    # 6: rpartition, so "22" read as 0:22; 10: the low end made 0)
    assert _tcp(fx.IPTABLES, port) == expected


@pytest.mark.parametrize("port, allowed", [
    (19, False), (20, True), (22, True), (23, True), (24, False)])
def test_a_port_range_lets_its_ends_in_and_no_further(port, allowed):
    # edit: gre2's SSH rule made the range 20-23, as Neutron writes a
    # rule with port_range_min 20 and port_range_max 23 (_ports mutants
    # 7: the range not split, int("20:23"); 10: the low end made 0)
    rule = GRE2_SSH.replace("--dport 22", "-m multiport --dports 20:23")
    text = _edited(fx.IPTABLES, GRE2_SSH, rule)
    assert _tcp(text, port) == (
        ("allow", f"-A {GRE2_I} {rule}") if allowed
        else ("deny", FALLBACK_DROP))


@pytest.mark.parametrize("port, allowed", [
    (22, True), (80, True), (8000, True), (8080, True), (81, False),
    (7999, False), (8081, False)])
def test_a_port_list_lets_each_of_its_ports_in(port, allowed):
    # edit: gre2's SSH rule given a list of ports, as iptables-save prints
    # a multiport match written by hand on the host ("22,80,8000:8080"):
    # the walk reads every rule its chains reach, Neutron's or not
    # (_ports mutants 2: split on whitespace, 3: on "XX,XX", both reading
    # the list as one port)
    rule = GRE2_SSH.replace("--dport 22",
                            "-m multiport --dports 22,80,8000:8080")
    text = _edited(fx.IPTABLES, GRE2_SSH, rule)
    assert _tcp(text, port) == (
        ("allow", f"-A {GRE2_I} {rule}") if allowed
        else ("deny", FALLBACK_DROP))


# -- fw_hybrid_eval._in_set -----------------------------------------------

def test_a_set_missing_from_the_listing_matches_no_packet():
    # vxlan2's ingress RETURN matches the default group's set; 198.18.17.51
    # (vxlan1) is a member. Edit: the set renamed in the ipset listing, as
    # read when the agent removed the group's set after iptables-save was
    # read (_in_set mutant 4: a missing set taken to hold every address)
    rule = f"-A {VXLAN2_I} {VXLAN2_SET}"
    assert rule in fx.IPTABLES
    assert _tcp(fx.IPTABLES, 80, "vxlan2", remote="198.18.17.51") == (
        "allow", rule)
    renamed = fx.IPSETS.replace(SET_V4, "NIPv4aaaaaaaa-7042-4b2b-bcd2-", 1)
    assert _tcp(fx.IPTABLES, 80, "vxlan2", renamed,
                remote="198.18.17.51") == ("deny", FALLBACK_DROP)


def test_a_set_whose_members_are_not_addresses_matches_no_packet():
    # edit: the default group's set, which vxlan2's ingress RETURN
    # matches, given the type hash:ip,port and its member 198.18.17.51 the
    # port tcp:80, as ipset lists a set of that type (one a rule added by
    # hand could match): the walk does not read such members, and the
    # rule does not match (_in_network mutant 8: a member that does not
    # parse taken to hold the address)
    text = _edited(fx.IPSETS, "Type: hash:net\nRevision: 7\nHeader: family "
                   "inet ", "Type: hash:ip,port\nRevision: 7\nHeader: family "
                   "inet ")
    text = _edited(text, "198.18.17.51\n", "198.18.17.51,tcp:80\n")
    assert _tcp(fx.IPTABLES, 80, "vxlan2", text, remote="198.18.17.51") == (
        "deny", FALLBACK_DROP)


# -- fw_hybrid_render6.link_local -----------------------------------------

def test_a_mac_not_in_six_octets_is_refused_by_name():
    # vlan2's allowed address pair MAC written "fa16:3e28:29a3": Neutron's
    # API accepts it (netaddr reads it as a MAC) and gives an address
    # pair's MAC back as it was written; it splits in three, not six
    # (link_local mutant 11: the message lost)
    (pair,) = fx6.intent("vlan2").allowed_address_pairs
    mac = pair.mac_address
    assert render6.link_local(mac)      # six octets, as recorded
    spelled = mac.replace(":", "")
    spelled = f"{spelled[:4]}:{spelled[4:8]}:{spelled[8:]}"
    with pytest.raises(ValueError) as caught:
        render6.link_local(spelled)
    assert str(caught.value) == f"not a MAC address: {spelled!r}"


# -- fw_hybrid_render6: vlan2's IPv6 chains --------------------------------

V6_I = "neutron-openvswi-ia74aa20f-3"                # vlan2's, in hybrid6
V6_O = "neutron-openvswi-oa74aa20f-3"
V6_S = "neutron-openvswi-sa74aa20f-3"
V6_MAC = "fa:16:3e:6e:59:e3"
V6_FIXED = "fd00:198:18::51"
SET_V6 = "NIPv6438e40ab-b36e-419b-ad13-"
ICMP6 = "-p ipv6-icmp -m icmp6 --icmpv6-type"
ALLOW6 = '-m comment --comment "Allow IPv6 ICMP traffic."'
EST = ('-m state --state RELATED,ESTABLISHED -m comment --comment "Direct '
       'packets associated with a known session to the RETURN chain." '
       '-j RETURN')
INVALID = ('-m state --state INVALID -m comment --comment "Drop packets that '
           'appear related to an existing connection (e.g. TCP ACK/FIN) but '
           'do not have an entry in conntrack." -j DROP')
TO_FALLBACK = ('-m comment --comment "Send unmatched traffic to the fallback '
               'chain." -j neutron-openvswi-sg-fallback')
PAIR_ALLOW = ('-m comment --comment "Allow traffic from defined IP/MAC '
              'pairs." -j RETURN')
RA_IN = f"{ICMP6} 134 -j RETURN"
DHCP6_LLA = "-d fe80::/64 -p udp -m udp --sport 547 --dport 546 -j RETURN"
DHCP6_FIXED = (f"-d {V6_FIXED}/128 -p udp -m udp --sport 547 --dport 546 "
               "-j RETURN")
SPOOF_FIXED = f"-s {V6_FIXED}/128 -m mac --mac-source {V6_MAC} {PAIR_ALLOW}"

VLAN2_V6_CHAINS = [
    (V6_I, f"{ICMP6} 130 -j RETURN", "ICMPv6 type 130 to every port (Neutron)"),
    (V6_I, f"{ICMP6} 135 -j RETURN", "ICMPv6 type 135 to every port (Neutron)"),
    (V6_I, f"{ICMP6} 136 -j RETURN", "ICMPv6 type 136 to every port (Neutron)"),
    (V6_I, EST, "conntrack: known sessions (Neutron)"),
    (V6_I, DHCP6_LLA, "DHCPv6 replies to the port (Neutron)"),
    (V6_I, f"-m set --match-set {SET_V6} src -j RETURN",
     "2c3fb9c1-7b6e-4d70-85ae-b046128bbfa6"),
    (V6_I, INVALID, "conntrack: invalid packets (Neutron)"),
    (V6_I, TO_FALLBACK, "default drop (Neutron)"),
] + [
    (V6_O, f"-s ::/128 -d ff02::/16 {ICMP6} {t} {ALLOW6} -j RETURN",
     f"ICMPv6 type {t} from :: (duplicate address detection, Neutron)")
    for t in (131, 135, 143)
] + [
    (V6_O, f"-j {V6_S}", "anti-spoofing (Neutron)"),
    (V6_O, f'{ICMP6} 134 -m comment --comment "Drop IPv6 Router Advts from '
     'VM Instance." -j DROP',
     "no router advertisement from the instance (Neutron)"),
    (V6_O, f"-p ipv6-icmp {ALLOW6} -j RETURN",
     "ICMPv6 from the instance (Neutron)"),
    (V6_O, '-p udp -m udp --sport 546 --dport 547 -m comment --comment '
     '"Allow DHCP client traffic." -j RETURN', "DHCPv6 client (Neutron)"),
    (V6_O, '-p udp -m udp --sport 547 --dport 546 -m comment --comment '
     '"Prevent DHCP Spoofing by VM." -j DROP',
     "no DHCPv6 server in the instance (Neutron)"),
    (V6_O, EST, "conntrack: known sessions (Neutron)"),
    (V6_O, "-j RETURN", "ad3692f8-270b-4d63-a09f-973d4265ad70"),
    (V6_O, INVALID, "conntrack: invalid packets (Neutron)"),
    (V6_O, TO_FALLBACK, "default drop (Neutron)"),
    (V6_S, f"-s fd00:198:18::50/128 -m mac --mac-source {V6_MAC} "
     f"{PAIR_ALLOW}", "allowed address pair fd00:198:18::50"),
    (V6_S, f"-s fe80::f816:3eff:fe6e:59e3/128 -m mac --mac-source {V6_MAC} "
     f"{PAIR_ALLOW}",
     f"link-local of {V6_MAC} (allowed address pair fd00:198:18::50)"),
    (V6_S, '-m comment --comment "Drop traffic without an IP/MAC allow '
     'rule." -j DROP', "anti-spoofing default (Neutron)"),
]


def _v6_chain_hops(intent, text=fx6.IP6TABLES):
    """(findings, (chain, state, detail) of the port's own IPv6 chains)."""
    hops, findings = fw_hybrid.judge(intent, fx6.outputs(ip6tables=text))
    return findings, [(h.device, h.state, h.detail) for h in hops
                      if h.kind == "ip6tables-rule" and
                      h.device in (V6_I, V6_O, V6_S)]


def _installed(rows):
    return [(chain, "installed", f"{line} [{origin}]; 0 packets, 0 bytes")
            for chain, line, origin in rows]


def test_vlan2s_ipv6_chains_are_shown_line_by_line_with_their_origins():
    # edit: none; every line of vlan2's three IPv6 chains as recorded, each
    # with the origin the API or Neutron gives it (render6 _egress mutant
    # 20: the anti-spoofing jump's origin None)
    findings, hops = _v6_chain_hops(fx6.intent("vlan2"))
    assert findings == ()
    assert hops == _installed(VLAN2_V6_CHAINS)


def _with_v6_fixed_ip(port):
    port["fixed_ips"].append({"subnet_id": port["fixed_ips"][0][
        "subnet_id"], "ip_address": V6_FIXED})


def _v6_fixed_ip_table(ingress_lines):
    """The recording with the agent's lines for vlan2's IPv6 fixed IP.

    ``ingress_lines`` go between the ESTABLISHED RETURN and the DHCPv6
    reply to fe80::/64 of vlan2's ingress chain; the fixed IP's own
    anti-spoofing RETURN goes after the pair's link-local one (the MAC's
    link-local address is written once).
    """
    lla = f"[0:0] -A {V6_I} {DHCP6_LLA}\n"
    text = _edited(fx6.IP6TABLES, lla, "".join(
        f"[0:0] -A {V6_I} {line}\n" for line in ingress_lines) + lla)
    drop = f'[0:0] -A {V6_S} -m comment --comment "Drop traffic without'
    return _edited(text, drop, f"[0:0] -A {V6_S} {SPOOF_FIXED}\n{drop}")


def test_an_ipv6_fixed_ip_brings_the_ra_and_its_dhcpv6_reply():
    # edit: vlan2's API body given the IPv6 fixed IP fd00:198:18::51, and
    # its ip6tables recording the three lines the agent writes for it: the
    # RA RETURN, the DHCPv6 reply to the address, its anti-spoofing RETURN
    # (render6 _ingress mutants 15-18, 20-22, 24-26: the RA line lost or
    # changed; 30: the address None)
    intent = fx6.intent("vlan2", edit_port=_with_v6_fixed_ip)
    findings, hops = _v6_chain_hops(
        intent, _v6_fixed_ip_table([RA_IN, DHCP6_FIXED]))
    rows = list(VLAN2_V6_CHAINS)
    rows[4:4] = [(V6_I, RA_IN, "router advertisements to the port (Neutron)"),
                 (V6_I, DHCP6_FIXED, "DHCPv6 replies to the port (Neutron)")]
    rows[-1:-1] = [(V6_S, SPOOF_FIXED, f"fixed IP {V6_FIXED}")]
    assert findings == ()
    assert hops == _installed(rows)


def test_an_ipv6_fixed_ips_missing_ra_return_is_named_with_its_origin():
    # edit: as above, the RA RETURN left out (render6 _ingress mutants 18,
    # 24-26: the origin in the summary)
    intent = fx6.intent("vlan2", edit_port=_with_v6_fixed_ip)
    findings, hops = _v6_chain_hops(intent, _v6_fixed_ip_table([DHCP6_FIXED]))
    assert [(f.code, f.subject, f.summary) for f in findings] == [
        ("NETDIAG_FW_IPT_RULE_MISSING", f"compute2:{V6_I}",
         f"{V6_I} on compute2 lacks '{RA_IN}' (router advertisements to the "
         "port (Neutron)) (IPv6)")]
    assert (V6_I, "missing",
            f"{RA_IN} [router advertisements to the port (Neutron)]") in hops


def _order(findings):
    """(code, summary, the remedy's first sentence) of each finding."""
    return [(f.code, f.summary, f.remedy.split(": a rule may")[0])
            for f in findings]


def test_the_ra_return_above_established_is_a_fixed_line_out_of_order():
    # edit: as above, the RA RETURN written above the ESTABLISHED RETURN
    # (render6 _ingress mutant 23: the RA line of kind "rule", a group
    # rule outside the block)
    intent = fx6.intent("vlan2", edit_port=_with_v6_fixed_ip)
    text = _v6_fixed_ip_table([DHCP6_FIXED])
    est = f"[0:0] -A {V6_I} {EST}\n"
    text = _edited(text, est, f"[0:0] -A {V6_I} {RA_IN}\n{est}")
    findings, _ = _v6_chain_hops(intent, text)
    assert _order(findings) == [(
        "NETDIAG_FW_IPT_RULE_ORDER",
        f"{V6_I} on compute2 has Neutron's fixed rules out of order (IPv6)",
        f"{V6_I} on compute2 has its rules out of Neutron's order (first "
        f"out of place: {RA_IN})")]


def test_the_dhcpv6_reply_above_established_is_a_fixed_line_out_of_order():
    # edit: vlan2's DHCPv6 reply RETURN to fe80::/64 moved above the
    # ESTABLISHED RETURN (render6 _ingress mutant 40: the reply of kind
    # "rule", a group rule outside the block)
    est = f"[0:0] -A {V6_I} {EST}\n"
    lla = f"[0:0] -A {V6_I} {DHCP6_LLA}\n"
    text = _edited(fx6.IP6TABLES, est + lla, lla + est)
    findings, _ = _v6_chain_hops(fx6.intent("vlan2"), text)
    assert _order(findings) == [(
        "NETDIAG_FW_IPT_RULE_ORDER",
        f"{V6_I} on compute2 has Neutron's fixed rules out of order (IPv6)",
        f"{V6_I} on compute2 has its rules out of Neutron's order (first "
        f"out of place: {DHCP6_LLA})")]


def test_an_ipv6_address_pair_with_host_bits_is_matched_as_its_network():
    # edit: vlan2's IPv6 allowed address pair written fd00:198:18::50/64
    # (Neutron accepts a CIDR with host bits set and gives it back as
    # written), and its anti-spoofing RETURN as ip6tables-save prints that
    # source, the network fd00:198:18::/64 (render6 _v6 mutants 4, 5 and
    # spoof_pairs mutants 9, 10: the address read strictly, a ValueError)
    def pair(port):
        (found,) = port["allowed_address_pairs"]
        found["ip_address"] = "fd00:198:18::50/64"
    old = f"-A {V6_S} -s fd00:198:18::50/128 "
    text = _edited(fx6.IP6TABLES, old, f"-A {V6_S} -s fd00:198:18::/64 ")
    findings, hops = _v6_chain_hops(fx6.intent("vlan2", edit_port=pair),
                                    text)
    rows = list(VLAN2_V6_CHAINS)
    origin = "allowed address pair fd00:198:18::50/64"
    rows[-3:-1] = [
        (V6_S, f"-s fd00:198:18::/64 -m mac --mac-source {V6_MAC} "
         f"{PAIR_ALLOW}", origin),
        (V6_S, f"-s fe80::f816:3eff:fe6e:59e3/128 -m mac --mac-source "
         f"{V6_MAC} {PAIR_ALLOW}", f"link-local of {V6_MAC} ({origin})")]
    assert findings == ()
    assert hops == _installed(rows)


# -- fw_hybrid_render.group_rules -------------------------------------------

LAB_SSH_ICMP = "0d698110-ca56-4ea0-b594-caba3664783d"


def _intent_with_groups(name, edit_port, edit_group, edit_member=None):
    """hybrid_fixtures.intent, with each group's body edited as well.

    ``edit_member`` (else ``edit_port``) edits the port where the groups'
    port lists give it too.
    """
    api = fx.API
    ports = [json.loads(p.read_text())["port"]
             for p in sorted(api.glob("port-*.json"))]
    port = next(p for p in ports if p["name"] == name)
    edit_port(port)
    groups, members = [], {}
    for path in sorted(api.glob("security-group-*.json")):
        group = json.loads(path.read_text())["security_group"]
        edit_group(group)
        groups.append(group)
        gname = path.name[len("security-group-"):-len(".json")]
        members[group["id"]] = json.loads(
            (api / f"ports-of-{gname}.json").read_text())["ports"]
        for member in members[group["id"]]:
            (edit_member or edit_port)(member) \
                if member["id"] == port["id"] else None
    conn = FakeConnection(FakeNetwork(ports, groups, members))
    return secgroups.intent_of(conn, conn.network.find_port(port["id"]))


def test_a_rule_two_groups_share_is_expected_once_and_the_rest_still():
    # edit: gre2's port in the default group before its own lab-ssh-icmp,
    # the default group's ICMP rule from 198.18.0.0/15 (not 0.0.0.0/0),
    # so that it renders as lab-ssh-icmp's ICMP rule; both groups let all
    # IPv4 out. On the host, gre2's ingress chain holds the default
    # group's set RETURN the agent then adds (group_rules mutants 11 and
    # 15: the shared lines expected twice; 14: the rules after a shared one
    # not expected)
    def groups(port):
        port["security_groups"] = [DEFAULT, LAB_SSH_ICMP]

    def icmp(group):
        for rule in group["security_group_rules"]:
            if rule["remote_ip_prefix"] == "0.0.0.0/0":
                rule["remote_ip_prefix"] = "198.18.0.0/15"
    intent = _intent_with_groups("gre2", groups, icmp)
    invalid = f"[0:0] -A {GRE2_I} -m state --state INVALID "
    text = _edited(fx.IPTABLES, invalid,
                   f"[0:0] -A {GRE2_I} {VXLAN2_SET}\n{invalid}")
    hops, findings = fw_hybrid.judge(intent, fx.outputs(iptables=text))
    assert findings == ()
    rows = [(h.device, h.state, h.detail.split("; ")[0]) for h in hops
            if h.device in (GRE2_I, GRE2_O)]
    bracket = ([(GRE2_I, EST, "conntrack: known sessions (Neutron)")] +
               [(GRE2_I, f"-d {d}/32 -p udp -m udp --sport 67 --dport 68 "
                 "-j RETURN", origin)
                for d, origin in (
                    ("198.18.19.47", "DHCP replies to the port (Neutron)"),
                    ("255.255.255.255",
                     "DHCP broadcast replies (Neutron)"))] +
               [(GRE2_I, VXLAN2_SET, "2fa1fdd9-ac8d-4e05-afb2-04261aa2b246"),
                (GRE2_I, "-s 198.18.0.0/15 -p icmp -j RETURN",
                 "85a380fa-85c1-49d9-9437-134e3dad573a"),
                (GRE2_I, GRE2_SSH, "28b3df2b-7e23-44b6-b2de-ffca6a6cccfa"),
                (GRE2_I, INVALID, "conntrack: invalid packets (Neutron)"),
                (GRE2_I, TO_FALLBACK, "default drop (Neutron)")])
    assert rows[:len(bracket)] == [(chain, "installed", f"{line} [{origin}]")
                                   for chain, line, origin in bracket]
    returns = [r for r in rows if r[2].startswith("-j RETURN [")]
    assert returns == [(GRE2_O, "installed",
                        "-j RETURN [bbc5f276-ea23-4afb-8cfe-98ba4c7738e0]")]


# -- fw_hybrid_eval: rules the walk meets, Neutron's or added by hand ------

GRE2_ICMP = "-s 198.18.0.0/15 -p icmp -j RETURN"
GRE2_PATH = ("chains: FORWARD -> neutron-filter-top -> neutron-openvswi-local "
             "-> neutron-openvswi-FORWARD -> neutron-openvswi-sg-chain -> "
             f"{GRE2_I}")
SG_ACCEPT = "-A neutron-openvswi-sg-chain -j ACCEPT"


def _in(text, protocol="tcp", port=None, remote="198.18.19.49", name="gre2",
        direction="ingress", established=False):
    """(decision, decided_by, detail) of a packet to or from ``name``."""
    v = fw_hybrid.host_verdict(fx.intent(name), Packet(
        direction=direction, ethertype="IPv4", protocol=protocol,
        remote_ip=remote, port=port, established=established,
        icmp_type=8 if protocol == "icmp" else None,
        icmp_code=0 if protocol == "icmp" else None),
        fx.outputs(iptables=text))
    return v.decision, v.decided_by, v.detail


def _before(text, line, added):
    """``added`` lines (after "-A CHAIN") put before ``line`` of its chain.

    ``line`` is a recorded line: counters, then "-A CHAIN".
    """
    chain = line.split()[2]
    return _edited(text, line, "".join(f"[0:0] -A {chain} {a}\n"
                                       for a in added) + line)


SSH_LINE = f"[0:0] -A {GRE2_I} {GRE2_SSH}\n"


@pytest.mark.parametrize("remote, expected", [
    ("198.18.19.49", ("allow", f"-A {GRE2_I} ! -s 10.0.0.0/8 -p icmp "
                      "-j RETURN", f"a new connection; {GRE2_PATH}; "
                      f"accepted by {SG_ACCEPT}")),
    ("10.1.2.3", ("deny", FALLBACK_DROP, "a new connection; chains: FORWARD "
                  "-> neutron-filter-top -> neutron-openvswi-local -> "
                  "neutron-openvswi-FORWARD -> neutron-openvswi-sg-chain -> "
                  f"{GRE2_I} -> neutron-openvswi-sg-fallback"))])
def test_a_negated_source_matches_every_other_address(remote, expected):
    # edit: gre2's ICMP RETURN made "! -s 10.0.0.0/8", as iptables-save
    # prints a negated source (matches mutants 11: "!" not read, 14 and
    # 15: the word after it missed, 16: no word, 215: the negation None)
    text = _edited(fx.IPTABLES, GRE2_ICMP, "! -s 10.0.0.0/8 -p icmp -j RETURN")
    assert _in(text, "icmp", remote=remote) == expected


def test_rules_the_walk_does_not_decide_on_are_passed_over():
    # edit: three lines added by hand above gre2's SSH RETURN: a rate
    # limit (a match not understood), a LOG of SSH (a target extension)
    # and a DROP of source ports 1024-2000 (a --sports match: the packet
    # has no source port, so it does not match). (evaluate mutants 25: the
    # chain left at the rule not understood, 43: at the LOG; matches
    # mutants 209: an unknown match taken as understood, 135 and 136:
    # --sports not understood, 138 and 139: compared with no source port)
    text = _before(fx.IPTABLES, SSH_LINE, [
        "-p tcp -m tcp --dport 22 -m hashlimit --hashlimit-above 10/sec "
        "--hashlimit-name ssh -j DROP",
        '-p tcp -m tcp --dport 22 -j LOG --log-prefix "ssh "',
        "-p tcp -m multiport --sports 1024:2000 -j DROP"])
    assert _in(text, port=22) == (
        "allow", f"-A {GRE2_I} {GRE2_SSH}",
        f"a new connection; {GRE2_PATH}; 1 rule(s) with matches not "
        f"understood were skipped; accepted by {SG_ACCEPT}")


def test_a_reject_decides_as_a_drop():
    # edit: a REJECT of 198.18.19.49 added by hand above gre2's SSH
    # RETURN (evaluate mutants 39 and 40: REJECT not a verdict)
    reject = "-s 198.18.19.49/32 -j REJECT --reject-with icmp-port-unreachable"
    text = _before(fx.IPTABLES, SSH_LINE, [reject])
    assert _in(text, port=22) == (
        "deny", f"-A {GRE2_I} {reject}", f"a new connection; {GRE2_PATH}")


def test_after_a_goto_the_walk_returns_past_the_calling_chain():
    # edit: sg-chain's jump to gre2's ingress chain made a goto (-g): the
    # RETURN there ends sg-chain too, so the packet goes back to FORWARD,
    # whose policy accepts it (evaluate mutants 52 and 53: the goto taken
    # for a jump, sg-chain's own ACCEPT reached)
    jump = (f"--physdev-out {GRE2_TAP} --physdev-is-bridged -m comment "
            f"--comment \"Jump to the VM specific chain.\" -j {GRE2_I}")
    text = _edited(fx.IPTABLES, jump, jump.replace(" -j ", " -g "))
    assert _in(text, port=22) == (
        "allow", f"-A {GRE2_I} {GRE2_SSH}",
        f"a new connection; {GRE2_PATH}; accepted by policy ACCEPT of "
        "FORWARD")


def test_counting_rules_without_a_target_are_walked_past():
    # edit: two counting rules (no target) added by hand at the top of
    # FORWARD, as iptables-save prints them: ICMP echo requests, bridged
    # packets (matches mutants 6: one word read past the end, 19, 22 and
    # 24: the argument of the last word read past the end, 23: the ICMP
    # type's argument lost, the rule not understood)
    first = "[135:23784] -A FORWARD -j neutron-filter-top\n"
    text = _edited(fx.IPTABLES, first,
                   "[0:0] -A FORWARD -p icmp -m icmp --icmp-type 8\n"
                   "[0:0] -A FORWARD -m physdev --physdev-is-bridged\n"
                   + first)
    assert _in(text, "icmp") == (
        "allow", f"-A {GRE2_I} {GRE2_ICMP}",
        f"a new connection; {GRE2_PATH}; accepted by {SG_ACCEPT}")


def test_an_icmp_rule_of_any_type_is_understood():
    # edit: gre2's ICMP RETURN given "-m icmp --icmp-type any", as
    # iptables-save prints type 255 (matches mutants 167-169: "any" not
    # understood, the rule skipped)
    rule = "-s 198.18.0.0/15 -p icmp -m icmp --icmp-type any -j RETURN"
    text = _edited(fx.IPTABLES, GRE2_ICMP, rule)
    assert _in(text, "icmp") == (
        "allow", f"-A {GRE2_I} {rule}",
        f"a new connection; {GRE2_PATH}; accepted by {SG_ACCEPT}")


def test_in_and_out_interfaces_are_the_ports_bridge():
    # edit: two rules added by hand at the top of FORWARD: a REJECT of
    # what leaves by virbr0 (not this packet) and an ACCEPT of what the
    # port's qbr bridge forwards (matches mutants 62-65: -i, 67-70: -o
    # not read or read the wrong way)
    first = "[135:23784] -A FORWARD -j neutron-filter-top\n"
    accept = "-i qbr85bbfe3b-99 -o qbr85bbfe3b-99 -j ACCEPT"
    text = _edited(fx.IPTABLES, first,
                   "[0:0] -A FORWARD -o virbr0 -j REJECT --reject-with "
                   f"icmp-port-unreachable\n[0:0] -A FORWARD {accept}\n"
                   + first)
    assert _in(text, port=80) == (
        "allow", f"-A FORWARD {accept}", "a new connection; chains: FORWARD")


def test_a_ctstate_match_is_read_as_a_state_match():
    # edit: gre2's ESTABLISHED RETURN written with the conntrack match, as
    # iptables-save prints "-m conntrack --ctstate" (matches mutants 92
    # and 93: --ctstate not understood)
    state = "-m state --state RELATED,ESTABLISHED"
    line = f"-A {GRE2_I} {state} "
    ct = f"-A {GRE2_I} -m conntrack --ctstate RELATED,ESTABLISHED "
    text = _edited(fx.IPTABLES, line, ct)
    decision, decided_by, _ = _in(text, port=80, established=True)
    assert (decision, decided_by) == (
        "allow", f"{ct}{EST[len(state) + 1:]}")


def test_an_egress_set_match_reads_the_destination():
    # edit: gre2's egress RETURN of everything made the default group's
    # set as destination, as Neutron writes an egress rule to a remote
    # group (matches mutant 193: the source read, gre2's own address, in
    # no port of the group)
    line = f"[2:168] -A {GRE2_O} -j RETURN\n"
    rule = f"-m set --match-set {SET_V4} dst -j RETURN"
    text = _edited(fx.IPTABLES, line, f"[2:168] -A {GRE2_O} {rule}\n")
    assert _in(text, "udp", 53, "198.18.17.51", direction="egress")[:2] == (
        "allow", f"-A {GRE2_O} {rule}")
    assert _in(text, "udp", 53, "198.18.20.1", direction="egress")[:2] == (
        "deny", FALLBACK_DROP)


def test_a_set_match_with_two_directions_reads_the_first():
    # edit: gre2's ICMP RETURN made a match of the default group's set by
    # hand with the directions "src,dst" (the set has one dimension, so
    # the kernel reads the source); 198.18.17.51 is a member, gre2's own
    # 198.18.19.47 is not (matches mutants 194 and 195: "src,dst" not
    # split, the destination read)
    rule = f"-m set --match-set {SET_V4} src,dst -j RETURN"
    text = _edited(fx.IPTABLES, GRE2_ICMP, rule)
    assert _in(text, port=80, remote="198.18.17.51")[:2] == (
        "allow", f"-A {GRE2_I} {rule}")


@pytest.mark.parametrize("policy, expected", [
    ("ACCEPT", ("allow", f"-A {GRE2_I} {GRE2_SSH}",
                f"a new connection; {GRE2_PATH}; accepted by policy ACCEPT "
                "of FORWARD")),
    ("DROP", ("deny", "policy DROP of FORWARD",
              f"a new connection; {GRE2_PATH}"))])
def test_a_packet_no_rule_decides_meets_forwards_policy(policy, expected):
    # edit: as above (sg-chain's jump to gre2's ingress chain a goto), and
    # FORWARD's policy DROP, as a host that does not route sets it
    # (evaluate mutants 62 and 63: the chain not found, 64: no policy, 65:
    # ACCEPT whatever the policy, 70: no result)
    jump = (f"--physdev-out {GRE2_TAP} --physdev-is-bridged -m comment "
            f"--comment \"Jump to the VM specific chain.\" -j {GRE2_I}")
    text = _edited(fx.IPTABLES, jump, jump.replace(" -j ", " -g "))
    text = _edited(text, ":FORWARD ACCEPT [0:0]", f":FORWARD {policy} [0:0]")
    assert _in(text, port=22) == expected


# -- fw_hybrid_render: shared jumps, rule texts, DHCP replies, pairs -------

OPEN2_TAP = "tap1d8ba2e4-91"
PORT_SEC = ('-m comment --comment "Accept all packets when port security is '
            'disabled." -j ACCEPT')


def test_a_port_without_port_security_shows_its_accept_jumps():
    # edit: none; open2 has port security off: its three ACCEPT lines, each
    # said to come from that (shared_jumps mutants 10-13, 16, 26, 36: the
    # origin changed or None; 20, 30, 40: the arguments shifted)
    hops, findings = fw_hybrid.judge(fx.intent("open2"), fx.outputs())
    assert findings == ()
    out = f"-m physdev --physdev-out {OPEN2_TAP} --physdev-is-bridged"
    into = f"-m physdev --physdev-in {OPEN2_TAP} --physdev-is-bridged"
    why = "port security disabled (Neutron)"
    assert [(h.device, h.state, h.detail) for h in hops] == [
        ("neutron-openvswi-FORWARD", "installed",
         f"{out} {PORT_SEC} [{why}]; 4 packets, 1312 bytes"),
        ("neutron-openvswi-FORWARD", "installed",
         f"{into} {PORT_SEC} [{why}]; 2 packets, 656 bytes"),
        ("neutron-openvswi-INPUT", "installed",
         f"{into} {PORT_SEC} [{why}]; 0 packets, 0 bytes")]


@pytest.mark.parametrize("direction", ["out", "in"])
def test_a_forward_jump_made_a_goto_is_a_missing_chain(direction):
    # edit: one of neutron-openvswi-FORWARD's jumps of gre2 to sg-chain
    # made a goto (-g): present but not the jump Neutron writes
    # (shared_jumps mutants 47, 51, 56, 57 and 61, 65, 70, 71: the jumps'
    # kind lost, so they would be missing rules)
    chain = "neutron-openvswi-FORWARD"
    line = (f"-A {chain} -m physdev --physdev-{direction} {GRE2_TAP} "
            "--physdev-is-bridged -m comment --comment \"Direct traffic from "
            "the VM interface to the security group chain.\" "
            "-j neutron-openvswi-sg-chain")
    bad = line.replace(" -j neutron-openvswi-sg-chain",
                       " -g neutron-openvswi-sg-chain")
    _, findings = fw_hybrid.compare(fx.intent("gre2"), fx.outputs(
        iptables=_edited(fx.IPTABLES, line, bad)))
    assert [(f.code, f.subject, f.summary) for f in findings] == [
        ("NETDIAG_FW_IPT_CHAIN_MISSING", f"compute2:{chain}",
         f"{chain} on compute2 has no '{line[len(chain) + 4:]}'"),
        ("NETDIAG_FW_IPT_RULE_EXTRA", f"compute2:{chain}",
         f"{chain} on compute2 has '{bad[len(chain) + 4:]}', which no API "
         "rule of the port explains")]


def _gre2_rule(protocol):
    return next(r for r in fx.intent("gre2").rules if r.protocol == protocol)


@pytest.mark.parametrize("edit, text", [
    # a port range: the multiport match Neutron writes (_protocol_and_ports
    # mutants 44-51)
    (dict(port_range_min=20, port_range_max=23),
     "-s 198.18.19.0/24 -p tcp -m tcp -m multiport --dports 20:23 -j RETURN"),
    # the protocol as its number, as the API may give it (protocol_name
    # mutants 2 and 7: the number not mapped)
    (dict(protocol="6"),
     "-s 198.18.19.0/24 -p tcp -m tcp --dport 22 -j RETURN"),
    # a protocol outside the map, kept as given (protocol_name mutants 3,
    # 5: no protocol, 8: "None")
    (dict(protocol="gre", port_range_min=None, port_range_max=None),
     "-s 198.18.19.0/24 -p gre -j RETURN"),
    # egress to a prefix (rule_text mutants 36, 40, 41: -s or another flag)
    (dict(direction="egress"),
     "-d 198.18.19.0/24 -p tcp -m tcp --dport 22 -j RETURN"),
    # egress to a remote group (rule_text mutants 13, 17, 18: src or
    # another word for dst)
    (dict(direction="egress", remote_ip_prefix=None,
          remote_group_id=DEFAULT),
     f"-p tcp -m tcp --dport 22 -m set --match-set {SET_V4} dst -j RETURN"),
])
def test_an_api_rule_is_written_as_iptables_save_prints_it(edit, text):
    # gre2's SSH rule as recorded, edited as each case says
    rule = dataclasses.replace(_gre2_rule("tcp"), **edit)
    assert render.rule_text(rule) == text


@pytest.mark.parametrize("edit, text", [
    # type 8 code 0 (_protocol_and_ports mutant 22: the code left out;
    # 28, 34, 35: the flag)
    (dict(port_range_min=8, port_range_max=0),
     "-s 198.18.0.0/15 -p icmp -m icmp --icmp-type 8/0 -j RETURN"),
    # ICMPv6 asked as "icmpv6" (protocol_name mutant 6: the name not
    # found upper-cased)
    (dict(ethertype="IPv6", protocol="icmpv6", remote_ip_prefix=None,
          port_range_min=None),
     "-p ipv6-icmp -j RETURN"),
])
def test_an_icmp_rule_is_written_as_iptables_save_prints_it(edit, text):
    # gre2's ICMP rule as recorded, edited as each case says
    rule = dataclasses.replace(_gre2_rule("icmp"), **edit)
    assert render.rule_text(rule) == text


@pytest.mark.parametrize("dest", ["198.18.19.47", "255.255.255.255"])
def test_a_dhcp_reply_above_established_is_a_fixed_line_out_of_order(dest):
    # edit: one of gre2's DHCP reply RETURNs moved above its ESTABLISHED
    # RETURN (_dhcp_reply_rules mutants 13 and 27: the reply of kind
    # "rule", a group rule outside the block)
    reply = f"-d {dest}/32 -p udp -m udp --sport 67 --dport 68 -j RETURN"
    est = f"[7:588] -A {GRE2_I} {EST}\n"
    (line,) = [t + "\n" for t in fx.IPTABLES.splitlines()
               if t.endswith(f"-A {GRE2_I} {reply}")]
    text = _edited(_edited(fx.IPTABLES, line, ""), est, line + est)
    findings = fw_hybrid.compare(fx.intent("gre2"),
                                 fx.outputs(iptables=text))[1]
    first = reply
    assert _order(findings) == [(
        "NETDIAG_FW_IPT_RULE_ORDER",
        f"{GRE2_I} on compute2 has Neutron's fixed rules out of order",
        f"{GRE2_I} on compute2 has its rules out of Neutron's order (first "
        f"out of place: {first})")]


def test_an_ipv4_address_pair_with_host_bits_is_matched_as_its_network():
    # edit: vxlan2's allowed address pair written 198.18.17.250/24
    # (Neutron accepts it and gives it back as written), and its
    # anti-spoofing RETURN as iptables-save prints that source, the
    # network (_cidr mutants 5, 6 and spoof_pairs mutants 5, 6: the
    # address read strictly, a ValueError)
    def pair(port):
        (found,) = port["allowed_address_pairs"]
        found["ip_address"] = "198.18.17.250/24"
    spoof = "neutron-openvswi-sa5bf0a8e-e"
    text = _edited(fx.IPTABLES, f"-A {spoof} -s 198.18.17.250/32 ",
                   f"-A {spoof} -s 198.18.17.0/24 ")
    hops, findings = fw_hybrid.judge(fx.intent("vxlan2", edit_port=pair),
                                     fx.outputs(iptables=text))
    assert findings == ()
    assert [h.detail.split("; ")[0] for h in hops if h.device == spoof][0] == (
        "-s 198.18.17.0/24 -m mac --mac-source fa:16:3e:28:29:a3 "
        f"{PAIR_ALLOW} [allowed address pair 198.18.17.250/24]")


def test_a_members_address_pair_with_host_bits_is_a_network_in_the_set():
    # edit: vxlan2's allowed address pair written 198.18.17.250/24 in its
    # body and in the default group's port list; on the host, its
    # anti-spoofing RETURN and the group's hash:net member as printed for
    # that network, 198.18.17.0/24 (expected_sets mutants 18, 19, 23, 24:
    # the members read strictly, a ValueError)
    def pair(port):
        for found in port["allowed_address_pairs"]:
            found["ip_address"] = "198.18.17.250/24"
    spoof = "neutron-openvswi-sa5bf0a8e-e"
    text = _edited(fx.IPTABLES, f"-A {spoof} -s 198.18.17.250/32 ",
                   f"-A {spoof} -s 198.18.17.0/24 ")
    sets = _edited(fx.IPSETS, "198.18.17.250\n", "198.18.17.0/24\n")
    intent = _intent_with_groups("vxlan2", pair, lambda group: None)
    hops, findings = fw_hybrid.judge(intent, fx.outputs(iptables=text,
                                                        ipsets=sets))
    assert findings == ()
    (hop,) = [h for h in hops if h.device == SET_V4]
    assert (hop.state, hop.detail) == ("installed", (
        f"remote group {DEFAULT}: 198.18.16.16/32, 198.18.16.50/32, "
        "198.18.17.0/24, 198.18.17.51/32, 198.18.17.77/32, "
        "198.18.18.82/32, 198.18.18.98/32, 198.18.19.49/32"))
