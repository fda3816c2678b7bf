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

"""The lab's Neutron scenario: networks, router, instance ports, floating IP,
plugging the "VMs" the way os-vif does, and proving packets flow.
"""

import os
import time
import uuid

from . import api
from .common import DVR_ROUTER_NAME
from .common import HOSTS
from .common import hrun
from .common import INSTANCES
from .common import kill_pids
from .common import link_exists_ns
from .common import mkdirs
from .common import netns
from .common import NETWORK_NODE
from .common import NETWORKS
from .common import PROJECT_ID
from .common import ROUTER_NAME
from .common import run
from .common import say
from .common import SECURITY_GROUPS
from .common import UPSTREAM_NS
from .common import VIPS
from .common import VMDIR
from .common import wait_for
from .flavour import PREFIX


def _present(*keys):
    """The networks of this flavour among keys (the single-node lab has no
    DVR or GRE network).
    """
    return [k for k in keys if k in NETWORKS]


def _one(collection, **filters):
    items = api.find(collection, **filters)
    return items[0] if items else None


def ensure_network(key):
    spec = NETWORKS[key]
    net = _one('networks', name=spec['name'])
    if net is None:
        body = {'name': spec['name'], 'project_id': PROJECT_ID,
                'provider:network_type': spec['network_type']}
        if spec.get('physical_network'):
            body['provider:physical_network'] = spec['physical_network']
        if spec.get('segmentation_id'):
            body['provider:segmentation_id'] = spec['segmentation_id']
        if key == 'external':
            body['router:external'] = True
        if spec.get('port_security') is False:
            body['port_security_enabled'] = False
        net = api.post('networks', {'network': body})['network']
    sub = _one('subnets', name=spec['subnet'], network_id=net['id'])
    if sub is None:
        body = {'name': spec['subnet'], 'network_id': net['id'], 'ip_version': 4,
                'cidr': spec['cidr'], 'gateway_ip': spec['gateway_ip'],
                'project_id': PROJECT_ID, 'enable_dhcp': key != 'external'}
        base = spec['cidr'].rsplit('.', 1)[0]
        body['allocation_pools'] = [{'start': base + '.10', 'end': base + '.99'}]
        sub = api.post('subnets', {'subnet': body})['subnet']
    net = api.get('networks/%s' % net['id'])['network']
    return {'id': net['id'], 'name': net['name'], 'subnet_id': sub['id'],
            'cidr': sub['cidr'], 'gateway_ip': sub['gateway_ip'],
            'segmentation_id': net.get('provider:segmentation_id'),
            'network_type': net.get('provider:network_type'),
            'physical_network': net.get('provider:physical_network'),
            'mtu': net.get('mtu')}


def agent_id(host, agent_type):
    for a in api.get('agents')['agents']:
        if a['host'] == host and a['agent_type'] == agent_type:
            return a['id']
    raise RuntimeError('no %s on %s' % (agent_type, host))


def ensure_router(nets):
    r = _one('routers', name=ROUTER_NAME)
    if r is None:
        r = api.post('routers', {'router': {
            'name': ROUTER_NAME, 'project_id': PROJECT_ID, 'distributed': False,
            'external_gateway_info': {'network_id': nets['external']['id']}}})['router']
    for key in _present('vlan', 'vxlan', 'gre'):
        ports = api.find('ports', device_id=r['id'], network_id=nets[key]['id'])
        if not ports:
            api.put('routers/%s/add_router_interface' % r['id'],
                    {'subnet_id': nets[key]['subnet_id']})
    # make sure the router lives on the network node's L3 agent
    l3 = api.get('routers/%s/l3-agents' % r['id'])['agents']
    if not l3:
        api.post('agents/%s/l3-routers' % agent_id(NETWORK_NODE, 'L3 agent'),
                 {'router_id': r['id']})
    return {'id': r['id'], 'name': r['name']}


