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

"""The iptables_hybrid driver's IPv6 rules for one port, from the API.

The agent writes the same three chains in ip6tables' filter table, with
lines of its own for IPv6 (``neutron.agent.linux.iptables_firewall``:
``_spoofing_rule``, ``_drop_dhcp_rule``, ``_accept_inbound_icmpv6``; the
server's ``_apply_provider_rule`` for the RA and DHCPv6 replies). In the
order the agent adds them:

* ingress: the ICMPv6 types every port accepts (MLD query, neighbour
  solicitation and advertisement), then the bracket of
  :func:`.fw_hybrid_render.bracket` around the RA from the port's router
  (a port with an IPv6 fixed IP), the DHCPv6 replies (to each IPv6 fixed
  IP and to fe80::/64) and the groups' IPv6 rules;
* egress: MLD report and neighbour solicitation from ``::`` (duplicate
  address detection), the anti-spoofing jump (only when the port has an
  IPv6 address or address pair), RA from the instance dropped, every
  other ICMPv6 let through, the DHCPv6 client, DHCPv6 answers from the
  instance dropped, then the bracket around the groups' egress rules;
* anti-spoofing: per allowed address pair then fixed IP of IPv6, the
  address and the link-local address EUI-64 derives from its MAC (once
  per MAC), then DROP.

A remote group's IPv6 set exists, and its rules are installed, even
when no member has an IPv6 address: the agent is handed both families'
member lists of every remote group and creates a set for each, empty or
not (``IpsetManager.set_members``). Pure.
"""

import ipaddress

from osc_netdiag.backends.ml2_ovs import fw_hybrid_render as render
from osc_netdiag.backends.ml2_ovs.fw_hybrid_render import comment
from osc_netdiag.backends.ml2_ovs.fw_hybrid_render import ExpectedRule
from osc_netdiag.secgroups import EGRESS
from osc_netdiag.secgroups import INGRESS
from osc_netdiag.secgroups import IPV6

# Neutron's IPv6 comments (neutron/agent/linux/iptables_comments.py)
IPV6_RA_DROP = "Drop IPv6 Router Advts from VM Instance."
IPV6_ICMP_ALLOW = "Allow IPv6 ICMP traffic."

MEANINGS = {
    IPV6_RA_DROP: "the instance may not act as an IPv6 router (send router "
                  "advertisements)",
    IPV6_ICMP_ALLOW: "ICMPv6 the instance needs (neighbour discovery, MLD, "
                     "duplicate address detection) passes without a rule",
}

# neutron-lib: ICMPV6_ALLOWED_INGRESS_TYPES (MLD query, NS, NA) and
# ICMPV6_ALLOWED_UNSPEC_ADDR_TYPES (MLD report, NS, MLDv2 report)
INGRESS_ICMPV6_TYPES = (130, 135, 136)
UNSPEC_ICMPV6_TYPES = (131, 135, 143)
ICMPV6_RA = 134
LLA_PREFIX = ipaddress.ip_network("fe80::/64")
_ICMP6 = "-p ipv6-icmp -m icmp6 --icmpv6-type"
_DHCP6_REPLY = "-p udp -m udp --sport 547 --dport 546"


def link_local(mac):
    """fe80::/64 + the EUI-64 of ``mac`` (the U/L bit flipped)."""
    octets = [int(part, 16) for part in mac.split(":")]
    if len(octets) != 6:
        raise ValueError(f"not a MAC address: {mac!r}")
    octets[0] ^= 0x02
    eui = octets[:3] + [0xff, 0xfe] + octets[3:]
    return ipaddress.ip_address(
        int(LLA_PREFIX.network_address) + int.from_bytes(bytes(eui), "big"))


def _v6(address):
    return ipaddress.ip_network(address, strict=False).version == 6


def own_addresses(intent):
    """The port's IPv6 fixed IPs, as given."""
    return [ip for ip in intent.fixed_ips if _v6(ip)]


