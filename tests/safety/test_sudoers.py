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

"""doc/source/netdiag.sudoers grants every command the read-only commands
run (port trace, network vlan-map, host check, router/dhcp/dns/floatingip
check), and nothing else: checked with visudo, with a re-implementation of
sudo's matching (path, then the arguments: exact, or ``^...$`` regex), and,
as root, with the real sudo (``sudo -n -l``) reading the file in a network
namespace of its own, as an unprivileged user. Option injection at every
free position is in test_sudoers_injection.py.
"""

import json
import shutil
import subprocess

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.inventory import Inventory
from osc_netdiag.l3dhcp import dhcp
from osc_netdiag.l3dhcp import dns
from osc_netdiag import models
from osc_netdiag import probes
from osc_netdiag.transport.base import Command
from osc_netdiag.transport import local
from osc_netdiag.transport import replay
from osc_netdiag.transport import script
from tests.safety import sudoers_lib as lib
from tests.safety.sudoers_lib import allowed
from tests.safety.sudoers_lib import sudoers_commands

DNS_SCENARIO = lib.FIXTURES / "l3dhcp" / "scenarios" / "dns-port"
IP = probes.NETNS_COMMANDS["ip"]
IPTABLES_SAVE = probes.NETNS_COMMANDS["iptables-save"]
SS = probes.NETNS_COMMANDS["ss"]
PYTHON3 = probes.NETNS_COMMANDS["python3"]

PLANNED = [(w, c) for w, c in lib.planned_commands()
           if not lib.is_dns_lookup(c.argv)]
RECORDED = lib.recorded_commands()
# Recorded, and deliberately not granted (doc/source/netdiag.sudoers says
# why): dns check's lookups are a python3 program.
NOT_GRANTED = {lib.todays_argv(c.argv) for _, c in RECORDED
               if lib.is_dns_lookup(lib.todays_argv(c.argv))}
# Every recorded command as today's probes run it (commands in a namespace
# by absolute path)...
GRANTED = [(w, Command(c.name, lib.todays_argv(c.argv))) for w, c in RECORDED
           if lib.todays_argv(c.argv) not in NOT_GRANTED]
# ... and as older releases recorded them, by bare name, which PATH would
# resolve: refused now.
BARE = sorted({c.argv for _, c in RECORDED
               if c.argv[:3] == ("ip", "netns", "exec")
               and not c.argv[4].startswith("/")})
UUID = "3e2b7484-02f6-43f9-98e7-87a1ff51eff8"
MAC = "fa:16:3e:b9:d1:75"
_FLAGS = ["grep", "-h", "-w", "-F", "-e", "force_metadata", "-e",
          "enable_isolated_metadata", "--"]