def ensure_dvr_router(nets):
    """A distributed router (admin-only ``distributed: true``) on dvr-net.

    Neutron schedules it itself: its SNAT part to the dvr_snat agent
    (network1) when the gateway is set, its qrouter- to each dvr agent as
    soon as a compute port of its subnet is bound on that host.
    """
    r = _one('routers', name=DVR_ROUTER_NAME)
    if r is None:
        r = api.post('routers', {'router': {
            'name': DVR_ROUTER_NAME, 'project_id': PROJECT_ID, 'distributed': True,
            'external_gateway_info': {'network_id': nets['external']['id']}}})['router']
    if not api.find('ports', device_id=r['id'], network_id=nets['dvr']['id']):
        api.put('routers/%s/add_router_interface' % r['id'],
                {'subnet_id': nets['dvr']['subnet_id']})
    return {'id': r['id'], 'name': r['name']}


def ensure_dhcp_scheduled(nets):
    aid = agent_id(NETWORK_NODE, 'DHCP agent')
    hosted = {n['id'] for n in api.get('agents/%s/dhcp-networks' % aid)['networks']}
    for key in _present('vlan', 'vxlan', 'dvr', 'gre', 'open'):
        if nets[key]['id'] not in hosted:
            try:
                api.post('agents/%s/dhcp-networks' % aid, {'network_id': nets[key]['id']})
            except api.ApiError as e:
                if e.status != 409:
                    raise


def _ensure_rule(sg_id, rule):
    """An IPv4 ingress rule of the group.

    Added unless one with the same protocol, ports and remote prefix is
    there.
    """
    keys = ('protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix')
    for r in api.find('security-group-rules', security_group_id=sg_id):
        if r['direction'] == 'ingress' and all(r.get(k) == rule.get(k) for k in keys):
            return
    body = dict(rule, security_group_id=sg_id, direction='ingress', ethertype='IPv4',
                project_id=PROJECT_ID)
    api.post('security-group-rules', {'security_group_rule': body})


def ensure_security_groups():
    """name -> id of the lab's security groups.

    The project's default group (its own remote-group rules, plus ICMP
    from anywhere) and the lab's other groups.
    """
    groups = {}
    sg = _one('security-groups', name='default', project_id=PROJECT_ID)
    if sg is None:
        # Neutron makes it with the project's first network
        raise RuntimeError('project %s has no default security group' % PROJECT_ID)
    _ensure_rule(sg['id'], {'protocol': 'icmp', 'remote_ip_prefix': '0.0.0.0/0'})
    groups['default'] = sg['id']
    for name, rules in SECURITY_GROUPS.items():
        sg = _one('security-groups', name=name, project_id=PROJECT_ID)
        if sg is None:
            sg = api.post('security-groups', {'security_group': {
                'name': name, 'project_id': PROJECT_ID}})['security_group']
        for rule in rules:
            _ensure_rule(sg['id'], rule)
        groups[name] = sg['id']
    return groups


def _port_settings(name, groups, port_security):
    """The security groups and allowed address pairs the port should have."""
    if not port_security:
        return {}
    spec = INSTANCES[name]
    want = {'security_groups': sorted(groups[g] for g in spec.get('security_groups',
                                                                  ['default']))}
    if name in VIPS:
        want['allowed_address_pairs'] = [{'ip_address': VIPS[name]}]
    return want


def ensure_port(name, nets, groups):
    spec = INSTANCES[name]
    net = nets[spec['network']]
    device_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, 'netdiag-lab-%s' % name))
    want = _port_settings(name, groups, NETWORKS[spec['network']].get('port_security', True))
    port = _one('ports', name=name, network_id=net['id'])
    if port is None:
        body = dict(want, name=name, network_id=net['id'], project_id=PROJECT_ID,
                    device_owner='compute:nova', device_id=device_id)
        body['binding:host_id'] = spec['host']
        port = api.post('ports', {'port': body})['port']
    else:
        change = {}
        if port.get('binding:host_id') != spec['host']:
            change['binding:host_id'] = spec['host']
        if 'security_groups' in want and \
                sorted(port.get('security_groups') or []) != want['security_groups']:
            change['security_groups'] = want['security_groups']
        have_pairs = [p['ip_address'] for p in port.get('allowed_address_pairs') or []]
        if 'allowed_address_pairs' in want and \
                have_pairs != [p['ip_address'] for p in want['allowed_address_pairs']]:
            change['allowed_address_pairs'] = want['allowed_address_pairs']
        if change:
            port = api.put('ports/%s' % port['id'], {'port': change})['port']
    return port


