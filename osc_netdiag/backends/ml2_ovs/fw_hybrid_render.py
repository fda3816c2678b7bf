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

"""The iptables_hybrid driver's rules for one port, rendered from the API.

Neutron's OVS agent (``neutron.agent.linux.iptables_firewall``, the
``OVSHybridIptablesFirewallDriver``) builds, per port, three chains in the
host's filter table and the jumps to them; this module writes the same
lines from a :class:`osc_netdiag.secgroups.PortFirewallIntent`, in the
driver's order and in the form ``iptables-save`` prints them back (the
agent writes its rules in that form on purpose, so that it can find them
again). Pure functions: no host is read here.

The IPv6 lines (``ip6tables-save``) are rendered by
:mod:`.fw_hybrid_render6` with the pieces shared here.
"""

import dataclasses
import ipaddress

from osc_netdiag import names
from osc_netdiag.secgroups import EGRESS
from osc_netdiag.secgroups import INGRESS
from osc_netdiag.secgroups import IPV4
from osc_netdiag.secgroups import IPV6

# the agent's chain prefix: basename(argv[0])[:16] of neutron-openvswitch-agent
PREFIX = "neutron-openvswi-"
SG_CHAIN = PREFIX + "sg-chain"
FALLBACK = PREFIX + "sg-fallback"
FORWARD = PREFIX + "FORWARD"
INPUT = PREFIX + "INPUT"
# a chain name is the prefix + 11 characters (MAX_IPTABLES_CHAIN_LEN_WRAP)
_CHAIN_LEN = 11
# ipset names: "N" + ethertype + remote group id, cut to 31 - len("-n")
_IPSET_LEN = 29

# Neutron's iptables comments (neutron/agent/linux/iptables_comments.py)
ALLOW_ASSOC = ("Direct packets associated with a known session to the "
               "RETURN chain.")
INVALID_DROP = ("Drop packets that appear related to an existing connection "
                "(e.g. TCP ACK/FIN) but do not have an entry in conntrack.")
UNMATCHED = "Send unmatched traffic to the fallback chain."
UNMATCH_DROP = "Default drop rule for unmatched traffic."
VM_INT_SG = ("Direct traffic from the VM interface to the security group "
             "chain.")
SG_TO_VM_SG = "Jump to the VM specific chain."
INPUT_TO_SG = "Direct incoming traffic from VM to the security group chain."
PAIR_ALLOW = "Allow traffic from defined IP/MAC pairs."
PAIR_DROP = "Drop traffic without an IP/MAC allow rule."
DHCP_CLIENT = "Allow DHCP client traffic."
DHCP_SPOOF = "Prevent DHCP Spoofing by VM."
PORT_SEC_ACCEPT = "Accept all packets when port security is disabled."
TRUSTED_ACCEPT = "Accept all packets when port is trusted."

# What each comment means, for ``--long`` (the Networking Guide's list).
MEANINGS = {
    ALLOW_ASSOC: "replies and related packets of a connection conntrack "
                 "already accepted pass without matching the rules again",
    INVALID_DROP: "a packet conntrack cannot place (a stray ACK or FIN) is "
                  "dropped",
    UNMATCHED: "nothing above allowed the packet: it goes to the fallback "
               "chain, which drops it",
    UNMATCH_DROP: "the port's default: whatever no security group rule "
                  "allows is dropped here",
    VM_INT_SG: "packets bridged to or from the instance's tap enter the "
               "security group chain",
    SG_TO_VM_SG: "the security group chain sends the port's packets to its "
                 "own ingress (i) or egress (o) chain",
    INPUT_TO_SG: "packets from the instance to the host itself are "
                 "filtered by its egress chain too",
    PAIR_ALLOW: "anti-spoofing: the instance may send from this address "
                "with this MAC (a fixed IP or an allowed address pair)",
    PAIR_DROP: "anti-spoofing: any other source address or MAC is dropped",
    DHCP_CLIENT: "the instance may ask for an address by DHCP",
    DHCP_SPOOF: "the instance may not answer DHCP (act as a DHCP server)",
    PORT_SEC_ACCEPT: "port security is off: every packet passes, no rule "
                     "applies",
    TRUSTED_ACCEPT: "a Neutron-owned port (router, DHCP): not filtered",
}