REFUSED = [
    # the agent's config: only its option lines, only under /etc/neutron
    _FLAGS + ["/etc/shadow"],
    _FLAGS + ["/etc/neutron/../shadow"],
    _FLAGS + ["/etc/neutron/neutron.conf", "/etc/shadow"],
    ["grep", "-h", "-w", "-F", "-e", "password", "-e",
     "enable_isolated_metadata", "--", "/etc/neutron/neutron.conf"],
    ["cat", "--", "/etc/neutron/neutron.conf"],
    ["pgrep", "-a", "-f", "neutron-dhcp-agent", "-u", "root"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", "sh"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", "/bin/sh"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", IP, "-j", "route", "show",
     ";", "id"],
    ["ip", "link", "set", "eth0", "down"],
    ["ip", "-d", "-j", "addr", "show", "dev", "eth0", "extra"],
    ["ovs-vsctl", "--timeout=5", "--format=json", "--columns=name", "list",
     "Bridge", "--", "del-br", "br-int"],
    ["ovs-vsctl", "--timeout=5", "--format=json", "--columns=name", "list",
     "Mirror"],
    ["ovs-vsctl", "del-br", "br-int"],
    ["ovs-ofctl", "del-flows", "br-int"],
    ["ovs-ofctl", "dump-flows", "br-int", "table=0 ; id"],
    ["ovs-ofctl", "dump-flows", "br-int", "table=0", "--", "x"],
    # the reproducer: a log file written as root
    ["ovs-ofctl", "dump-flows", "br-int", "--log-file=/etc/ld.so.preload"],
    ["ovs-ofctl", "dump-flows", "--log-file=/etc/ld.so.preload", "table=0"],
    # sudo matches the arguments joined by spaces: one holding a space
    ["ovs-ofctl", "dump-flows", "br-int --log-file=/tmp/x", "table=0"],
    ["ovs-ofctl", "dump-flows", "br-int", "table=0 --log-file=/tmp/x"],
    # a bridge that names a connection, not a local bridge
    ["ovs-ofctl", "dump-flows", "tcp:192.0.2.1", "table=0"],
    ["ovs-ofctl", "dump-flows", "unix:/tmp/x", "table=0"],
    # ovs-appctl: only ofproto/trace of a bridge, one flow, no option
    ["ovs-appctl", "exit"],
    ["ovs-appctl", "vlog/set", "file:dbg"],
    ["ovs-appctl", "ofproto/trace", "br-int", "in_port=1", "-generate"],
    ["ovs-appctl", "ofproto/trace", "br-int", "-generate"],
    ["ovs-appctl", "ofproto/trace", "br-int", "in_port=1 -generate"],
    ["ovs-appctl", "ofproto/trace", "--ct-next", "trk,inv", "br-int",
     "in_port=1"],
    ["ovs-appctl", "-t", "/tmp/x", "ofproto/trace", "br-int", "in_port=1"],
    ["ovs-appctl", "ofproto/trace", "unix:/tmp/x", "in_port=1"],
    ["ovs-appctl", "ofproto/trace-packet-out", "br-int", "in_port=1",
     "drop"],
    ["pgrep", "-a", "-x", "sshd"],
    ["timeout", "5", "sh"],
    # files: only dnsmasq's hosts file and its logs
    ["cat", "--", "/etc/shadow"],
    ["cat", "--", f"/var/lib/neutron/dhcp/{UUID}/../../../../etc/shadow"],
    ["cat", "--", f"/var/lib/neutron/dhcp/{UUID}/host", "/etc/shadow"],
    ["cat", f"/var/lib/neutron/dhcp/{UUID}/host"],
    ["grep", "-F", "-i", "-h", "-a", "-m", "20000", "--", MAC, "/etc/shadow"],
    ["grep", "-F", "-i", "-h", "-a", "-m", "20000", "--", MAC,
     "/var/log/syslog", "/etc/shadow"],
    ["grep", "-F", "-i", "-h", "-a", "-m", "20000", "--", "root",
     "/var/log/syslog"],
    ["grep", "-F", "-i", "-h", "-a", "-m", "20000", "--", MAC,
     f"/var/log/neutron/dnsmasq/{UUID}/../../../../etc/shadow"],
    ["grep", "-r", "-F", "-i", "-h", "-a", "-m", "20000", "--", MAC,
     "/var/log/syslog"],
    ["grep", "-F", "-i", "-h", "-a", "-m", "20000", "-f", "/etc/shadow",
     "--", MAC, "/var/log/syslog"],
    # the journal: only dnsmasq's, only the newest lines
    ["journalctl", "-q", "--no-pager", "-o", "short", "-t", "dnsmasq-dhcp",
     "-t", "dnsmasq"],
    ["journalctl", "-q", "--no-pager", "-o", "short", "-n", "20000"],
    ["journalctl", "-q", "--no-pager", "-o", "short", "-n", "20000", "-t",
     "dnsmasq-dhcp", "-t", "dnsmasq", "--vacuum-size=1"],
    ["journalctl", "--rotate"],
    # namespaces: only Neutron's
    ["ip", "netns", "exec", "ndl-compute1", IP, "-j", "route", "show"],
    ["ip", "netns", "exec", f"qdhcp-{UUID}x", IP, "-j", "route", "show"],
    ["ip", "netns", "exec", f"qdhcp-{UUID[:-1]}-", IP, "-j", "route",
     "show"],
    ["ip", "netns", "exec", f"ovnmeta-{UUID}x", IP, "-j", "route", "show"],
    ["ip", "netns", "exec", f"ovnmeta-{UUID}", "/usr/sbin/haproxy"],
    # ML2/OVN: the database clients read, nothing else
    ["ovn-nbctl", "--timeout=5", "--format=json", "--columns=name",
     "lsp-del", UUID],
    ["ovn-nbctl", "--timeout=5", "--format=json", "--columns=name", "find",
     "Logical_Switch_Port", f"name={UUID}", "--", "lsp-del", UUID],
    ["ovn-nbctl", "--timeout=5", "--format=json", "--columns=name", "list",
     "NB_Global"],
    ["ovn-sbctl", "--timeout=5", "--format=json", "--columns=name",
     "chassis-del", "compute1"],
    ["ovn-sbctl", "--timeout=5", "--format=json", "--columns=name", "find",
     "Port_Binding", "logical_port=compute1"],
    # the ACL list, but no other list of the Northbound (ACL_x, ACLs)
    ["ovn-nbctl", "--timeout=5", "--format=json", "--columns=name", "list",
     "ACLs"],
    ["ovn-nbctl", "--timeout=5", "--format=json", "--columns=name", "list",
     "ACL", "--", "acl-del", f"neutron-{UUID}"],
    # ovn-trace: only the fixed options, only a Neutron switch, only a ping
    ["ovn-trace", "--ct=new", "--ct=new", "--detailed", "--minimal",
     "--ovs", f"neutron-{UUID}",
     f'inport == "{UUID}" && eth.src == {MAC} && eth.dst == {MAC} && '
     'ip4.src == 198.18.17.76 && ip4.dst == 198.18.17.80 && ip.ttl == 64 '
     '&& icmp4.type == 8'],
    ["ovn-trace", "--ct=new", "--ct=new", "--detailed", "--minimal",
     f"neutron-{UUID}",
     f'inport == "{UUID}" && eth.src == {MAC} && eth.dst == {MAC} && '
     'ip4.src == 198.18.17.76 && ip4.dst == 198.18.17.80 && ip.ttl == 64 '
     '&& udp'],
    ["ovn-appctl", "--timeout=5", "-t", "ovn-controller", "exit"],
    ["ovn-appctl", "--timeout=5", "-t", "ovn-northd", "connection-status"],
    ["ovs-vsctl", "--timeout=5", "--format=json", "--columns=other_config",
     "list", "Open_vSwitch"],
    ["ip", "netns", "exec", f"qdhcp-{UUID}", IPTABLES_SAVE, "-t", "nat"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", IPTABLES_SAVE],
    ["ip", "netns", "exec", f"qrouter-{UUID}", IPTABLES_SAVE, "-c", "-t",
     "nat"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", IPTABLES_SAVE, "-t", "nat",
     "-c"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", "/usr/sbin/iptables-restore"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", IP, "route", "flush",
     "all"],
    ["ip", "netns", "exec", f"qdhcp-{UUID}", SS, "-K", "sport", "=", ":53"],
    ["ip", "netns", "exec", f"qdhcp-{UUID}", SS, "-H", "-l", "-n", "-u",
     "-p"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", SS, "-H", "-l", "-n", "-u",
     "-p", "sport", "=", ":53"],
    ["ip", "netns", "exec", f"qdhcp-{UUID}", PYTHON3, "-c", "print(1)"],
    ["ip", "netns", "exec", f"qdhcp-{UUID}", "/bin/sh", "-c", "id"],
    # the same command at another path: only the one the probes run
    ["ip", "netns", "exec", f"qdhcp-{UUID}", "/usr/bin/ip", "-j", "route",
     "show"],
    ["ip", "netns", "exec", f"qdhcp-{UUID}", "/tmp/ip", "-j", "route",
     "show"],
    ["ip", "netns", "add", f"qdhcp-{UUID}"],
    ["ip", "netns", "delete", f"qdhcp-{UUID}"],
]


def test_the_file_parses_into_entries():
    entries = sudoers_commands()
    assert len(entries) >= 6
    assert all(path.startswith("/") for path, _, _ in entries)


def test_no_entry_allows_any_arguments():
    # An entry without arguments would allow every argument.
    assert [e for e in sudoers_commands() if e[1] is None] == []


@pytest.mark.skipif(shutil.which("visudo") is None,
                    reason="needs sudo: visudo not installed")
def test_visudo_accepts_the_file():
    done = subprocess.run(["visudo", "-cf", str(lib.SUDOERS)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("where,command", PLANNED, ids=[p[0] for p in PLANNED])
def test_every_planned_probe_is_granted(where, command):
    assert allowed(lib.sudo_argv(command), sudoers_commands())


@pytest.mark.parametrize("where,command", GRANTED,
                         ids=[p[0] for p in GRANTED])
def test_every_recorded_command_is_granted(where, command):
    # Every read-only command's recorded runs, as sudo receives them today.
    assert allowed(lib.sudo_argv(command), sudoers_commands())


def test_the_recordings_cover_every_read_only_command():
    runs = {str(path.parent.parent.relative_to(lib.FIXTURES))
            for path in lib.FIXTURES.glob("**/hosts/*.json")}
    assert {run.split("/")[0] for run in runs} >= {
        "scenarios", "vlanmap", "hostcheck", "l3dhcp"}
    assert {"l3dhcp/scenarios/dhcp-port", "l3dhcp/scenarios/dns-port",
            "l3dhcp/scenarios/router", "l3dhcp/scenarios/floatingip"} <= runs
    # The dhcp log is read by a command sudo can pin, not a shell.
    assert not [c for _, c in RECORDED if c.argv[0] in ("sh", "bash")]
    assert len(NOT_GRANTED) == 2
    assert len(BARE) >= 10


def test_the_recorded_argv_is_what_replay_falls_back_to():
    # todays_argv (here) and replay.legacy_argv are each other's inverse:
    # an older recording (bare names in a namespace) is found again from
    # today's argv; a newer one already holds today's argv.
    for _, command in RECORDED:
        today = lib.todays_argv(command.argv)
        assert lib.todays_argv(replay.legacy_argv(today)) == today
        if today != command.argv:
            assert replay.legacy_argv(today) == command.argv
    assert any(lib.todays_argv(c.argv) == c.argv and "netns" in c.argv
               for _, c in RECORDED)


@pytest.mark.parametrize("namespace", ["snat", "fip"])
def test_dvr_namespaces_get_what_qrouter_gets(namespace):
    for tail in ((IP, "-d", "-j", "addr", "show"),
                 (IP, "-j", "route", "show"),
                 (IPTABLES_SAVE, "-t", "nat")):
        for prefix in ("qrouter", namespace):
            argv = ["ip", "netns", "exec", f"{prefix}-{UUID}", *tail]
            assert allowed(argv, sudoers_commands()), argv


@pytest.mark.parametrize("argv", REFUSED, ids=[" ".join(a)[:60]
                                               for a in REFUSED])
def test_writes_and_extra_arguments_are_not_granted(argv):
    assert not allowed(argv, sudoers_commands())


@pytest.mark.parametrize("argv", sorted(NOT_GRANTED))
def test_dns_lookups_are_not_granted(argv):
    assert not allowed(list(argv), sudoers_commands())


@pytest.mark.parametrize("argv", BARE, ids=[a[4] + ":" + a[3][:8]
                                            for a in BARE])
def test_bare_names_in_a_namespace_are_not_granted(argv):
    # `ip netns exec NS ip` would run the first "ip" on the caller's PATH.
    assert not allowed(list(argv), sudoers_commands())


def test_matcher_reads_what_sudo_reads():
    # The re-implementation on a small file of known meaning.
    entries = sudoers_commands(
        "Cmnd_Alias A = /usr/bin/echo hi, \\\n"
        "    /usr/bin/ls ^-l [a-z]{1,3}$\n")
    assert allowed(["echo", "hi"], entries)
    assert not allowed(["echo", "hi", "there"], entries)
    assert allowed(["ls", "-l", "abc"], entries)
    assert not allowed(["ls", "-l", "abcd"], entries)
    assert not allowed(["cat", "hi"], entries)
    assert lib.free_positions(["ls", "-l", "abc"], entries) == [2]
    assert lib.free_positions(["echo", "hi"], entries) == []


def test_timeout_stays_outside_sudo():
    # Sanity: the prefix our script puts before sudo is what the file's
    # comment says (timeout outside sudo, never granted).
    full = script.command_argv(Command("x", ("ip", "-j", "netns", "list")),
                               sudo=True)
    assert full[:5] == ["timeout", "-k", str(script.KILL_AFTER), "--", "10"]
    assert full[5:8] == ["sudo", "-n", "--"]


# -- the real sudo, reading the published file --------------------------------

def _real_cases():
    argvs = [lib.sudo_argv(c) for _, c in PLANNED + GRANTED]
    argvs += [a[2:] if a[0] == "timeout" else a for a in REFUSED]
    argvs += [list(a) for a in sorted(NOT_GRANTED) + BARE]
    return argvs


@pytest.fixture(scope="module")
def sudo_ns():
    why = lib.real_sudo_missing()
    if why:
        pytest.skip(f"needs sudo: {why}")
    with lib.sudo_namespace("t") as prefix:
        yield prefix


@pytest.fixture(scope="module")
def real(sudo_ns):
    """What the real sudo answered to every case of this module, asked in
    one batch.
    """
    return lib.sudo_list_many(sudo_ns, _real_cases())


def _answer(real, argv):
    if not lib.installed(argv):
        pytest.skip(f"{argv[0]} not installed here: sudo cannot resolve it")
    return real[tuple(argv)]


def _assert_granted(real, argv):
    status, stdout, stderr = _answer(real, argv)
    assert status == 0, (argv, stderr)
    # sudo -l COMMAND prints the command it would run: the same arguments.
    assert stdout.rstrip("\n").split(" ", 1)[1] == " ".join(argv[1:])


def _assert_refused(real, argv):
    status, stdout, _ = _answer(real, argv)
    assert (status, stdout) == (1, ""), argv


@pytest.mark.parametrize("where,command", PLANNED, ids=[p[0] for p in PLANNED])
def test_real_sudo_grants_every_planned_probe(real, where, command):
    _assert_granted(real, lib.sudo_argv(command))


@pytest.mark.parametrize("where,command", GRANTED,
                         ids=[p[0] for p in GRANTED])
def test_real_sudo_grants_every_recorded_command(real, where, command):
    _assert_granted(real, lib.sudo_argv(command))


@pytest.mark.parametrize("argv", REFUSED + [list(a) for a in
                                            sorted(NOT_GRANTED)],
                         ids=[" ".join(a)[:60] for a in REFUSED] +
                         ["dns-lookup-A", "dns-lookup-PTR"])
def test_real_sudo_refuses(real, argv):
    if argv[0] == "timeout":
        argv = argv[2:]
    _assert_refused(real, argv)


@pytest.mark.parametrize("argv", BARE, ids=[a[4] + ":" + a[3][:8]
                                            for a in BARE])
def test_real_sudo_refuses_bare_names_in_a_namespace(real, argv):
    _assert_refused(real, list(argv))


def test_dns_lookups_refused_by_sudo_are_skip_not_error(sudo_ns, tmp_path):
    # The lookups of the recorded dns check, as the check runs them today,
    # through the real framed script as the netdiag user with sudo -n:
    # refused. Those real results replace the recorded answers; the rest of
    # the recording stays.
    capture = tmp_path / "dns-port"
    shutil.copytree(DNS_SCENARIO, capture)
    [path] = (capture / "hosts").glob("*.json")
    data = json.loads(path.read_text())
    lookups = [Command(c["name"], lib.todays_argv(c["argv"]), timeout=10)
               for c in data["commands"] if c["name"].startswith("dns-query")]
    assert len(lookups) == 2
    assert {c.argv[4] for c in lookups} == {PYTHON3}
    refused = local.run_script(sudo_ns + ["/bin/sh", "-s"], lookups,
                               sudo=True)
    for result in refused:
        assert result.status == models.HOST_PERMISSION, result
        assert "sudo: a password is required" in result.stderr
    by_name = {r.name: replay.result_to_dict(r) for r in refused}
    data["commands"] = [by_name.get(c["name"], c) for c in data["commands"]]
    path.write_text(json.dumps(data))
    context = replay.load_json(str(capture), "context")
    result = dns.check_context(
        dhcp.DhcpContext.from_json(context), inventory=Inventory(),
        transport=replay.ReplayTransport(str(capture)))
    rows = {r.kind: r for r in result.rows}
    for kind in ("dns-forward", "dns-reverse"):
        assert rows[kind].status == models.Status.SKIP
        assert rows[kind].state == models.HOST_PERMISSION
        # the command's status, exit code and first stderr line
        assert rows[kind].detail == \
            "not checked: permission, exit 1: sudo: a password is required"
    assert rows["dns-listener"].status == models.Status.OK
    assert {f.severity for f in result.findings} == {models.Severity.WARNING}
    assert {f.code for f in result.findings} == {"NETDIAG_COMMAND_FAILED"}
    assert result.exit_code == exitcodes.UNREADABLE
