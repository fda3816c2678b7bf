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

"""What the ML2/OVN lab is made of: hosts, networks, instances, packages.

The same three hosts and the same scenario as the ML2/OVS lab, told in
OVN's terms: tenant networks are geneve, one router (OVN routers are
distributed by nature: its gateway is pinned to a gateway chassis), DHCP is
OVN's own (ovn-controller answers on the port's chassis), and every host
runs ovn-controller instead of Neutron's L2/L3/DHCP agents.
"""

from .flavour import SETTINGS

MGMT_NET = SETTINGS['mgmt_net']
API_IP = MGMT_NET + '.1'
NB_PORT = 6641
SB_PORT = 6642
NB_REMOTE = 'tcp:%s:%d' % (API_IP, NB_PORT)
SB_REMOTE = 'tcp:%s:%d' % (API_IP, SB_PORT)
MAPPINGS = 'physnet1:br-eth1,public:br-ex'

# network1 is the gateway chassis (ovn-cms-options=enable-chassis-as-gw):
# Neutron schedules every router gateway port there.
HOSTS = {
    'compute1': {'short': 'c1', 'address': MGMT_NET + '.11', 'tunnel_ip': '198.18.1.11',
                 'mappings': MAPPINGS, 'gateway': False},
    'compute2': {'short': 'c2', 'address': MGMT_NET + '.12', 'tunnel_ip': '198.18.1.12',
                 'mappings': MAPPINGS, 'gateway': False},
    'network1': {'short': 'n1', 'address': MGMT_NET + '.13', 'tunnel_ip': '198.18.1.13',
                 'mappings': MAPPINGS, 'gateway': True},
}

NETWORKS = {
    'vlan': {'name': 'vlan-net', 'subnet': 'vlan-subnet', 'cidr': '198.18.16.0/24',
             'gateway_ip': '198.18.16.1', 'network_type': 'vlan',
             'physical_network': 'physnet1', 'segmentation_id': 2113},
    'geneve': {'name': 'geneve-net', 'subnet': 'geneve-subnet', 'cidr': '198.18.17.0/24',
               'gateway_ip': '198.18.17.1', 'network_type': 'geneve'},
    'external': {'name': 'public', 'subnet': 'public-subnet', 'cidr': '198.19.0.0/24',
                 'gateway_ip': '198.19.0.1', 'network_type': 'flat',
                 'physical_network': 'public'},
}
INSTANCES = {
    'vlan1': {'host': 'compute1', 'network': 'vlan'},
    'vlan2': {'host': 'compute2', 'network': 'vlan'},
    'geneve1': {'host': 'compute1', 'network': 'geneve'},
    'geneve2': {'host': 'compute2', 'network': 'geneve'},
}

PACKAGES = ['ovn-central', 'ovn-host', 'haproxy']
