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

"""What the openvswitch firewall driver installs for a port's rules.

Neutron's ``openvswitch_firewall`` (rules.py) turns each security group
rule into flows of the rules tables (72 egress, 82 ingress) matching the
port's register 5 (its ofport), at priority 70 + an offset that grows with
the rule's specificity, once per conntrack state (``+est-rel-rpl`` and
``+new-est``). A rule with a remote group becomes a conjunction: flows
with the port's match do ``conjunction(ID,2/2)``, flows matching each
member address with register 6 (the network's local VLAN) do
``conjunction(ID,1/2)``, and a ``conj_id=ID`` flow accepts.

This module derives those flows' keys from the intent and reads the
installed ones into the same keys, so the two compare as sets; port
ranges compare as the set of ports they cover (the driver splits a range
into value/mask matches).
"""

import dataclasses
import ipaddress

from osc_netdiag import secgroups as sg
from osc_netdiag.sgrules import ICMP_NUMBERS
from osc_netdiag.sgrules import link_local  # noqa: F401 (API)
from osc_netdiag.sgrules import PORT_PROTOCOLS
from osc_netdiag.sgrules import rule_protocol

# neutron_lib.plugins.ml2.ovs_constants (neutron-lib 5.0.1, Neutron
# 29.0.0; unchanged since the driver's tables were renumbered in Queens)
TRANSIENT_TABLE = 60
BASE_EGRESS_TABLE = 71
RULES_EGRESS_TABLE = 72
ACCEPT_OR_INGRESS_TABLE = 73
BASE_INGRESS_TABLE = 81
RULES_INGRESS_TABLE = 82
ACCEPTED_EGRESS_TRAFFIC_TABLE = 91
ACCEPTED_INGRESS_TRAFFIC_TABLE = 92
DROPPED_TRAFFIC_TABLE = 93
ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE = 94
PORT_TABLES = (BASE_EGRESS_TABLE, RULES_EGRESS_TABLE,
               ACCEPT_OR_INGRESS_TABLE, BASE_INGRESS_TABLE,
               RULES_INGRESS_TABLE)
CT_STATES = ("+est-rel-rpl", "+new-est")
ALL_PORTS = "all ports"          # a rule or a flow without a port match
# how OVS prints a dl_type/nw_proto pair
_TOKENS = {(sg.IPV4, None): "ip", (sg.IPV6, None): "ipv6",
           (sg.IPV4, 1): "icmp", (sg.IPV6, 58): "icmp6",
           (sg.IPV4, 6): "tcp", (sg.IPV6, 6): "tcp6",
           (sg.IPV4, 17): "udp", (sg.IPV6, 17): "udp6",
           (sg.IPV4, 132): "sctp", (sg.IPV6, 132): "sctp6"}
_FROM_TOKEN = {v: k for k, v in _TOKENS.items()}
_ANY = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
# the source of an anti-spoofing flow without one, by "is IPv6": the flow
# of an allowed address pair 0.0.0.0/0 or ::/0, whose address match
# (nw_src, ipv6_src, arp_spa) OVS stores fully masked and so prints not
_WHOLE = {False: "0.0.0.0/0", True: "::/0"}


@dataclasses.dataclass(frozen=True)
class Key:
    """What tells one rule's flows from another's, ports aside."""
    table: int
    priority: int
    ct_state: str
    ethertype: str
    protocol: object            # number or None
    remote: object              # ip_network or None
    icmp_type: object = None
    icmp_code: object = None


def table_of(direction):
    return RULES_INGRESS_TABLE if direction == sg.INGRESS \
        else RULES_EGRESS_TABLE


def priority_offset(rule, number, conjunction):
    """Neutron's rules.flow_priority_offset.

    4 for a flow without conjunction, plus 1 for ICMP of any type, 2
    with a type, 3 with a code or any other protocol.
    """
    offset = 0 if conjunction else 4
    if number is None:
        return offset
    if number in ICMP_NUMBERS:
        if rule.port_range_min is None:
            return offset + 1
        if rule.port_range_max is None:
            return offset + 2
    return offset + 3


def _remote_of(rule):
    if rule.remote_group_id or rule.remote_address_group_id:
        return None
    if not rule.remote_ip_prefix:
        return None
    net = ipaddress.ip_network(rule.remote_ip_prefix, strict=False)
    return None if net in _ANY else net