def vm_ns(name):
    return '%s-vm-%s' % (PREFIX, name)


def hybrid_names(port_id):
    """os-vif's ovs_hybrid names: prefix + port id, cut to 14 characters."""
    return tuple((prefix + port_id)[:14] for prefix in ('qbr', 'qvb', 'qvo'))


def hybrid_plug(port):
    """Whether Neutron asks for the hybrid plug.

    os-vif (Nova) puts a Linux bridge between the instance and br-int when
    the binding's vif_details say ovs_hybrid_plug (the agent runs the
    iptables_hybrid firewall).
    """
    return bool((port.get('binding:vif_details') or {}).get('ovs_hybrid_plug'))


def _ovs_port_external_ids(port):
    return ['external-ids:iface-id=%s' % port['id'], 'external-ids:iface-status=active',
            'external-ids:attached-mac=%s' % port['mac_address'],
            'external-ids:vm-uuid=%s' % port['device_id']]


def _plug_hybrid(host, port, tap, mtu):
    """tap -> qbr <- qvb == qvo -> br-int, as os-vif does for a VIFBridge.

    The bridge with forwarding delay 0, no STP, no multicast snooping and
    no IPv6; the veth at the network's MTU; qvo on br-int with the port's
    external_ids.
    """
    hostns = netns(host)
    qbr, qvb, qvo = hybrid_names(port['id'])
    # a tap the lab once plugged straight into br-int moves to the bridge
    hrun(host, ['ovs-vsctl', '--timeout=20', '--if-exists', 'del-port', 'br-int', tap])
    if not link_exists_ns(qbr, hostns):
        run(['ip', '-n', hostns, 'link', 'add', qbr, 'type', 'bridge', 'forward_delay', '0',
             'stp_state', '0', 'mcast_snooping', '0'])
    run(['ip', 'netns', 'exec', hostns, 'sysctl', '-q', '-w',
         'net.ipv6.conf.%s.disable_ipv6=1' % qbr], check=False)
    if not (link_exists_ns(qvb, hostns) and link_exists_ns(qvo, hostns)):
        for dev in (qvb, qvo):
            run(['ip', '-n', hostns, 'link', 'del', dev], check=False)
        run(['ip', '-n', hostns, 'link', 'add', qvb, 'type', 'veth', 'peer', 'name', qvo])
    for dev in (qvb, qvo):
        if mtu:
            run(['ip', '-n', hostns, 'link', 'set', dev, 'mtu', str(mtu)])
        run(['ip', 'netns', 'exec', hostns, 'sysctl', '-q', '-w',
             'net.ipv6.conf.%s.disable_ipv6=1' % dev], check=False)
    for dev in (qvb, tap):
        run(['ip', '-n', hostns, 'link', 'set', dev, 'master', qbr])
    for dev in (qbr, qvb, qvo):
        run(['ip', '-n', hostns, 'link', 'set', dev, 'up'])
    hrun(host, ['ovs-vsctl', '--timeout=20', '--', '--may-exist', 'add-port', 'br-int', qvo,
                '--', 'set', 'Interface', qvo] + _ovs_port_external_ids(port))
    return {'plug': 'hybrid', 'qbr': qbr, 'qvb': qvb, 'qvo': qvo, 'ovs_port': qvo}


