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

"""openstacksdk -> PortContext: find the port and everything its path needs.

Only this package talks to the API (the port here; a host check's agents
in hosts.py, a network's segments in segments.py). Resolution fails before
any SSH with a ResolveError (exit code 3): not found, ambiguous
(candidates listed), unbound, or credentials that cannot see the
admin-only binding fields.
"""

import ipaddress
import re
import uuid

from osc_netdiag import context as ctx
from osc_netdiag.errors import ResolveError

OVS_AGENT = "Open vSwitch agent"
ROUTER_INTERFACE_OWNERS = (
    "network:router_interface",
    "network:ha_router_replicated_interface",
    "network:router_interface_distributed",
)
_MAC_RE = re.compile(r"^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}\Z")


def _is_uuid(text):
    try:
        uuid.UUID(text)
        return True
    except ValueError:
        return False


def _is_ip(text):
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def candidate_row(port):
    ips = ",".join(ip["ip_address"] for ip in port.fixed_ips or ())
    return {"id": port.id, "name": port.name or "",
            "network_id": port.network_id, "fixed_ips": ips}


def _one(matches, what):
    matches = list(matches)
    if not matches:
        raise ResolveError("not-found", f"No port found for {what}")
    if len(matches) > 1:
        rows = [candidate_row(p) for p in matches]
        listed = "; ".join(
            f"{r['id']} name={r['name'] or '-'} network={r['network_id']} "
            f"ips={r['fixed_ips'] or '-'}" for r in rows)
        raise ResolveError(
            "ambiguous",
            f"{len(rows)} ports match {what}; use the port ID: {listed}",
            candidates=rows)
    return matches[0]


def find_port(conn, ref):
    """Find one port by UUID, fixed IP, MAC address or name."""
    net = conn.network
    if _is_uuid(ref):
        port = net.find_port(ref, ignore_missing=True)
        if port is not None:
            return port
        return _one(net.ports(name=ref), f"'{ref}'")
    if _is_ip(ref):
        return _one(net.ports(fixed_ips=[f"ip_address={ref}"]),
                    f"fixed IP {ref}")
    if _MAC_RE.match(ref):
        return _one(net.ports(mac_address=ref.lower().replace("-", ":")),
                    f"MAC {ref}")
    return _one(net.ports(name=ref), f"name '{ref}'")


def find_server_ports(conn, ref):
    """The ports of a server by name or ID (Nova), or by device_id."""
    server_id = ref
    try:
        server = conn.compute.find_server(ref, ignore_missing=True)
        if server is not None:
            server_id = server.id
    except Exception:  # no compute endpoint: a device_id is still usable
        if not _is_uuid(ref):
            raise ResolveError(
                "not-found",
                f"Cannot look up server '{ref}' (no compute service); "
                "pass the server ID") from None
    ports = list(conn.network.ports(device_id=server_id))
    if not ports:
        raise ResolveError("not-found", f"No ports found for server '{ref}'")
    return ports


def port_info(port):
    return ctx.PortInfo(
        id=port.id,
        name=port.name or "",
        mac=(port.mac_address or "").lower(),
        network_id=port.network_id,
        fixed_ips=tuple((ip.get("subnet_id"), ip.get("ip_address"))
                        for ip in port.fixed_ips or ()),
        device_owner=port.device_owner or "",
        device_id=port.device_id or "",
        status=port.status or "",
        admin_state_up=bool(port.is_admin_state_up),
        binding_host=port.binding_host_id or None,
        vif_type=port.binding_vif_type,
        vif_details=dict(port.binding_vif_details or {}),
    )


def _segments(network):
    if network.segments:
        return tuple(ctx.Segment(
            network_type=s.get("provider:network_type"),
            physical_network=s.get("provider:physical_network"),
            segmentation_id=s.get("provider:segmentation_id"))
            for s in network.segments)
    if network.provider_network_type is None:
        return ()
    return (ctx.Segment(network.provider_network_type,
                        network.provider_physical_network,
                        network.provider_segmentation_id),)


def network_info(network):
    return ctx.Network(id=network.id, name=network.name or "",
                       mtu=network.mtu, segments=_segments(network),
                       router_external=bool(network.is_router_external))


def agent_info(agent):
    return ctx.Agent(host=agent.host, agent_type=agent.agent_type,
                     alive=bool(agent.is_alive),
                     admin_state_up=bool(agent.is_admin_state_up),
                     configurations=dict(agent.configuration or {}),
                     ha_state=getattr(agent, "ha_state", None))


def check_bound(port):
    """Refuse ports whose path cannot be traced, saying why."""
    if port.binding_vif_type is None and port.binding_host_id is None:
        raise ResolveError(
            "not-admin",
            f"Port {port.id} shows no binding:* fields: these are admin-only "
            "in Neutron's default policy. Use admin credentials.")
    if port.binding_vif_type in ("binding_failed", "unbound") \
            or not port.binding_host_id:
        raise ResolveError(
            "unbound",
            f"Port {port.id} is not bound (vif_type "
            f"{port.binding_vif_type or '-'}, host "
            f"{port.binding_host_id or '-'}): there is no data path to "
            "trace. Check the mechanism driver and the agent on the host "
            "(neutron-server log: 'Failed to bind port').")


def host_agent_types(conn, host):
    """The types of the Neutron agents on ``host`` (what tells the backend
    of a port bound there when binding:vif_details has no bound_drivers).
    """
    return tuple(sorted({a.agent_type for a in conn.network.agents(
        host=host)}))


