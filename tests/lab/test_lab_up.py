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

"""The lab built by ``tools/lab up`` is a real, working Neutron/OVS cloud."""

import os
import re
import subprocess

import pytest

from conftest import _dnsmasq_pids
from conftest import agent_paused
from conftest import fault_break_patch_peer
from conftest import fault_clear_tag
from conftest import fault_default_route_wrong_gateway
from conftest import fault_delete_egress_flow
from conftest import fault_delete_qrouter
from conftest import fault_dnat_wrong_address
from conftest import fault_egress_wrong_segment
from conftest import fault_kill_dnsmasq
from conftest import fault_stop_sshd
from conftest import fault_wrong_tag
from conftest import LAB_DIR
from conftest import lab_exec
from conftest import snapshot
from conftest import ssh_argv
from conftest import vm_exec

pytestmark = pytest.mark.lab


@pytest.fixture(scope='module')
def conn(lab):
    from openstack import config as os_config
    from openstack import connection

    cfg = os_config.OpenStackConfig(config_files=[os.path.join(LAB_DIR, 'clouds.yaml')])
    return connection.Connection(config=cfg.get_one(cloud='netdiag-lab'))


def _ssh(lab, host, command):
    return subprocess.run(ssh_argv(lab['hosts'][host]['address']) + [command],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=30)


def test_status_shape(lab):
    assert lab['up'] is True
    assert lab['api'] == 'http://198.18.0.1:9696/'
    assert set(lab['hosts']) == {'compute1', 'compute2', 'network1'}
    assert set(lab['instances']) == {'vlan1', 'vlan2', 'vxlan1', 'vxlan2', 'dvr1', 'dvr2',
                                     'gre1', 'gre2', 'open1', 'open2'}
    vlan = lab['networks']['vlan']
    assert vlan['segmentation_id'] == 2113 and vlan['network_type'] == 'vlan'
    assert lab['networks']['vxlan']['network_type'] == 'vxlan'
    assert lab['router']['name'] == 'lab-router'
    assert lab['floating_ip']['port_id'] == lab['instances']['vlan1']['port_id']
    assert lab['dvr_router']['name'] == 'lab-dvr-router'
    assert lab['networks']['dvr']['network_type'] == 'vxlan'
    assert lab['dvr_floating_ip']['port_id'] == lab['instances']['dvr1']['port_id']
    assert lab['networks']['gre']['network_type'] == 'gre'
    # the firewall drivers: compute2's instances hang off a qbr bridge
    assert {h: i['firewall_driver'] for h, i in lab['hosts'].items()} == {
        'compute1': 'openvswitch', 'compute2': 'iptables_hybrid', 'network1': 'openvswitch'}
    assert {n: i['plug'] for n, i in lab['instances'].items() if i['host'] == 'compute2'} == {
        n: 'hybrid' for n in ('vlan2', 'vxlan2', 'dvr2', 'gre2', 'open2')}
    assert lab['instances']['open2']['port_security'] is False
    assert lab['instances']['gre2']['security_groups'] == ['lab-ssh-icmp']
    assert lab['instances']['vxlan2']['vip'] == '198.18.17.250'
    assert all(lab['connectivity'].values()), lab['connectivity']


def test_routers_legacy_and_distributed(conn, lab):
    assert conn.network.get_router(lab['router']['id']).is_distributed is False
    assert conn.network.get_router(lab['dvr_router']['id']).is_distributed is True


def test_api_reachable_with_openstacksdk(conn, lab):
    names = {n.name for n in conn.network.networks()}
    assert {'vlan-net', 'vxlan-net', 'gre-net', 'public'} <= names
    agents = list(conn.network.agents())
    assert all(a.is_alive for a in agents)
    assert {(a.host, a.agent_type) for a in agents} >= {
        ('compute1', 'Open vSwitch agent'), ('compute2', 'Open vSwitch agent'),
        ('network1', 'Open vSwitch agent'), ('network1', 'L3 agent'),
        ('network1', 'DHCP agent'), ('compute1', 'L3 agent'), ('compute2', 'L3 agent')}
    modes = {a.host: a.configuration.get('agent_mode') for a in agents
             if a.agent_type == 'L3 agent'}
    assert modes == {'compute1': 'dvr', 'compute2': 'dvr', 'network1': 'dvr_snat'}
    ovs = [a for a in agents if a.agent_type == 'Open vSwitch agent']
    assert all(a.configuration.get('enable_distributed_routing') for a in ovs)


