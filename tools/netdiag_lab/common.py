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

"""Paths, constants and process helpers shared by the lab commands."""

import json
import os
import signal
import subprocess
import sys
import time

from .flavour import NAME as FLAVOUR
from .flavour import PREFIX
from .flavour import SETTINGS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
LAB = os.path.join(ROOT, SETTINGS['dir'])
# Neutron's own virtualenv is shared by the flavours that run the same
# release (installing it is the slowest step of a first build).
VENV = os.path.join(ROOT, SETTINGS.get('venv', '.lab/venv'))
LOG = os.path.join(LAB, 'log')
RUN = os.path.join(LAB, 'run')
ETC = os.path.join(LAB, 'etc')
NSDIR = os.path.join(LAB, 'ns')
HOSTDIR = os.path.join(LAB, 'hosts')
VMDIR = os.path.join(LAB, 'vm')
SSHDIR = os.path.join(LAB, 'ssh')
MYSQLDIR = os.path.join(LAB, 'mysql')
RABBITDIR = os.path.join(LAB, 'rabbitmq')
STATUS_FILE = os.path.join(LAB, 'status.json')
SYSTEM_FILE = os.path.join(LAB, 'system-changes.json')
CLOUDS_FILE = os.path.join(LAB, 'clouds.yaml')
INVENTORY_FILE = os.path.join(LAB, 'inventory.yaml')
KNOWN_HOSTS = os.path.join(SSHDIR, 'known_hosts')
CLIENT_KEY = os.path.join(SSHDIR, 'id_ed25519')

NEUTRON_REQ = SETTINGS.get('neutron_req', ['neutron==29.0.0', 'PyMySQL', 'uwsgi'])

MGMT_NET = SETTINGS['mgmt_net']
API_IP = MGMT_NET + '.1'
API_PORT = 9696
API = 'http://%s:%d/' % (API_IP, API_PORT)
MGMT_PREFIX = 24
RABBIT_PORT = 5672
EPMD_PORT = SETTINGS['epmd_port']
RABBIT_DIST_PORT = SETTINGS['rabbit_dist_port']
PROJECT_ID = '5e1ab0c0ffee4e7d9a1a6d1a9b0e7001'
UPSTREAM_NS = PREFIX + '-upstream'
UPSTREAM_IP = '198.19.0.1'

# Every host reaches the external network (physnet "public" on br-ex): a
# DVR compute node's fip- namespace puts its fg- port there. l3_mode is the
# L3 agent's agent_mode: dvr on the computes, dvr_snat on the network node
# (which also hosts the legacy router).
HOSTS = {
    'compute1': {'short': 'c1', 'address': MGMT_NET + '.11', 'tunnel_ip': '198.18.1.11',
                 'mappings': 'physnet1:br-eth1,public:br-ex', 'l3_mode': 'dvr'},
    # compute2 filters with iptables (the Networking Guide's drawn path):
    # Neutron then binds its ports with vif_details ovs_hybrid_plug, and the
    # lab plugs them tap -> qbr -> qvb/qvo -> br-int as os-vif does.
    'compute2': {'short': 'c2', 'address': MGMT_NET + '.12', 'tunnel_ip': '198.18.1.12',
                 'mappings': 'physnet1:br-eth1,public:br-ex', 'l3_mode': 'dvr',
                 'firewall_driver': 'iptables_hybrid'},
    'network1': {'short': 'n1', 'address': MGMT_NET + '.13', 'tunnel_ip': '198.18.1.13',
                 'mappings': 'physnet1:br-eth1,public:br-ex', 'l3_mode': 'dvr_snat'},
}
ROOT_BRIDGES = {'mgmt': PREFIX + '-mgmt', 'tun': PREFIX + '-tun', 'phys': PREFIX + '-phys1',
                'ext': PREFIX + '-ext'}

