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

"""The API's verdict on a packet, and the port's inbound policy in a line.

Pure functions of a ``secgroups.PortFirewallIntent``: security group
rules are allow rules, evaluated as Neutron's drivers do (any rule of any
of the port's groups that matches lets the packet through; nothing else
does), with conntrack's shortcut for stateful groups: a packet of a
connection already allowed the other way passes whatever the rules say.
A stateless group has no such shortcut: a reply passes only when a rule
of its direction admits it. An egress packet from an address that is
neither a fixed IP nor an allowed address pair of the port (the
question's --local-ip) is dropped by anti-spoofing before any rule.
"""

import ipaddress

from osc_netdiag import secgroups as sg
from osc_netdiag.sgrules import address_of
from osc_netdiag.sgrules import describe_rule
from osc_netdiag.sgrules import ICMP_NUMBERS
from osc_netdiag.sgrules import inbound_policy  # noqa: F401 (API)
from osc_netdiag.sgrules import local_address
from osc_netdiag.sgrules import PORT_PROTOCOLS
from osc_netdiag.sgrules import protocol_number
from osc_netdiag.sgrules import rule_protocol

PORT_SECURITY_OFF = "port security disabled"
FILTER_OFF = "security groups disabled (binding port_filter false)"
CONNTRACK = "conntrack: reply of an allowed connection (stateful group)"
ANTI_SPOOFING = "anti-spoofing"


def check_question(intent, packet):
    """Refuse a question that does not fit the port (QuestionError).

    An ingress packet's --local-ip is its destination: one of the port's
    own addresses, else the question is about another port.
    """
    if packet is None or packet.local_ip is None or \
            packet.direction != sg.INGRESS:
        return
    if address_of(intent, packet.local_ip) is None:
        raise sg.QuestionError(
            f"--local-ip {packet.local_ip} is not an address of port "
            f"{intent.port_id} (fixed IPs: "
            f"{', '.join(intent.fixed_ips) or 'none'}; allowed address "
            "pairs: " + (", ".join(p.ip_address for p in
                                   intent.allowed_address_pairs) or "none")
            + ")")


def _spoofed(intent, packet):
    """The Verdict on an egress packet from an address not the port's."""
    if packet.direction != sg.EGRESS:
        return None
    source = local_address(intent, packet)
    if address_of(intent, source) is not None:
        return None
    return sg.Verdict(sg.DENY, ANTI_SPOOFING, "api",
                      f"{source} is neither a fixed IP nor an allowed "
                      f"address pair of port {intent.port_id}: its "
                      "anti-spoofing drops the packet whatever the rules "
                      "say")


def _in_remote(rule, address):
    """Whether ``address`` is a remote end the rule admits."""
    ip = ipaddress.ip_address(address)
    if rule.remote_group_id or rule.remote_address_group_id:
        return any(ip in ipaddress.ip_network(a, strict=False)
                   for a in rule.remote_addresses)
    if rule.remote_ip_prefix:
        return ip in ipaddress.ip_network(rule.remote_ip_prefix,
                                          strict=False)
    return True


def _ports_match(rule, number, packet):
    if number in ICMP_NUMBERS:
        # port_range_min/max carry the ICMP type and code
        if rule.port_range_min is not None and \
                packet.icmp_type != rule.port_range_min:
            return False
        if rule.port_range_max is not None and \
                packet.icmp_code != rule.port_range_max:
            return False
        return True
    if number in PORT_PROTOCOLS and rule.port_range_min is not None:
        high = rule.port_range_max if rule.port_range_max is not None \
            else rule.port_range_min
        return packet.port is not None and \
            rule.port_range_min <= packet.port <= high
    return True


def packet_protocol(packet):
    """The packet's IP protocol number: ICMP of an IPv6 packet is ICMPv6.

    As ping -6 sends it, and as the drivers install an IPv6 rule's icmp.
    """
    number = protocol_number(packet.protocol)
    if number == 1 and packet.ethertype == sg.IPV6:
        return 58
    return number


def rule_matches(rule, packet):
    """Whether one rule admits the packet.

    Direction, ethertype, protocol, ports or ICMP type, remote end.
    """
    if rule.direction != packet.direction or \
            rule.ethertype != packet.ethertype:
        return False
    number = rule_protocol(rule)
    if number is not None and number != packet_protocol(packet):
        return False
    if not _ports_match(rule, number, packet):
        return False
    return _in_remote(rule, packet.remote_ip)


def api_verdict(intent, packet):
    """allow or deny, and the rule (or the fact) that decides."""
    if not intent.port_security_enabled:
        return sg.Verdict(sg.ALLOW, PORT_SECURITY_OFF, "api",
                          "port_security_enabled is false: the host "
                          "filters nothing for this port")
    if not intent.port_filter:
        return sg.Verdict(sg.ALLOW, FILTER_OFF, "api",
                          "the port is bound without a firewall")
    spoofed = _spoofed(intent, packet)
    if spoofed is not None:
        return spoofed
    if packet.established and intent.stateful and intent.security_groups:
        return sg.Verdict(sg.ALLOW, CONNTRACK, "api",
                          "evaluated as an established connection")
    for group in intent.security_groups:
        for rule in group.rules:
            if rule_matches(rule, packet):
                return sg.Verdict(sg.ALLOW, rule.id, "api",
                                  f"{describe_rule(rule)} (group "
                                  f"{group.name or group.id})")
    names = ", ".join(g.name or g.id for g in intent.security_groups)
    why = ""
    if packet.established and not intent.stateful:
        why = ("; the groups are stateless: a reply needs a rule of its "
               "own, conntrack does not admit it")
    return sg.Verdict(sg.DENY, "", "api",
                      f"no rule of {names or 'no group'} allows "
                      f"{describe_packet(packet)}{why}")


def describe_packet(packet):
    what = packet.protocol
    if packet.port is not None:
        what += f" port {packet.port}"
    if packet.icmp_type is not None:
        what += f" type {packet.icmp_type}"
        if packet.icmp_code is not None:
            what += f" code {packet.icmp_code}"
    way = "from" if packet.direction == sg.INGRESS else "to"
    state = "established" if packet.established else "new"
    local = ""
    if packet.local_ip:
        # said only when the operator named it: the default is the port's
        local = (f" to {packet.local_ip}" if packet.direction == sg.INGRESS
                 else f" from {packet.local_ip}")
    return (f"{packet.direction} {packet.ethertype} {what} {way} "
            f"{packet.remote_ip}{local} ({state})")