def plug(name, port, mtu=None):
    """Plug a port like os-vif's ovs plugin.

    A veth tap<id[:11]> on br-int (or, hybrid, on the port's qbr bridge),
    both ends at the network's MTU as os-vif sets them. Returns how it is
    plugged.
    """
    spec = INSTANCES[name]
    host = spec['host']
    hostns = netns(host)
    ns = vm_ns(name)
    tap = 'tap' + port['id'][:11]
    if ns not in run(['ip', 'netns', 'list']).stdout.split():
        run(['ip', 'netns', 'add', ns])
    run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])
    if not (link_exists_ns(tap, hostns) and link_exists_ns('eth0', ns)):
        for dev, where in ((tap, hostns), ('eth0', ns)):
            run(['ip', '-n', where, 'link', 'del', dev], check=False)
        a, b = '%svh-%s' % (PREFIX, name), '%svv-%s' % (PREFIX, name)
        run(['ip', 'link', 'del', a], check=False)
        run(['ip', 'link', 'add', a, 'type', 'veth', 'peer', 'name', b])
        run(['ip', 'link', 'set', a, 'netns', hostns])
        run(['ip', '-n', hostns, 'link', 'set', a, 'name', tap])
        run(['ip', 'link', 'set', b, 'netns', ns])
        run(['ip', '-n', ns, 'link', 'set', b, 'name', 'eth0'])
    run(['ip', '-n', ns, 'link', 'set', 'eth0', 'address', port['mac_address']])
    if mtu:
        run(['ip', '-n', ns, 'link', 'set', 'eth0', 'mtu', str(mtu)])
        run(['ip', '-n', hostns, 'link', 'set', tap, 'mtu', str(mtu)])
    run(['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w',
         'net.ipv6.conf.eth0.disable_ipv6=1'], check=False)
    run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up'])
    run(['ip', '-n', hostns, 'link', 'set', tap, 'up'])
    # A veth leaves TCP/UDP checksums for the NIC to fill in; the userspace
    # datapath forwards them unfilled, so a "VM"'s TCP would arrive with a
    # bad checksum. The VM's side computes them itself, as a guest does.
    run(['ip', 'netns', 'exec', ns, 'ethtool', '-K', 'eth0', 'tx', 'off'])
    if hybrid_plug(port):
        return dict(_plug_hybrid(host, port, tap, mtu), tap=tap)
    hrun(host, ['ovs-vsctl', '--timeout=20', '--', '--may-exist', 'add-port', 'br-int', tap,
                '--', 'set', 'Interface', tap] + _ovs_port_external_ids(port))
    return {'plug': 'ovs', 'tap': tap, 'ovs_port': tap}


def wait_ports_active(ports, timeout=120):
    def ok():
        pending = []
        for name, p in ports.items():
            cur = api.get('ports/%s' % p['id'])['port']
            if cur['status'] != 'ACTIVE':
                pending.append('%s=%s' % (name, cur['status']))
        if pending:
            raise RuntimeError(', '.join(pending))
        return True
    wait_for(ok, timeout, interval=1, what='instance ports ACTIVE')


def ensure_floating_ip(nets, port):
    fips = api.find('floatingips', port_id=port['id'])
    if fips:
        f = fips[0]
    else:
        f = api.post('floatingips', {'floatingip': {
            'floating_network_id': nets['external']['id'], 'port_id': port['id'],
            'project_id': PROJECT_ID}})['floatingip']
    return {'id': f['id'], 'address': f['floating_ip_address'], 'port_id': f['port_id']}


# ---------------------------------------------------------------- traffic

DHCLIENT_SCRIPT = '''#!/bin/sh
# Lab dhclient script: configure the address only (no routes, no resolv.conf).
env | grep -E '^(reason|interface|new_|old_)' > "%(dir)s/$interface.$$.env" 2>/dev/null
case "$reason" in
  PREINIT) ip link set dev "$interface" up ;;
  BOUND|RENEW|REBIND|REBOOT)
    if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
      ip -4 addr flush dev "$interface"
    fi
    ip -4 addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
    ;;
  EXPIRE|FAIL|RELEASE|STOP)
    ip -4 addr flush dev "$interface" ;;
esac
exit 0
'''


