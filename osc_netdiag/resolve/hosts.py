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

"""The API's side of ``host check``: the agents on each host, what they
host, and the tunnels l2population makes (only the resolve layer talks to
the API).
"""

from osc_netdiag import backends
from osc_netdiag.context import HostCheckContext
from osc_netdiag.errors import ResolveError
from osc_netdiag import resolve

OVS_AGENT = resolve.OVS_AGENT
L3_AGENT = "L3 agent"
DHCP_AGENT = "DHCP agent"


def resolve_context(conn, hosts=(), all_hosts=False):
    """Build a HostCheckContext from the API (the only SDK use here).

    The hosts' backend comes from the types of their agents, before
    anything else is read: a host of a backend this release does not
    check is refused (exit 3) naming it.
    """
    net = conn.network
    listed = list(net.agents())
    types_on = {}
    for agent in listed:
        types_on.setdefault(agent.host, set()).add(agent.agent_type)
    backend = backends.for_hosts({
        h: tuple(t) for h, t in types_on.items()
        if all_hosts or h in hosts})
    backends.diagnosis(backend, "HOST_CHECK", "host check")
    l2_agent = backend.AGENT_TYPES[0]
    # a backend's L2 agents may have several types (ML2/OVN: a chassis,
    # a gateway chassis): all are its L2 agents here
    l2_types = getattr(backend, "L2_AGENT_TYPES", (l2_agent,))
    by_type = {l2_agent: {}, L3_AGENT: {}, DHCP_AGENT: {}}
    sdk_agents = {}
    for agent in listed:
        kind = l2_agent if agent.agent_type in l2_types else agent.agent_type
        if kind in by_type:
            by_type[kind][agent.host] = resolve.agent_info(agent)
            sdk_agents[(kind, agent.host)] = agent
    known = sorted(set().union(*(set(v) for v in by_type.values())))
    if all_hosts:
        hosts = known
    else:
        unknown = [h for h in hosts if h not in known]
        if unknown:
            raise ResolveError(
                "not-found",
                f"No Open vSwitch, L3 or DHCP agent is registered for "
                f"{', '.join(unknown)}; known hosts: {', '.join(known) or '-'}")
    dhcp_networks = {s.network_id for s in net.subnets()
                     if s.is_dhcp_enabled}
    hosted_routers, hosted_networks = {}, {}
    for host in hosts:
        l3 = sdk_agents.get((L3_AGENT, host))
        if l3 is not None:
            hosted_routers[host] = tuple(sorted(
                r.id for r in net.agent_hosted_routers(l3)))
        dhcp = sdk_agents.get((DHCP_AGENT, host))
        if dhcp is not None:
            hosted_networks[host] = tuple(sorted(
                n.id for n in net.dhcp_agent_hosting_networks(dhcp)
                if n.id in dhcp_networks))
    routers = list(net.routers())
    networks = list(net.networks())
    tunnel_needs = {}
    if any(a.configurations.get("l2_population")
           for a in by_type[l2_agent].values()):
        tunnel_needs = _tunnel_needs(net, networks, hosts,
                                     backend.TUNNEL_TYPES)
    return HostCheckContext(
        # the field keeps its name: it is the capture format
        hosts=tuple(hosts), ovs_agents=by_type[l2_agent],
        l3_agents=by_type[L3_AGENT], dhcp_agents=by_type[DHCP_AGENT],
        hosted_routers=hosted_routers, hosted_networks=hosted_networks,
        router_ids=tuple(sorted(r.id for r in routers)),
        network_ids=tuple(sorted(n.id for n in networks)),
        distributed_router_ids=tuple(sorted(
            r.id for r in routers if getattr(r, "is_distributed", False))),
        tunnel_needs=tunnel_needs,
        **(_ovn_needs(net, networks, hosts)
           if getattr(backend, "HOST_PHYSNETS", False) else {}))


def _ovn_needs(net, networks, hosts):
    """ML2/OVN: what each chassis must carry for the networks with a port
    bound there: their physnets (bridge mappings) and the largest MTU of
    their overlay networks (geneve's overhead on the encap device).
    """
    ports = list(net.ports())
    return {"physnets": _physnets(ports, networks, hosts),
            "overlay_mtus": _overlay_mtus(ports, networks, hosts)}


def _overlay_mtus(ports, networks, hosts):
    """host -> [MTU, network name] of its largest-MTU overlay network."""
    overlay = {}
    for network in networks:
        info = resolve.network_info(network)
        if info.mtu and any(s.is_tunnel for s in info.segments):
            overlay[network.id] = (info.mtu, info.name or info.id)
    found = {}
    for port in ports:
        need = overlay.get(port.network_id)
        if port.binding_host_id in hosts and need is not None and \
                need > tuple(found.get(port.binding_host_id, (0, ""))):
            found[port.binding_host_id] = need
    return {h: list(v) for h, v in sorted(found.items())}


def _physnets(ports, networks, hosts):
    """host -> the physical networks of the networks with a port bound
    there (what its bridge mappings must carry).
    """
    physnet_of = {}
    for network in networks:
        for seg in resolve.network_info(network).segments:
            if seg.physical_network:
                physnet_of.setdefault(network.id, set()).add(
                    seg.physical_network)
    found = {}
    for port in ports:
        if port.binding_host_id in hosts:
            found.setdefault(port.binding_host_id, set()).update(
                physnet_of.get(port.network_id, ()))
    return {h: tuple(sorted(p)) for h, p in found.items() if p}


def _tunnel_needs(net, networks, hosts, tunnel_kinds):
    """With l2population an agent opens a tunnel to a peer only when a
    network of that tunnel type has bound ports on both hosts.
    """
    tunnel_types = {n.id: n.provider_network_type for n in networks
                    if n.provider_network_type in tunnel_kinds}
    hosts_of = {}
    for port in net.ports():
        if port.network_id in tunnel_types and port.binding_host_id:
            hosts_of.setdefault(port.network_id, set()).add(
                port.binding_host_id)
    needs = {}
    for network_id, on in hosts_of.items():
        ttype = tunnel_types[network_id]
        for host in on & set(hosts):
            needs.setdefault(host, {}).setdefault(ttype, set()).update(
                on - {host})
    return {h: {t: tuple(sorted(p)) for t, p in v.items()}
            for h, v in needs.items()}
