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

"""The openvswitch firewall's fixed flows of a port beside its IP
anti-spoofing: IPv6 neighbour discovery, DHCP and DHCPv6, router
advertisements, and the base ingress table.

As Neutron 29.0.0's ``openvswitch_firewall/firewall.py`` installs them
(``_initialize_egress``, ``_initialize_egress_ipv6_icmp``,
``_initialize_ingress``, ``_initialize_ingress_ipv6_icmp``):

table 71 (egress base), for each IPv6 source the port may use (its
IPv6 fixed IPs and allowed address pairs with their MAC, and the
link-local address of its own MAC):
  priority 95, ICMPv6 MLD query (130), router solicitation (133) and
  neighbour solicitation (135) from that MAC and address;
  priority 95, neighbour advertisement (136) with ``nd_target`` the
  address (no MAC match): what lets the port announce it, and nothing
  else; priority 80, a DHCPv6 request (UDP 546 -> 547) from it.
For each IPv4 source, and 0.0.0.0: priority 80, a DHCP request (UDP 68
-> 67). Dropped (priority 70, to table 93): DHCP and DHCPv6 replies and
router advertisements the port sends.

table 81 (ingress base), priority 100: ARP, and ICMPv6 MLD query,
neighbour solicitation and advertisement and router advertisement to the
port; priority 95: DHCP and DHCPv6 replies to it.
"""

import ipaddress

from osc_netdiag.backends.ml2_ovs import fw_ovs_flows as flows
from osc_netdiag.models import Status
from osc_netdiag.sgrules import link_local

KIND = "ovs-firewall"
# neutron.agent.firewall: ICMPV6_ALLOWED_EGRESS_TYPES (MLD query, RS,
# NS) from each source; ICMPV6_RESTRICTED_EGRESS_TYPES (NA) by nd_target
ND_FROM_SOURCE = (130, 133, 135)
NA = 136
RA = 134
# ICMPV6_ALLOWED_INGRESS_TYPES (MLD query, NS, NA) and RA, to the port
ND_IN = (130, 135, 136, 134)
INGRESS_BASE = (("arp", "ARP"),) + tuple(
    (f"icmp6 {t}", f"ICMPv6 type {t}") for t in ND_IN) + (
    ("dhcp", "DHCP replies"), ("dhcpv6", "DHCPv6 replies"))


def _net(value):
    return ipaddress.ip_network(value, strict=False)


def sources(intent, version):
    """{(MAC, ip_network): what the API calls it} the port may send from.

    Neutron's set: fixed IPs with the port's MAC, allowed address pairs
    with theirs and, for IPv6, the link-local address of the port's own
    MAC only (an address pair's other MAC gets none).
    """
    mac = intent.mac_address
    found = {}
    for ip in intent.fixed_ips:
        found[(mac, _net(ip))] = "fixed IP"
    for pair in intent.allowed_address_pairs:
        found.setdefault((pair.mac_address, _net(pair.ip_address)),
                         "allowed address pair")
    if mac:
        found.setdefault((mac, _net(link_local(mac))), "link-local address")
    return {k: v for k, v in found.items() if k[1].version == version}


def _goes_to(flow, table):
    return any(a.arg == f",{table}" for a in flow.actions_named("resubmit"))


def _outputs(flow, ofport):
    return any(a.arg == str(ofport) for a in flow.actions_named("output"))


# An allowed address pair of every address (0.0.0.0/0, ::/0) gets the
# same flows as any other source, but OVS stores their address match
# (ipv6_src, nd_target, nw_src) fully masked and prints none.
_EVERY_V4, _EVERY_V6 = "0.0.0.0/0", "::/0"


def _egress_key(flow):
    """What one table 71 flow of the port stands for, or None."""
    icmp_type = flow.match_get("icmp_type")
    if flow.priority == 95 and flow.has_match("icmp6") and \
            _goes_to(flow, flows.ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE):
        # Neutron matches the advertisements by nd_target only, every
        # other ND type by MAC and source address
        if flow.has_match("nd_target") or icmp_type == str(NA):
            return ("na", _net(flow.match_get("nd_target") or _EVERY_V6))
        if flow.has_match("dl_src"):
            return ("nd", flow.match_get("dl_src"),
                    _net(flow.match_get("ipv6_src") or _EVERY_V6),
                    int(icmp_type or -1))
    if flow.priority == 80 and \
            _goes_to(flow, flows.ACCEPT_OR_INGRESS_TABLE):
        source = flow.match_get("nw_src") or flow.match_get("ipv6_src") or \
            (_EVERY_V6 if flow.has_match("udp6") else _EVERY_V4)
        if (flow.match_get("tp_src"), flow.match_get("tp_dst")) in (
                ("68", "67"), ("546", "547")):
            return ("dhcp-client", flow.match_get("dl_src"), _net(source))
    if flow.priority == 70 and _goes_to(flow, flows.DROPPED_TRAFFIC_TABLE):
        if flow.has_match("udp6") and flow.match_get("tp_src") == "547":
            return ("drop", "dhcpv6")
        if flow.has_match("icmp6") and icmp_type == str(RA):
            return ("drop", "ra")
    return None


def _ingress_key(flow, ofport):
    if not _outputs(flow, ofport):
        return None
    if flow.priority == 100 and flow.has_match("arp"):
        return "arp"
    if flow.priority == 100 and flow.has_match("icmp6"):
        return f"icmp6 {flow.match_get('icmp_type')}"
    if flow.priority == 95 and flow.has_match("udp") and \
            flow.match_get("tp_src") == "67":
        return "dhcp"
    if flow.priority == 95 and flow.has_match("udp6") and \
            flow.match_get("tp_src") == "547":
        return "dhcpv6"
    return None