def dhcp(name):
    ns = vm_ns(name)
    d = os.path.join(VMDIR, name)
    mkdirs(d)
    script = os.path.join(VMDIR, 'dhclient-script')
    with open(script, 'w') as f:
        f.write(DHCLIENT_SCRIPT % {'dir': VMDIR})
    os.chmod(script, 0o755)
    conf = os.path.join(VMDIR, 'dhclient.conf')
    with open(conf, 'w') as f:
        f.write('timeout 30;\nretry 5;\nrequest subnet-mask, broadcast-address, routers, '
                'interface-mtu;\n')
    pidf = os.path.join(d, 'dhclient.pid')
    run(['ip', '-n', ns, '-4', 'addr', 'flush', 'dev', 'eth0'], check=False)
    cp = run(['ip', 'netns', 'exec', ns, 'dhclient', '-4', '-1', '-v',
              '-cf', conf, '-sf', script, '-lf', os.path.join(d, 'dhclient.leases'),
              '-pf', pidf, 'eth0'], check=False, timeout=60)
    with open(os.path.join(d, 'dhclient.log'), 'w') as f:
        f.write((cp.stdout or '') + (cp.stderr or ''))
    # the lease is recorded; the lab does not keep a dhclient running
    try:
        pid = int(open(pidf).read().strip())
        kill_pids([pid], grace=2)
    except (OSError, ValueError):
        pass
    addrs = run(['ip', '-n', ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0']).stdout
    for tok in addrs.split():
        if '/' in tok and tok[0].isdigit():
            return tok.split('/')[0]
    return None


def ping(ns, target, count=3):
    cp = run(['ip', 'netns', 'exec', ns, 'ping', '-n', '-c', str(count), '-i', '0.3',
              '-W', '2', '-w', '10', target], check=False, timeout=30)
    return cp.returncode == 0


def prove_traffic(status):
    res = {}
    inst = status['instances']
    nets = status['networks']
    for name in INSTANCES:
        got = None
        for attempt in range(3):
            got = dhcp(name)
            if got:
                break
            time.sleep(3)
        res['%s-dhcp' % name] = got == inst[name]['ip']
        if got and got != inst[name]['ip']:
            say('WARNING: %s got %s by DHCP, expected %s' % (name, got, inst[name]['ip']))
        if not got:
            # fall back to the static address so the data path can still be checked
            run(['ip', '-n', vm_ns(name), 'addr', 'replace',
                 '%s/24' % inst[name]['ip'], 'dev', 'eth0'])
        if name in VIPS:
            # the instance answers on its allowed address pair too (after
            # DHCP, which flushes the device's addresses)
            run(['ip', '-n', vm_ns(name), 'addr', 'replace', '%s/32' % VIPS[name],
                 'dev', 'eth0'])
        if NETWORKS[INSTANCES[name]['network']].get('routed') is False:
            say('  %s: dhcp=%s' % (name, res['%s-dhcp' % name]))
            continue
        gw = nets[INSTANCES[name]['network']]['gateway_ip']
        # no default route in the lab: only the other lab subnets go via the router
        for key, net in nets.items():
            if key != INSTANCES[name]['network'] and NETWORKS[key].get('routed') is not False:
                run(['ip', '-n', vm_ns(name), 'route', 'replace', net['cidr'],
                     'via', gw], check=False)
        res['%s-gateway' % name] = ping(vm_ns(name), gw)
        say('  %s: dhcp=%s gateway=%s' % (name, res['%s-dhcp' % name],
                                          res['%s-gateway' % name]))
    pairs = (('vlan2-vlan1', 'vlan2', 'vlan1'), ('vxlan2-vxlan1', 'vxlan2', 'vxlan1'),
             ('vxlan1-vlan1', 'vxlan1', 'vlan1'), ('gre2-gre1', 'gre2', 'gre1'),
             ('gre1-vxlan1', 'gre1', 'vxlan1'),
             # through compute2's iptables: gre2's lab-ssh-icmp group lets
             # ICMP in
             ('gre1-gre2', 'gre1', 'gre2'),
             # port security off: no firewall at all, on either driver
             ('open1-open2', 'open1', 'open2'))
    for key, src, dst in pairs:
        if src in inst and dst in inst:
            res[key] = ping(vm_ns(src), inst[dst]['ip'])
    out = 'vxlan2' if 'vxlan2' in inst else 'vxlan1'
    res['%s-upstream' % out] = ping(vm_ns(out), nets['external']['gateway_ip'])
    # vxlan2's anti-spoofing lets its VIP (an allowed address pair) out
    if 'vxlan1' in inst and 'vxlan2' in inst and 'vxlan2' in VIPS:
        res['vxlan1-vxlan2-vip'] = ping(vm_ns('vxlan1'), VIPS['vxlan2'])
    if status.get('floating_ip'):
        res['upstream-floating-ip'] = ping(UPSTREAM_NS, status['floating_ip']['address'])
    if 'dvr' not in nets:
        for k, v in res.items():
            if '-' in k and not k.endswith(('-dhcp', '-gateway')):
                say('  %s: %s' % (k, v))
        return res
    # the distributed router: dvr1 leaves through its floating IP in
    # compute1's fip- namespace, dvr2 (no floating IP) through the central
    # SNAT in network1's snat- namespace
    res['dvr2-dvr1'] = ping(vm_ns('dvr2'), inst['dvr1']['ip'])
    res['dvr1-upstream'] = ping(vm_ns('dvr1'), nets['external']['gateway_ip'])
    res['dvr2-upstream'] = ping(vm_ns('dvr2'), nets['external']['gateway_ip'])
    if status.get('dvr_floating_ip'):
        res['upstream-dvr-floating-ip'] = ping(UPSTREAM_NS,
                                               status['dvr_floating_ip']['address'])
    for k in ('vlan2-vlan1', 'vxlan2-vxlan1', 'vxlan1-vlan1', 'vxlan2-upstream',
              'gre2-gre1', 'gre1-vxlan1', 'gre1-gre2', 'vxlan1-vxlan2-vip', 'open1-open2',
              'upstream-floating-ip', 'dvr2-dvr1', 'dvr1-upstream', 'dvr2-upstream',
              'upstream-dvr-floating-ip'):
        if k in res:
            say('  %s: %s' % (k, res[k]))
    return res


def build_scenario():
    nets = {k: ensure_network(k)
            for k in _present('external', 'vlan', 'vxlan', 'dvr', 'gre', 'open')}
    say('networks: %s' % ', '.join('%s=%s' % (k, v['id']) for k, v in nets.items()))
    router = ensure_router(nets)
    dvr_router = ensure_dvr_router(nets) if 'dvr' in nets else None
    ensure_dhcp_scheduled(nets)
    groups = ensure_security_groups()
    ports = {name: ensure_port(name, nets, groups) for name in INSTANCES}
    instances = {}
    for name, port in ports.items():
        plugged = plug(name, port, nets[INSTANCES[name]['network']].get('mtu'))
        instances[name] = dict(
            plugged, host=INSTANCES[name]['host'], network=INSTANCES[name]['network'],
            port_id=port['id'], ip=port['fixed_ips'][0]['ip_address'],
            mac=port['mac_address'], netns=vm_ns(name), device_id=port['device_id'],
            port_security=port.get('port_security_enabled', True),
            security_groups=sorted(n for n, i in groups.items()
                                   if i in (port.get('security_groups') or [])))
        if name in VIPS:
            instances[name]['vip'] = VIPS[name]
    say('instances plugged; waiting for ports to go ACTIVE')
    wait_ports_active(ports)
    fip = ensure_floating_ip(nets, ports['vlan1'])
    dvr_fip = ensure_floating_ip(nets, ports['dvr1']) if 'dvr1' in ports else None
    hosts = {h: {'address': i['address'], 'tunnel_ip': i['tunnel_ip'],
                 'firewall_driver': i.get('firewall_driver', 'openvswitch')}
             for h, i in HOSTS.items()}
    status = {'hosts': hosts, 'networks': nets, 'router': router, 'instances': instances,
              'security_groups': groups, 'floating_ip': fip}
    if dvr_router:
        status.update(dvr_router=dvr_router, dvr_floating_ip=dvr_fip)
    return status
