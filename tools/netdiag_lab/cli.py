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

"""Command line of tools/lab."""

import argparse
import json
import os
import sys
import time

from . import api
from . import build
from . import flavour
from . import ovn_lab
from . import ovn_scenario
from . import scenario
from . import teardown
from .common import API
from .common import CLIENT_KEY
from .common import HOSTS
from .common import hx
from .common import KNOWN_HOSTS
from .common import LAB
from .common import load_json
from .common import NETWORK_NODE
from .common import read_pid
from .common import save_json
from .common import say
from .common import STATUS_FILE
from .common import stop
from .common import wait_for


def daemon_names():
    if flavour.NAME == 'ovn':
        return ovn_lab.daemon_names()
    names = ['mysqld_safe', 'rabbitmq', 'neutron-api', 'neutron-rpc-server']
    for h in HOSTS:
        names += ['%s-ovsdb-server' % h, '%s-ovs-vswitchd' % h, '%s-sshd' % h]
        names += ['%s-%s' % (h, a) for a in build.host_agents(h)]
    return names


def dead_daemons():
    return [n for n in daemon_names() if read_pid(n) is None]


def current_status(check_api=True):
    st = load_json(STATUS_FILE, {}) or {}
    dead = dead_daemons()
    up = bool(st.get('built')) and not dead
    if up and check_api:
        up = api.reachable()
    st['up'] = up
    st['api'] = API
    if dead and st.get('built'):
        st['dead_daemons'] = dead
    st.setdefault('hosts', {h: {'address': i['address'], 'tunnel_ip': i['tunnel_ip']}
                            for h, i in HOSTS.items()})
    return st


def expected_namespaces(status):
    """The namespaces the agents must have made, per host: the legacy
    router and DHCP on network1; for the distributed router its snat- on
    the dvr_snat host, its qrouter- wherever one of its instances lives and
    the external network's fip- where it has a floating IP.
    """
    ext = status['networks']['external']['id']
    want = {NETWORK_NODE: ['qrouter-%s' % status['router']['id']] +
            ['qdhcp-%s' % status['networks'][k]['id']
             for k in ('vlan', 'vxlan', 'dvr', 'gre', 'open') if k in status['networks']]}
    if not status.get('dvr_router'):
        return want
    dvr = status['dvr_router']['id']
    want[NETWORK_NODE].append('snat-%s' % dvr)
    for inst in status['instances'].values():
        if inst['network'] == 'dvr':
            want.setdefault(inst['host'], []).append('qrouter-%s' % dvr)
    fip_port = status['dvr_floating_ip']['port_id']
    fip_host = next(i['host'] for i in status['instances'].values()
                    if i['port_id'] == fip_port)
    want.setdefault(fip_host, []).append('fip-%s' % ext)
    return want


def wait_network_node(status, timeout=120):
    want = expected_namespaces(status)
    dhcp_networks = sum(1 for n in want[NETWORK_NODE] if n.startswith('qdhcp-'))

    def ok():
        missing = []
        for host, wanted in want.items():
            cp = build.hrun(host, ['ip', 'netns', 'list'], check=False)
            have = [line.split()[0] for line in (cp.stdout or '').splitlines()
                    if line.strip()]
            missing += ['%s:%s' % (host, n) for n in wanted if n not in have]
        if missing:
            raise RuntimeError('missing %s' % ' '.join(missing))
        ps = build.hrun(NETWORK_NODE, ['pgrep', '-c', '-x', 'dnsmasq'], check=False)
        if int((ps.stdout or '0').strip() or 0) < dhcp_networks:
            raise RuntimeError('dnsmasq not running for every network')
        return True
    wait_for(ok, timeout, interval=1, what='router, fip, snat and dhcp namespaces')