NETWORKS = {
    'vlan': {'name': 'vlan-net', 'subnet': 'vlan-subnet', 'cidr': '198.18.16.0/24',
             'gateway_ip': '198.18.16.1', 'network_type': 'vlan',
             'physical_network': 'physnet1', 'segmentation_id': 2113},
    'vxlan': {'name': 'vxlan-net', 'subnet': 'vxlan-subnet', 'cidr': '198.18.17.0/24',
              'gateway_ip': '198.18.17.1', 'network_type': 'vxlan'},
    'dvr': {'name': 'dvr-net', 'subnet': 'dvr-subnet', 'cidr': '198.18.18.0/24',
            'gateway_ip': '198.18.18.1', 'network_type': 'vxlan'},
    # the Networking Guide's own tunnel example: gre-<n> ports on br-tun,
    # carried by the userspace datapath like VXLAN
    'gre': {'name': 'gre-net', 'subnet': 'gre-subnet', 'cidr': '198.18.19.0/24',
            'gateway_ip': '198.18.19.1', 'network_type': 'gre'},
    # no security groups, no anti-spoofing: its ports inherit
    # port_security_enabled=False; not routed (its instances talk to each
    # other and to DHCP only)
    'open': {'name': 'open-net', 'subnet': 'open-subnet', 'cidr': '198.18.20.0/24',
             'gateway_ip': '198.18.20.1', 'network_type': 'vxlan',
             'port_security': False, 'routed': False},
    'external': {'name': 'public', 'subnet': 'public-subnet', 'cidr': '198.19.0.0/24',
                 'gateway_ip': UPSTREAM_IP, 'network_type': 'flat',
                 'physical_network': 'public'},
}
INSTANCES = {
    'vlan1': {'host': 'compute1', 'network': 'vlan'},
    'vlan2': {'host': 'compute2', 'network': 'vlan'},
    'vxlan1': {'host': 'compute1', 'network': 'vxlan'},
    'vxlan2': {'host': 'compute2', 'network': 'vxlan'},
    # dvr1 holds the DVR router's floating IP (north-south through compute1's
    # fip- namespace); dvr2 has none, so its way out is the central SNAT on
    # network1.
    'dvr1': {'host': 'compute1', 'network': 'dvr'},
    'dvr2': {'host': 'compute2', 'network': 'dvr'},
    'gre1': {'host': 'compute1', 'network': 'gre'},
    # gre2 is in the lab-ssh-icmp group only (ICMP and SSH from the lab's
    # ranges): the firewall view's "no rule allows it" case
    'gre2': {'host': 'compute2', 'network': 'gre', 'security_groups': ['lab-ssh-icmp']},
    'open1': {'host': 'compute1', 'network': 'open'},
    'open2': {'host': 'compute2', 'network': 'open'},
}
# vxlan2 answers on a VIP besides its fixed IP: an allowed address pair
VIPS = {'vxlan2': '198.18.17.250'}
# Security groups besides the project's default one: name -> ingress rules
# (Neutron adds the allow-all egress rules of a new group itself).
SECURITY_GROUPS = {
    'lab-ssh-icmp': [
        {'protocol': 'icmp', 'remote_ip_prefix': '198.18.0.0/15'},
        {'protocol': 'tcp', 'port_range_min': 22, 'port_range_max': 22,
         'remote_ip_prefix': '198.18.19.0/24'},
    ],
}
# the host of the DHCP agent and of the legacy router
NETWORK_NODE = 'network1'
# the server's [ml2_type_flat] flat_networks
FLAT_NETWORKS = 'public'
if FLAVOUR == 'single':
    # the single-node layout replaces the multi-node one
    from .single import FLAT_NETWORKS  # noqa: F401,F811
    from .single import HOSTS  # noqa: F401,F811
    from .single import INSTANCES  # noqa: F401,F811
    from .single import NETWORK_NODE  # noqa: F401,F811
    from .single import NETWORKS  # noqa: F401,F811
ROUTER_NAME = 'lab-router'
DVR_ROUTER_NAME = 'lab-dvr-router'