# protocol as the API may give it -> the name iptables-save prints
_PROTOCOL_NAMES = {"1": "icmp", "6": "tcp", "17": "udp", "132": "sctp",
                   "33": "dccp", "58": "ipv6-icmp", "icmp": "icmp",
                   "tcp": "tcp", "udp": "udp", "sctp": "sctp", "dccp": "dccp",
                   "icmpv6": "ipv6-icmp", "ipv6-icmp": "ipv6-icmp"}
# protocols whose ports iptables matches with a module (neutron-lib's
# IPTABLES_PROTOCOL_MAP): the module's name, icmp6 for ICMPv6
_PORT_MODULES = {"tcp": "tcp", "udp": "udp", "sctp": "sctp", "dccp": "dccp",
                 "icmp": "icmp", "ipv6-icmp": "icmp6"}
# an IPv6 rule's ICMP is ICMPv6 for the agent (IPV6_ICMP_LEGACY_PROTO_LIST)
_ICMP_NAMES = ("icmp", "ipv6-icmp")
_ANY = (None, "", "0", "any")


@dataclasses.dataclass(frozen=True)
class ExpectedRule:
    """One line the agent should have installed, and why."""
    chain: str
    text: str          # the rule as iptables-save prints it, after "-A CHAIN "
    origin: str        # an API rule ID, or what Neutron adds on its own
    kind: str = "rule"  # "rule" (a group's rule), "fixed", "spoof", "jump"


def chain(direction_letter, port_id):
    """neutron-openvswi-{i,o,s}<port id[:10]>."""
    port_id = names.checked_uuid(port_id)
    return PREFIX + (direction_letter + port_id)[:_CHAIN_LEN]


def port_chains(port_id):
    """(ingress, egress, anti-spoofing) chain names of the port."""
    return chain("i", port_id), chain("o", port_id), chain("s", port_id)


def ipset_name(group_id, ethertype=IPV4):
    return ("N" + ethertype + group_id)[:_IPSET_LEN]


def comment(text):
    return f'-m comment --comment "{text}"'


def protocol_name(protocol):
    if protocol in _ANY:
        return None
    return _PROTOCOL_NAMES.get(str(protocol).lower(), str(protocol))


def _cidr(address):
    return str(ipaddress.ip_network(address, strict=False))


def _protocol_and_ports(rule):
    proto = protocol_name(rule.protocol)
    if proto is None:
        return []
    if rule.ethertype == IPV6 and proto in _ICMP_NAMES:
        proto = "ipv6-icmp"
    args = ["-p", proto]
    low, high = rule.port_range_min, rule.port_range_max
    if low is None:
        return args
    if proto in _PORT_MODULES:
        args += ["-m", _PORT_MODULES[proto]]
    if proto in _ICMP_NAMES:
        code = f"/{high}" if high is not None else ""
        flag = "--icmpv6-type" if proto == "ipv6-icmp" else "--icmp-type"
        args += [flag, f"{low}{code}"]
    elif low == high:
        args += ["--dport", str(low)]
    else:
        args += ["-m", "multiport", "--dports", f"{low}:{high}"]
    return args


def _remote_group(rule):
    return rule.remote_group_id or rule.remote_address_group_id