def build_all():
    if flavour.NAME == 'ovn':
        return ovn_scenario.build_all()
    build.ensure_dirs()
    build.check_address_space()
    build.ensure_packages()
    build.ensure_venv()
    build.ensure_privsep_link()
    say('control plane: starting MariaDB and RabbitMQ')
    build.start_mysql()
    build.start_rabbit()
    say('hosts: namespaces, links, Open vSwitch, sshd')
    build.ensure_root_bridges()
    build.ensure_upstream()
    build.ensure_ns_dir()
    build.ensure_ssh_keys()
    for h in HOSTS:
        if build.ensure_host_namespaces(h):
            for d in ('sshd', 'ovs-vswitchd', 'ovsdb-server') + tuple(build.host_agents(h)):
                stop('%s-%s' % (h, d), grace=3)
        build.ensure_host_links(h)
        build.ensure_ovs(h)
        build.ensure_sshd(h)
        build.write_agent_conf(h)
    build.verify_routes()
    build.write_server_conf()
    build.wait_mysql()
    build.migrate_db()
    build.wait_rabbit()
    say('neutron: API (uWSGI) and RPC server')
    build.start_neutron_server()
    build.wait_api()
    say('agents: openvswitch and l3 (%s) on every host, dhcp on %s'
        % ('/'.join(sorted({i['l3_mode'] for i in HOSTS.values()})), NETWORK_NODE))
    for h in HOSTS:
        for a in build.host_agents(h):
            build.start_agent(h, a)
    build.wait_agents()
    say('scenario: networks, router, instance ports, floating IP')
    status = scenario.build_scenario()
    status['built'] = True
    status['api'] = API
    status['lab_dir'] = LAB
    status['flavour'] = flavour.NAME
    save_json(STATUS_FILE, status)
    build.write_client_files()
    say('waiting for the routers\' and DHCP namespaces and dnsmasq')
    try:
        wait_network_node(status)
    except RuntimeError as e:
        say('WARNING: %s' % e)
    say('traffic: DHCP and pings inside the lab')
    status['connectivity'] = scenario.prove_traffic(status)
    save_json(STATUS_FILE, status)
    return status


def cmd_up(args):
    t0 = time.time()
    st = current_status()
    if st['up'] and not args.force:
        say('lab already up (%s)' % API)
        # The client files follow the checkout: a newer osc-netdiag may
        # read inventory keys an older one did not write.
        build.write_client_files()
    else:
        try:
            st = build_all()
        except Exception as e:  # noqa: BLE001 - one clean retry from scratch
            if args.no_retry:
                raise
            say('build failed (%s); tearing down and building from scratch' % e)
            teardown.teardown()
            st = build_all()
        st = current_status()
    summary(st, time.time() - t0)
    return 0 if st['up'] else 1


def summary(st, elapsed):
    conn = st.get('connectivity', {})
    ok = [k for k, v in conn.items() if v]
    bad = [k for k, v in conn.items() if not v]
    say('---')
    say('api: %s   up: %s' % (st.get('api'), st.get('up')))
    for h, i in st.get('hosts', {}).items():
        say('host %-9s %s (tunnel %s)' % (h, i['address'], i['tunnel_ip']))
    say('connectivity ok: %s' % (', '.join(ok) or '-'))
    if bad:
        say('connectivity FAILED: %s' % ', '.join(bad))
    say('client: OS_CLIENT_CONFIG_FILE=%s/clouds.yaml openstack --os-cloud netdiag-lab ...'
        % LAB)
    say('elapsed: %.1f s' % elapsed)


def cmd_down(args):
    t0 = time.time()
    ok = teardown.teardown(purge=args.purge)
    say('lab down (%.1f s)' % (time.time() - t0))
    return 0 if ok else 1


