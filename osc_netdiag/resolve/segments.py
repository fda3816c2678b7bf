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

"""The API's side of ``network vlan-map``: the network's segments, the
hosts that carry it, every agent's bridges and every known segment (only
the resolve layer talks to the API).
"""

from osc_netdiag import backends
from osc_netdiag.context import VlanMapContext
from osc_netdiag.errors import ResolveError
from osc_netdiag import resolve


def resolve_context(conn, network_ref, all_hosts=False):
    net_api = conn.network
    sdk_net = net_api.find_network(network_ref, ignore_missing=True)
    if sdk_net is None:
        raise ResolveError("not-found", f"No network found for "
                           f"'{network_ref}'")
    network = resolve.network_info(sdk_net)
    if not network.segments:
        raise ResolveError(
            "not-admin",
            f"Network {network.id} shows no provider:* fields: these are "
            "admin-only in Neutron's default policy. Use admin credentials.")
    port_hosts = {}
    bound = [p for p in net_api.ports(network_id=network.id)
             if p.binding_host_id]
    for port in bound:
        if port.binding_host_id:
            port_hosts[port.binding_host_id] = \
                port_hosts.get(port.binding_host_id, 0) + 1
    dhcp_hosts = tuple(sorted(a.host for a in
                              net_api.network_hosting_dhcp_agents(network.id)))
    # the network's backend, from its bound ports (their bound drivers,
    # or the agents on their hosts), before its hosts are read
    listed = list(net_api.agents())
    types_on = {}
    for agent in listed:
        types_on.setdefault(agent.host, set()).add(agent.agent_type)
    types_on = {h: tuple(sorted(t)) for h, t in types_on.items()}
    backend = backends.for_network(
        network.id, [backends.binding_of(resolve.port_info(p),
                                         types_on.get(p.binding_host_id, ()))
                     for p in bound], types_on)
    ovs_agents = {a.host: resolve.agent_info(a) for a in listed
                  if a.agent_type == backend.AGENT_TYPES[0]}
    known = []
    for other in net_api.networks():
        for seg in resolve.network_info(other).segments:
            known.append((seg.network_type, seg.physical_network,
                          seg.segmentation_id, other.id))
    carriers = set(port_hosts) | set(dhcp_hosts)
    hosts = sorted(set(ovs_agents) | carriers) if all_hosts \
        else sorted(carriers)
    return VlanMapContext(network=network, hosts=tuple(hosts),
                          port_hosts=port_hosts, dhcp_hosts=dhcp_hosts,
                          ovs_agents=ovs_agents,
                          known_segments=tuple(sorted(known, key=str)))
