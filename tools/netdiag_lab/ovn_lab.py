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

"""The ML2/OVN lab: OVN's databases and northd, Neutron with ML2/OVN, and
per host ovn-controller and the OVN metadata agent.

The hosts' namespaces, links, Open vSwitch, sshd, MariaDB and RabbitMQ are
built by build.py exactly as for the ML2/OVS lab; this module adds what
differs.
"""

import os

from . import api
from . import build
from .common import API_IP
from .common import ETC
from .common import HOSTS
from .common import hrun
from .common import LAB
from .common import LOG
from .common import mkdirs
from .common import RABBIT_PORT
from .common import read_pid
from .common import RUN
from .common import run
from .common import say
from .common import spawn
from .common import stop
from .common import VENV
from .common import wait_for
from .ovn_settings import NB_PORT
from .ovn_settings import NB_REMOTE
from .ovn_settings import SB_PORT
from .ovn_settings import SB_REMOTE

OVNDIR = os.path.join(LAB, 'ovn')
SCHEMAS = {'nb': '/usr/share/ovn/ovn-nb.ovsschema', 'sb': '/usr/share/ovn/ovn-sb.ovsschema'}
PORTS = {'nb': NB_PORT, 'sb': SB_PORT}
CONTROL_DAEMONS = ['ovn-nb', 'ovn-sb', 'ovn-northd']
SERVER_DAEMONS = ['neutron-api', 'neutron-rpc-server', 'neutron-ovn-maintenance']
HOST_DAEMONS = ('ovn-controller', 'ovn-metadata-agent')
PRIVSEP_SECTIONS = ('privsep', 'privsep_dhcp_release', 'privsep_ovs_vsctl', 'privsep_namespace',
                    'privsep_conntrack', 'privsep_link')
# where the OVN database clients run with their default sockets
DB_HOST = 'network1'


def db_sock(which):
    return os.path.join(RUN, 'ovn%s_db.sock' % which)


def daemon_names():
    names = ['mysqld_safe', 'rabbitmq'] + CONTROL_DAEMONS + SERVER_DAEMONS
    for h in HOSTS:
        names += ['%s-%s' % (h, d) for d in ('ovsdb-server', 'ovs-vswitchd', 'sshd')]
        names += ['%s-%s' % (h, d) for d in HOST_DAEMONS]
    return names


# ---------------------------------------------------------------- OVN central

def start_ovn_central():
    """NB and SB ovsdb-servers on the management address, and ovn-northd."""
    mkdirs(OVNDIR, RUN, LOG)
    for which in ('nb', 'sb'):
        name = 'ovn-%s' % which
        if read_pid(name) is not None:
            continue
        db = os.path.join(OVNDIR, 'ovn%s_db.db' % which)
        if not os.path.exists(db):
            run(['ovsdb-tool', 'create', db, SCHEMAS[which]])
        spawn(name, ['ovsdb-server', db,
                     '--remote=punix:%s' % db_sock(which),
                     '--remote=ptcp:%d:%s' % (PORTS[which], API_IP),
                     '--unixctl=%s' % os.path.join(RUN, 'ovn%s_db.ctl' % which),
                     '--no-chdir', '--log-file=%s' % os.path.join(LOG, '%s.log' % name)],
              group=False)
    for which in ('nb', 'sb'):
        wait_for(lambda: os.path.exists(db_sock(which)), 20, what='%s socket' % which)
    if read_pid('ovn-northd') is None:
        spawn('ovn-northd', ['ovn-northd', '--ovnnb-db=unix:%s' % db_sock('nb'),
                             '--ovnsb-db=unix:%s' % db_sock('sb'),
                             '--unixctl=%s' % os.path.join(RUN, 'ovn-northd.ctl'),
                             '--no-chdir',
                             '--log-file=%s' % os.path.join(LOG, 'ovn-northd.log')],
              group=False)


# ---------------------------------------------------------------- Neutron server

def write_server_conf():
    """Neutron's server with ML2/OVN: build.py writes the common part, this
    replaces the ML2 file and names the OVN databases.
    """
    build.write_server_conf()
    d = build.server_conf_dir()
    path = os.path.join(d, 'neutron.conf')
    with open(path) as f:
        text = f.read()
    text = text.replace('service_plugins = router', 'service_plugins = ovn-router')
    with open(path, 'w') as f:
        f.write(text)
    with open(os.path.join(d, 'ml2_conf.ini'), 'w') as f:
        f.write('''[ml2]
type_drivers = flat,vlan,geneve
tenant_network_types = geneve
mechanism_drivers = ovn
extension_drivers = port_security
overlay_ip_version = 4

[ml2_type_flat]
flat_networks = public

[ml2_type_vlan]
network_vlan_ranges = physnet1:2100:2199

[ml2_type_geneve]
vni_ranges = 1:65536
max_header_size = 38

[securitygroup]
enable_security_group = true

[ovn]
ovn_nb_connection = %(nb)s
ovn_sb_connection = %(sb)s
ovn_l3_scheduler = leastloaded
ovn_metadata_enabled = true
enable_distributed_floating_ip = false
dns_servers = 198.19.0.1
''' % {'nb': NB_REMOTE, 'sb': SB_REMOTE})


