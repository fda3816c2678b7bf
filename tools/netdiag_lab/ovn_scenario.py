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

"""The ML2/OVN lab's build and scenario: the same story as the ML2/OVS lab
(a VLAN provider network, a tenant overlay network, a router with a
gateway, SNAT and a floating IP, instances as namespaces), then DHCP and
pings to prove it.
"""

from . import api
from . import build
from . import flavour
from . import ovn_lab
from . import scenario
from .common import API
from .common import HOSTS
from .common import INSTANCES
from .common import LAB
from .common import PROJECT_ID
from .common import ROUTER_NAME
from .common import save_json
from .common import say
from .common import STATUS_FILE
from .common import stop
from .common import UPSTREAM_NS
from .common import wait_for


def ensure_router(nets):
    """One router: gateway on public (SNAT on), interfaces on vlan-net and
    geneve-net. ML2/OVN pins its gateway port to the gateway chassis.
    """
    r = scenario._one('routers', name=ROUTER_NAME)
    if r is None:
        r = api.post('routers', {'router': {
            'name': ROUTER_NAME, 'project_id': PROJECT_ID,
            'external_gateway_info': {'network_id': nets['external']['id'],
                                      'enable_snat': True}}})['router']
    for key in ('vlan', 'geneve'):
        if not api.find('ports', device_id=r['id'], network_id=nets[key]['id']):
            api.put('routers/%s/add_router_interface' % r['id'],
                    {'subnet_id': nets[key]['subnet_id']})
    return {'id': r['id'], 'name': r['name']}


def metadata_namespaces_present(status):
    """ovnmeta-<network> on every host with an instance of that network."""
    missing = []
    for inst in status['instances'].values():
        ns = 'ovnmeta-%s' % status['networks'][inst['network']]['id']
        cp = build.hrun(inst['host'], ['ip', 'netns', 'list'], check=False)
        if ns not in (cp.stdout or ''):
            missing.append('%s:%s' % (inst['host'], ns))
    if missing:
        raise RuntimeError('missing %s' % ' '.join(sorted(set(missing))))
    return True


def build_scenario():
    nets = {k: scenario.ensure_network(k) for k in ('external', 'vlan', 'geneve')}
    say('networks: %s' % ', '.join('%s=%s' % (k, v['id']) for k, v in nets.items()))
    router = ensure_router(nets)
    # the default group allows ICMP from anywhere (the pings of status)
    groups = scenario.ensure_security_groups()
    ports = {name: scenario.ensure_port(name, nets, groups) for name in INSTANCES}
    instances = {}
    for name, port in ports.items():
        # plug() says how the port was plugged; under OVN always a plain
        # tap on br-int (no hybrid plug)
        tap = scenario.plug(name, port, nets[INSTANCES[name]['network']].get('mtu'))['tap']
        instances[name] = {'host': INSTANCES[name]['host'], 'network': INSTANCES[name]['network'],
                           'port_id': port['id'], 'ip': port['fixed_ips'][0]['ip_address'],
                           'mac': port['mac_address'], 'netns': scenario.vm_ns(name),
                           'tap': tap, 'device_id': port['device_id']}
    say('instances plugged; waiting for ports to go ACTIVE')
    scenario.wait_ports_active(ports)
    fip = scenario.ensure_floating_ip(nets, ports['geneve1'])
    hosts = {h: {'address': i['address'], 'tunnel_ip': i['tunnel_ip']}
             for h, i in HOSTS.items()}
    return {'hosts': hosts, 'networks': nets, 'router': router, 'instances': instances,
            'floating_ip': fip, 'ovn': {'nb': ovn_lab.NB_REMOTE, 'sb': ovn_lab.SB_REMOTE,
                                        'db_host': ovn_lab.DB_HOST,
                                        'gateway_chassis': [h for h, i in HOSTS.items()
                                                            if i['gateway']]}}


