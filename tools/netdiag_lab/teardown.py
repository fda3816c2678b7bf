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

"""`tools/lab down`: remove everything the lab made, and nothing else."""

import glob
import json
import os
import shutil

from .common import _cmdline
from .common import CLOUDS_FILE
from .common import ETC
from .common import HOSTDIR
from .common import HOSTS
from .common import INVENTORY_FILE
from .common import is_mountpoint
from .common import kill_pids
from .common import LAB
from .common import load_json
from .common import MYSQLDIR
from .common import ns_file
from .common import ns_inode
from .common import NSDIR
from .common import out
from .common import pids_in_namespaces
from .common import RABBITDIR
from .common import ROOT
from .common import RUN
from .common import run
from .common import say
from .common import STATUS_FILE
from .common import stop
from .common import stop_many
from .common import SYSTEM_FILE
from .common import VENV
from .common import VMDIR
from .flavour import other_labs_up
from .flavour import PREFIX

AGENTS = ('ovs-agent', 'l3-agent', 'dhcp-agent', 'ovn-controller', 'ovn-metadata-agent')
# the ovn flavour's control plane (recorded PIDs; absent in the other flavours)
OVN_CENTRAL = ('neutron-ovn-maintenance', 'ovn-northd', 'ovn-nb', 'ovn-sb')


def lab_netns_names():
    res = []
    for line in out(['ip', 'netns', 'list'], check=False).splitlines():
        if line.strip():
            name = line.split()[0]
            if name.startswith(PREFIX + '-'):
                res.append(name)
    return res


def inner_netns_inodes(h):
    """Inodes of the namespaces an agent made inside host h (qrouter-, qdhcp-)."""
    f = ns_file(h)
    if not is_mountpoint(f, 'nsfs'):
        return []
    cp = run(['nsenter', '--mount=%s' % f, '--', 'sh', '-c',
              'for n in /run/netns/*; do [ -e "$n" ] && stat -L -c %i "$n"; done; true'],
             check=False, timeout=20)
    return [int(x) for x in (cp.stdout or '').split() if x.isdigit()]


def kill_namespace_processes():
    """Every process living in a lab namespace was started by the lab."""
    net = []
    mnt = []
    for name in lab_netns_names():
        net.append(ns_inode('/run/netns/%s' % name))
    for h in HOSTS:
        if is_mountpoint(ns_file(h), 'nsfs'):
            mnt.append(ns_inode(ns_file(h)))
            net.extend(inner_netns_inodes(h))
    for _ in range(3):
        pids = set(pids_in_namespaces(net, mnt)) | pids_reading_lab_state()
        if not pids:
            return
        kill_pids(pids, grace=3)


def pids_reading_lab_state():
    """Processes whose command line names a file of this lab's state.

    A helper the agents start through ``ip netns exec`` (the metadata
    proxy's haproxy) gets a mount namespace of its own, and outlives the
    network namespace a fault test deleted under it: neither namespace
    test finds it, its configuration file under the lab's folder does.
    The Neutron virtualenv is shared by the flavours, so a path in it
    says nothing about which lab a process belongs to.
    """
    mine = LAB.rstrip('/') + '/'
    shared = VENV.rstrip('/') + '/'
    found = set()
    for entry in os.listdir('/proc'):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as f:
                argv = f.read().decode('utf-8', 'replace').split('\0')
        except OSError:
            continue
        if any(mine in arg and shared not in arg for arg in argv):
            found.add(int(entry))
    return found


def stop_daemons():
    stop_many(['%s-%s' % (h, a) for h in HOSTS for a in AGENTS] +
              ['neutron-api', 'neutron-rpc-server'], grace=3)
    kill_namespace_processes()
    stop_many(['%s-%s' % (h, d) for h in HOSTS
               for d in ('sshd', 'ovs-vswitchd', 'ovsdb-server')], grace=3)
    stop_many(list(OVN_CENTRAL), grace=3)
    stop('rabbitmq', grace=10)
    # epmd was started for the lab's rabbit on the lab's own port
    from .build import rabbit_env
    env = dict(os.environ, **rabbit_env())
    run(['epmd', '-port', env['ERL_EPMD_PORT'], '-kill'], check=False, env=env, timeout=10)
    stop('mysqld_safe', grace=20)
    # a mariadbd left over from a crashed mysqld_safe
    pidf = os.path.join(MYSQLDIR, 'mariadbd.pid')
    try:
        pid = int(open(pidf).read().strip())
        if 'mariadbd' in _cmdline(pid) and MYSQLDIR in _cmdline(pid):
            kill_pids([pid], grace=15)
    except (OSError, ValueError):
        pass
    # VM dhclients (normally already gone)
    for pf in glob.glob(os.path.join(VMDIR, '*', 'dhclient.pid')):
        try:
            pid = int(open(pf).read().strip())
            if 'dhclient' in _cmdline(pid) and VMDIR in _cmdline(pid):
                kill_pids([pid], grace=2)
        except (OSError, ValueError):
            pass


def remove_namespaces_and_links():
    for h in HOSTS:
        f = ns_file(h)
        if is_mountpoint(f, 'nsfs'):
            run(['umount', f], check=False)
        if os.path.exists(f) and not is_mountpoint(f):
            os.unlink(f)
    if is_mountpoint(NSDIR):
        run(['umount', NSDIR], check=False)
    for name in lab_netns_names():
        run(['ip', 'netns', 'del', name], check=False)
    links = json.loads(out(['ip', '-j', 'link', 'show'], check=False) or '[]')
    for link in links:
        name = link.get('ifname', '')
        if name.startswith(PREFIX):
            run(['ip', 'link', 'del', name], check=False)


def revert_system_changes():
    changes = load_json(SYSTEM_FILE, {})
    link = changes.get('privsep_link')
    # the link is shared by the flavours that run the same Neutron: the last
    # lab down removes it
    if (link and not other_labs_up(ROOT) and os.path.islink(link['path'])
            and os.readlink(link['path']) == link['target']):
        os.unlink(link['path'])
    if os.path.exists(SYSTEM_FILE):
        os.unlink(SYSTEM_FILE)


def teardown(purge=False, keep_caches=True):
    say('stopping lab daemons')
    stop_daemons()
    say('removing namespaces, bridges and veths')
    remove_namespaces_and_links()
    say('removing lab state (database, OVS databases, configs)')
    for p in (MYSQLDIR, RABBITDIR, RUN, ETC, VMDIR, os.path.join(LAB, 'server-state'),
              os.path.join(LAB, 'ovn')):
        shutil.rmtree(p, ignore_errors=True)
    for h in HOSTS:
        for sub in ('ovs', 'state'):
            shutil.rmtree(os.path.join(HOSTDIR, h, sub), ignore_errors=True)
    for p in (STATUS_FILE, CLOUDS_FILE, INVENTORY_FILE):
        if os.path.exists(p):
            os.unlink(p)
    revert_system_changes()
    if purge:
        shutil.rmtree(LAB, ignore_errors=True)
    leftovers = lab_netns_names()
    if leftovers:
        say('WARNING: namespaces still present: %s' % ' '.join(leftovers))
    return not leftovers
