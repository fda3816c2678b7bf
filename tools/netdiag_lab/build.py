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

"""Everything `tools/lab up` builds: packages, control plane, hosts, agents."""

import glob
import json
import os
import shutil
import socket
import subprocess
import sys

from . import api
from .common import API
from .common import API_IP
from .common import API_PORT
from .common import CLIENT_KEY
from .common import CLOUDS_FILE
from .common import EPMD_PORT
from .common import ETC
from .common import FLAT_NETWORKS
from .common import HOSTDIR
from .common import HOSTS
from .common import hrun
from .common import INVENTORY_FILE
from .common import is_mountpoint
from .common import KNOWN_HOSTS
from .common import LAB
from .common import load_json
from .common import LOG
from .common import MGMT_PREFIX
from .common import mkdirs
from .common import MYSQLDIR
from .common import netns
from .common import NETWORK_NODE
from .common import NEUTRON_REQ
from .common import ns_file
from .common import NSDIR
from .common import out
from .common import PACKAGES
from .common import RABBIT_DIST_PORT
from .common import RABBIT_PORT
from .common import RABBITDIR
from .common import read_pid
from .common import record_pid
from .common import ROOT_BRIDGES
from .common import RUN
from .common import run
from .common import save_json
from .common import say
from .common import spawn
from .common import SSHDIR
from .common import stop
from .common import SYSTEM_FILE
from .common import UPSTREAM_IP
from .common import UPSTREAM_NS
from .common import VENV
from .common import VMDIR
from .common import wait_for
from .flavour import NAME as FLAVOUR
from .flavour import PREFIX
from .flavour import PREFIXES

PRIVSEP_LINK = '/usr/local/bin/privsep-helper'


# ---------------------------------------------------------------- packages / venv

def ensure_packages():
    missing = []
    for pkg in PACKAGES:
        cp = run(['dpkg-query', '-W', '-f=${Status}', pkg], check=False)
        if 'install ok installed' not in (cp.stdout or ''):
            missing.append(pkg)
    if not missing:
        say('packages: all present')
        return
    say('packages: installing %s' % ' '.join(missing))
    # Keep package scripts from starting system-wide services that would
    # compete with the lab's own daemons.
    policy = '/usr/sbin/policy-rc.d'
    added_policy = False
    if not os.path.exists(policy):
        with open(policy, 'w') as f:
            f.write('#!/bin/sh\nexit 101\n')
        os.chmod(policy, 0o755)
        added_policy = True
    try:
        env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
        run(['apt-get', 'update', '-q'], env=env, timeout=600, capture=True)
        run(['apt-get', 'install', '-y', '-q', '--no-install-recommends'] + missing,
            env=env, timeout=900, capture=True)
    finally:
        if added_policy:
            os.unlink(policy)


def ensure_venv():
    marker = os.path.join(VENV, '.lab-ready')
    want = ' '.join(NEUTRON_REQ)
    if os.path.exists(marker) and open(marker).read().strip() == want:
        say('venv: %s ready' % VENV)
        return
    say('venv: installing %s into %s (takes a minute or two)' % (want, VENV))
    mkdirs(LOG)
    if not os.path.exists(os.path.join(VENV, 'bin', 'pip')):
        cp = run([sys.executable, '-m', 'venv', VENV], timeout=300, check=False)
        if cp.returncode != 0:
            # Debian's own python3 needs python3-venv for ensurepip
            shutil.rmtree(VENV, ignore_errors=True)
            run(['apt-get', 'install', '-y', '-q', 'python3-venv'], timeout=600,
                env=dict(os.environ, DEBIAN_FRONTEND='noninteractive'))
            run([sys.executable, '-m', 'venv', VENV], timeout=300)
    with open(os.path.join(LOG, 'pip-install.log'), 'w') as logf:
        cp = subprocess.run([os.path.join(VENV, 'bin', 'pip'), 'install', '-q'] + NEUTRON_REQ,
                            stdout=logf, stderr=subprocess.STDOUT, timeout=1800)
    if cp.returncode != 0:
        raise RuntimeError('pip install failed; see %s' % os.path.join(LOG, 'pip-install.log'))
    with open(marker, 'w') as f:
        f.write(want + '\n')


