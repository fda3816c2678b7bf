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

"""Fixtures for tests that run against the real lab built by ``tools/lab up``.

The lab is a real Neutron (ML2/OVS) with three hosts (compute1, compute2,
network1), each a network + mount namespace with its own Open vSwitch, sshd and
Neutron agents.  See doc/source/lab.rst.

Fault catalogue: each ``fault_*`` function breaks one thing on the live lab and
returns a ``restore`` callable that brings the lab back to health (bounded in
time, safe to call more than once).  Use them through the ``fault`` fixture so
a failing test still restores::

    def test_something(lab, fault):
        with fault(fault_clear_tag, 'vlan1'):
            ...  # the lab is broken here
        # and healthy again here
"""

import contextlib
import json
import os
import re
import subprocess
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB_TOOL = os.path.join(REPO, 'tools', 'lab')
LAB_DIR = os.path.join(REPO, '.lab')
UP_TIMEOUT = 1200


def _tool(*args, timeout=120, check=True):
    cp = subprocess.run([LAB_TOOL] + list(args), stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True, timeout=timeout)
    if check and cp.returncode != 0:
        raise AssertionError('tools/lab %s failed (%d):\n%s\n%s' % (
            ' '.join(args), cp.returncode, cp.stdout[-4000:], cp.stderr[-4000:]))
    return cp


