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

"""openstacksdk -> PortFirewallIntent: what the API says a port's firewall
should do (its security groups and their rules, the remote groups'
member addresses, its allowed address pairs, port security).

The only place the firewall view talks to the API. A group's rules come
with the group itself (one GET per group); a remote group's members are
the ports that carry it (one list per remote group), and what the
drivers install in place of the group is those ports' fixed IPs and
allowed address pairs of the rule's ethertype.
"""

import ipaddress

from osc_netdiag import resolve
from osc_netdiag import secgroups as sg


def _version(address):
    """4 or 6 for an address or a CIDR, None for anything else.

    Allowed address pairs may be either an address or a CIDR.
    """
    try:
        return ipaddress.ip_network(address, strict=False).version
    except ValueError:
        return None


def _ethertype_of(version):
    return sg.IPV4 if version == 4 else sg.IPV6


def port_addresses(port):
    """(address, ethertype) of a port's fixed IPs and allowed pairs.

    What a remote group rule lets through for this member.
    """
    found = []
    for item in port.fixed_ips or ():
        address = item.get("ip_address")
        if _version(address or ""):
            found.append((address, _ethertype_of(_version(address))))
    for pair in port.allowed_address_pairs or ():
        address = pair.get("ip_address") or ""
        if _version(address):
            found.append((address, _ethertype_of(_version(address))))
    return found


def _member_addresses(net_api, group_id, cache):
    """group ID -> {ethertype: sorted addresses} of its member ports."""
    if group_id not in cache:
        by_type = {sg.IPV4: set(), sg.IPV6: set()}
        for port in net_api.ports(security_group_ids=[group_id]):
            for address, ethertype in port_addresses(port):
                by_type[ethertype].add(address)
        cache[group_id] = {k: tuple(sorted(v, key=_sort_key))
                           for k, v in by_type.items()}
    return cache[group_id]


def _sort_key(address):
    network = ipaddress.ip_network(address, strict=False)
    return (network.version, int(network.network_address),
            network.prefixlen)


def _address_group(net_api, group_id, cache):
    """An address group's CIDRs, by ethertype."""
    key = ("address-group", group_id)
    if key not in cache:
        group = net_api.get_address_group(group_id)
        by_type = {sg.IPV4: [], sg.IPV6: []}
        for cidr in group.addresses or ():
            if _version(cidr):
                by_type[_ethertype_of(_version(cidr))].append(cidr)
        cache[key] = {k: tuple(sorted(v, key=_sort_key))
                      for k, v in by_type.items()}
    return cache[key]


def _group_name(net_api, group_id, cache):
    """A remote group's Neutron name, or None where it cannot be read.

    The port's own groups are named already (``group_of`` puts them in
    the cache); another group costs one GET, and a group this user may
    not read (another project's) keeps its ID.
    """
    from openstack import exceptions
    key = ("group-name", group_id)
    if key not in cache:
        try:
            cache[key] = net_api.get_security_group(group_id).name or None
        except exceptions.SDKException:
            cache[key] = None
    return cache[key]


def _int_or_none(value):
    return None if value is None else int(value)


def rule_of(raw, net_api, cache):
    """A SecurityGroupRule from the API's rule dict, remote resolved.

    ``raw`` is a rule as a group's ``security_group_rules`` carries it.
    """
    ethertype = raw.get("ethertype") or sg.IPV4
    remote = ()
    name = None
    if raw.get("remote_group_id"):
        remote = _member_addresses(net_api, raw["remote_group_id"],
                                   cache)[ethertype]
        name = _group_name(net_api, raw["remote_group_id"], cache)
    elif raw.get("remote_address_group_id"):
        remote = _address_group(net_api, raw["remote_address_group_id"],
                                cache)[ethertype]
    protocol = raw.get("protocol")
    return sg.SecurityGroupRule(
        id=raw["id"], security_group_id=raw["security_group_id"],
        direction=raw["direction"], ethertype=ethertype,
        protocol=None if protocol in (None, "") else str(protocol),
        port_range_min=_int_or_none(raw.get("port_range_min")),
        port_range_max=_int_or_none(raw.get("port_range_max")),
        remote_ip_prefix=raw.get("remote_ip_prefix") or None,
        remote_group_id=raw.get("remote_group_id") or None,
        remote_address_group_id=raw.get("remote_address_group_id") or None,
        remote_addresses=tuple(remote), remote_group_name=name)


def _rule_order(rule):
    # the API lists rules in no promised order; a stable one keeps the
    # output and the comparison reproducible
    return (rule.direction, rule.ethertype, rule.protocol or "",
            rule.port_range_min or 0, rule.id)


def group_of(sdk_group, net_api, cache):
    cache[("group-name", sdk_group.id)] = sdk_group.name or None
    rules = [rule_of(raw, net_api, cache)
             for raw in sdk_group.security_group_rules or ()]
    stateful = getattr(sdk_group, "stateful", None)
    return sg.SecurityGroup(
        id=sdk_group.id, name=sdk_group.name or "",
        stateful=True if stateful is None else bool(stateful),
        rules=tuple(sorted(rules, key=_rule_order)))


def address_pairs(port):
    mac = (port.mac_address or "").lower()
    return tuple(sg.AddressPair(
        ip_address=pair.get("ip_address") or "",
        mac_address=(pair.get("mac_address") or mac).lower())
        for pair in port.allowed_address_pairs or ())


def integration_bridge(net_api, host):
    """br-int's name as the host's Open vSwitch agent reports it."""
    for agent in net_api.agents(host=host, agent_type=resolve.OVS_AGENT):
        bridge = (agent.configuration or {}).get("integration_bridge")
        if bridge:
            return bridge
    return "br-int"


def intent_of(conn, port):
    """The PortFirewallIntent of an SDK Port."""
    net_api = conn.network
    cache = {}
    groups = tuple(group_of(net_api.get_security_group(group_id), net_api,
                            cache)
                   for group_id in port.security_group_ids or ())
    enabled = port.is_port_security_enabled
    details = dict(port.binding_vif_details or {})
    return sg.PortFirewallIntent(
        port_id=port.id, network_id=port.network_id,
        host=port.binding_host_id or "",
        mac_address=(port.mac_address or "").lower(),
        fixed_ips=tuple(ip.get("ip_address") for ip in port.fixed_ips or ()
                        if ip.get("ip_address")),
        # absent when the port_security extension is off: then Neutron
        # filters every port that has groups
        port_security_enabled=True if enabled is None else bool(enabled),
        security_groups=groups,
        allowed_address_pairs=address_pairs(port),
        hybrid_plug=bool(details.get("ovs_hybrid_plug")),
        port_filter=bool(details.get("port_filter", True)),
        device_owner=port.device_owner or "",
        integration_bridge=integration_bridge(net_api,
                                              port.binding_host_id))


def find_intent(conn, ref):
    """<port> (ID, name, fixed IP, MAC) -> (its PortInfo, its intent).

    Refused (exit 3) like a trace when the port is not bound.
    """
    port = resolve.find_port(conn, ref)
    resolve.check_bound(port)
    return resolve.port_info(port), intent_of(conn, port)