def rule_text(rule, existing_sets=None):
    """The line of one API rule, or None when the driver installs none.

    A remote-group rule matches the group's ipset; the driver leaves it
    out when that set does not exist (an empty group), which
    ``existing_sets`` (names present on the host) tells; None means every
    set the rule needs is taken to exist.
    """
    group = _remote_group(rule)
    if group:
        name = ipset_name(group, rule.ethertype)
        if existing_sets is not None and name not in existing_sets:
            return None
        where = "src" if rule.direction == INGRESS else "dst"
        args = _protocol_and_ports(rule) + ["-m", "set", "--match-set",
                                            name, where]
    else:
        args = []
        prefix = rule.remote_ip_prefix
        if prefix and not prefix.endswith("/0"):
            flag = "-s" if rule.direction == INGRESS else "-d"
            args += [flag, _cidr(prefix)]
        args += _protocol_and_ports(rule)
    return " ".join(args + ["-j", "RETURN"])


def _dhcp_reply_rules(intent, ingress):
    """The ingress DHCP replies the server adds to every port's rules."""
    found = []
    for ip in intent.fixed_ips:
        if ipaddress.ip_address(ip).version == 4:
            found.append(ExpectedRule(
                ingress, f"-d {ip}/32 -p udp -m udp --sport 67 --dport 68 "
                         f"-j RETURN", "DHCP replies to the port (Neutron)",
                "fixed"))
    if found:
        found.append(ExpectedRule(
            ingress, "-d 255.255.255.255/32 -p udp -m udp --sport 67 "
                     "--dport 68 -j RETURN",
            "DHCP broadcast replies (Neutron)", "fixed"))
    return found


def group_rules(intent, direction, chain_name, existing_sets,
                ethertype=IPV4):
    """The groups' rules of one direction and family, duplicates pruned.

    They go between the ESTABLISHED and INVALID lines; the driver prunes
    duplicates the same way.
    """
    found, seen = [], set()
    for rule in intent.rules:
        if rule.direction != direction or rule.ethertype != ethertype:
            continue
        text = rule_text(rule, existing_sets)
        if text is None or text in seen:
            continue
        seen.add(text)
        found.append(ExpectedRule(chain_name, text, rule.id))
    return found


def bracket(chain_name, middle):
    """ESTABLISHED first, the rules, INVALID, then the fallback jump."""
    return ([ExpectedRule(chain_name, "-m state --state RELATED,ESTABLISHED "
                          f"{comment(ALLOW_ASSOC)} -j RETURN",
                          "conntrack: known sessions (Neutron)", "fixed")] +
            middle +
            [ExpectedRule(chain_name, "-m state --state INVALID "
                          f"{comment(INVALID_DROP)} -j DROP",
                          "conntrack: invalid packets (Neutron)", "fixed"),
             ExpectedRule(chain_name, f"{comment(UNMATCHED)} -j {FALLBACK}",
                          "default drop (Neutron)", "fixed")])


def spoof_pairs(intent):
    """(address as a CIDR, MAC, origin) the port may send from.

    In the driver's order: allowed address pairs first, then fixed IPs.
    """
    pairs = []
    for pair in intent.allowed_address_pairs:
        if ipaddress.ip_network(pair.ip_address, strict=False).version == 4:
            pairs.append((_cidr(pair.ip_address), pair.mac_address.lower(),
                          f"allowed address pair {pair.ip_address}"))
    for ip in intent.fixed_ips:
        if ipaddress.ip_address(ip).version == 4:
            pairs.append((_cidr(ip), intent.mac_address.lower(),
                          f"fixed IP {ip}"))
    return pairs