def lab_status():
    return json.loads(_tool('status', timeout=60).stdout)


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope='session', autouse=True)
def _lab_exclusive():
    """One lab test session at a time: faults injected by one run must not
    be seen by another's read-only or healthy-path assertions.
    """
    import fcntl
    os.makedirs(LAB_DIR, exist_ok=True)
    with open(os.path.join(LAB_DIR, 'tests.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope='session')
def lab():
    """The parsed ``tools/lab status``; brings the lab up first if needed."""
    if os.geteuid() != 0:
        pytest.skip('needs root: the lab (network namespaces, Open vSwitch, sshd)')
    st = lab_status()
    if not st.get('up'):
        _tool('up', timeout=UP_TIMEOUT)
        st = lab_status()
    assert st.get('up'), 'tools/lab up did not bring the lab up: %s' % st
    return st


def lab_exec(host, *argv, check=True, timeout=60):
    """Run argv as root inside a lab host; return the CompletedProcess."""
    cp = subprocess.run([LAB_TOOL, 'exec', host, '--'] + [str(a) for a in argv],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                        timeout=timeout)
    if check and cp.returncode != 0:
        raise AssertionError('%s: %s failed (%d): %s' % (
            host, ' '.join(map(str, argv)), cp.returncode, cp.stderr.strip()))
    return cp


@pytest.fixture(name='lab_exec')
def lab_exec_fixture(lab):
    return lab_exec


def vm_exec(lab, instance, *argv, check=False, timeout=30):
    """Run argv inside an instance's "VM" namespace (root namespace tool)."""
    ns = lab['instances'][instance]['netns']
    return subprocess.run(['ip', 'netns', 'exec', ns] + [str(a) for a in argv],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout, check=check)


def ssh_argv(host_address):
    return ['ssh', '-o', 'StrictHostKeyChecking=yes',
            '-o', 'UserKnownHostsFile=%s' % os.path.join(LAB_DIR, 'ssh', 'known_hosts'),
            '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10',
            '-i', os.path.join(LAB_DIR, 'ssh', 'id_ed25519'), 'root@%s' % host_address]


# ------------------------------------------------------------------ snapshot

_FLOW_STATS = re.compile(r'\s*(duration|n_packets|n_bytes|idle_age|hard_age)=[^,\s]*,?')
_CHAIN_COUNTERS = re.compile(r'\s\[\d+:\d+\]$')


def _strip_flow(line):
    return _FLOW_STATS.sub('', line).strip().rstrip(',')


# One shell script per host, so a snapshot costs one ``tools/lab exec``
# instead of one per table, bridge and namespace. Each section starts with
# a line "@@ KEY"; the script only reads.
_SNAPSHOT_SCRIPT = r"""
for t in Bridge Port Interface Mirror; do
    echo "@@ ovs:$t"; ovs-vsctl --timeout=10 --format=json list $t
done
for br in $(ovs-vsctl --timeout=10 list-br); do
    echo "@@ flows:$br"; ovs-ofctl dump-flows $br
done
echo "@@ ip-link"; ip -j link
echo "@@ ip-netns"; ip netns
echo "@@ iptables"; iptables-save
echo "@@ ip6tables"; ip6tables-save
for ns in $(ip netns | cut -d' ' -f1); do
    echo "@@ netns:$ns:addr"; ip -n $ns -j addr
    echo "@@ netns:$ns:route"; ip -n $ns route show table all
    echo "@@ netns:$ns:iptables"; ip netns exec $ns iptables-save
done
"""


def _sections(text):
    out, key = {}, None
    for line in text.splitlines():
        if line.startswith('@@ '):
            key = line[3:]
            out[key] = []
        elif key is not None:
            out[key].append(line)
    return out


def _ovs_rows(lines):
    data = json.loads('\n'.join(lines))
    rows = []
    for row in data['data']:
        rec = dict(zip(data['headings'], row))
        rec.pop('statistics', None)
        rows.append(json.dumps(rec, sort_keys=True))
    return sorted(rows)


def snapshot(host):
    """Everything a read-only command must not change on ``host``: the
    OVS tables and flows, links, namespaces, iptables, and inside each
    namespace its addresses, routes and iptables.
    """
    raw = _sections(lab_exec(host, 'sh', '-c', _SNAPSHOT_SCRIPT).stdout)
    snap = {}
    for key, lines in raw.items():
        if key.startswith('ovs:'):
            snap[key] = _ovs_rows(lines)
        elif key.startswith('flows:'):
            # Flows with a hard_timeout are the ones br-tun's learn()
            # actions make from passing traffic (MAC learning): they come
            # and go with the lab's own packets, not with anything a
            # command does.
            snap[key] = sorted(_strip_flow(f) for f in lines
                               if f.strip() and 'NXST_FLOW' not in f
                               and 'OFPST_FLOW' not in f
                               and 'hard_timeout=' not in f)
        elif key == 'ip-link':
            snap[key] = sorted(json.dumps(link, sort_keys=True)
                               for link in json.loads('\n'.join(lines)))
        elif key.endswith(':addr'):
            snap[key] = _json_lines('\n'.join(lines))
        elif key.endswith('iptables') or key == 'ip6tables':
            snap[key] = [_CHAIN_COUNTERS.sub('', line) for line in lines
                         if not line.startswith('#')]
        else:
            snap[key] = sorted(lines)
    return snap


def _json_lines(text):
    """Addresses without their lifetimes (they count down by themselves)."""
    items = json.loads(text or '[]')
    for item in items:
        for addr in item.get('addr_info', ()):
            addr.pop('valid_life_time', None)
            addr.pop('preferred_life_time', None)
    return sorted(json.dumps(item, sort_keys=True) for item in items)


# ------------------------------------------------------------------ waiting

def wait_until(pred, timeout, interval=1.0, what='condition'):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            if pred():
                return True
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last = e
        time.sleep(interval)
    raise AssertionError('timed out after %ss waiting for %s (%s)' % (timeout, what, last))


def _restorer(fn):
    """Make a restore callable idempotent."""
    done = []

    def restore():
        if done:
            return
        fn()
        done.append(True)
    return restore


def _tap(lab, instance):
    return lab['instances'][instance]['tap']


def _ping_ok(lab, instance, target):
    cp = vm_exec(lab, instance, 'ping', '-n', '-c', '1', '-W', '2', target)
    return cp.returncode == 0


def _netns_names(host):
    return [line.split()[0] for line in lab_exec(host, 'ip', 'netns').stdout.splitlines()
            if line.strip()]


# ------------------------------------------------------------------ faults

def fault_clear_tag(lab, instance):
    """Clear the local VLAN tag of an instance's tap port on br-int."""
    host = lab['instances'][instance]['host']
    tap = _tap(lab, instance)
    tag = lab_exec(host, 'ovs-vsctl', '--timeout=10', 'get', 'Port', tap, 'tag').stdout.strip()
    assert tag.isdigit(), 'port %s has no tag to clear (%r)' % (tap, tag)
    lab_exec(host, 'ovs-vsctl', '--timeout=10', 'clear', 'Port', tap, 'tag')

    def restore():
        lab_exec(host, 'ovs-vsctl', '--timeout=10', 'set', 'Port', tap, 'tag=%s' % tag)
        wait_until(lambda: lab_exec(host, 'ovs-vsctl', '--timeout=10', 'get', 'Port', tap,
                                    'tag').stdout.strip() == tag, 20, what='tag restored')
    return _restorer(restore)


def _delete_flows(host, bridge, dump_args, wanted, what):
    """Delete the flows of ``bridge`` selected by ``wanted(line)``; the
    restore callable adds them back exactly as they were.
    """
    flows = lab_exec(host, 'ovs-ofctl', 'dump-flows', bridge, *dump_args).stdout.splitlines()
    specs = [_strip_flow(f) for f in flows if 'actions=' in f and wanted(f)]
    assert specs, 'no %s on %s' % (what, host)
    for spec in specs:
        match = spec.split(' actions=')[0]
        fields = [p.strip() for p in match.split(',')
                  if p.strip() and not p.strip().startswith('cookie=')]
        lab_exec(host, 'ovs-ofctl', '--strict', 'del-flows', bridge, ','.join(fields))

    def restore():
        for spec in specs:
            match, actions = spec.split(' actions=')
            fields = [p.strip() for p in match.split(',') if p.strip()]
            lab_exec(host, 'ovs-ofctl', 'add-flow', bridge,
                     '%s,actions=%s' % (','.join(fields), actions))
    return _restorer(restore)


def _lab_daemon_pid(name):
    """PID of a daemon the lab started (``tools/lab`` records each one with
    its start time, so a recycled PID is never taken for it).
    """
    import sys
    sys.path.insert(0, os.path.join(REPO, 'tools'))
    from netdiag_lab.common import read_pid
    pid = read_pid(name)
    assert pid, 'lab daemon %s is not running' % name
    return pid


@contextlib.contextmanager
def agent_paused(host, agent='ovs-agent'):
    """Hold a lab agent still (SIGSTOP, then SIGCONT) while a test leaves a
    value present but wrong: a running Open vSwitch agent notices a changed
    port and rewires it within seconds, which would race the read. A few
    seconds' pause is far below the agents' down time (75 s).
    """
    import signal
    pid = _lab_daemon_pid('%s-%s' % (host, agent))
    os.kill(pid, signal.SIGSTOP)
    try:
        yield pid
    finally:
        os.kill(pid, signal.SIGCONT)


def _rewrite_flow_action(host, bridge, dump_args, wanted, old, new, what):
    """Replace ``old`` by ``new`` in the actions of the one flow of
    ``bridge`` selected by ``wanted(line)``, keeping its match, priority
    and cookie (so the agent's own cleanup still recognises it). The flow
    stays present, with a wrong value.
    """
    flows = lab_exec(host, 'ovs-ofctl', 'dump-flows', bridge, *dump_args).stdout.splitlines()
    specs = [_strip_flow(f) for f in flows if 'actions=' in f and wanted(f)]
    assert len(specs) == 1, 'expected one %s on %s, found %s' % (what, host, specs)
    spec = specs[0]
    match, actions = spec.split(' actions=')
    fields = ','.join(p.strip() for p in match.split(',') if p.strip())
    assert old in actions, (old, actions)
    lab_exec(host, 'ovs-ofctl', 'add-flow', bridge,
             '%s,actions=%s' % (fields, actions.replace(old, new, 1)))

    def restore():
        lab_exec(host, 'ovs-ofctl', 'add-flow', bridge, '%s,actions=%s' % (fields, actions))
    return _restorer(restore)


def fault_egress_wrong_segment(lab, host, segmentation_id, wrong):
    """br-eth1's egress flow still maps the network's local VLAN, but to
    segmentation id ``wrong`` instead of ``segmentation_id``.
    """
    action = 'mod_vlan_vid:%s' % segmentation_id
    return _rewrite_flow_action(
        host, 'br-eth1', (), lambda f: action + ',' in f or f.rstrip().endswith(action),
        action, 'mod_vlan_vid:%s' % wrong,
        'egress flow for segmentation id %s' % segmentation_id)


def fault_ingress_wrong_local_vlan(lab, host, segmentation_id, wrong):
    """br-int's ingress flow still matches ``segmentation_id`` but maps it
    to local VLAN ``wrong``.
    """
    flows = lab_exec(host, 'ovs-ofctl', 'dump-flows', 'br-int',
                     'table=0,dl_vlan=%s' % segmentation_id).stdout
    old = re.search(r'mod_vlan_vid:(\d+)', flows).group(0)
    return _rewrite_flow_action(
        host, 'br-int', ('table=0,dl_vlan=%s' % segmentation_id,),
        lambda f: 'mod_vlan_vid' in f, old, 'mod_vlan_vid:%s' % wrong,
        'ingress flow for segmentation id %s' % segmentation_id)


def fault_wrong_tag(lab, instance, wrong):
    """The instance's br-int port carries local VLAN ``wrong`` (a value
    that is present, just not the network's). Use inside agent_paused().
    """
    host = lab['instances'][instance]['host']
    tap = _tap(lab, instance)
    tag = lab_exec(host, 'ovs-vsctl', '--timeout=10', 'get', 'Port', tap, 'tag').stdout.strip()
    assert tag.isdigit() and tag != str(wrong), (tag, wrong)
    lab_exec(host, 'ovs-vsctl', '--timeout=10', 'set', 'Port', tap, 'tag=%s' % wrong)

    def restore():
        lab_exec(host, 'ovs-vsctl', '--timeout=10', 'set', 'Port', tap, 'tag=%s' % tag)
    return _restorer(restore)


def fault_tunnel_wrong_remote(lab, host, peer, wrong_ip):
    """``host``'s VXLAN port towards ``peer`` stays, pointed at ``wrong_ip``
    (an address of the lab's tunnel subnet that no host has, so its packets
    stay on the lab's own links).
    """
    remote = lab['hosts'][peer]['tunnel_ip']
    rows = json.loads(lab_exec(
        host, 'ovs-vsctl', '--timeout=10', '--format=json', '--columns=name',
        'find', 'Interface', 'type=vxlan', 'options:remote_ip=%s' % remote).stdout)['data']
    assert len(rows) == 1, rows
    name = rows[0][0]
    lab_exec(host, 'ovs-vsctl', '--timeout=10', 'set', 'Interface', name,
             'options:remote_ip=%s' % wrong_ip)

    def restore():
        lab_exec(host, 'ovs-vsctl', '--timeout=10', 'set', 'Interface', name,
                 'options:remote_ip=%s' % remote)
    return _restorer(restore)


def fault_hosts_entry_wrong_ip(lab, network_id, mac, wrong_ip):
    """The DHCP agent's hosts file keeps the port's MAC with another IP;
    dnsmasq is told (SIGHUP) so it really serves the wrong address.
    """
    pid, path = _dnsmasq_hostsfile(network_id)
    original = lab_exec('network1', 'cat', path).stdout
    lines = original.splitlines()
    hits = [i for i, line in enumerate(lines) if line.lower().startswith(mac.lower() + ',')]
    assert len(hits) == 1, (mac, original)
    fields = lines[hits[0]].split(',')
    fields[-1] = wrong_ip
    lines[hits[0]] = ','.join(fields)
    _write_network1(path, '\n'.join(lines) + '\n')
    lab_exec('network1', 'kill', '-HUP', str(pid))

    def restore():
        _write_network1(path, original)
        lab_exec('network1', 'kill', '-HUP', str(pid), check=False)
    return _restorer(restore)


def _write_network1(path, text):
    lab_exec('network1', 'sh', '-c', 'printf %s "$1" > "$2"', 'sh', text, path)


def _dnsmasq_hostsfile(network_id):
    for line in _own_dnsmasq_lines():
        pid, _, args = line.partition(' ')
        for word in args.split():
            if word.startswith('--dhcp-hostsfile=') and network_id in word:
                return int(pid), word.split('=', 1)[1]
    raise AssertionError('no dnsmasq serves %s' % network_id)


def fault_dnat_wrong_address(lab, wrong_ip):
    """The legacy router's floating IP DNAT rule stays, sending to
    ``wrong_ip`` instead of the port's fixed IP.
    """
    ns = 'qrouter-%s' % lab['router']['id']
    fip = lab['floating_ip']['address']
    chain = 'neutron-l3-agent-PREROUTING'
    rules = [r for r in _nat_rules('network1', ns) if r.startswith('-A %s ' % chain)]
    pos, line = next((i, r) for i, r in enumerate(rules, 1)
                     if ' -d %s/32 ' % fip in r + ' ' and '-j DNAT' in r)
    spec = line.split()[2:]
    wrong = spec[:spec.index('--to-destination') + 1] + [wrong_ip]
    lab_exec('network1', 'ip', 'netns', 'exec', ns, 'iptables', '-t', 'nat', '-R', chain,
             str(pos), *wrong)

    def restore():
        lab_exec('network1', 'ip', 'netns', 'exec', ns, 'iptables', '-t', 'nat', '-R', chain,
                 str(pos), *spec)
    return _restorer(restore)


def fault_default_route_wrong_gateway(lab, wrong_ip):
    """The legacy router's default route stays, via ``wrong_ip`` (an
    address of the external subnet that nothing answers) instead of the
    subnet's gateway.
    """
    ns = 'qrouter-%s' % lab['router']['id']
    route = lab_exec('network1', 'ip', 'netns', 'exec', ns, 'ip', 'route', 'show',
                     'default').stdout.split()
    assert route[:2] == ['default', 'via'], route
    good = route[2]
    dev = route[route.index('dev') + 1]
    lab_exec('network1', 'ip', 'netns', 'exec', ns, 'ip', 'route', 'replace', 'default',
             'via', wrong_ip, 'dev', dev, 'proto', 'static')

    def restore():
        lab_exec('network1', 'ip', 'netns', 'exec', ns, 'ip', 'route', 'replace', 'default',
                 'via', good, 'dev', dev, 'proto', 'static')
    return _restorer(restore)


def fault_delete_egress_flow(lab, host, segmentation_id):
    """Delete br-eth1's flow that turns the local VLAN into ``segmentation_id``."""
    action = 'mod_vlan_vid:%s' % segmentation_id
    return _delete_flows(
        host, 'br-eth1', (),
        lambda f: action + ',' in f or f.rstrip().endswith(action),
        'egress flow for segmentation id %s' % segmentation_id)


def fault_delete_ingress_flow(lab, host, segmentation_id):
    """Delete br-int's flow that turns ``segmentation_id`` into the local VLAN."""
    return _delete_flows(
        host, 'br-int', ('table=0,dl_vlan=%s' % segmentation_id,),
        lambda f: 'mod_vlan_vid' in f,
        'ingress flow for segmentation id %s' % segmentation_id)


def fault_tap_down(lab, instance):
    """Set an instance's tap device administratively down."""
    host, tap = lab['instances'][instance]['host'], _tap(lab, instance)
    lab_exec(host, 'ip', 'link', 'set', tap, 'down')

    def restore():
        lab_exec(host, 'ip', 'link', 'set', tap, 'up')
    return _restorer(restore)


def fault_delete_tunnel(lab, host, peer, tunnel_type='vxlan'):
    """Remove ``host``'s tunnel port of ``tunnel_type`` (vxlan, gre) towards
    ``peer`` from br-tun.
    """
    remote = lab['hosts'][peer]['tunnel_ip']
    rows = json.loads(lab_exec(
        host, 'ovs-vsctl', '--timeout=10', '--format=json',
        '--columns=name,ofport,options', 'find', 'Interface', 'type=%s' % tunnel_type,
        'options:remote_ip=%s' % remote).stdout)['data']
    assert len(rows) == 1, 'no single %s port from %s to %s: %s' % (
        tunnel_type, host, peer, rows)
    name, ofport, options = rows[0]
    opts = dict(options[1])
    lab_exec(host, 'ovs-vsctl', '--timeout=10', 'del-port', 'br-tun', name)

    def restore():
        # Same name and ofport, so the agent's flows that output to it match again.
        lab_exec(host, 'ovs-vsctl', '--timeout=10', 'add-port', 'br-tun', name, '--',
                 'set', 'Interface', name, 'type=%s' % tunnel_type,
                 'ofport_request=%s' % ofport,
                 *('options:%s=%s' % kv for kv in sorted(opts.items())))
        wait_until(lambda: lab_exec(host, 'ovs-vsctl', '--timeout=10', 'get', 'Interface',
                                    name, 'ofport').stdout.strip() == str(ofport),
                   20, what='tunnel port %s back' % name)
    return _restorer(restore)


def fault_break_patch_peer(lab, host):
    """Point br-tun's patch-int at a peer that does not exist."""
    old = lab_exec(host, 'ovs-vsctl', '--timeout=10', 'get', 'Interface', 'patch-int',
                   'options:peer').stdout.strip().strip('"')
    lab_exec(host, 'ovs-vsctl', '--timeout=10', 'set', 'Interface', 'patch-int',
             'options:peer=patch-nowhere')

    def restore():
        lab_exec(host, 'ovs-vsctl', '--timeout=10', 'set', 'Interface', 'patch-int',
                 'options:peer=%s' % (old or 'patch-tun'))
    return _restorer(restore)


def fault_delete_qrouter(lab):
    """Delete the router's qrouter- namespace on network1."""
    rid = lab['router']['id']
    ns = 'qrouter-%s' % rid
    lab_exec('network1', 'ip', 'netns', 'delete', ns)

    def restore():
        # the router's qr-/qg- ports lost their devices with the namespace: drop
        # them from br-int and let a restarted L3 agent plug everything again
        ports = lab_exec('network1', 'ovs-vsctl', '--timeout=10', 'list-ports',
                         'br-int').stdout.split()
        for p in ports:
            if p.startswith(('qr-', 'qg-')):
                lab_exec('network1', 'ovs-vsctl', '--timeout=10', '--if-exists', 'del-port',
                         'br-int', p, check=False)
        _tool('restart', 'network1', 'l3-agent', timeout=240)
        gw = lab['networks']['vlan']['gateway_ip']
        wait_until(lambda: ns in _netns_names('network1'), 120, what='%s back' % ns)
        wait_until(lambda: _ping_ok(lab, 'vlan1', gw), 120, what='router answers again')
    return _restorer(restore)


def _dvr_fip_ok(lab):
    """upstream -> the distributed router's floating IP (through compute1's
    fip- namespace).
    """
    return subprocess.run(['ip', 'netns', 'exec', 'ndl-upstream', 'ping', '-n', '-c', '1',
                           '-W', '2', lab['dvr_floating_ip']['address']],
                          capture_output=True, timeout=30).returncode == 0


def _nat_rules(host, ns):
    return lab_exec(host, 'ip', 'netns', 'exec', ns, 'iptables-save', '-t',
                    'nat').stdout.splitlines()


def _delete_nat_rule(host, ns, chain, *fragments):
    """Delete the first rule of ``chain`` holding every fragment; return a
    restore that puts that very rule back at its position.
    """
    rules = [line for line in _nat_rules(host, ns) if line.startswith('-A %s ' % chain)]
    pos, line = next((i, r) for i, r in enumerate(rules, 1)
                     if all(' ' + f in r for f in fragments))
    spec = line.split()[2:]
    lab_exec(host, 'ip', 'netns', 'exec', ns, 'iptables', '-t', 'nat', '-D', chain, *spec)

    def restore():
        if not any(r == line for r in _nat_rules(host, ns)):
            lab_exec(host, 'ip', 'netns', 'exec', ns, 'iptables', '-t', 'nat', '-I', chain,
                     str(pos), *spec)
    return line, _restorer(restore)


def fault_delete_fip_namespace(lab, host='compute1'):
    """Delete the fip-<external network> namespace of a DVR host."""
    ns = 'fip-%s' % lab['networks']['external']['id']
    lab_exec(host, 'ip', 'netns', 'delete', ns)

    def restore():
        # fg- lost its device with the namespace: drop it from br-int and let
        # a restarted L3 agent build the fip- side again
        for p in lab_exec(host, 'ovs-vsctl', '--timeout=10', 'list-ports',
                          'br-int').stdout.split():
            if p.startswith('fg-'):
                lab_exec(host, 'ovs-vsctl', '--timeout=10', '--if-exists', 'del-port',
                         'br-int', p, check=False)
        _tool('restart', host, 'l3-agent', timeout=240)
        wait_until(lambda: ns in _netns_names(host), 120, what='%s back' % ns)
        wait_until(lambda: _dvr_fip_ok(lab), 120, what='DVR floating IP answers again')
    return _restorer(restore)


def fault_delete_dvr_fip_dnat(lab, host='compute1'):
    """Delete the DVR floating IP's DNAT rule in compute1's qrouter-."""
    ns = 'qrouter-%s' % lab['dvr_router']['id']
    fip = lab['dvr_floating_ip']['address']
    _line, restore = _delete_nat_rule(host, ns, 'neutron-l3-agent-PREROUTING',
                                      '-d %s/32' % fip, '-j DNAT')
    return restore


def fault_delete_dvr_snat_rule(lab):
    """Delete the gateway SNAT rule in network1's snat-<router>."""
    ns = 'snat-%s' % lab['dvr_router']['id']
    _line, restore = _delete_nat_rule('network1', ns, 'neutron-l3-agent-snat',
                                      '-j SNAT', '-o qg-')
    return restore


def _own_dnsmasq_lines():
    """``pgrep -a`` lines of this lab's dnsmasq processes.

    The lab's hosts share the machine's process list with every other lab
    up beside it, so pgrep also lists their dnsmasq: keep those whose
    files live in this lab's state folder (the one it was built in).
    """
    with open(os.path.join(LAB_DIR, 'status.json')) as f:
        state = json.load(f)['lab_dir'].rstrip('/') + '/'
    cp = lab_exec('network1', 'pgrep', '-a', '-x', 'dnsmasq', check=False)
    return [line for line in cp.stdout.splitlines() if state in line]


def _dnsmasq_pids():
    return [int(line.split(' ', 1)[0]) for line in _own_dnsmasq_lines()]


def _dnsmasq_by_network():
    """{network id: pid} of the dnsmasq processes on network1 (the network
    is the folder of each one's --dhcp-hostsfile).
    """
    served = {}
    for line in _own_dnsmasq_lines():
        pid, _, args = line.partition(' ')
        for word in args.split():
            if word.startswith('--dhcp-hostsfile='):
                served[word.split('/')[-2]] = int(pid)
    return served


def wait_dnsmasq_settled(networks, timeout=120):
    """After a DHCP agent restart: every network of ``networks`` has its
    dnsmasq again and the set stays the same for a resync interval (the
    agent's first sync restarts them one by one, so a count of processes
    is not enough).
    """
    seen = []

    def settled():
        served = _dnsmasq_by_network()
        seen.append(served)
        return (set(networks) <= set(served) and len(seen) > 6
                and all(s == served for s in seen[-7:]))
    wait_until(settled, timeout, what='dnsmasq of %s settled' % sorted(networks))


def fault_kill_dnsmasq(lab):
    """Kill the dnsmasq processes of the DHCP agent on network1."""
    before = _dnsmasq_pids()
    networks = _dnsmasq_by_network()
    assert before, 'no dnsmasq running on network1'
    lab_exec('network1', 'kill', '-9', *before)
    wait_until(lambda: not set(before) & set(_dnsmasq_pids()), 10, what='dnsmasq gone')

    def restore():
        _tool('restart', 'network1', 'dhcp-agent', timeout=240)
        wait_dnsmasq_settled(networks)
    return _restorer(restore)


def fault_stop_sshd(lab, host):
    """Stop the sshd of a lab host."""
    _tool('stop', host, 'sshd')

    def restore():
        _tool('restart', host, 'sshd')
        addr = lab['hosts'][host]['address']
        wait_until(lambda: subprocess.run(ssh_argv(addr) + ['true'], timeout=20,
                                          capture_output=True).returncode == 0,
                   30, what='sshd on %s' % host)
    return _restorer(restore)


@pytest.fixture
def fault(lab):
    """Context manager: ``with fault(fault_fn, *args) as restore: ...``.

    Restores on exit (also when the test fails) and once more at teardown.
    """
    pending = []

    @contextlib.contextmanager
    def inject(fn, *args):
        restore = fn(lab, *args)
        pending.append(restore)
        try:
            yield restore
        finally:
            restore()

    yield inject
    for restore in pending:
        restore()