PACKAGES = ['openvswitch-switch', 'mariadb-server', 'rabbitmq-server', 'openssh-server',
            'openssh-client', 'dnsmasq-base', 'iptables', 'sudo', 'iputils-ping',
            'isc-dhcp-client', 'nftables', 'tcpdump', 'iproute2', 'util-linux', 'gcc',
            # the iptables_hybrid firewall driver's tools (compute2)
            'ipset', 'conntrack',
            # the instances' TCP over the userspace datapath (checksums)
            'ethtool']

if FLAVOUR == 'ovn':
    # ML2/OVN: geneve instead of VXLAN/GRE, one router, OVN's own DHCP
    from .ovn_settings import HOSTS  # noqa: F401,F811
    from .ovn_settings import INSTANCES  # noqa: F401,F811
    from .ovn_settings import NETWORKS  # noqa: F401,F811
    from .ovn_settings import PACKAGES as _OVN_PACKAGES
    PACKAGES = PACKAGES + _OVN_PACKAGES

SYS_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'


_T0 = time.time()


def say(msg):
    print('[lab %5.1fs] %s' % (time.time() - _T0, msg), flush=True)


def die(msg, code=1):
    print('[lab] ERROR: %s' % msg, file=sys.stderr, flush=True)
    sys.exit(code)


def mkdirs(*paths):
    for p in paths:
        os.makedirs(p, exist_ok=True)


def run(argv, check=True, capture=True, timeout=120, env=None, input=None, quiet=False):
    """Run argv; return CompletedProcess (text)."""
    try:
        cp = subprocess.run(argv, check=False, text=True, timeout=timeout, env=env,
                            input=input,
                            stdout=subprocess.PIPE if capture else None,
                            stderr=subprocess.PIPE if capture else None)
    except subprocess.TimeoutExpired:
        if check:
            raise RuntimeError('timed out after %ss: %s' % (timeout, ' '.join(argv)))
        return subprocess.CompletedProcess(argv, 124, '', 'timeout')
    if check and cp.returncode != 0:
        raise RuntimeError('command failed (%d): %s\n%s%s' % (
            cp.returncode, ' '.join(argv), cp.stdout or '', cp.stderr or ''))
    return cp


def out(argv, **kw):
    return run(argv, **kw).stdout


def ns_file(host):
    return os.path.join(NSDIR, host)


def netns(host):
    return '%s-%s' % (PREFIX, host)


def hx(host, argv):
    """argv to run inside a lab host (its network + mount namespace)."""
    return ['nsenter', '--mount=%s' % ns_file(host), '--net=/run/netns/%s' % netns(host),
            '--'] + list(argv)


def hrun(host, argv, **kw):
    return run(hx(host, argv), **kw)


# ---------------------------------------------------------------- processes