def ensure_privsep_link():
    target = os.path.join(VENV, 'bin', 'privsep-helper')
    changes = load_json(SYSTEM_FILE, {})
    if os.path.islink(PRIVSEP_LINK) and not os.path.exists(PRIVSEP_LINK):
        # Dangling: the checkout whose lab made it is gone (a lab left up
        # elsewhere kept it at that lab's down). Nobody can use it: ours.
        say('replacing %s (its target %s is gone)'
            % (PRIVSEP_LINK, os.readlink(PRIVSEP_LINK)))
        os.unlink(PRIVSEP_LINK)
    if os.path.islink(PRIVSEP_LINK) and os.readlink(PRIVSEP_LINK) == target:
        pass
    elif os.path.lexists(PRIVSEP_LINK):
        say('WARNING: %s exists and is not the lab\'s; agents will use it' % PRIVSEP_LINK)
        return
    else:
        mkdirs(os.path.dirname(PRIVSEP_LINK))
        os.symlink(target, PRIVSEP_LINK)
    changes['privsep_link'] = {'path': PRIVSEP_LINK, 'target': target}
    save_json(SYSTEM_FILE, changes)


# ---------------------------------------------------------------- addresses

def check_address_space():
    """Refuse to build if 198.18.0.0/15 is already in use on this machine.

    Devices of any lab flavour may hold it (each flavour has its own
    management subnet there); anything else means the range is not ours.
    """
    routes = json.loads(out(['ip', '-j', 'route', 'show', 'table', 'all']) or '[]')
    for r in routes:
        dst = r.get('dst', '')
        dev = r.get('dev', '')
        if dst.startswith('198.18.') or dst.startswith('198.19.'):
            if not dev.startswith(PREFIXES):
                raise RuntimeError('route %s dev %s already uses the lab range' % (dst, dev))
    addrs = json.loads(out(['ip', '-j', 'addr']) or '[]')
    for link in addrs:
        for a in link.get('addr_info', []):
            ip = a.get('local', '')
            if (ip.startswith('198.18.') or ip.startswith('198.19.')) and \
                    not link['ifname'].startswith(PREFIXES):
                raise RuntimeError('address %s on %s already uses the lab range'
                                   % (ip, link['ifname']))


def verify_routes():
    for h, info in HOSTS.items():
        r = json.loads(out(['ip', '-j', 'route', 'get', info['address']]))[0]
        if r.get('dev') != ROOT_BRIDGES['mgmt']:
            raise RuntimeError('%s routes via %s, not the lab bridge' % (info['address'], r))


# ---------------------------------------------------------------- root namespace

def link_exists(name, ns=None):
    argv = ['ip'] + (['-n', ns] if ns else []) + ['link', 'show', 'dev', name]
    return run(argv, check=False).returncode == 0


def netns_list():
    res = []
    for line in out(['ip', 'netns', 'list'], check=False).splitlines():
        if line.strip():
            res.append(line.split()[0])
    return res


def ensure_netns(name):
    if name not in netns_list():
        run(['ip', 'netns', 'add', name])
    run(['ip', '-n', name, 'link', 'set', 'lo', 'up'])


def quiet_ipv6(dev, ns=None):
    pre = ['ip', 'netns', 'exec', ns] if ns else []
    run(pre + ['sysctl', '-q', '-w', 'net.ipv6.conf.%s.disable_ipv6=1' % dev], check=False)


def ensure_root_bridges():
    for role, br in ROOT_BRIDGES.items():
        if not link_exists(br):
            run(['ip', 'link', 'add', br, 'type', 'bridge'])
        quiet_ipv6(br)
        run(['ip', 'link', 'set', br, 'up'])
    run(['ip', 'addr', 'replace', '%s/%d' % (API_IP, MGMT_PREFIX), 'dev', ROOT_BRIDGES['mgmt']])


