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

"""What the resolver keeps for a port behind a distributed router: its
floating IPs, the router's SNAT ports on its subnets and the external
network's agent gateway ports (openstacksdk's own resource classes)."""

import json

from openstack.network.v2 import floating_ip as _fip
from openstack.test import fakes

from osc_netdiag.context import PortContext
from osc_netdiag import resolve
from tests.unit.api import sdk_fakes as sf

SG_PORT_ID = "dd44ee55-ff66-4a77-8b88-99aabbccddee"
OTHER_SG_ID = "ee55ff66-aa77-4b88-8c99-aabbccddeeff"
FG1_ID = "ff66aa77-bb88-4c99-8daa-bbccddeeff00"
FG2_ID = "0a77bb88-cc99-4daa-8ebb-ccddeeff0011"


def dvr_cloud(with_fip=True):
    conn = sf.vlan_cloud()
    net = conn.network
    router = net.get_router(sf.ROUTER_ID)
    router.is_distributed = True
    qr = net.find_port(sf.QR_PORT_ID)
    qr.device_owner = "network:router_interface_distributed"
    net._ports += [
        sf.port(id=SG_PORT_ID, name="", device_id=sf.ROUTER_ID,
                device_owner="network:router_centralized_snat",
                binding_host_id="network1", mac_address="fa:16:3e:00:00:04",
                fixed_ips=[{"subnet_id": sf.SUBNET_ID,
                            "ip_address": "198.18.16.5"}]),
        # the router's SNAT port of a subnet the traced port is not on
        sf.port(id=OTHER_SG_ID, name="", device_id=sf.ROUTER_ID,
                device_owner="network:router_centralized_snat",
                binding_host_id="network1", mac_address="fa:16:3e:00:00:05",
                fixed_ips=[{"subnet_id": "other-subnet",
                            "ip_address": "198.18.17.5"}]),
    ] + [sf.port(id=pid, name="", device_id=host,
                 device_owner="network:floatingip_agent_gateway",
                 network_id=sf.EXT_NET_ID, binding_host_id=host,
                 mac_address=mac, fixed_ips=[{"subnet_id": "ext-subnet",
                                              "ip_address": ip}])
         for pid, host, mac, ip in (
             (FG1_ID, "compute1", "fa:16:3e:00:00:06", "198.19.0.31"),
             (FG2_ID, "network1", "fa:16:3e:00:00:07", "198.19.0.32"))]
    fips = []
    if with_fip:
        fip = fakes.generate_fake_resource(
            _fip.FloatingIP, id="f1", fixed_ip_address="198.18.16.10",
            port_id=sf.PORT_ID)
        # set after: the fake generator fills the name, which the SDK
        # aliases to floating_ip_address
        fip.floating_ip_address = "198.19.0.40"
        fips.append(fip)
    # another port's floating IP on the same router
    other = fakes.generate_fake_resource(
        _fip.FloatingIP, id="f2", fixed_ip_address="198.18.16.11",
        port_id="0b88cc99-dd00-4e11-8f22-334455667788")
    other.floating_ip_address = "198.19.0.41"
    fips.append(other)
    net.ips = lambda **filters: iter(
        [f for f in fips if all(getattr(f, k) == v
                                for k, v in filters.items())])
    return conn


def context_of(conn):
    return resolve.port_context(conn, resolve.find_port(conn, sf.PORT_ID))


def test_distributed_router_parts_of_the_port():
    router = context_of(dvr_cloud()).router
    assert router.distributed
    assert [(f.address, f.fixed_ip) for f in router.floating_ips] == [
        ("198.19.0.40", "198.18.16.10")]
    assert [p.id for p in router.snat_ports] == [SG_PORT_ID]
    assert {(p.binding_host, p.ips()[0]) for p in router.agent_gateways} == {
        ("compute1", "198.19.0.31"), ("network1", "198.19.0.32")}


def test_port_without_floating_ip():
    assert context_of(dvr_cloud(with_fip=False)).router.floating_ips == ()


def test_legacy_router_keeps_none_of_them():
    router = context_of(sf.vlan_cloud()).router
    assert (router.floating_ips, router.snat_ports,
            router.agent_gateways) == ((), (), ())


def test_dvr_context_round_trips_through_json():
    context = context_of(dvr_cloud())
    again = PortContext.from_json(json.loads(json.dumps(context.to_json())))
    assert again == context