def cmd_status(args):
    st = current_status()
    json.dump(st, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write('\n')
    return 0


def cmd_exec(args):
    if args.host not in HOSTS:
        print('unknown host %s (one of %s)' % (args.host, ', '.join(HOSTS)), file=sys.stderr)
        return 2
    argv = args.cmd
    if argv and argv[0] == '--':
        argv = argv[1:]
    if not argv:
        argv = ['/bin/bash']
    os.execvp('nsenter', hx(args.host, argv))


def ssh_argv(host):
    return ['ssh', '-o', 'StrictHostKeyChecking=yes', '-o', 'UserKnownHostsFile=%s' % KNOWN_HOSTS,
            '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-i', CLIENT_KEY,
            'root@%s' % HOSTS[host]['address']]


def cmd_ssh(args):
    if args.host not in HOSTS:
        print('unknown host %s' % args.host, file=sys.stderr)
        return 2
    cmd = list(args.cmd)
    if cmd and cmd[0] == '--':
        cmd = cmd[1:]
    argv = ssh_argv(args.host) + cmd
    if not cmd:
        argv.insert(1, '-t')
    os.execvp('ssh', argv)


def cmd_restart(args):
    h, svc = args.host, args.service
    if h not in HOSTS:
        print('unknown host %s' % h, file=sys.stderr)
        return 2
    if svc in ovn_lab.HOST_DAEMONS and flavour.NAME == 'ovn':
        ovn_lab.restart(h, svc)
        if not args.no_wait:
            ovn_lab.wait_agents(timeout=args.timeout)
        say('%s on %s restarted' % (svc, h))
        return 0
    if svc in ('ovs-agent', 'l3-agent', 'dhcp-agent'):
        if svc not in build.host_agents(h):
            print('%s does not run on %s' % (svc, h), file=sys.stderr)
            return 2
        stop('%s-%s' % (h, svc), grace=3)
        build.start_agent(h, svc)
    elif svc == 'sshd':
        stop('%s-sshd' % h, grace=3)
        build.ensure_sshd(h)
    else:
        print('unknown service %s' % svc, file=sys.stderr)
        return 2
    if not args.no_wait and svc != 'sshd':
        build.wait_agents(timeout=args.timeout)
    say('%s on %s restarted' % (svc, h))
    return 0


def cmd_stop(args):
    h, svc = args.host, args.service
    if h not in HOSTS:
        print('unknown host %s' % h, file=sys.stderr)
        return 2
    host_services = (ovn_lab.HOST_DAEMONS if flavour.NAME == 'ovn'
                     else tuple(build.host_agents(h)))
    if svc != 'sshd' and svc not in host_services:
        print('%s does not run on %s' % (svc, h), file=sys.stderr)
        return 2
    stop('%s-%s' % (h, svc), grace=3)
    say('%s on %s stopped' % (svc, h))
    return 0


# ovn-controller and ovn-metadata-agent exist in the ovn flavour only
SERVICES = ['ovs-agent', 'l3-agent', 'dhcp-agent', 'sshd', 'ovn-controller',
            'ovn-metadata-agent']


def main(argv):
    if os.geteuid() != 0:
        print('tools/lab must run as root', file=sys.stderr)
        return 2
    p = argparse.ArgumentParser(prog='tools/lab', description=__doc__)
    # read before this parser runs (tools/lab); declared here for --help
    p.add_argument('--flavour', choices=sorted(flavour.FLAVOURS), default=flavour.NAME,
                   help='which lab (default: $%s or %s)' % (flavour.ENV, flavour.DEFAULT))
    sub = p.add_subparsers(dest='command', required=True)
    up = sub.add_parser('up', help='build the lab (idempotent)')
    up.add_argument('--force', action='store_true', help='re-run every step even if up')
    up.add_argument('--no-retry', action='store_true',
                    help='do not tear down and retry after a failed build')
    up.add_argument('--single-node', action='store_true',
                    help='the single-node flavour (same as --flavour single)')
    up.add_argument('--backend', choices=['ovs', 'ovn'],
                    help='ovn: the ML2/OVN flavour (same as --flavour ovn)')
    up.set_defaults(func=cmd_up)
    down = sub.add_parser('down', help='remove everything the lab made')
    down.add_argument('--purge', action='store_true',
                      help='also remove the lab virtualenv, keys and logs')
    down.set_defaults(func=cmd_down)
    s = sub.add_parser('status', help='JSON description of the lab')
    s.set_defaults(func=cmd_status)
    e = sub.add_parser('exec', help='run a command as root inside a lab host')
    e.add_argument('host')
    e.add_argument('cmd', nargs=argparse.REMAINDER)
    e.set_defaults(func=cmd_exec)
    ss = sub.add_parser('ssh', help='ssh into a lab host')
    ss.add_argument('host')
    ss.add_argument('cmd', nargs=argparse.REMAINDER)
    ss.set_defaults(func=cmd_ssh)
    r = sub.add_parser('restart', help='restart one lab daemon on a host')
    r.add_argument('host')
    r.add_argument('service', choices=SERVICES)
    r.add_argument('--no-wait', action='store_true')
    r.add_argument('--timeout', type=float, default=120)
    r.set_defaults(func=cmd_restart)
    k = sub.add_parser('stop', help='stop one lab daemon on a host (for fault tests)')
    k.add_argument('host')
    k.add_argument('service', choices=SERVICES)
    k.set_defaults(func=cmd_stop)
    args = p.parse_args(argv)
    return args.func(args) or 0