def ensure_veth(root_name, ns, inner_name, bridge=None, inner_ns_is_host=True):
    """A veth with one end (root_name) in the root namespace, the other in ns."""
    if not link_exists(inner_name, ns):
        if link_exists(root_name):
            run(['ip', 'link', 'del', root_name])
        tmp = root_name + 'x'
        run(['ip', 'link', 'add', root_name, 'type', 'veth', 'peer', 'name', tmp])
        run(['ip', 'link', 'set', tmp, 'netns', ns])
        run(['ip', '-n', ns, 'link', 'set', tmp, 'name', inner_name])
    if bridge:
        run(['ip', 'link', 'set', root_name, 'master', bridge])
    quiet_ipv6(root_name)
    run(['ip', 'link', 'set', root_name, 'up'])
    run(['ip', '-n', ns, 'link', 'set', inner_name, 'up'])


# ---------------------------------------------------------------- hosts

def ensure_ns_dir():
    mkdirs(NSDIR)
    if not is_mountpoint(NSDIR):
        run(['mount', '--bind', NSDIR, NSDIR])
    run(['mount', '--make-private', NSDIR])


def host_state_dir(h):
    return os.path.join(HOSTDIR, h, 'state')


def ensure_host_namespaces(h):
    ensure_netns(netns(h))
    f = ns_file(h)
    if is_mountpoint(f, 'nsfs'):
        return False
    for d in ('/run/openvswitch', '/run/sshd', host_state_dir(h)):
        mkdirs(d)
    if not os.path.exists(f):
        open(f, 'w').close()
    # ovn-controller keeps its pid file and control socket in /run/ovn
    own_ovn = ('mkdir -p /run/ovn && mount -t tmpfs -o mode=0755 %(p)s-%(h)s-ovn /run/ovn && '
               if FLAVOUR == 'ovn' else '')
    inner = ((own_ovn + 'mount -t tmpfs -o mode=0755 %(p)s-%(h)s-ovs /run/openvswitch && '
              'mount -t tmpfs -o mode=0755 %(p)s-%(h)s-netns /run/netns && '
              'mount -t tmpfs -o mode=0755 %(p)s-%(h)s-state %(state)s && '
              'umount -l /sys && mount -t sysfs %(p)s-%(h)s-sys /sys')
             % {'p': PREFIX, 'h': h, 'state': host_state_dir(h)})
    run(['nsenter', '--net=/run/netns/%s' % netns(h), '--',
         'unshare', '--mount=%s' % f, '--propagation', 'private', 'sh', '-c', inner])
    return True


def ensure_host_links(h):
    info = HOSTS[h]
    ns = netns(h)
    s = info['short']
    ensure_veth('%sm-%s' % (PREFIX, s), ns, 'eth0', ROOT_BRIDGES['mgmt'])
    nics = [nic for _, nic in host_bridges(h) if nic]
    if 'eth1' in nics:
        ensure_veth('%sp-%s' % (PREFIX, s), ns, 'eth1', ROOT_BRIDGES['phys'])
    ensure_veth('%st-%s' % (PREFIX, s), ns, 'eth2', ROOT_BRIDGES['tun'])
    run(['ip', '-n', ns, 'addr', 'replace', '%s/24' % info['address'], 'dev', 'eth0'])
    for dev in ('eth1', 'eth2'):
        if dev in nics:
            quiet_ipv6(dev, ns)
    # eth3, the external NIC, on the root bridge <prefix>-ext that also holds the
    # upstream namespace (the external gateway): network1's qg- ports and
    # the computes' fip- namespaces (DVR) all reach it through br-ex.
    ensure_veth('%sx-%s' % (PREFIX, s), ns, 'eth3', ROOT_BRIDGES['ext'])
    quiet_ipv6('eth3', ns)


def ensure_upstream():
    ensure_netns(UPSTREAM_NS)
    ensure_veth(PREFIX + 'x-up', UPSTREAM_NS, 'eth0', ROOT_BRIDGES['ext'])
    quiet_ipv6('eth0', UPSTREAM_NS)
    run(['ip', '-n', UPSTREAM_NS, 'addr', 'replace', '%s/24' % UPSTREAM_IP, 'dev', 'eth0'])