def test_instance_ports_active_and_bound(conn, lab):
    for name, inst in lab['instances'].items():
        port = conn.network.get_port(inst['port_id'])
        assert port.status == 'ACTIVE', name
        assert port.binding_host_id == inst['host'], name
        assert port.binding_vif_type == 'ovs', name
        assert port.mac_address == inst['mac'], name


@pytest.mark.parametrize('host', ['compute1', 'compute2', 'network1'])
def test_ssh_with_strict_host_key_checking(lab, host):
    cp = _ssh(lab, host, 'ovs-vsctl list-br')
    assert cp.returncode == 0, cp.stderr
    bridges = cp.stdout.split()
    # br-ex everywhere: network1's qg- ports and the computes' fip- (DVR)
    assert {'br-int', 'br-tun', 'br-eth1', 'br-ex'} <= set(bridges)


def test_network1_namespaces_over_ssh(lab):
    cp = _ssh(lab, 'network1', 'ip netns')
    assert cp.returncode == 0, cp.stderr
    names = [line.split()[0] for line in cp.stdout.splitlines() if line.strip()]
    assert 'qrouter-%s' % lab['router']['id'] in names
    assert 'qdhcp-%s' % lab['networks']['vlan']['id'] in names
    assert 'snat-%s' % lab['dvr_router']['id'] in names
    # a compute host sees only its own namespaces: the distributed router's
    cp = _ssh(lab, 'compute1', 'ip netns')
    assert cp.returncode == 0
    names = sorted(line.split()[0] for line in cp.stdout.splitlines() if line.strip())
    assert names == sorted(['qrouter-%s' % lab['dvr_router']['id'],
                            'fip-%s' % lab['networks']['external']['id']])


def test_vlan_translation_flows_on_compute1(lab):
    int_flows = lab_exec('compute1', 'ovs-ofctl', 'dump-flows', 'br-int').stdout
    m = re.search(r'dl_vlan=2113 actions=mod_vlan_vid:(\d+)', int_flows)
    assert m, int_flows
    local = m.group(1)
    eth1_flows = lab_exec('compute1', 'ovs-ofctl', 'dump-flows', 'br-eth1').stdout
    assert re.search(r'dl_vlan=%s actions=mod_vlan_vid:2113\b' % local, eth1_flows), eth1_flows
    tag = lab_exec('compute1', 'ovs-vsctl', 'get', 'Port',
                   lab['instances']['vlan1']['tap'], 'tag').stdout.strip()
    assert tag == local


def test_vlan2_pings_vlan1(lab):
    cp = vm_exec(lab, 'vlan2', 'ping', '-n', '-c', '2', '-W', '2',
                 lab['instances']['vlan1']['ip'])
    assert cp.returncode == 0, cp.stdout + cp.stderr


def test_connectivity_recorded(lab):
    conn = lab.get('connectivity', {})
    for key in ('vlan1-dhcp', 'vlan1-gateway', 'vlan2-vlan1', 'dvr1-dhcp', 'dvr1-gateway',
                'dvr2-dvr1', 'dvr1-upstream', 'dvr2-upstream', 'upstream-dvr-floating-ip',
                'gre1-dhcp', 'gre2-dhcp', 'gre1-gateway', 'gre2-gateway', 'gre2-gre1',
                'gre1-vxlan1'):
        assert conn.get(key) is True, (key, conn)


def _changed(before, after):
    return {key for key in set(before) | set(after) if before.get(key) != after.get(key)}