def start_neutron_server():
    build.start_neutron_server()
    if read_pid('neutron-ovn-maintenance') is None:
        spawn('neutron-ovn-maintenance',
              [os.path.join(VENV, 'bin', 'neutron-ovn-maintenance-worker')] +
              build.server_args() + ['--log-file',
                                     os.path.join(LOG, 'neutron-ovn-maintenance.log')])


# ---------------------------------------------------------------- hosts

def configure_chassis(h):
    """The Open_vSwitch record ovn-controller reads: its SB, its encap, its
    bridge mappings and, on network1, the gateway role.
    """
    info = HOSTS[h]
    ids = ['external_ids:ovn-remote=%s' % SB_REMOTE,
           'external_ids:ovn-encap-type=geneve',
           'external_ids:ovn-encap-ip=%s' % info['tunnel_ip'],
           'external_ids:ovn-bridge-mappings=%s' % info['mappings'],
           # br-int must share the userspace datapath with br-phy, which
           # routes the geneve packets
           'external_ids:ovn-bridge-datapath-type=netdev',
           'external_ids:ovn-monitor-all=true']
    if info['gateway']:
        ids.append('external_ids:ovn-cms-options=enable-chassis-as-gw')
    build.vsctl(h, 'set', 'Open_vSwitch', '.', *ids)


def start_ovn_controller(h):
    name = '%s-ovn-controller' % h
    if read_pid(name) is not None:
        return
    stop(name, grace=2)
    spawn(name, ['ovn-controller', 'unix:/run/openvswitch/db.sock',
                 '--pidfile=/run/ovn/ovn-controller.pid', '--no-chdir',
                 '--log-file=%s' % os.path.join(LOG, '%s-ovn-controller.log' % h)],
          host=h, group=False)


def write_metadata_conf(h):
    d = os.path.join(ETC, h)
    state = build.host_state_dir(h)
    mkdirs(d)
    path = os.path.join(d, 'ovn_metadata_agent.ini')
    with open(path, 'w') as f:
        # no Nova in the lab: the proxy answers nothing, but its namespace,
        # tap and 169.254.169.254 are what a real cloud has
        f.write('''[DEFAULT]
host = %(h)s
state_path = %(state)s
metadata_proxy_shared_secret = netdiag-lab
nova_metadata_host = %(ip)s
nova_metadata_port = 8775
transport_url = rabbit://guest:guest@%(ip)s:%(rport)d/
debug = false

[agent]
root_helper = sudo

[ovs]
ovsdb_connection = unix:/run/openvswitch/db.sock

[ovn]
ovn_sb_connection = %(sb)s

[oslo_concurrency]
lock_path = %(state)s/lock
''' % {'h': h, 'state': state, 'ip': API_IP, 'rport': RABBIT_PORT, 'sb': SB_REMOTE})
        # this lab's Neutron may differ from the one /usr/local/bin's
        # privsep-helper belongs to: every privsep context names its own
        helper = 'sudo %s --config-file %s' % (
            os.path.join(VENV, 'bin', 'privsep-helper'), path)
        for section in PRIVSEP_SECTIONS:
            f.write('\n[%s]\nhelper_command = %s\n' % (section, helper))
    return path


def start_metadata_agent(h):
    name = '%s-ovn-metadata-agent' % h
    if read_pid(name) is not None:
        return
    stop(name, grace=2)
    conf = write_metadata_conf(h)
    spawn(name, [os.path.join(VENV, 'bin', 'neutron-ovn-metadata-agent'),
                 '--config-file', conf,
                 '--log-file', os.path.join(LOG, '%s-neutron-ovn-metadata-agent.log' % h)],
          host=h)


def restart(h, service):
    stop('%s-%s' % (h, service), grace=3)
    {'ovn-controller': start_ovn_controller,
     'ovn-metadata-agent': start_metadata_agent}[service](h)


def wait_agents(timeout=180):
    want = {(h, 'OVN Controller Gateway agent' if i['gateway'] else 'OVN Controller agent')
            for h, i in HOSTS.items()}
    want |= {(h, 'OVN Metadata agent') for h in HOSTS}

    def ok():
        agents = api.get('agents')['agents']
        have = {(a['host'], a['agent_type']) for a in agents if a['alive']}
        if not want <= have:
            raise RuntimeError('missing %s' % sorted(want - have))
        return agents
    return wait_for(ok, timeout, interval=1, what='OVN chassis and metadata agents')


def chassis_connected(h):
    cp = hrun(h, ['ovn-appctl', '-t', 'ovn-controller', 'connection-status'], check=False)
    return (cp.stdout or '').strip() == 'connected'


def link_db_sockets(h):
    """network1 plays the OVN database host as well: ovn-nbctl and
    ovn-sbctl there reach the databases at their default sockets, as on a
    controller that runs ovn-central.
    """
    for which in ('nb', 'sb'):
        hrun(h, ['ln', '-sfn', db_sock(which), '/run/ovn/ovn%s_db.sock' % which])


def build_hosts():
    for h in HOSTS:
        configure_chassis(h)
        start_ovn_controller(h)
        if h == DB_HOST:
            link_db_sockets(h)
    for h in HOSTS:
        wait_for(lambda: chassis_connected(h), 60, what='ovn-controller on %s connected' % h)


def start_metadata_agents():
    for h in HOSTS:
        start_metadata_agent(h)


def say_versions():
    v = run(['ovn-northd', '--version'], check=False).stdout.splitlines()
    say('ovn: %s' % (v[0] if v else 'unknown'))