def host_bridges(h):
    """(bridge, NIC or None) of a host: the tunnel underlay and the
    bridge_mappings' bridges; a flavour may leave a bridge without NIC.
    """
    return HOSTS[h].get('bridges') or [('br-phy', 'eth2'), ('br-eth1', 'eth1'),
                                       ('br-ex', 'eth3')]


def vsctl(h, *args, **kw):
    return hrun(h, ['ovs-vsctl', '--timeout=20'] + list(args), **kw)


def ensure_ovs(h):
    info = HOSTS[h]
    d = os.path.join(HOSTDIR, h, 'ovs')
    mkdirs(d, LOG)
    db = os.path.join(d, 'conf.db')
    if read_pid('%s-ovsdb-server' % h) is None:
        if not os.path.exists(db):
            run(['ovsdb-tool', 'create', db, '/usr/share/openvswitch/vswitch.ovsschema'])
        hrun(h, ['ovsdb-server', db, '--remote=punix:/run/openvswitch/db.sock',
                 '--remote=db:Open_vSwitch,Open_vSwitch,manager_options',
                 '--pidfile', '--detach', '--no-chdir',
                 '--log-file=%s' % os.path.join(LOG, '%s-ovsdb-server.log' % h)])
        pid = int(hrun(h, ['cat', '/run/openvswitch/ovsdb-server.pid']).stdout.strip())
        record_pid('%s-ovsdb-server' % h, pid, group=False)
        vsctl(h, '--no-wait', 'init')
        vsctl(h, '--no-wait', 'set', 'Open_vSwitch', '.',
              'external_ids:hostname=%s' % h, 'external_ids:system-id=%s' % h)
        vsctl(h, '--no-wait', 'set-manager', 'ptcp:6640:127.0.0.1')
    if read_pid('%s-ovs-vswitchd' % h) is None:
        hrun(h, ['ovs-vswitchd', 'unix:/run/openvswitch/db.sock', '--pidfile', '--detach',
                 '--no-chdir', '--log-file=%s' % os.path.join(LOG, '%s-ovs-vswitchd.log' % h)])
        pid = int(hrun(h, ['cat', '/run/openvswitch/ovs-vswitchd.pid']).stdout.strip())
        record_pid('%s-ovs-vswitchd' % h, pid, group=False)
    # physical bridges the agent expects (bridge_mappings) and the tunnel underlay
    for br, nic in host_bridges(h):
        vsctl(h, '--may-exist', 'add-br', br, '--', 'set', 'Bridge', br,
              'datapath_type=netdev')
        if nic:
            vsctl(h, '--may-exist', 'add-port', br, nic)
    hrun(h, ['ip', 'addr', 'replace', '%s/24' % info['tunnel_ip'], 'dev', 'br-phy'])
    hrun(h, ['ip', 'link', 'set', 'br-phy', 'up'])
    for br in ('br-eth1', 'br-ex'):
        hrun(h, ['ip', 'link', 'set', br, 'up'], check=False)
    # the userspace datapath routes tunnel packets with its own table
    routes = hrun(h, ['ovs-appctl', 'ovs/route/show'], check=False).stdout or ''
    if '198.18.1.0/24' not in routes:
        hrun(h, ['ovs-appctl', 'ovs/route/add', '198.18.1.0/24', 'br-phy'], check=False)


def ensure_ssh_keys():
    mkdirs(SSHDIR)
    os.chmod(SSHDIR, 0o700)
    if not os.path.exists(CLIENT_KEY):
        run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'netdiag-lab',
             '-f', CLIENT_KEY])
    with open(CLIENT_KEY + '.pub') as f:
        pub = f.read()
    with open(os.path.join(SSHDIR, 'authorized_keys'), 'w') as f:
        f.write(pub)
    lines = []
    for h, info in HOSTS.items():
        hk = os.path.join(HOSTDIR, h, 'ssh_host_ed25519_key')
        mkdirs(os.path.dirname(hk))
        if not os.path.exists(hk):
            run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', h, '-f', hk])
        with open(hk + '.pub') as f:
            kt, kb = f.read().split()[:2]
        lines.append('%s %s %s\n' % (info['address'], kt, kb))
    with open(KNOWN_HOSTS, 'w') as f:
        f.writelines(lines)