def test_snapshot_is_stable_and_sees_wrong_values(lab, fault):
    """The read-only tests compare snapshots: a snapshot must be equal to
    itself on a quiet lab, and must differ, in exactly the right place,
    when one value is wrong though everything is still present.
    """
    before = {host: snapshot(host) for host in ('compute1', 'network1')}
    assert {host: snapshot(host) for host in before} == before
    tap = lab['instances']['vlan1']['tap']
    other = lab_exec('compute1', 'ovs-vsctl', '--timeout=10', 'get', 'Port',
                     lab['instances']['vxlan1']['tap'], 'tag').stdout.strip()
    qrouter = 'qrouter-%s' % lab['router']['id']
    cases = [
        ('compute1', {'flows:br-eth1'}, (fault_egress_wrong_segment, 'compute1', 2113, 2120)),
        ('network1', {'netns:%s:route' % qrouter},
         (fault_default_route_wrong_gateway, '198.19.0.99')),
        ('network1', {'netns:%s:iptables' % qrouter},
         (fault_dnat_wrong_address, lab['instances']['vlan2']['ip'])),
    ]
    for host, keys, (fn, *args) in cases:
        with fault(fn, *args):
            assert _changed(before[host], snapshot(host)) == keys, fn.__name__
    with agent_paused('compute1'):
        with fault(fault_wrong_tag, 'vlan1', other):
            assert lab_exec('compute1', 'ovs-vsctl', 'get', 'Port', tap,
                            'tag').stdout.strip() == other
            assert _changed(before['compute1'], snapshot('compute1')) == {'ovs:Port'}
    assert {host: _changed(before[host], snapshot(host)) for host in before} == {
        'compute1': set(), 'network1': set()}


def test_fault_clear_tag_and_restore(lab, fault):
    before = snapshot('compute1')
    with fault(fault_clear_tag, 'vlan1'):
        tap = lab['instances']['vlan1']['tap']
        assert lab_exec('compute1', 'ovs-vsctl', 'get', 'Port', tap,
                        'tag').stdout.strip() == '[]'
    assert snapshot('compute1')['ovs:Port'] == before['ovs:Port']


def test_fault_delete_egress_flow_and_restore(lab, fault):
    with fault(fault_delete_egress_flow, 'compute2', 2113):
        flows = lab_exec('compute2', 'ovs-ofctl', 'dump-flows', 'br-eth1').stdout
        assert 'mod_vlan_vid:2113' not in flows
        assert vm_exec(lab, 'vlan2', 'ping', '-n', '-c', '1', '-W', '1',
                       lab['instances']['vlan1']['ip']).returncode != 0
    test_vlan2_pings_vlan1(lab)


def test_fault_break_patch_peer_and_restore(lab, fault):
    with fault(fault_break_patch_peer, 'compute1'):
        peer = lab_exec('compute1', 'ovs-vsctl', 'get', 'Interface', 'patch-int',
                        'options:peer').stdout.strip()
        assert 'patch-nowhere' in peer
    peer = lab_exec('compute1', 'ovs-vsctl', 'get', 'Interface', 'patch-int',
                    'options:peer').stdout.strip()
    assert peer.strip('"') == 'patch-tun'


def test_fault_stop_sshd_and_restore(lab, fault):
    with fault(fault_stop_sshd, 'compute2'):
        assert _ssh(lab, 'compute2', 'true').returncode != 0
    assert _ssh(lab, 'compute2', 'true').returncode == 0


def test_fault_kill_dnsmasq_and_restore(lab, fault):
    # this lab's dnsmasq only: other labs' run beside it in the same process list
    with fault(fault_kill_dnsmasq):
        assert not _dnsmasq_pids()
    assert len(_dnsmasq_pids()) >= 2


def test_fault_delete_qrouter_and_restore(lab, fault):
    ns = 'qrouter-%s' % lab['router']['id']
    with fault(fault_delete_qrouter):
        assert ns not in lab_exec('network1', 'ip', 'netns').stdout
    assert ns in lab_exec('network1', 'ip', 'netns').stdout
    cp = vm_exec(lab, 'vlan1', 'ping', '-n', '-c', '1', '-W', '2',
                 lab['networks']['vlan']['gateway_ip'])
    assert cp.returncode == 0
