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

"""openstacksdk -> Destination: ``port trace --to IP``.

What the instance would send a packet to ``IP`` to: on one of its own
subnets the port holding that address (its MAC), beyond them the router
interface on its subnet. The port holding the address, wherever it is,
lends its name and its security groups' rules (the ACLs that may drop
the packet on its side are named by them).
"""

import ipaddress

from osc_netdiag import context as ctx


def _holder(net_api, ip, network_id):
    """The port holding ``ip``: on ``network_id`` first, else anywhere
    (the first by ID, so the answer does not depend on the API's order).
    """
    found = sorted(net_api.ports(fixed_ips=[f"ip_address={ip}"]),
                   key=lambda p: (p.network_id != network_id, p.id))
    return found[0] if found else None


def _rule_groups(net_api, port):
    groups = {}
    for group_id in sorted(port.security_group_ids or ()):
        group = net_api.get_security_group(group_id)
        for rule in group.security_group_rules or ():
            groups[rule["id"]] = [group.id, group.name or ""]
    return groups


def destination_of(conn, context, ip):
    """The Destination of ``ip`` (a checked IPv4 address) for the traced
    port's PortContext.
    """
    net_api = conn.network
    address = ipaddress.IPv4Address(ip)
    on_link = any(address in ipaddress.ip_network(s.cidr, strict=False)
                  for s in context.subnets if "." in s.cidr)
    holder = _holder(net_api, str(address), context.port.network_id)
    mac, via = None, ""
    if on_link:
        if holder is not None and holder.network_id == context.port.network_id:
            mac, via = holder.mac_address, "port"
    elif context.router is not None and \
            context.router.interface_port is not None:
        mac, via = context.router.interface_port.mac, "router"
    network_name = ""
    if holder is not None:
        network = net_api.get_network(holder.network_id)
        network_name = network.name or network.id
    return ctx.Destination(
        ip=str(address), mac=mac, via=via,
        port_id=holder.id if holder is not None else None,
        port_name=(holder.name or "") if holder is not None else "",
        network_name=network_name,
        rule_groups=_rule_groups(net_api, holder) if holder is not None
        else {})