def ensure_sshd(h):
    info = HOSTS[h]
    name = '%s-sshd' % h
    if read_pid(name) is not None:
        return
    cfg = os.path.join(HOSTDIR, h, 'sshd_config')
    pidf = os.path.join(RUN, '%s-sshd.pidfile' % h)
    with open(cfg, 'w') as f:
        f.write('\n'.join([
            'Port 22',
            'ListenAddress %s' % info['address'],
            'HostKey %s' % os.path.join(HOSTDIR, h, 'ssh_host_ed25519_key'),
            'PidFile %s' % pidf,
            'AuthorizedKeysFile %s' % os.path.join(SSHDIR, 'authorized_keys'),
            'PermitRootLogin prohibit-password',
            'PubkeyAuthentication yes',
            'PasswordAuthentication no',
            'KbdInteractiveAuthentication no',
            'UsePAM no',
            'StrictModes no',
            'UseDNS no',
            'X11Forwarding no',
            'PrintMotd no',
            'MaxStartups 100:30:200',
            'Subsystem sftp /usr/lib/openssh/sftp-server',
            '']))
    mkdirs('/run/sshd')
    hrun(h, ['/usr/sbin/sshd', '-t', '-f', cfg])
    if os.path.exists(pidf):
        os.unlink(pidf)
    hrun(h, ['/usr/sbin/sshd', '-f', cfg, '-E', os.path.join(LOG, '%s-sshd.log' % h)])
    pid = wait_for(lambda: os.path.exists(pidf) and int(open(pidf).read().strip()), 10,
                   what='sshd on %s' % h)
    record_pid(name, pid, group=False)


# ---------------------------------------------------------------- control plane

def mysql_sock():
    return os.path.join(MYSQLDIR, 'mysqld.sock')


def start_mysql():
    if read_pid('mysqld_safe') is not None:
        return
    data = os.path.join(MYSQLDIR, 'data')
    mkdirs(MYSQLDIR, LOG)
    if not os.path.exists(os.path.join(data, 'mysql')):
        say('mariadb: initialising %s' % data)
        shutil.rmtree(data, ignore_errors=True)
        with open(os.path.join(LOG, 'mariadb-install-db.log'), 'w') as lf:
            subprocess.run(['mariadb-install-db', '--no-defaults', '--datadir=%s' % data,
                            '--user=root', '--auth-root-authentication-method=normal',
                            '--skip-test-db'], check=True, stdout=lf, stderr=lf, timeout=300)
    spawn('mysqld_safe', ['mysqld_safe', '--no-defaults', '--datadir=%s' % data,
                          '--socket=%s' % mysql_sock(),
                          '--pid-file=%s' % os.path.join(MYSQLDIR, 'mariadbd.pid'),
                          '--log-error=%s' % os.path.join(LOG, 'mariadb.log'),
                          '--user=root', '--skip-networking', '--skip-syslog',
                          '--innodb-buffer-pool-size=64M', '--max-connections=500'])


def wait_mysql():
    def ok():
        return run(['mariadb', '--no-defaults', '-S', mysql_sock(), '-uroot', '-e',
                    'CREATE DATABASE IF NOT EXISTS neutron CHARACTER SET utf8mb4'],
                   check=False).returncode == 0
    wait_for(ok, 90, what='mariadb')


