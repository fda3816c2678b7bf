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

"""What the Neutron API says: a port's path (PortContext), a host check's
agents (HostCheckContext), a network's segments (VlanMapContext).

Resolution (``resolve``) fills these from openstacksdk; the backends read
only these, never the SDK, so a trace can be replayed offline from a capture
(``--from-capture``) with the context stored as JSON next to the host
outputs.
"""

import dataclasses
from typing import Optional

from osc_netdiag import secgroups


@dataclasses.dataclass(frozen=True)
class Segment:
    network_type: str                 # vlan, flat, vxlan, gre, geneve, local
    physical_network: Optional[str]
    segmentation_id: Optional[int]

    @property
    def is_tunnel(self):
        return self.network_type in ("vxlan", "gre", "geneve")

    def describe(self):
        if self.is_tunnel:
            return f"{self.network_type} {self.segmentation_id}"
        if self.network_type == "flat":
            return f"flat on {self.physical_network}"
        return (f"{self.network_type} {self.segmentation_id} "
                f"on {self.physical_network}")


@dataclasses.dataclass(frozen=True)
class Network:
    id: str
    name: str
    mtu: Optional[int]
    segments: tuple                   # of Segment
    router_external: bool = False


@dataclasses.dataclass(frozen=True)
class Subnet:
    id: str
    cidr: str
    gateway_ip: Optional[str]
    enable_dhcp: bool


@dataclasses.dataclass(frozen=True)
class PortInfo:
    id: str
    name: str
    mac: str
    network_id: str
    fixed_ips: tuple                  # of (subnet_id, ip_address)
    device_owner: str
    device_id: str
    status: str
    admin_state_up: bool
    binding_host: Optional[str]
    vif_type: Optional[str]
    vif_details: dict = dataclasses.field(default_factory=dict)

    @property
    def hybrid_plug(self):
        # os-vif plugs through qbr/qvb/qvo only when the ML2/OVS driver asks
        # for it, i.e. with the iptables_hybrid firewall.
        return bool(self.vif_details.get("ovs_hybrid_plug"))

    def ips(self):
        return [ip for _subnet, ip in self.fixed_ips]


@dataclasses.dataclass(frozen=True)
class Agent:
    host: str
    agent_type: str
    alive: bool
    admin_state_up: bool
    configurations: dict = dataclasses.field(default_factory=dict)
    ha_state: Optional[str] = None

    @property
    def bridge_mappings(self):
        return dict(self.configurations.get("bridge_mappings") or {})

    @property
    def tunneling_ip(self):
        return self.configurations.get("tunneling_ip")

    @property
    def tunnel_types(self):
        return tuple(self.configurations.get("tunnel_types") or ())

    @property
    def integration_bridge(self):
        return self.configurations.get("integration_bridge") or "br-int"


@dataclasses.dataclass(frozen=True)
class FloatingIp:
    """A floating IP of the traced port.

    What a distributed router NATs on the port's own host.
    """
    id: str
    address: str
    fixed_ip: str


@dataclasses.dataclass(frozen=True)
class Router:
    id: str
    name: str
    ha: bool
    distributed: bool
    interface_port: Optional[PortInfo]      # qr- on the traced port's subnet
    gateway_port: Optional[PortInfo]        # qg-
    gateway_network: Optional[Network]
    l3_agents: tuple = ()                    # of Agent (ha_state filled for HA)
    # gateway_ip of the external subnets (the default route's next hop);
    # empty when not readable, and in recordings made before it was kept
    gateway_ips: tuple = ()
    # distributed routers only (empty otherwise, and in older recordings):
    # the traced port's floating IPs, the router_centralized_snat ports
    # (sg-) on the port's subnets, and the external network's
    # floatingip_agent_gateway ports (fg-, one per host)
    floating_ips: tuple = ()
    snat_ports: tuple = ()
    agent_gateways: tuple = ()