def spoof_pairs(intent):
    """(address as a CIDR, MAC, origin) the port may send IPv6 from.

    The agent's order: address pairs, then fixed IPs, each followed by
    its MAC's link-local address the first time that MAC comes.
    """
    pairs, macs = [], set()

    def add(address, mac, origin):
        mac = mac.lower()
        pairs.append((str(ipaddress.ip_network(address, strict=False)), mac,
                      origin))
        lla = f"{link_local(mac)}/128"
        if (lla, mac) not in macs:
            macs.add((lla, mac))
            pairs.append((lla, mac, f"link-local of {mac} ({origin})"))
    for pair in intent.allowed_address_pairs:
        if _v6(pair.ip_address):
            add(pair.ip_address, pair.mac_address,
                f"allowed address pair {pair.ip_address}")
    for ip in own_addresses(intent):
        add(ip, intent.mac_address, f"fixed IP {ip}")
    return pairs


def expected_sets(intent):
    """ipset name -> (group, IPv6 member networks) of the remote groups."""
    return render.expected_sets(intent, IPV6)


def _ingress(intent, chain):
    accept = [ExpectedRule(chain, f"{_ICMP6} {t} -j RETURN",
                           f"ICMPv6 type {t} to every port (Neutron)",
                           "fixed") for t in INGRESS_ICMPV6_TYPES]
    provider = []
    own = own_addresses(intent)
    if own:
        provider.append(ExpectedRule(
            chain, f"{_ICMP6} {ICMPV6_RA} -j RETURN",
            "router advertisements to the port (Neutron)", "fixed"))
    for dest in [f"{ipaddress.ip_address(ip)}/128" for ip in own] + \
            [str(LLA_PREFIX)]:
        provider.append(ExpectedRule(
            chain, f"-d {dest} {_DHCP6_REPLY} -j RETURN",
            "DHCPv6 replies to the port (Neutron)", "fixed"))
    return accept + render.bracket(
        chain, provider + render.group_rules(intent, INGRESS, chain, None,
                                             IPV6))


def _egress(intent, chain, spoof, has_spoof):
    allow = comment(IPV6_ICMP_ALLOW)
    rules = [ExpectedRule(chain, f"-s ::/128 -d ff02::/16 {_ICMP6} {t} "
                          f"{allow} -j RETURN",
                          f"ICMPv6 type {t} from :: (duplicate address "
                          "detection, Neutron)", "fixed")
             for t in UNSPEC_ICMPV6_TYPES]
    if has_spoof:
        rules.append(ExpectedRule(chain, f"-j {spoof}",
                                  "anti-spoofing (Neutron)", "jump"))
    rules += [
        ExpectedRule(chain, f"{_ICMP6} {ICMPV6_RA} {comment(IPV6_RA_DROP)} "
                     "-j DROP", "no router advertisement from the instance "
                     "(Neutron)", "fixed"),
        ExpectedRule(chain, f"-p ipv6-icmp {allow} -j RETURN",
                     "ICMPv6 from the instance (Neutron)", "fixed"),
        ExpectedRule(chain, "-p udp -m udp --sport 546 --dport 547 "
                     f"{comment(render.DHCP_CLIENT)} -j RETURN",
                     "DHCPv6 client (Neutron)", "fixed"),
        ExpectedRule(chain, f"{_DHCP6_REPLY} {comment(render.DHCP_SPOOF)} "
                     "-j DROP", "no DHCPv6 server in the instance (Neutron)",
                     "fixed"),
    ]
    return rules + render.bracket(
        chain, render.group_rules(intent, EGRESS, chain, None, IPV6))


def expected_rules(intent):
    """Every ip6tables line the driver should have for the port."""
    jumps = render.shared_jumps(intent)
    if not intent.port_security_enabled:
        return jumps
    ingress, egress, spoof = render.port_chains(intent.port_id)
    pairs = spoof_pairs(intent)
    spoof_rules = [ExpectedRule(spoof, f"-s {cidr} -m mac --mac-source {mac} "
                                f"{comment(render.PAIR_ALLOW)} -j RETURN",
                                origin, "spoof")
                   for cidr, mac, origin in pairs]
    if spoof_rules:
        spoof_rules.append(ExpectedRule(
            spoof, f"{comment(render.PAIR_DROP)} -j DROP",
            "anti-spoofing default (Neutron)", "fixed"))
    return (jumps + _ingress(intent, ingress) +
            _egress(intent, egress, spoof, bool(pairs)) + spoof_rules)
