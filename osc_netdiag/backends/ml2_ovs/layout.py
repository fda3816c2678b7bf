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

"""Who else needs a host's way out of itself.

A host alone on a network (an all-in-one, or the only host with a port on a
provider network) legitimately has nothing on the wire for it: no physical
NIC on the physnet's bridge, no tunnel peer to flood to. Whether a missing
way out is an ERROR depends on whether some other host, or a gateway off
the host, needs it; the answer comes from the API, never from the host.
"""


def _network_hosts(context, network):
    """Hosts the API says carry ``network`` (the traced one only: the trace
    context knows ports and agents of that network alone).
    """
    if network.id != context.network.id:
        return None
    hosts = set(context.network_hosts)
    hosts.update(a.host for a in context.dhcp_serving_agents())
    if context.router is not None:
        hosts.update(a.host for a in context.router.l3_agents)
    return hosts


def physical_path_needed(context, network, host):
    """Why traffic of ``network`` must leave ``host`` on the wire, or None
    when nothing outside the host needs it today.
    """
    if context is None:
        return "the API's view of the network was not read"
    if network.router_external:
        return (f"{network.name or network.id} is an external network: its "
                "gateway is off the host")
    hosts = _network_hosts(context, network)
    if hosts is None:
        return "the API's view of the network was not read"
    others = sorted(hosts - {host})
    if others:
        return f"{', '.join(others)} also carr{'y' if len(others) > 1 else 'ies'} it"
    router_ips = set()
    if context.router is not None and context.router.interface_port:
        router_ips = set(context.router.interface_port.ips())
    for subnet in context.subnets:
        if subnet.gateway_ip and subnet.gateway_ip not in router_ips:
            # a physical router (provider network) answers there
            return (f"subnet {subnet.cidr}'s gateway {subnet.gateway_ip} is "
                    "not a Neutron router port")
    return None