def rabbit_env():
    return {
        'RABBITMQ_NODENAME': 'rabbit@localhost',
        'RABBITMQ_CONFIG_FILE': os.path.join(RABBITDIR, 'rabbitmq.conf'),
        'RABBITMQ_CONF_ENV_FILE': os.path.join(RABBITDIR, 'rabbitmq-env.conf'),
        'RABBITMQ_ADVANCED_CONFIG_FILE': os.path.join(RABBITDIR, 'advanced.config'),
        'RABBITMQ_ENABLED_PLUGINS_FILE': os.path.join(RABBITDIR, 'enabled_plugins'),
        'RABBITMQ_MNESIA_BASE': os.path.join(RABBITDIR, 'mnesia'),
        'RABBITMQ_LOG_BASE': os.path.join(LOG, 'rabbitmq'),
        'RABBITMQ_PID_FILE': os.path.join(RABBITDIR, 'rabbitmq.pid'),
        'RABBITMQ_DIST_PORT': RABBIT_DIST_PORT,
        'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS': '-kernel inet_dist_use_interface {127,0,0,1}',
        'ERL_EPMD_PORT': EPMD_PORT,
        'ERL_EPMD_ADDRESS': '127.0.0.1',
        'HOME': RABBITDIR,
    }


def start_rabbit():
    if read_pid('rabbitmq') is not None:
        return
    mkdirs(RABBITDIR, os.path.join(LOG, 'rabbitmq'))
    with open(os.path.join(RABBITDIR, 'rabbitmq.conf'), 'w') as f:
        f.write('listeners.tcp.1 = %s:%d\nloopback_users = none\n' % (API_IP, RABBIT_PORT))
    for name, text in (('rabbitmq-env.conf', ''), ('advanced.config', '[].\n'),
                       ('enabled_plugins', '[].\n')):
        with open(os.path.join(RABBITDIR, name), 'w') as f:
            f.write(text)
    cookie = os.path.join(RABBITDIR, '.erlang.cookie')
    if not os.path.exists(cookie):
        with open(cookie, 'w') as f:
            f.write(os.urandom(16).hex().upper())
        os.chmod(cookie, 0o400)
    spawn('rabbitmq', ['/usr/lib/rabbitmq/bin/rabbitmq-server'], env=rabbit_env())


def tcp_open(ip, port):
    try:
        with socket.create_connection((ip, port), timeout=1):
            return True
    except OSError:
        return False


def wait_rabbit():
    wait_for(lambda: tcp_open(API_IP, RABBIT_PORT), 120, what='rabbitmq')


def server_conf_dir():
    return os.path.join(ETC, 'server')


def write_server_conf():
    d = server_conf_dir()
    state = os.path.join(LAB, 'server-state')
    mkdirs(d, state)
    paste = os.path.join(VENV, 'etc', 'neutron', 'api-paste.ini')
    values = {'paste': paste, 'ip': API_IP, 'rport': RABBIT_PORT,
              'state': state, 'sock': mysql_sock()}
    with open(os.path.join(d, 'neutron.conf'), 'w') as f:
        f.write('''[DEFAULT]
core_plugin = ml2
service_plugins = router
auth_strategy = noauth
api_paste_config = %(paste)s
transport_url = rabbit://guest:guest@%(ip)s:%(rport)d/
rpc_workers = 1
rpc_state_report_workers = 1
api_workers = 1
state_path = %(state)s
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
allow_overlapping_ips = true
dhcp_agents_per_network = 1
debug = false
use_stderr = true

[database]
connection = mysql+pymysql://root@localhost/neutron?unix_socket=%(sock)s&charset=utf8mb4
max_pool_size = 10

[oslo_concurrency]
lock_path = %(state)s/lock

[agent]
report_interval = 10
''' % values)
    with open(os.path.join(d, 'ml2_conf.ini'), 'w') as f:
        f.write('''[ml2]
type_drivers = flat,vlan,vxlan,gre
tenant_network_types = vxlan
# DVR with tunnels needs the OVS agents' ARP responder, which needs l2pop
mechanism_drivers = openvswitch,l2population
extension_drivers = port_security

[ml2_type_flat]
flat_networks = %(flat)s

[ml2_type_vlan]
network_vlan_ranges = physnet1:2100:2199

[ml2_type_vxlan]
vni_ranges = 1000:1999

[ml2_type_gre]
tunnel_id_ranges = 1:1000

[securitygroup]
enable_security_group = true
firewall_driver = openvswitch
''' % {'flat': FLAT_NETWORKS})


