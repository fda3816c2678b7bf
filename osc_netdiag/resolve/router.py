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

"""What ``router check`` learns from the API: the router's ports, L3
agents (for a distributed router also the dvr agents on the hosts it
serves, found from its subnets' ports), floating IPs and the external
gateway (only the resolve layer talks to the API).
"""

import dataclasses
import operator

from osc_netdiag import context as ctx_mod
from osc_netdiag.errors import ResolveError
from osc_netdiag import resolve
from osc_netdiag.resolve import binding

SNAT_PORT_OWNER = "network:router_centralized_snat"
AGENT_GATEWAY_OWNER = "network:floatingip_agent_gateway"
DVR_MODES = ("dvr", "dvr_snat")
# neutron.common.utils.is_dvr_serviced: the ports a DVR router is
# instantiated for on their host: instances, trunk subports and DHCP ports
# (host_dvr_for_dhcp, the default)
_DVR_SERVICED_OWNERS = ("trunk:subport", "network:dhcp")
L3_AGENT = "L3 agent"


def agent_mode(agent):
    return agent.configurations.get("agent_mode", "legacy")


def is_dvr_serviced(device_owner):
    return (device_owner or "").startswith("compute:") or \
        device_owner in _DVR_SERVICED_OWNERS


def port_host(net_api, port_id):
    port = net_api.find_port(port_id, ignore_missing=True)
    return (port.binding_host_id or "") if port is not None else ""


def serving_agents(net_api, interfaces, known_hosts):
    """dvr/dvr_snat L3 agents on the hosts of the ports the router serves,
    other than ``known_hosts`` (those the API binds the router to).
    """
    subnets = {subnet for port in interfaces for subnet, _ip in port.fixed_ips}
    hosts = set()
    for network_id in sorted({p.network_id for p in interfaces}):
        for port in net_api.ports(network_id=network_id):
            if (is_dvr_serviced(port.device_owner) and port.binding_host_id
                    and any(ip.get("subnet_id") in subnets
                            for ip in port.fixed_ips or ())):
                hosts.add(port.binding_host_id)
    agents = []
    for host in sorted(hosts - set(known_hosts)):
        for agent in net_api.agents(agent_type=L3_AGENT, host=host):
            info = resolve.agent_info(agent)
            if info.host == host and agent_mode(info) in DVR_MODES:
                agents.append(info)
    return agents


def agent_gateway_ports(net_api, external_network_id):
    return [resolve.port_info(p) for p in net_api.ports(
        network_id=external_network_id, device_owner=AGENT_GATEWAY_OWNER)]


@dataclasses.dataclass(frozen=True)
class FloatingIp:
    id: str
    address: str
    fixed_ip: str
    port_id: str
    host: str = ""               # binding host of the port (distributed)


@dataclasses.dataclass(frozen=True)
class RouterContext:
    id: str
    name: str
    ha: bool
    distributed: bool
    interfaces: tuple            # of PortInfo (qr-)
    gateway: object              # PortInfo (qg-) or None
    agents: tuple                # of context.Agent (L3 agents)
    floating_ips: tuple          # of FloatingIp with a fixed IP
    # distributed routers only: router_centralized_snat ports (sg-) and
    # the external network's floatingip_agent_gateway ports (fg-, one per
    # host)
    snat_ports: tuple = ()
    agent_gateways: tuple = ()
    # gateway_ip of the external subnets the gateway port is on: the next
    # hop the default route must use (empty in older recordings)
    gateway_ips: tuple = ()
    # binding.BindingFacts of the router's ports whose binding failed
    bindings: tuple = ()

    @property
    def hosts(self):
        return sorted({a.host for a in self.agents})

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        port = ctx_mod.port_from_json
        return cls(
            id=data["id"], name=data["name"], ha=data["ha"],
            distributed=data["distributed"],
            interfaces=tuple(port(p) for p in data["interfaces"]),
            gateway=port(data["gateway"]),
            agents=tuple(ctx_mod.agent_from_json(a) for a in data["agents"]),
            floating_ips=tuple(FloatingIp(**f)
                               for f in data["floating_ips"]),
            snat_ports=tuple(port(p) for p in data.get("snat_ports", ())),
            agent_gateways=tuple(port(p)
                                 for p in data.get("agent_gateways", ())),
            gateway_ips=tuple(data.get("gateway_ips", ())),
            bindings=tuple(binding.BindingFacts.from_json(b)
                           for b in data.get("bindings", ())))


def resolve_context(conn, ref):
    net_api = conn.network
    router = net_api.find_router(ref, ignore_missing=True)
    if router is None:
        raise ResolveError("not-found", f"No router found for '{ref}'")
    distributed = bool(getattr(router, "is_distributed", False))
    interfaces, gateway, snat_ports = [], None, []
    for port in net_api.ports(device_id=router.id):
        if port.device_owner in resolve.ROUTER_INTERFACE_OWNERS:
            interfaces.append(resolve.port_info(port))
        elif port.device_owner == "network:router_gateway":
            gateway = resolve.port_info(port)
        elif port.device_owner == SNAT_PORT_OWNER:
            snat_ports.append(resolve.port_info(port))
    fips = tuple(FloatingIp(f.id, f.floating_ip_address,
                            f.fixed_ip_address, f.port_id,
                            port_host(net_api, f.port_id)
                            if distributed else "")
                 for f in net_api.ips(router_id=router.id)
                 if f.fixed_ip_address)
    agents = [resolve.agent_info(a) for a in
              net_api.routers_hosting_l3_agents(router.id)]
    agent_gateways = ()
    if distributed:
        agents += serving_agents(
            net_api, interfaces, {a.host for a in agents})
        if gateway is not None:
            agent_gateways = agent_gateway_ports(
                net_api, gateway.network_id)
    gateway_ips = (resolve.external_gateway_ips(net_api, gateway)
                   if gateway else ())
    by_id = operator.attrgetter("id")
    return RouterContext(
        id=router.id, name=router.name or "",
        ha=bool(getattr(router, "is_ha", False)),
        distributed=distributed,
        interfaces=tuple(sorted(interfaces, key=by_id)),
        gateway=gateway,
        agents=tuple(agents),
        floating_ips=tuple(sorted(fips, key=lambda f: f.address)),
        snat_ports=tuple(sorted(snat_ports, key=by_id)),
        agent_gateways=tuple(sorted(agent_gateways, key=by_id)),
        gateway_ips=gateway_ips,
        bindings=binding.failed_bindings(net_api, interfaces + [gateway]))
