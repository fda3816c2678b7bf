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

"""What Neutron lets through for every filtered port, whatever its groups.

Both ML2/OVS firewall drivers install these next to the rules (Neutron's
``agent/firewall.py`` ICMPv6 type lists, the iptables driver's IPv6 rules
and the openvswitch driver's base tables), so neighbour discovery works
on a port whose groups allow nothing. Without them the API's verdict on
such a packet would be "no rule allows it" while every host lets it
through: a false disagreement.

Only ICMPv6 is modelled: a DHCP question would need the packet's source
port, which the packet question does not carry.
"""

from osc_netdiag import secgroups as sg

MLD_QUERY, RS, RA, NS, NA = 130, 133, 134, 135, 136
# Neutron's ICMPV6_ALLOWED_INGRESS_TYPES; the openvswitch driver adds RA
# to every port, the iptables driver only to a port with an IPv6 address
INGRESS_TYPES = (MLD_QUERY, NS, NA)
# Neutron's ICMPV6_ALLOWED_EGRESS_TYPES, and NA, which both drivers let out
# for the port's own addresses (the anti-spoofing already vouched for it)
EGRESS_TYPES = (MLD_QUERY, RS, NS, NA)
NAMES = {MLD_QUERY: "multicast listener query", RS: "router solicitation",
         RA: "router advertisement", NS: "neighbour solicitation",
         NA: "neighbour advertisement"}
BUILTIN = "Neutron built-in"


def _has_ipv6_address(intent):
    return any(":" in ip for ip in intent.fixed_ips)


def _verdict(decision, what, why):
    return sg.Verdict(decision, f"{BUILTIN}: {what}", "api", why)


def verdict(intent, packet, icmpv6):
    """The Verdict of Neutron's own ICMPv6 rules on ``packet``, or None
    when they leave it to the security group rules.

    ``icmpv6``: whether the packet is ICMPv6 (an IPv6 icmp question).
    """
    if not icmpv6 or packet.icmp_type is None:
        return None
    kind = packet.icmp_type
    what = NAMES.get(kind, f"ICMPv6 type {kind}")
    hybrid = intent.hybrid_plug
    if packet.direction == sg.INGRESS:
        if kind in INGRESS_TYPES or (
                kind == RA and (not hybrid or _has_ipv6_address(intent))):
            return _verdict(sg.ALLOW, what, f"Neutron accepts every {what} "
                            "to a filtered port, whatever its groups")
        return None
    if kind == RA:
        return _verdict(sg.DENY, what, "an instance may not act as an IPv6 "
                        "router: Neutron drops its router advertisements")
    if kind in EGRESS_TYPES:
        return _verdict(sg.ALLOW, what, f"Neutron lets every {what} out of "
                        "a filtered port from its own addresses")
    if hybrid:
        # the iptables driver's "-p ipv6-icmp -j RETURN" in every port's
        # egress chain (the Guide's "Allow IPv6 ICMP traffic.")
        return _verdict(sg.ALLOW, "ICMPv6 from the instance",
                        "the iptables_hybrid driver lets every other "
                        "ICMPv6 type out of the port, whatever its groups")
    return None