@dataclasses.dataclass(frozen=True)
class Destination:
    """``port trace --to IP``: the address, and what the API says is
    there. ``mac`` is the next hop's MAC the instance would send to: the
    destination port's on its own network, the router interface's beyond
    it (None when neither is known: nothing to trace).
    """
    ip: str
    mac: Optional[str] = None
    via: str = ""                     # "port", "router", "" (no next hop)
    port_id: Optional[str] = None     # the Neutron port holding the IP
    port_name: str = ""
    network_name: str = ""
    # security group rule ID -> [group ID, group name] of the destination
    # port's groups (its ingress ACLs named by Neutron object)
    rule_groups: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class PortContext:
    """Everything the API knows that the trace compares the hosts against."""
    port: PortInfo
    network: Network
    subnets: tuple                           # of Subnet (the port's)
    router: Optional[Router]
    dhcp_agents: tuple                       # of Agent hosting the network
    dhcp_ports: tuple                        # of PortInfo (network:dhcp)
    ovs_agents: dict                         # host -> Agent (Open vSwitch)
    network_hosts: tuple                     # hosts with ports on the network
    # ML2/OVN: where the Northbound/Southbound clients run (the
    # inventory's ovn_db_host; None: the port's host)
    ovn_db_host: Optional[str] = None
    # the port's secgroups.PortFirewallIntent, for the trace's firewall
    # hop; None when not read (older captures)
    firewall: Optional[object] = None
    # port trace --to: the chosen destination (None: the gateway only)
    destination: Optional[Destination] = None

    def dhcp_serving_agents(self):
        """The DHCP agents that serve this port: none when DHCP is off on
        every subnet of the port. Neutron keeps such a network scheduled to
        its agents, but the agent removes the qdhcp- namespace and dnsmasq,
        so nothing of DHCP is to be found on their hosts.
        """
        if not any(s.enable_dhcp for s in self.subnets):
            return ()
        return self.dhcp_agents

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        def port(d):
            if d is None:
                return None
            d = dict(d)
            d["fixed_ips"] = tuple(tuple(x) for x in d["fixed_ips"])
            return PortInfo(**d)

        def network(d):
            if d is None:
                return None
            d = dict(d)
            d["segments"] = tuple(Segment(**s) for s in d["segments"])
            return Network(**d)

        def agents(items):
            return tuple(Agent(**a) for a in items)

        router = data.get("router")
        if router is not None:
            router = Router(
                id=router["id"], name=router["name"], ha=router["ha"],
                distributed=router["distributed"],
                interface_port=port(router["interface_port"]),
                gateway_port=port(router["gateway_port"]),
                gateway_network=network(router["gateway_network"]),
                l3_agents=agents(router["l3_agents"]),
                gateway_ips=tuple(router.get("gateway_ips", ())),
                floating_ips=tuple(FloatingIp(**f) for f in
                                   router.get("floating_ips", ())),
                snat_ports=tuple(port(p)
                                 for p in router.get("snat_ports", ())),
                agent_gateways=tuple(
                    port(p) for p in router.get("agent_gateways", ())))
        return cls(
            port=port(data["port"]),
            network=network(data["network"]),
            subnets=tuple(Subnet(**s) for s in data["subnets"]),
            router=router,
            dhcp_agents=agents(data["dhcp_agents"]),
            dhcp_ports=tuple(port(p) for p in data["dhcp_ports"]),
            ovs_agents={h: Agent(**a) for h, a in data["ovs_agents"].items()},
            network_hosts=tuple(data["network_hosts"]),
            ovn_db_host=data.get("ovn_db_host"),
            firewall=secgroups.intent_from_json(data.get("firewall")),
            destination=(Destination(**data["destination"])
                         if data.get("destination") else None),
        )


# the l3dhcp checks' contexts store their ports and agents with these
def port_from_json(data):
    if data is None:
        return None
    data = dict(data)
    data["fixed_ips"] = tuple(tuple(i) for i in data["fixed_ips"])
    return PortInfo(**data)


def agent_from_json(data):
    return Agent(**data)