def prove_traffic(status):
    res = {}
    inst = status['instances']
    nets = status['networks']
    for name in INSTANCES:
        got = None
        for _attempt in range(3):
            got = scenario.dhcp(name)
            if got:
                break
        res['%s-dhcp' % name] = got == inst[name]['ip']
        if not got:
            scenario.run(['ip', '-n', scenario.vm_ns(name), 'addr', 'replace',
                          '%s/24' % inst[name]['ip'], 'dev', 'eth0'])
        gw = nets[INSTANCES[name]['network']]['gateway_ip']
        for key, net in nets.items():
            if key != INSTANCES[name]['network']:
                scenario.run(['ip', '-n', scenario.vm_ns(name), 'route', 'replace',
                              net['cidr'], 'via', gw], check=False)
        res['%s-gateway' % name] = scenario.ping(scenario.vm_ns(name), gw)
        say('  %s: dhcp=%s gateway=%s' % (name, res['%s-dhcp' % name],
                                          res['%s-gateway' % name]))
    vm = scenario.vm_ns
    res['vlan2-vlan1'] = scenario.ping(vm('vlan2'), inst['vlan1']['ip'])
    res['geneve2-geneve1'] = scenario.ping(vm('geneve2'), inst['geneve1']['ip'])
    res['geneve1-vlan1'] = scenario.ping(vm('geneve1'), inst['vlan1']['ip'])
    res['geneve2-upstream'] = scenario.ping(vm('geneve2'), nets['external']['gateway_ip'])
    res['upstream-floating-ip'] = scenario.ping(UPSTREAM_NS, status['floating_ip']['address'])
    for k in ('vlan2-vlan1', 'geneve2-geneve1', 'geneve1-vlan1', 'geneve2-upstream',
              'upstream-floating-ip'):
        say('  %s: %s' % (k, res[k]))
    return res


def build_all():
    build.ensure_dirs()
    build.check_address_space()
    build.ensure_packages()
    build.ensure_venv()
    # no /usr/local/bin/privsep-helper link: the metadata agent names its
    # own helper (ovn_lab.write_metadata_conf)
    ovn_lab.say_versions()
    say('control plane: MariaDB, RabbitMQ, OVN NB/SB databases and ovn-northd')
    build.start_mysql()
    build.start_rabbit()
    ovn_lab.start_ovn_central()
    say('hosts: namespaces, links, Open vSwitch, sshd, ovn-controller')
    build.ensure_root_bridges()
    build.ensure_upstream()
    build.ensure_ns_dir()
    build.ensure_ssh_keys()
    for h in HOSTS:
        if build.ensure_host_namespaces(h):
            for d in ('sshd', 'ovs-vswitchd', 'ovsdb-server') + ovn_lab.HOST_DAEMONS:
                stop('%s-%s' % (h, d), grace=3)
        build.ensure_host_links(h)
        build.ensure_ovs(h)
        build.ensure_sshd(h)
    build.verify_routes()
    ovn_lab.build_hosts()
    ovn_lab.write_server_conf()
    build.wait_mysql()
    build.migrate_db()
    build.wait_rabbit()
    say('neutron: API (uWSGI), RPC server, OVN maintenance worker')
    ovn_lab.start_neutron_server()
    build.wait_api()
    say('agents: OVN metadata agent on every host')
    ovn_lab.start_metadata_agents()
    ovn_lab.wait_agents()
    say('scenario: networks, router, instance ports, floating IP')
    status = build_scenario()
    status.update({'built': True, 'api': API, 'lab_dir': LAB, 'flavour': flavour.NAME})
    save_json(STATUS_FILE, status)
    build.write_client_files()
    try:
        wait_for(lambda: metadata_namespaces_present(status), 90, interval=1,
                 what='ovnmeta- namespaces')
    except RuntimeError as e:
        say('WARNING: %s' % e)
    say('traffic: DHCP and pings inside the lab')
    status['connectivity'] = prove_traffic(status)
    save_json(STATUS_FILE, status)
    return status
