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

"""A small in-memory Neutron built from real openstacksdk resources.

The resources are the SDK's own classes (generate_fake_resource), so the
attribute names the resolver reads are the SDK's, not ours; only the proxy
methods are stood in for.
"""

import types

from openstack import exceptions as sdk_exc
from openstack.network.v2 import agent as _agent
from openstack.network.v2 import network as _network
from openstack.network.v2 import port as _port
from openstack.network.v2 import router as _router
from openstack.network.v2 import security_group as _security_group
from openstack.network.v2 import subnet as _subnet
from openstack.test import fakes

NET_ID = "5b4b0b6e-8d0c-4f6e-9d44-6f1f9b1f2113"
SUBNET_ID = "0f8d7c1e-2a0c-4cb5-8d8e-3b1b6f0c2113"
PORT_ID = "717073a8-d05e-4f5f-a3a5-3c1c29bd0e8a"
ROUTER_ID = "c2f3b0a1-6d2e-4c8f-9f0e-1e2d3c4b5a60"
QR_PORT_ID = "aa11bb22-cc33-4d44-8e55-66ff77889900"
QG_PORT_ID = "bb22cc33-dd44-4e55-8f66-778899aabbcc"
DHCP_PORT_ID = "cc33dd44-ee55-4f66-8a77-8899aabbccdd"
EXT_NET_ID = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a"


def port(**attrs):
    base = dict(id=PORT_ID, name="vm1-port", mac_address="fa:16:3e:11:22:33",
                network_id=NET_ID, device_owner="compute:nova",
                device_id="0d1e2f30-4a5b-4c6d-8e7f-8091a2b3c4d5",
                status="ACTIVE", is_admin_state_up=True,
                fixed_ips=[{"subnet_id": SUBNET_ID,
                            "ip_address": "198.18.16.10"}],
                binding_host_id="compute1", binding_vif_type="ovs",
                binding_vif_details={"ovs_hybrid_plug": False,
                                     "port_filter": True},
                # what the trace's firewall hop reads (random otherwise)
                allowed_address_pairs=[], security_group_ids=[],
                is_port_security_enabled=True)
    base.update(attrs)
    return fakes.generate_fake_resource(_port.Port, **base)


def agent(host, agent_type, **attrs):
    base = dict(host=host, agent_type=agent_type, is_alive=True,
                is_admin_state_up=True, configuration={}, ha_state=None)
    base.update(attrs)
    return fakes.generate_fake_resource(_agent.Agent, **base)


def ovs_agent(host, tunneling_ip):
    return agent(host, "Open vSwitch agent", configuration={
        "bridge_mappings": {"physnet1": "br-eth1", "public": "br-ex"},
        "tunneling_ip": tunneling_ip, "tunnel_types": ["vxlan", "gre"],
        "integration_bridge": "br-int"})


class FakeNeutron:
    """Stands in for ``connection.network`` with filtering like Neutron's."""

    def __init__(self, ports=(), networks=(), subnets=(), routers=(),
                 agents=(), l3_hosting=(), dhcp_hosting=()):
        self._ports = list(ports)
        self._networks = {n.id: n for n in networks}
        self._subnets = {s.id: s for s in subnets}
        self._routers = {r.id: r for r in routers}
        self._agents = list(agents)
        self._l3 = list(l3_hosting)
        self._dhcp = list(dhcp_hosting)

    def find_port(self, name_or_id, ignore_missing=True):
        for item in self._ports:
            if item.id == name_or_id:
                return item
        named = [p for p in self._ports if p.name == name_or_id]
        if len(named) > 1:
            raise sdk_exc.DuplicateResource("more than one")
        if named:
            return named[0]
        if ignore_missing:
            return None
        raise sdk_exc.NotFoundException("no port")

    def ports(self, **filters):
        fixed = filters.pop("fixed_ips", None)
        found = []
        for item in self._ports:
            if any(getattr(item, k) != v for k, v in filters.items()):
                continue
            if fixed:
                want = dict(f.split("=", 1) for f in fixed)
                if not any(all(ip.get(k) == v for k, v in want.items())
                           for ip in item.fixed_ips):
                    continue
            found.append(item)
        return iter(found)

    def get_network(self, net_id):
        return self._networks[net_id]

    def get_subnet(self, subnet_id):
        return self._subnets[subnet_id]

    def find_subnet(self, ref, ignore_missing=True):
        return self._subnets.get(ref)

    def get_router(self, router_id):
        return self._routers[router_id]

    def agents(self, **filters):
        return iter([a for a in self._agents
                     if all(getattr(a, k) == v for k, v in filters.items())])

    def get_security_group(self, group_id):
        # every group is an empty one: what the trace's firewall hop reads
        return fakes.generate_fake_resource(
            _security_group.SecurityGroup, id=group_id, name="default",
            stateful=True, security_group_rules=[])

    def routers_hosting_l3_agents(self, router_id):
        return iter(self._l3)

    def network_hosting_dhcp_agents(self, network_id):
        return iter(self._dhcp)


def vlan_cloud(**port_attrs):
    """A VLAN network (physnet1/2113) with a router and a DHCP agent."""
    network = fakes.generate_fake_resource(
        _network.Network, id=NET_ID, name="vlan-net", mtu=1500, segments=None,
        provider_network_type="vlan", provider_physical_network="physnet1",
        provider_segmentation_id=2113, is_router_external=False)
    ext = fakes.generate_fake_resource(
        _network.Network, id=EXT_NET_ID, name="public", mtu=1500,
        segments=None, provider_network_type="flat",
        provider_physical_network="public", provider_segmentation_id=None,
        is_router_external=True)
    subnet = fakes.generate_fake_resource(
        _subnet.Subnet, id=SUBNET_ID, cidr="198.18.16.0/24",
        gateway_ip="198.18.16.1", is_dhcp_enabled=True)
    router = fakes.generate_fake_resource(
        _router.Router, id=ROUTER_ID, name="lab-router", is_ha=False,
        is_distributed=False,
        external_gateway_info={"network_id": EXT_NET_ID})
    ports = [
        port(**port_attrs),
        port(id=QR_PORT_ID, name="", device_owner="network:router_interface",
             device_id=ROUTER_ID, binding_host_id="network1",
             mac_address="fa:16:3e:00:00:01",
             fixed_ips=[{"subnet_id": SUBNET_ID,
                         "ip_address": "198.18.16.1"}]),
        port(id=DHCP_PORT_ID, name="", device_owner="network:dhcp",
             device_id="dhcp", binding_host_id="network1",
             mac_address="fa:16:3e:00:00:02",
             fixed_ips=[{"subnet_id": SUBNET_ID,
                         "ip_address": "198.18.16.2"}]),
        port(id=QG_PORT_ID, name="", device_owner="network:router_gateway",
             device_id=ROUTER_ID, network_id=EXT_NET_ID,
             binding_host_id="network1", mac_address="fa:16:3e:00:00:03",
             fixed_ips=[{"subnet_id": "ext-subnet",
                         "ip_address": "198.19.0.20"}]),
    ]
    agents = [ovs_agent("compute1", "198.18.1.11"),
              ovs_agent("compute2", "198.18.1.12"),
              ovs_agent("network1", "198.18.1.13")]
    neutron = FakeNeutron(
        ports=ports, networks=[network, ext], subnets=[subnet],
        routers=[router], agents=agents,
        l3_hosting=[agent("network1", "L3 agent", ha_state=None)],
        dhcp_hosting=[agent("network1", "DHCP agent")])
    return types.SimpleNamespace(network=neutron, compute=None)
