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

"""The single-node flavour's layout: one host in every role.

``aio1`` runs the Open vSwitch agent, the DHCP agent, the L3 agent and the
instances, like a DevStack or packstack all-in-one. Its L3 agent runs in
``legacy`` mode (DevStack's default): a dvr_snat agent alone would also
host the routers centrally, but legacy is what an all-in-one operator
runs, and it puts qrouter-, qr- and qg- on the very host of the instances,
which is the case a trace must judge.

Nothing else shares its networks: br-eth1 (physnet1) has no physical NIC
(VLAN traffic can only stay on the host), and the tunnel networks have no
peer (no flood flow). br-ex keeps its NIC so the floating IP reaches the
upstream namespace.
"""

from .flavour import SETTINGS

MGMT_NET = SETTINGS['mgmt_net']
UPSTREAM_IP = '198.19.0.1'

NETWORK_NODE = 'aio1'
# 'nomap' is known to the server but mapped on no host: a router gateway
# there fails to bind for real (binding:vif_type binding_failed)
FLAT_NETWORKS = 'public,nomap'

HOSTS = {
    'aio1': {'short': 'a1', 'address': MGMT_NET + '.11', 'tunnel_ip': '198.18.1.11',
             'mappings': 'physnet1:br-eth1,public:br-ex', 'l3_mode': 'legacy',
             # bridge -> NIC; br-eth1 stays without one
             'bridges': [('br-phy', 'eth2'), ('br-eth1', None), ('br-ex', 'eth3')]},
}

NETWORKS = {
    'vlan': {'name': 'vlan-net', 'subnet': 'vlan-subnet', 'cidr': '198.18.16.0/24',
             'gateway_ip': '198.18.16.1', 'network_type': 'vlan',
             'physical_network': 'physnet1', 'segmentation_id': 2113},
    'vxlan': {'name': 'vxlan-net', 'subnet': 'vxlan-subnet', 'cidr': '198.18.17.0/24',
              'gateway_ip': '198.18.17.1', 'network_type': 'vxlan'},
    'external': {'name': 'public', 'subnet': 'public-subnet', 'cidr': '198.19.0.0/24',
                 'gateway_ip': UPSTREAM_IP, 'network_type': 'flat',
                 'physical_network': 'public'},
}

INSTANCES = {
    'vlan1': {'host': 'aio1', 'network': 'vlan'},
    'vlan2': {'host': 'aio1', 'network': 'vlan'},
    'vxlan1': {'host': 'aio1', 'network': 'vxlan'},
}