def shared_jumps(intent):
    """The port's lines in the shared chains, the same in both tables.

    A port without port security gets only the ACCEPT jumps; a filtered
    port the jumps to its own chains.
    """
    tap = names.tap_device(intent.port_id)
    ingress, egress, _ = port_chains(intent.port_id)
    out_match = f"-m physdev --physdev-out {tap} --physdev-is-bridged"
    in_match = f"-m physdev --physdev-in {tap} --physdev-is-bridged"
    if not intent.port_security_enabled:
        accept = f"{comment(PORT_SEC_ACCEPT)} -j ACCEPT"
        why = "port security disabled (Neutron)"
        return [ExpectedRule(FORWARD, f"{out_match} {accept}", why, "jump"),
                ExpectedRule(FORWARD, f"{in_match} {accept}", why, "jump"),
                ExpectedRule(INPUT, f"{in_match} {accept}", why, "jump")]
    return [
        ExpectedRule(FORWARD, f"{out_match} {comment(VM_INT_SG)} -j {SG_CHAIN}",
                     "to the security group chain (Neutron)", "jump"),
        ExpectedRule(FORWARD, f"{in_match} {comment(VM_INT_SG)} -j {SG_CHAIN}",
                     "to the security group chain (Neutron)", "jump"),
        ExpectedRule(SG_CHAIN, f"{out_match} {comment(SG_TO_VM_SG)} -j {ingress}",
                     "to the port's ingress chain (Neutron)", "jump"),
        ExpectedRule(SG_CHAIN, f"{in_match} {comment(SG_TO_VM_SG)} -j {egress}",
                     "to the port's egress chain (Neutron)", "jump"),
        ExpectedRule(INPUT, f"{in_match} {comment(INPUT_TO_SG)} -j {egress}",
                     "to the port's egress chain (Neutron)", "jump"),
    ]


def expected_rules(intent, existing_sets=None):
    """Every IPv4 line the driver should have for the port, chain by chain.

    A port without port security gets only the ACCEPT jumps; a filtered
    port its three chains and the jumps to them.
    """
    jumps = shared_jumps(intent)
    if not intent.port_security_enabled:
        return jumps
    ingress, egress, spoof = port_chains(intent.port_id)
    ingress_rules = bracket(ingress, _dhcp_reply_rules(intent, ingress) +
                            group_rules(intent, INGRESS, ingress,
                                        existing_sets))
    dhcp_out = "-p udp -m udp --sport 68 --dport 67"
    egress_rules = [
        ExpectedRule(egress, f"-s 0.0.0.0/32 -d 255.255.255.255/32 {dhcp_out} "
                     f"{comment(DHCP_CLIENT)} -j RETURN",
                     "DHCP discovery (Neutron)", "fixed"),
        ExpectedRule(egress, f"-j {spoof}", "anti-spoofing (Neutron)", "jump"),
        ExpectedRule(egress, f"{dhcp_out} {comment(DHCP_CLIENT)} -j RETURN",
                     "DHCP renewal (Neutron)", "fixed"),
        ExpectedRule(egress, "-p udp -m udp --sport 67 --dport 68 "
                     f"{comment(DHCP_SPOOF)} -j DROP",
                     "no DHCP server in the instance (Neutron)", "fixed"),
    ] + bracket(egress, group_rules(intent, EGRESS, egress, existing_sets))
    spoof_rules = [ExpectedRule(spoof, f"-s {cidr} -m mac --mac-source {mac} "
                                f"{comment(PAIR_ALLOW)} -j RETURN", origin, "spoof")
                   for cidr, mac, origin in spoof_pairs(intent)]
    spoof_rules.append(ExpectedRule(spoof, f"{comment(PAIR_DROP)} -j DROP",
                                    "anti-spoofing default (Neutron)", "fixed"))
    return jumps + ingress_rules + egress_rules + spoof_rules


def expected_sets(intent, ethertype=IPV4):
    """ipset name -> (remote group id, member addresses as networks).

    For the port's remote-group rules of one family.
    """
    version = 4 if ethertype == IPV4 else 6
    sets = {}
    for rule in intent.rules:
        group = _remote_group(rule)
        if not group or rule.ethertype != ethertype:
            continue
        members = {ipaddress.ip_network(a, strict=False)
                   for a in rule.remote_addresses
                   if ipaddress.ip_network(a, strict=False).version == version}
        name = ipset_name(group, ethertype)
        _, have = sets.get(name, (group, set()))
        sets[name] = (group, have | members)
    return sets