def _proc_start_time(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            data = f.read()
        return data.rsplit(')', 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _cmdline(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return f.read().replace(b'\0', b' ').decode(errors='replace')
    except OSError:
        return ''


def pidfile(name):
    return os.path.join(RUN, name + '.pid')


def record_pid(name, pid, group=False):
    mkdirs(RUN)
    with open(pidfile(name), 'w') as f:
        json.dump({'pid': pid, 'start': _proc_start_time(pid), 'group': group}, f)


def read_pid(name):
    """Return the recorded pid if that very process is still alive, else None."""
    try:
        with open(pidfile(name)) as f:
            rec = json.load(f)
    except (OSError, ValueError):
        return None
    pid = rec.get('pid')
    if not pid or _proc_start_time(pid) is None:
        return None
    if rec.get('start') and _proc_start_time(pid) != rec['start']:
        return None
    st = _proc_stat_state(pid)
    if st == 'Z':
        return None
    return pid


def _proc_stat_state(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def alive(pid):
    return pid is not None and _proc_start_time(pid) is not None and \
        _proc_stat_state(pid) != 'Z'


def spawn(name, argv, env=None, host=None, group=True, logname=None):
    """Start a long-running process in its own session, log to .lab/log, record its pid."""
    mkdirs(LOG, RUN)
    logpath = os.path.join(LOG, (logname or name) + '.out')
    full_env = dict(os.environ)
    full_env['PATH'] = os.path.join(VENV, 'bin') + ':' + SYS_PATH
    if env:
        full_env.update(env)
    cmd = hx(host, argv) if host else list(argv)
    with open(logpath, 'ab') as logf:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                             env=full_env, start_new_session=True, cwd=LAB)
    record_pid(name, p.pid, group=group)
    return p.pid


def kill_pids(pids, grace=5.0, label=''):
    """SIGTERM, wait up to grace, then SIGKILL. pids: iterable of ints."""
    pids = [p for p in set(pids) if alive(p) and p != os.getpid()]
    if not pids:
        return
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.time() + grace
    while time.time() < deadline and any(alive(p) for p in pids):
        time.sleep(0.2)
    for p in pids:
        if alive(p):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    deadline = time.time() + 5
    while time.time() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)


def group_members(pgid):
    res = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            if int(fields[2]) == pgid:
                res.append(int(d))
        except (OSError, IndexError, ValueError):
            continue
    return res


def stop(name, grace=5.0):
    """Stop a recorded process (and its process group if it leads one)."""
    pid = read_pid(name)
    rec = load_json(pidfile(name), {}) or {}
    pids = [pid] if pid is not None else []
    if rec.get('group') and rec.get('pid'):
        # helpers left behind by a dead leader still carry its process group;
        # the kernel never hands out a pid that is still in use as a pgid
        pids += group_members(rec['pid'])
    if pids:
        kill_pids(pids, grace=grace, label=name)
    try:
        os.unlink(pidfile(name))
    except OSError:
        pass


def stop_many(names, grace=5.0):
    """Stop several recorded processes at once (one shared grace period)."""
    pids = []
    for name in names:
        pid = read_pid(name)
        rec = load_json(pidfile(name), {}) or {}
        if pid is not None:
            pids.append(pid)
        if rec.get('group') and rec.get('pid'):
            pids += group_members(rec['pid'])
    kill_pids(pids, grace=grace)
    for name in names:
        try:
            os.unlink(pidfile(name))
        except OSError:
            pass


def ns_inode(path):
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def pids_in_namespaces(net_inodes=(), mnt_inodes=()):
    """All processes living in one of the given network or mount namespaces."""
    net_inodes = set(i for i in net_inodes if i)
    mnt_inodes = set(i for i in mnt_inodes if i)
    res = []
    for d in os.listdir('/proc'):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            if os.stat('/proc/%s/ns/net' % d).st_ino in net_inodes:
                res.append(int(d))
                continue
            if os.stat('/proc/%s/ns/mnt' % d).st_ino in mnt_inodes:
                res.append(int(d))
        except OSError:
            continue
    return res


def wait_for(pred, timeout, interval=0.5, what='condition'):
    deadline = time.time() + timeout
    last_exc = None
    while time.time() < deadline:
        try:
            v = pred()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last_exc = e
        time.sleep(interval)
    raise RuntimeError('timed out after %ss waiting for %s%s' % (
        timeout, what, (': %s' % last_exc) if last_exc else ''))


def load_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def save_json(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write('\n')
    os.replace(tmp, path)


def is_mountpoint(path, fstype=None):
    path = os.path.realpath(path)
    try:
        with open('/proc/self/mountinfo') as f:
            for line in f:
                parts = line.split()
                mp = parts[4].replace('\\040', ' ')
                if mp == path:
                    if fstype is None:
                        return True
                    sep = parts.index('-')
                    if parts[sep + 1] == fstype:
                        return True
    except OSError:
        pass
    return False


def link_exists_ns(name, ns=None):
    argv = ['ip'] + (['-n', ns] if ns else []) + ['link', 'show', 'dev', name]
    return run(argv, check=False).returncode == 0