def installed(port_flows, ofport):
    """(egress keys, ingress keys) of the port's base flows."""
    egress, ingress = set(), set()
    for flow in port_flows:
        if flow.match_get("reg5") != hex(ofport):
            continue
        if flow.table == flows.BASE_EGRESS_TABLE:
            key = _egress_key(flow)
            if key is not None:
                egress.add(key)
        elif flow.table == flows.BASE_INGRESS_TABLE:
            key = _ingress_key(flow, ofport)
            if key is not None:
                ingress.add(key)
    return egress, ingress


def _check_nd(report, intent, egress, values):
    """Each IPv6 source's ND flows, and no ND target the API does not
    give the port. Returns the problems, for the hop.
    """
    host, port = values["host"], values["port"]
    wanted = sources(intent, 6)
    problems = []
    for (mac, net), what in sorted(wanted.items(), key=str):
        address = flows.network_text(net)
        lacking = [f"ICMPv6 type {t}" for t in ND_FROM_SOURCE
                   if ("nd", mac, net, t) not in egress]
        if ("na", net) not in egress:
            lacking.append(f"neighbour advertisement (nd_target={address})")
        if lacking:
            problems.append(f"ND of {address} missing")
            report.find("NETDIAG_FW_OF_ND_MISSING",
                        f"{host}:{port}:nd:{address}",
                        f"table 71 on {host} lacks the IPv6 neighbour "
                        f"discovery flows of port {port}'s {what} {address}"
                        f" (MAC {mac}): {', '.join(lacking)}",
                        address=address, mac=mac, what=", ".join(lacking),
                        **values)
    targets = {net for (_mac, net) in wanted}
    stale = {k[1] for k in egress if k[0] == "na"} - targets
    stale |= {k[2] for k in egress if k[0] == "nd"} - targets
    for net in sorted(stale, key=str):
        address = flows.network_text(net)
        problems.append(f"ND of {address} not in the API")
        report.find("NETDIAG_FW_OF_ND_STALE", f"{host}:{port}:nd:{address}",
                    f"port {port} may answer IPv6 neighbour discovery for "
                    f"{address} on {host}, which the API does not give it",
                    address=address, **values)
    return problems


def _check_dhcp_ra(report, intent, egress, values):
    host, port = values["host"], values["port"]
    problems = []
    for version, name in ((4, "DHCP"), (6, "DHCPv6")):
        wanted = sources(intent, version)
        if version == 4 and intent.mac_address:
            wanted[(intent.mac_address, _net("0.0.0.0"))] = "no address yet"
        for (mac, net), _what in sorted(wanted.items(), key=str):
            if ("dhcp-client", mac, net) in egress:
                continue
            address = flows.network_text(net)
            problems.append(f"{name} requests from {address} dropped")
            report.find("NETDIAG_FW_OF_DHCP_CLIENT_MISSING",
                        f"{host}:{port}:dhcp-client:{address}",
                        f"table 71 on {host} has no flow letting port {port}"
                        f" send {name} requests from {address} (MAC {mac})",
                        protocol=name, address=address, **values)
    if ("drop", "dhcpv6") not in egress:
        problems.append("DHCPv6 replies from the port not dropped")
        report.find("NETDIAG_FW_OF_DHCP_SPOOF_MISSING",
                    f"{host}:{port}:dhcpv6",
                    f"no flow drops DHCPv6 server replies sent by port "
                    f"{port} on {host}", **values)
    if ("drop", "ra") not in egress:
        problems.append("router advertisements from the port not dropped")
        report.find("NETDIAG_FW_OF_RA_SPOOF_MISSING", f"{host}:{port}:ra",
                    f"no flow drops IPv6 router advertisements sent by port "
                    f"{port} on {host}", **values)
    return problems


def _check_ingress(report, ingress, values):
    host, port = values["host"], values["port"]
    lacking = [what for key, what in INGRESS_BASE if key not in ingress]
    if lacking:
        report.find("NETDIAG_FW_OF_INGRESS_BASE_MISSING",
                    f"{host}:{port}:ingress-base",
                    f"table 81 on {host} does not let {', '.join(lacking)} "
                    f"reach port {port}", what=", ".join(lacking),
                    **dict(values, table=flows.BASE_INGRESS_TABLE))
    return [f"{what} to the port not let in" for what in lacking]


def check_base(report, intent, port_flows, ofport, values):
    """The port's ND, DHCP, RA and ingress base flows: findings, one hop."""
    egress, ingress = installed(port_flows, ofport)
    problems = _check_nd(report, intent, egress, values)
    problems += _check_dhcp_ra(report, intent, egress, values)
    problems += _check_ingress(report, ingress, values)
    v6 = sorted(flows.network_text(n) for (_m, n) in sources(intent, 6))
    detail = (f"IPv6 neighbour discovery of {', '.join(v6)}; DHCP and "
              "DHCPv6 requests out, replies and router advertisements "
              "from the port dropped; ARP, ND and DHCP replies in")
    if problems:
        detail = "; ".join(problems)
    report.hop(values["host"], "nd-dhcp-ra", KIND,
               "wrong" if problems else "in sync", detail,
               Status.ERROR if problems else Status.OK)