def rule_keys(rule):
    """(Key for each conntrack state, ports covered or ALL_PORTS)."""
    number = rule_protocol(rule)
    conj = bool(rule.remote_group_id or rule.remote_address_group_id)
    priority = 70 + priority_offset(rule, number, conj)
    icmp_type = icmp_code = None
    ports = ALL_PORTS
    if number in ICMP_NUMBERS:
        icmp_type, icmp_code = rule.port_range_min, rule.port_range_max
    elif number in PORT_PROTOCOLS and rule.port_range_min is not None:
        high = rule.port_range_max or rule.port_range_min
        # 1-65535 too: Neutron now stores the whole range as no range,
        # but a rule stored before keeps it, and the agent installs it
        # as value/mask flows (port_rule_masking) that cover 1-65535,
        # never as one flow without a port match
        ports = frozenset(range(rule.port_range_min, high + 1))
    keys = tuple(Key(table_of(rule.direction), priority, state,
                     rule.ethertype, number, _remote_of(rule), icmp_type,
                     icmp_code) for state in CT_STATES)
    return keys, ports


def _ports_of(value):
    """The ports a tp_dst match covers: "22", or "0x1000/0xf000"."""
    if value is None:
        return ALL_PORTS
    if "/" in value:
        base, mask = (int(v, 0) for v in value.split("/"))
        return frozenset(p for p in range(65536) if p & mask == base & mask)
    return frozenset((int(value, 0),))


def _token(flow):
    for name, value in flow.match:
        if value is None and name in _FROM_TOKEN:
            ethertype, number = _FROM_TOKEN[name]
            proto = flow.match_get("nw_proto")
            if number is None and proto is not None:
                number = int(proto)
            return ethertype, number
    return None, None


def flow_key(flow, direction):
    """The Key of an installed rules-table flow, and the ports it covers."""
    ethertype, number = _token(flow)
    if direction == sg.INGRESS:
        fields = ("nw_src", "ipv6_src")
    else:
        fields = ("nw_dst", "ipv6_dst")
    remote = next((flow.match_get(f) for f in fields if flow.has_match(f)),
                  None)
    icmp_type = flow.match_get("icmp_type")
    icmp_code = flow.match_get("icmp_code")
    key = Key(flow.table, flow.priority, flow.match_get("ct_state") or "",
              ethertype, number,
              None if remote is None else ipaddress.ip_network(
                  remote, strict=False),
              None if icmp_type is None else int(icmp_type),
              None if icmp_code is None else int(icmp_code))
    return key, _ports_of(flow.match_get("tp_dst"))


def conj_ids(flow, dimension):
    """The conjunction IDs a flow feeds in ``dimension`` (1 or 2)."""
    found = []
    for action in flow.actions_named("conjunction"):
        ident, _, dim = (action.arg or "").partition(",")
        if dim == f"{dimension}/2":
            found.append(int(ident))
    return found


def network_text(net):
    """An address as OVS and the operator write it: no /32 or /128."""
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address)
    return str(net)


def allowed_sources(intent):
    """(MAC, ip_network) pairs the port may send from.

    Its fixed IPs with its MAC, each allowed address pair with its MAC,
    and the IPv6 link-local address of the port's MAC. Each tagged with
    what the API calls it.
    """
    found = {}
    mac = intent.mac_address
    for ip in intent.fixed_ips:
        found[(mac, ipaddress.ip_network(ip))] = "fixed IP"
    for pair in intent.allowed_address_pairs:
        net = ipaddress.ip_network(pair.ip_address, strict=False)
        found.setdefault((pair.mac_address, net), "allowed address pair")
    # Neutron allows the link-local address of the port's own MAC only
    # (OFPort.update); a pair's other MAC gets none
    found.setdefault((mac, ipaddress.ip_network(link_local(mac))),
                     "link-local address")
    return found


def installed_sources(flows, ofport):
    """(MAC, ip_network) pairs table 71 lets the port send IP from."""
    found = {}
    for flow in flows:
        if flow.table != BASE_EGRESS_TABLE or flow.priority != 65:
            continue
        if flow.match_get("reg5") != hex(ofport):
            continue
        source = flow.match_get("nw_src") or flow.match_get("ipv6_src") \
            or _WHOLE[flow.has_match("ipv6")]
        mac = flow.match_get("dl_src")
        if source and mac:
            found[(mac, ipaddress.ip_network(source, strict=False))] = flow
    return found


def installed_arp_sources(flows, ofport):
    found = set()
    for flow in flows:
        if flow.table == BASE_EGRESS_TABLE and flow.priority == 95 and \
                flow.has_match("arp") and \
                flow.match_get("reg5") == hex(ofport):
            found.add((flow.match_get("dl_src"), ipaddress.ip_network(
                flow.match_get("arp_spa") or _WHOLE[False], strict=False)))
    return found


def dhcp_spoof_blocked(flows, ofport):
    """Whether table 71 drops DHCP server replies the port sends."""
    for flow in flows:
        if flow.table == BASE_EGRESS_TABLE and flow.has_match("udp") and \
                flow.match_get("reg5") == hex(ofport) and \
                flow.match_get("tp_src") == "67" and \
                flow.match_get("tp_dst") == "68" and \
                any(a.arg == f",{DROPPED_TRAFFIC_TABLE}"
                    for a in flow.actions_named("resubmit")):
            return True
    return False