def server_args():
    d = server_conf_dir()
    return ['--config-file', os.path.join(d, 'neutron.conf'),
            '--config-file', os.path.join(d, 'ml2_conf.ini')]


def migrate_db():
    marker = os.path.join(MYSQLDIR, 'migrated')
    if os.path.exists(marker):
        return
    say('neutron-db-manage upgrade heads')
    with open(os.path.join(LOG, 'neutron-db-manage.log'), 'w') as lf:
        subprocess.run([os.path.join(VENV, 'bin', 'neutron-db-manage')] + server_args() +
                       ['upgrade', 'heads'], check=True, stdout=lf, stderr=lf, timeout=600)
    open(marker, 'w').close()


def api_wsgi_file():
    hits = glob.glob(os.path.join(VENV, 'lib', 'python*', 'site-packages', 'neutron', 'wsgi',
                                  'api.py'))
    if not hits:
        raise RuntimeError('neutron/wsgi/api.py not found in %s' % VENV)
    return hits[0]


def start_neutron_server():
    env = {'OS_NEUTRON_CONFIG_DIR': server_conf_dir(),
           'OS_NEUTRON_CONFIG_FILES': 'neutron.conf;ml2_conf.ini'}
    if read_pid('neutron-api') is None:
        spawn('neutron-api', [os.path.join(VENV, 'bin', 'uwsgi'),
                              '--http-socket', '%s:%d' % (API_IP, API_PORT),
                              '--wsgi-file', api_wsgi_file(), '--virtualenv', VENV,
                              '--master', '--processes', '1', '--enable-threads',
                              '--lazy-apps', '--die-on-term', '--buffer-size', '65535',
                              # uWSGI's plain http-socket does not do keep-alive
                              # reliably: a client reusing a connection the server
                              # is closing gets "connection reset". Say so up front.
                              '--add-header', 'Connection: close',
                              '--logto', os.path.join(LOG, 'neutron-api.log')], env=env)
    if read_pid('neutron-rpc-server') is None:
        spawn('neutron-rpc-server', [os.path.join(VENV, 'bin', 'neutron-rpc-server')] +
              server_args() + ['--log-file', os.path.join(LOG, 'neutron-rpc-server.log')])


def wait_api():
    wait_for(api.reachable, 180, interval=1, what='neutron API at %s' % API)


# ---------------------------------------------------------------- agents

AGENT_BIN = {'ovs-agent': 'neutron-openvswitch-agent', 'l3-agent': 'neutron-l3-agent',
             'dhcp-agent': 'neutron-dhcp-agent'}


def host_agents(h):
    return ['ovs-agent', 'l3-agent'] + (['dhcp-agent'] if h == NETWORK_NODE else [])


def write_agent_conf(h):
    info = HOSTS[h]
    firewall = info.get('firewall_driver', 'openvswitch')
    dvr = 'false' if info['l3_mode'] == 'legacy' else 'true'
    d = os.path.join(ETC, h)
    state = host_state_dir(h)
    mkdirs(d)
    with open(os.path.join(d, 'neutron.conf'), 'w') as f:
        f.write('''[DEFAULT]
host = %(h)s
transport_url = rabbit://guest:guest@%(ip)s:%(rport)d/
state_path = %(state)s
debug = false

[agent]
root_helper = sudo
report_interval = 10

[oslo_concurrency]
lock_path = %(state)s/lock
''' % {'h': h, 'ip': API_IP, 'rport': RABBIT_PORT, 'state': state})
    with open(os.path.join(d, 'openvswitch_agent.ini'), 'w') as f:
        f.write('''[agent]
tunnel_types = vxlan,gre
l2_population = true
arp_responder = true
enable_distributed_routing = %(dvr)s

[ovs]
integration_bridge = br-int
tunnel_bridge = br-tun
local_ip = %(tun)s
bridge_mappings = %(maps)s
datapath_type = netdev

[securitygroup]
firewall_driver = %(fw)s
enable_security_group = true
''' % {'tun': info['tunnel_ip'], 'maps': info['mappings'], 'fw': firewall, 'dvr': dvr})
    with open(os.path.join(d, 'l3_agent.ini'), 'w') as f:
        f.write('''[DEFAULT]
interface_driver = openvswitch
agent_mode = %s
enable_metadata_proxy = false

[ovs]
integration_bridge = br-int
''' % info['l3_mode'])
    if h == NETWORK_NODE:
        mkdirs(os.path.join(LOG, '%s-dnsmasq' % h))
        # dnsmasq drops to an unprivileged user before it reads the agent's
        # hosts/opts files; those live under this checkout, whose parent
        # folders may be closed to other users (a CI clone in a 0700 temp
        # folder). Keep it root inside the lab so DHCP works wherever the
        # checkout is.
        dnsmasq_conf = os.path.join(d, 'dnsmasq-lab.conf')
        with open(dnsmasq_conf, 'w') as f:
            f.write('user=root\n')
        with open(os.path.join(d, 'dhcp_agent.ini'), 'w') as f:
            f.write('''[DEFAULT]
interface_driver = openvswitch
dhcp_driver = neutron.agent.linux.dhcp.Dnsmasq
enable_isolated_metadata = true
force_metadata = false
dnsmasq_base_log_dir = %s
dnsmasq_config_file = %s
resync_interval = 5

[ovs]
integration_bridge = br-int
''' % (os.path.join(LOG, '%s-dnsmasq' % h), dnsmasq_conf))


