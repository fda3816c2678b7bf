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

"""What the API says about ``port trace --to IP`` (resolve/destination)
and each chassis's largest overlay network (resolve/hosts), on the OVN
lab's recorded context and SDK-shaped stand-ins for the calls made."""

import pathlib
import types

from osc_netdiag import context as ctx
from osc_netdiag.resolve import destination
from osc_netdiag.resolve import hosts
from osc_netdiag.transport import replay

SCENARIO = pathlib.Path(__file__).parents[1] / "fixtures" / "ovn" / \
    "scenarios" / "geneve-to-geneve2"
# geneve1's recorded context (its subnet 198.18.17.0/24, lab-router)
CONTEXT = ctx.PortContext.from_json(replay.load_json(str(SCENARIO), "context"))
GENEVE_NET = CONTEXT.port.network_id
VLAN_NET = "5a5ff463-1dff-41be-bd4e-1a5efc128eb9"


def port(id_, ip, network, mac, name, groups=()):
    return types.SimpleNamespace(
        id=id_, name=name, network_id=network, mac_address=mac,
        fixed_ips=[{"ip_address": ip}], security_group_ids=list(groups))


PORTS = [
    port("a15a37a5-813c-4ea9-95e4-417274eab92b", "198.18.17.80", GENEVE_NET,
         "fa:16:3e:c2:d0:04", "geneve2", ["g1"]),
    port("a574407a-c708-4bce-ae70-5c6c989f9a81", "198.18.16.92", VLAN_NET,
         "fa:16:3e:b9:ef:cb", "vlan1", ["g1"]),
]


class Net:
    def ports(self, fixed_ips=(), **_):
        ip = fixed_ips[0].split("=", 1)[1]
        return [p for p in PORTS if p.fixed_ips[0]["ip_address"] == ip]

    def get_network(self, network_id):
        return types.SimpleNamespace(
            id=network_id,
            name={GENEVE_NET: "geneve-net", VLAN_NET: "vlan-net"}[network_id])

    def get_security_group(self, group_id):
        return types.SimpleNamespace(id=group_id, name="web", security_group_rules=[
            {"id": "r1"}, {"id": "r2"}])


CONN = types.SimpleNamespace(network=Net())


def test_an_instance_on_the_port_s_own_subnet_is_reached_at_its_mac():
    dest = destination.destination_of(CONN, CONTEXT, "198.18.17.80")
    assert dest == ctx.Destination(
        ip="198.18.17.80", mac="fa:16:3e:c2:d0:04", via="port",
        port_id="a15a37a5-813c-4ea9-95e4-417274eab92b", port_name="geneve2",
        network_name="geneve-net",
        rule_groups={"r1": ["g1", "web"], "r2": ["g1", "web"]})


def test_beyond_the_subnet_the_router_interface_is_the_next_hop():
    dest = destination.destination_of(CONN, CONTEXT, "198.18.16.92")
    assert (dest.mac, dest.via, dest.port_name, dest.network_name) == (
        CONTEXT.router.interface_port.mac, "router", "vlan1", "vlan-net")


def test_an_unheld_address_on_the_subnet_has_no_next_hop():
    dest = destination.destination_of(CONN, CONTEXT, "198.18.17.99")
    assert (dest.mac, dest.via, dest.port_id, dest.rule_groups) == \
        (None, "", None, {})


def network(id_, name, mtu, kind):
    return types.SimpleNamespace(
        id=id_, name=name, mtu=mtu, segments=None, is_router_external=False,
        provider_network_type=kind, provider_physical_network=None,
        provider_segmentation_id=7)


def test_each_host_s_largest_overlay_network():
    networks = [network("n1", "small", 1400, "geneve"),
                network("n2", "big", 1442, "geneve"),
                network("n3", "provider", 9000, "vlan")]
    ports = [types.SimpleNamespace(network_id=n, binding_host_id=h)
             for n, h in (("n2", "c1"), ("n1", "c1"), ("n1", "c2"),
                          ("n3", "c2"), ("n2", "elsewhere"), ("n3", "c3"))]
    assert hosts._overlay_mtus(ports, networks, ("c1", "c2", "c3")) == {
        "c1": [1442, "big"], "c2": [1400, "small"]}
