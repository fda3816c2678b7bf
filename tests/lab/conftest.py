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
    be seen by another's read-only or healthy-path assertions."""
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


def _ovs_list(host, table):
    cp = lab_exec(host, 'ovs-vsctl', '--timeout=10', '--format=json', 'list', table)
    data = json.loads(cp.stdout)
    heads = data['headings']
    rows = []
    for row in data['data']:
        rec = dict(zip(heads, row))
        rec.pop('statistics', None)
        rows.append(json.dumps(rec, sort_keys=True))
    return sorted(rows)


def snapshot(host):
    """Everything a read-only command must not change on ``host``."""
    snap = {}
    for table in ('Bridge', 'Port', 'Interface', 'Mirror'):
        snap['ovs:' + table] = _ovs_list(host, table)
    for br in lab_exec(host, 'ovs-vsctl', '--timeout=10', 'list-br').stdout.split():
        flows = lab_exec(host, 'ovs-ofctl', 'dump-flows', br).stdout.splitlines()
        # Flows with a hard_timeout are the ones br-tun's learn() actions
        # make from passing traffic (MAC learning): they come and go with
        # the lab's own packets, not with anything a command does.
        snap['flows:' + br] = sorted(_strip_flow(f) for f in flows
                                     if f.strip() and 'NXST_FLOW' not in f
                                     and 'OFPST_FLOW' not in f
                                     and 'hard_timeout=' not in f)
    links = json.loads(lab_exec(host, 'ip', '-j', 'link').stdout)
    snap['ip-link'] = sorted(json.dumps(link, sort_keys=True) for link in links)
    snap['ip-netns'] = sorted(lab_exec(host, 'ip', 'netns').stdout.splitlines())
    ipt = lab_exec(host, 'iptables-save', check=False).stdout.splitlines()
    snap['iptables'] = [_CHAIN_COUNTERS.sub('', line) for line in ipt
                        if not line.startswith('#')]
    return snap


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
    restore callable adds them back exactly as they were."""
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


def fault_delete_tunnel(lab, host, peer):
    """Remove ``host``'s VXLAN port towards ``peer`` from br-tun."""
    remote = lab['hosts'][peer]['tunnel_ip']
    rows = json.loads(lab_exec(
        host, 'ovs-vsctl', '--timeout=10', '--format=json',
        '--columns=name,ofport,options', 'find', 'Interface', 'type=vxlan',
        'options:remote_ip=%s' % remote).stdout)['data']
    assert rows, 'no vxlan port from %s to %s' % (host, peer)
    name, ofport, options = rows[0]
    opts = dict(options[1])
    lab_exec(host, 'ovs-vsctl', '--timeout=10', 'del-port', 'br-tun', name)

    def restore():
        # Same name and ofport, so the agent's flows that output to it match again.
        lab_exec(host, 'ovs-vsctl', '--timeout=10', 'add-port', 'br-tun', name, '--',
                 'set', 'Interface', name, 'type=vxlan', 'ofport_request=%s' % ofport,
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
    fip- namespace)."""
    return subprocess.run(['ip', 'netns', 'exec', 'ndl-upstream', 'ping', '-n', '-c', '1',
                           '-W', '2', lab['dvr_floating_ip']['address']],
                          capture_output=True, timeout=30).returncode == 0


def _nat_rules(host, ns):
    return lab_exec(host, 'ip', 'netns', 'exec', ns, 'iptables-save', '-t',
                    'nat').stdout.splitlines()


def _delete_nat_rule(host, ns, chain, *fragments):
    """Delete the first rule of ``chain`` holding every fragment; return a
    restore that puts that very rule back at its position."""
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


def _dnsmasq_pids():
    cp = lab_exec('network1', 'pgrep', '-x', 'dnsmasq', check=False)
    return [int(p) for p in cp.stdout.split()]


def _dnsmasq_by_network():
    """{network id: pid} of the dnsmasq processes on network1 (the network
    is the folder of each one's --dhcp-hostsfile)."""
    cp = lab_exec('network1', 'pgrep', '-a', '-x', 'dnsmasq', check=False)
    served = {}
    for line in cp.stdout.splitlines():
        pid, _, args = line.partition(' ')
        for word in args.split():
            if word.startswith('--dhcp-hostsfile='):
                served[word.split('/')[-2]] = int(pid)
    return served


def wait_dnsmasq_settled(networks, timeout=120):
    """After a DHCP agent restart: every network of ``networks`` has its
    dnsmasq again and the set stays the same for a resync interval (the
    agent's first sync restarts them one by one, so a count of processes
    is not enough)."""
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