def agent_argv(h, agent):
    d = os.path.join(ETC, h)
    extra = {'ovs-agent': 'openvswitch_agent.ini', 'l3-agent': 'l3_agent.ini',
             'dhcp-agent': 'dhcp_agent.ini'}[agent]
    return [os.path.join(VENV, 'bin', AGENT_BIN[agent]),
            '--config-file', os.path.join(d, 'neutron.conf'),
            '--config-file', os.path.join(d, extra),
            '--log-file', os.path.join(LOG, '%s-%s.log' % (h, AGENT_BIN[agent]))]


def start_agent(h, agent):
    name = '%s-%s' % (h, agent)
    if read_pid(name) is not None:
        return
    stop(name, grace=2)  # leftovers (privsep helpers) of a dead agent
    spawn(name, agent_argv(h, agent), host=h)


def wait_agents(timeout=180):
    want = {(h, 'Open vSwitch agent') for h in HOSTS}
    want |= {(h, 'L3 agent') for h in HOSTS}
    want |= {(NETWORK_NODE, 'DHCP agent')}

    def ok():
        agents = api.get('agents')['agents']
        have = {(a['host'], a['agent_type']) for a in agents if a['alive']}
        return want <= have and agents
    return wait_for(ok, timeout, interval=1, what='all neutron agents alive')


# ---------------------------------------------------------------- client files

def write_client_files():
    with open(CLOUDS_FILE, 'w') as f:
        f.write('''clouds:
  netdiag-lab:
    auth_type: none
    network_endpoint_override: %(api)s
    region_name: RegionOne
    interface: public
    netdiag:
      inventory: %(inv)s
      known_hosts: %(kh)s
''' % {'api': API, 'inv': INVENTORY_FILE, 'kh': KNOWN_HOSTS})
    # The lab's Neutron keeps its state, logs and config under .lab, not
    # under Neutron's default directories: dhcp check may read only there.
    lines = ['known_hosts: %s' % KNOWN_HOSTS, 'defaults:', '  user: root',
             '  key: %s' % CLIENT_KEY, '  sudo: false',
             '  neutron_paths: {state: %s, log: %s, config: %s}'
             % (HOSTDIR, LOG, ETC)]
    if FLAVOUR == 'ovn':
        # network1 reaches the OVN databases at the clients' default sockets
        lines.append('  ovn_db_host: network1')
    lines.append('hosts:')
    for h, info in HOSTS.items():
        lines.append('  %s: {address: %s, port: 22}' % (h, info['address']))
    with open(INVENTORY_FILE, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def ensure_dirs():
    mkdirs(LAB, LOG, RUN, ETC, NSDIR, HOSTDIR, VMDIR, SSHDIR)