def ovs_agent_hosts(conn):
    """Every host with an Open vSwitch agent, sorted."""
    return sorted({a.host for a in conn.network.agents(agent_type=OVS_AGENT)})


def _router_for_subnets(net_api, network_id, subnet_ids):
    for owner in ROUTER_INTERFACE_OWNERS:
        for rport in net_api.ports(network_id=network_id, device_owner=owner):
            if any(ip.get("subnet_id") in subnet_ids
                   for ip in rport.fixed_ips or ()):
                return rport
    return None


def external_gateway_ips(net_api, gateway_port):
    """gateway_ip of the subnets ``gateway_port`` (a router's qg-) is on.
    A subnet the caller may not read (another project's external network)
    is left out: the default route is then checked by its device only.
    """
    from openstack import exceptions
    found = set()
    for subnet_id, _ip in gateway_port.fixed_ips:
        try:
            subnet = net_api.find_subnet(subnet_id, ignore_missing=True)
        except exceptions.SDKException:
            continue
        if subnet is not None and subnet.gateway_ip:
            found.add(subnet.gateway_ip)
    return tuple(sorted(found))


def _dvr_parts(net_api, router, port, subnet_ids, gateway_port):
    """What a distributed router needs for the traced port.

    Its floating IPs, the sg- ports on its subnets, the fg- ports (empty
    for other routers).
    """
    if not getattr(router, "is_distributed", False):
        return {}
    fips = tuple(sorted(
        (ctx.FloatingIp(f.id, f.floating_ip_address, f.fixed_ip_address)
         for f in net_api.ips(port_id=port.id) if f.fixed_ip_address),
        key=lambda f: f.address))
    snat_ports = tuple(sorted(
        (port_info(p) for p in net_api.ports(
            device_id=router.id,
            device_owner="network:router_centralized_snat")
         if any(ip.get("subnet_id") in subnet_ids
                for ip in p.fixed_ips or ())),
        key=lambda p: p.id))
    agent_gateways = ()
    if gateway_port is not None:
        agent_gateways = tuple(sorted(
            (port_info(p) for p in net_api.ports(
                network_id=gateway_port.network_id,
                device_owner="network:floatingip_agent_gateway")),
            key=lambda p: p.id))
    return {"floating_ips": fips, "snat_ports": snat_ports,
            "agent_gateways": agent_gateways}


def _router_context(net_api, interface_port, port=None, subnet_ids=()):
    router = net_api.get_router(interface_port.device_id)
    gateway_port = None
    gateway_network = None
    gw_info = router.external_gateway_info or {}
    if gw_info.get("network_id"):
        gw_ports = list(net_api.ports(device_id=router.id,
                                      device_owner="network:router_gateway"))
        gateway_port = port_info(gw_ports[0]) if gw_ports else None
        gateway_network = network_info(
            net_api.get_network(gw_info["network_id"]))
    l3_agents = tuple(agent_info(a)
                      for a in net_api.routers_hosting_l3_agents(router.id))
    return ctx.Router(
        id=router.id, name=router.name or "",
        ha=bool(getattr(router, "is_ha", False)),
        distributed=bool(getattr(router, "is_distributed", False)),
        interface_port=port_info(interface_port),
        gateway_port=gateway_port, gateway_network=gateway_network,
        l3_agents=l3_agents,
        gateway_ips=(external_gateway_ips(net_api, gateway_port)
                     if gateway_port is not None else ()),
        **(_dvr_parts(net_api, router, port, set(subnet_ids), gateway_port)
           if port is not None else {}))


def port_context(conn, port):
    """Build the PortContext of a bound port (SDK Port resource)."""
    check_bound(port)
    net_api = conn.network
    network = net_api.get_network(port.network_id)
    info = network_info(network)
    if not info.segments:
        raise ResolveError(
            "not-admin",
            f"Network {network.id} shows no provider:* fields: these are "
            "admin-only in Neutron's default policy. Use admin credentials.")
    subnet_ids = [ip.get("subnet_id") for ip in port.fixed_ips or ()]
    subnets = tuple(
        ctx.Subnet(id=s.id, cidr=s.cidr, gateway_ip=s.gateway_ip,
                   enable_dhcp=bool(s.is_dhcp_enabled))
        for s in (net_api.get_subnet(sid) for sid in subnet_ids))

    router = None
    if not port.device_owner.startswith("network:"):
        interface_port = _router_for_subnets(net_api, network.id,
                                             set(subnet_ids))
        if interface_port is not None:
            router = _router_context(net_api, interface_port, port,
                                     subnet_ids)

    network_ports = list(net_api.ports(network_id=network.id))
    dhcp_ports = tuple(port_info(p) for p in network_ports
                       if p.device_owner == "network:dhcp")
    network_hosts = sorted({p.binding_host_id for p in network_ports
                            if p.binding_host_id})
    return ctx.PortContext(
        port=port_info(port),
        network=info,
        subnets=subnets,
        router=router,
        dhcp_agents=tuple(agent_info(a) for a in
                          net_api.network_hosting_dhcp_agents(network.id)),
        dhcp_ports=dhcp_ports,
        ovs_agents={a.host: agent_info(a)
                    for a in net_api.agents(agent_type=OVS_AGENT)},
        network_hosts=tuple(network_hosts),
    )
