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

"""Security group rules as the drivers read them.

Protocol numbers, and a rule in one line. Shared by the API's verdict
(``firewall``) and the drivers' views (``backends``), so it lives in the
base layer.
"""

import ipaddress

from osc_netdiag import secgroups as sg

# Neutron accepts a protocol as a name or its number (neutron_lib's
# IP_PROTOCOL_MAP); the drivers install the number
PROTOCOL_NUMBERS = {
    "icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "dccp": 33, "ipv6-encap": 41,
    "ipv6-route": 43, "ipv6-frag": 44, "gre": 47, "esp": 50, "ah": 51,
    "icmpv6": 58, "ipv6-icmp": 58, "ipv6-nonxt": 59, "ipv6-opts": 60,
    "ospf": 89, "pgm": 113, "ipip": 4, "rsvp": 46, "sctp": 132,
    "udplite": 136, "vrrp": 112, "ipencap": 4,
}
ICMP_NUMBERS = (1, 58)
PORT_PROTOCOLS = (6, 17, 33, 132, 136)


def protocol_number(protocol):
    """The IP protocol number of an API protocol value; None for any."""
    if protocol in (None, "", "any"):
        return None
    text = str(protocol).lower()
    if text.isdigit():
        number = int(text)
        # Neutron stores "icmp" for an IPv6 rule as given; the driver
        # turns ICMP into ICMPv6 for IPv6 rules, as below
        return number
    if text not in PROTOCOL_NUMBERS:
        raise ValueError(f"unknown protocol {protocol!r}")
    return PROTOCOL_NUMBERS[text]


def rule_protocol(rule):
    """The protocol number a driver installs for ``rule``.

    ICMP on an IPv6 rule means ICMPv6, as Neutron translates it.
    """
    number = protocol_number(rule.protocol)
    if number == 1 and rule.ethertype == sg.IPV6:
        return 58
    return number


def _group_label(rule, names, long):
    """A remote group as the operator knows it: its Neutron name.

    With ``long``, its ID beside the name (two groups may share a name,
    "default" in every project); the bare ID where no name is known.
    """
    gid = rule.remote_group_id
    name = rule.remote_group_name or names.get(gid)
    if not name:
        return gid
    return f"{name} [{gid}]" if long else name


def describe_remote(rule, names=None, long=False):
    """The rule's remote end.

    ``names`` ({group ID: name}) names remote groups; without it they
    keep their ID, as findings and rows that carry the rule ID do.
    """
    if rule.remote_group_id:
        label = rule.remote_group_id if names is None \
            else _group_label(rule, names, long)
        return f"group {label} ({len(rule.remote_addresses)} addresses)"
    if rule.remote_address_group_id:
        return (f"address group {rule.remote_address_group_id} "
                f"({len(rule.remote_addresses)} CIDRs)")
    if rule.remote_ip_prefix:
        return rule.remote_ip_prefix
    return "anywhere"


def describe_rule(rule, names=None, long=False):
    """One rule as an operator reads it.

    For example "ingress IPv4 tcp 22 from 203.0.113.0/24"; ``names`` and
    ``long`` as for ``describe_remote``.
    """
    what = rule.protocol or "any"
    if rule.port_range_min is not None:
        number = rule_protocol(rule)
        if number in ICMP_NUMBERS:
            what += f" type {rule.port_range_min}"
            if rule.port_range_max is not None:
                what += f" code {rule.port_range_max}"
        elif rule.port_range_max not in (None, rule.port_range_min):
            what += f" {rule.port_range_min}-{rule.port_range_max}"
        else:
            what += f" {rule.port_range_min}"
    way = "from" if rule.direction == sg.INGRESS else "to"
    return f"{rule.direction} {rule.ethertype} {what} {way} " \
           f"{describe_remote(rule, names, long)}"


def group_names(intent):
    """{group ID: Neutron name} of the groups the intent knows.

    Its own groups, and every remote group a rule names (resolved with
    the rule).
    """
    names = {g.id: g.name for g in intent.security_groups if g.name}
    for rule in intent.rules:
        if rule.remote_group_id and rule.remote_group_name:
            names.setdefault(rule.remote_group_id, rule.remote_group_name)
    return names


def inbound_policy(intent, long=False):
    """The port's inbound policy in one line.

    Said plainly when nothing is allowed in: a configuration fact, not
    an error. Remote groups by name (with ``long``, and their ID).
    """
    if not intent.port_security_enabled:
        return "port security off: everything allowed in"
    if not intent.port_filter:
        return "no firewall on the binding: everything allowed in"
    rules = [r for r in intent.rules if r.direction == sg.INGRESS]
    if not rules:
        return ("nothing allowed in (no ingress rule in "
                + (", ".join(g.name or g.id for g in intent.security_groups)
                   or "no group") + "): add one, e.g. 'openstack security "
                "group rule create --ingress --protocol icmp <group>'")
    names = group_names(intent)
    return "in: " + "; ".join(
        describe_rule(r, names, long).split(" ", 1)[1] for r in rules)


def link_local(mac):
    """The EUI-64 link-local address Neutron allows for a MAC."""
    octets = [int(x, 16) for x in mac.split(":")]
    octets[0] ^= 0x02
    eui = octets[:3] + [0xff, 0xfe] + octets[3:]
    groups = [f"{eui[i] << 8 | eui[i + 1]:x}" for i in range(0, 8, 2)]
    return ipaddress.ip_address("fe80::" + ":".join(groups))


def own_addresses(intent, version):
    """What the port may send from, of one IP version, and what each is.

    Its fixed IPs, its allowed address pairs (an address or a CIDR) and,
    for IPv6, the link-local address of its MAC: what the anti-spoofing
    of both drivers lets out, [(ip_network, what)].
    """
    found = [(ipaddress.ip_network(ip), "fixed IP")
             for ip in intent.fixed_ips]
    found += [(ipaddress.ip_network(p.ip_address, strict=False),
               "allowed address pair")
              for p in intent.allowed_address_pairs]
    if version == 6 and intent.mac_address:
        found.append((ipaddress.ip_network(link_local(intent.mac_address)),
                      "link-local address"))
    return [(net, what) for net, what in found if net.version == version]


def address_of(intent, address):
    """What ``address`` is to the port, or None when it is not its own."""
    ip = ipaddress.ip_address(address)
    return next((what for net, what in own_addresses(intent, ip.version)
                 if ip in net), None)


def local_address(intent, packet):
    """The port's end of ``packet``: --local-ip, else its first own.

    The first fixed IP of the packet's family; for IPv6 without one, the
    link-local address of its MAC; for IPv4 without one, 0.0.0.0 (what a
    DHCP client sends from).
    """
    if packet.local_ip:
        return packet.local_ip
    version = ipaddress.ip_address(packet.remote_ip).version
    own = next((ip for ip in intent.fixed_ips
                if ipaddress.ip_address(ip).version == version), None)
    if own is not None:
        return own
    if version == 6 and intent.mac_address:
        return str(link_local(intent.mac_address))
    return "0.0.0.0" if version == 4 else "::"