@dataclasses.dataclass(frozen=True)
class HostCheckContext:
    """The API's side of a host check, storable as JSON for --from-capture."""
    hosts: tuple                      # host names to check
    ovs_agents: dict                  # host -> Agent (every OVS agent)
    l3_agents: dict                   # host -> Agent
    dhcp_agents: dict                 # host -> Agent
    hosted_routers: dict              # host -> router IDs its L3 agent hosts
    # host -> network IDs its DHCP agent hosts that have a DHCP subnet
    hosted_networks: dict
    router_ids: tuple                 # every router in the API
    network_ids: tuple                # every network in the API
    # distributed routers: their qrouter- is on every dvr/dvr_snat host
    # that serves one of their ports, beyond the API's agent bindings
    distributed_router_ids: tuple = ()
    # host -> {tunnel type: peer hosts}: the tunnels l2population makes,
    # one per peer sharing a network of that type (bound ports on both)
    tunnel_needs: dict = dataclasses.field(default_factory=dict)
    # ML2/OVN: host -> the physnets of the networks with ports bound
    # there; where the Northbound/Southbound clients run
    physnets: dict = dataclasses.field(default_factory=dict)
    ovn_db_host: Optional[str] = None
    # ML2/OVN: host -> [MTU, network name] of the largest-MTU overlay
    # network with a port bound there (empty in older recordings)
    overlay_mtus: dict = dataclasses.field(default_factory=dict)

    def agent_types(self):
        """host -> the types of its recorded agents (what chose the
        backend when the API was read; a capture replays with them).
        """
        types = {}
        for agents in (self.ovs_agents, self.l3_agents, self.dhcp_agents):
            for host, agent in agents.items():
                types.setdefault(host, set()).add(agent.agent_type)
        return {h: tuple(sorted(t)) for h, t in types.items()}

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        def agents(items):
            return {h: Agent(**a) for h, a in items.items()}
        return cls(
            hosts=tuple(data["hosts"]),
            ovs_agents=agents(data["ovs_agents"]),
            l3_agents=agents(data["l3_agents"]),
            dhcp_agents=agents(data["dhcp_agents"]),
            hosted_routers={h: tuple(v)
                            for h, v in data["hosted_routers"].items()},
            hosted_networks={h: tuple(v)
                             for h, v in data["hosted_networks"].items()},
            router_ids=tuple(data["router_ids"]),
            network_ids=tuple(data["network_ids"]),
            distributed_router_ids=tuple(
                data.get("distributed_router_ids", ())),
            tunnel_needs={h: {t: tuple(p) for t, p in v.items()}
                          for h, v in data.get("tunnel_needs", {}).items()},
            physnets={h: tuple(v) for h, v in data.get("physnets", {}).items()},
            ovn_db_host=data.get("ovn_db_host"),
            overlay_mtus={h: list(v) for h, v in
                          data.get("overlay_mtus", {}).items()},
        )


@dataclasses.dataclass(frozen=True)
class VlanMapContext:
    network: Network
    hosts: tuple                      # hosts to read
    port_hosts: dict                  # host -> number of the network's ports
    dhcp_hosts: tuple                 # DHCP agents hosting the network
    ovs_agents: dict                  # host -> Agent
    known_segments: tuple             # (network_type, physnet, seg, net_id)
    # ML2/OVN: where the Northbound/Southbound clients run
    ovn_db_host: Optional[str] = None

    def carriers(self):
        """Hosts that carry the network: ports bound there, DHCP agents."""
        return sorted(set(self.port_hosts) | set(self.dhcp_hosts))

    def agent_types(self):
        """host -> the types of its recorded L2 agents (see
        HostCheckContext.agent_types).
        """
        return {h: (a.agent_type,) for h, a in self.ovs_agents.items()}

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        net = dict(data["network"])
        net["segments"] = tuple(Segment(**s) for s in net["segments"])
        return cls(
            network=Network(**net), hosts=tuple(data["hosts"]),
            port_hosts=dict(data["port_hosts"]),
            dhcp_hosts=tuple(data["dhcp_hosts"]),
            ovs_agents={h: Agent(**a) for h, a in data["ovs_agents"].items()},
            known_segments=tuple(tuple(s) for s in data["known_segments"]),
            ovn_db_host=data.get("ovn_db_host"))
