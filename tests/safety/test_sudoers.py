"""doc/source/netdiag.sudoers grants every command the read-only commands
run (port trace, network vlan-map, host check, router/dhcp/dns/floatingip
check), and nothing else: checked with visudo, with a re-implementation of
sudo's matching (path, then the arguments: exact, or ``^...$`` regex), and,
as root, with the real sudo (``sudo -n -l``) reading the file in a network
namespace of its own, as an unprivileged user."""

import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from osc_netdiag import api
from osc_netdiag import context as ctx_mod
from osc_netdiag import exitcodes
from osc_netdiag import models
from osc_netdiag.backends import ovs
from osc_netdiag.l3dhcp import metadata
from osc_netdiag.inventory import Inventory
from osc_netdiag.l3dhcp import dhcp
from osc_netdiag.l3dhcp import dns
from osc_netdiag.transport import local
from osc_netdiag.transport import replay
from osc_netdiag.transport import script
from osc_netdiag.transport.base import Command

ROOT = pathlib.Path(__file__).parents[2]
SUDOERS = ROOT / "doc" / "source" / "netdiag.sudoers"
FIXTURES = ROOT / "tests" / "fixtures"
SCENARIOS = FIXTURES / "scenarios"
DNS_SCENARIO = FIXTURES / "l3dhcp" / "scenarios" / "dns-port"
USER = "netdiag"             # the user the published file grants
USER_UID = 64124


def sudoers_commands(text=None):
    """[(path, args or None, is_regex)] of every Cmnd_Alias entry."""
    text = SUDOERS.read_text() if text is None else text
    text = re.sub(r"\\\n", " ", text)
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith("Cmnd_Alias"):
            continue
        _, value = line.split("=", 1)
        for entry in re.split(r",\s+(?=/)", value.strip()):
            path, _, args = entry.strip().partition(" ")
            entries.append((path, args.strip() or None, args.startswith("^")))
    return entries


def allowed(argv, entries):
    """Would sudo run ``argv`` (argv[0] found on PATH) under these entries?"""
    for path, args, is_regex in entries:
        if pathlib.PurePath(path).name != argv[0]:
            continue
        line = " ".join(argv[1:])
        if args is None:                  # no arguments given: any allowed
            return True
        if is_regex and re.fullmatch(args[1:-1] if args.endswith("$")
                                     else args[1:], line):
            return True
        if not is_regex and args == line:
            return True
    return False


def sudo_argvs(commands):
    """The argv each command gives to ``sudo -n --`` on the host."""
    argvs = []
    for command in commands:
        full = script.command_argv(command, sudo=True)
        argvs.append(full[full.index("sudo") + 3:])
    return argvs


def planned_commands():
    for scenario in sorted(SCENARIOS.iterdir()):
        context = ctx_mod.PortContext.from_json(
            replay.load_json(str(scenario), api.CONTEXT_FILE))
        for host, probes in ovs.plan(context).items():
            for probe in probes:
                yield f"{scenario.name}:{host}:{probe.name}", probe.command


PLANNED = list(planned_commands())


def recorded_commands():
    """Every command of every recorded run of a read-only command
    (tests/fixtures/**/hosts/*.json), once per distinct argv."""
    seen = {}
    for path in sorted(FIXTURES.glob("**/hosts/*.json")):
        for item in json.loads(path.read_text())["commands"]:
            argv = tuple(item["argv"])
            where = f"{path.parent.parent.relative_to(FIXTURES)}:{item['name']}"
            seen.setdefault(argv, (where, Command(item["name"], argv)))
    return sorted(seen.values(), key=lambda pair: pair[0])


RECORDED = recorded_commands()
# Recorded, and deliberately not granted (doc/source/netdiag.sudoers says
# why): dns check's lookups are a python3 program.
NOT_GRANTED = {argv for argv in (c.argv for _, c in RECORDED)
               if argv[4:6] == ("python3", "-c")}
GRANTED = [(w, c) for w, c in RECORDED if c.argv not in NOT_GRANTED]
# dhcp check's reading of the DHCP agent's configuration (recorded runs
# predate it): its command line, and the option lines of its config files.
GRANTED += [(f"dhcp-agent-config:{p.name}", p.command) for p in (
    metadata.agent_process_probe(),
    metadata.config_probe("/etc/neutron/neutron.conf"),
    metadata.config_probe("/etc/neutron/dhcp_agent.ini"),
    metadata.config_probe("/etc/neutron/plugins/ml2/ml2_conf.ini"))]
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
    ["ip", "netns", "exec", f"qrouter-{UUID}", "ip", "-j", "route", "show",
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
    ["ip", "netns", "exec", "ndl-compute1", "ip", "-j", "route", "show"],
    ["ip", "netns", "exec", f"qdhcp-{UUID}x", "ip", "-j", "route", "show"],
    ["ip", "netns", "exec", f"ovnmeta-{UUID}", "ip", "-j", "route", "show"],
    ["ip", "netns", "exec", f"qdhcp-{UUID}", "iptables-save", "-t", "nat"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", "iptables-save"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", "iptables-save", "-c", "-t",
     "nat"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", "iptables-save", "-t", "nat",
     "-c"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", "iptables-restore"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", "ip", "route", "flush",
     "all"],
    ["ip", "netns", "exec", f"qdhcp-{UUID}", "ss", "-K", "sport", "=", ":53"],
    ["ip", "netns", "exec", f"qdhcp-{UUID}", "ss", "-H", "-l", "-n", "-u",
     "-p"],
    ["ip", "netns", "exec", f"qrouter-{UUID}", "ss", "-H", "-l", "-n", "-u",
     "-p", "sport", "=", ":53"],
    ["ip", "netns", "exec", f"qdhcp-{UUID}", "python3", "-c", "print(1)"],
    ["ip", "netns", "exec", f"qdhcp-{UUID}", "sh", "-c", "id"],
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
    done = subprocess.run(["visudo", "-cf", str(SUDOERS)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("where,command", PLANNED, ids=[p[0] for p in PLANNED])
def test_every_planned_probe_is_granted(where, command):
    [argv] = sudo_argvs([command])
    assert allowed(argv, sudoers_commands()), argv


@pytest.mark.parametrize("where,command", GRANTED,
                         ids=[p[0] for p in GRANTED])
def test_every_recorded_command_is_granted(where, command):
    # Every read-only command's recorded runs, as sudo receives them.
    [argv] = sudo_argvs([command])
    assert allowed(argv, sudoers_commands()), argv


def test_the_recordings_cover_every_read_only_command():
    runs = {str(path.parent.parent.relative_to(FIXTURES))
            for path in FIXTURES.glob("**/hosts/*.json")}
    assert {run.split("/")[0] for run in runs} >= {
        "scenarios", "vlanmap", "hostcheck", "l3dhcp"}
    assert {"l3dhcp/scenarios/dhcp-port", "l3dhcp/scenarios/dns-port",
            "l3dhcp/scenarios/router", "l3dhcp/scenarios/floatingip"} <= runs
    # The dhcp log is read by a command sudo can pin, not a shell.
    assert not [c for _, c in RECORDED if c.argv[0] in ("sh", "bash")]
    assert len(NOT_GRANTED) == 2


@pytest.mark.parametrize("namespace", ["snat", "fip"])
def test_dvr_namespaces_get_what_qrouter_gets(namespace):
    for tail in (("ip", "-d", "-j", "addr", "show"),
                 ("ip", "-j", "route", "show"),
                 ("iptables-save", "-t", "nat")):
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


def test_timeout_stays_outside_sudo():
    # Sanity: the prefix our script puts before sudo is what the file's
    # comment says (timeout outside sudo, never granted).
    full = script.command_argv(Command("x", ("ip", "-j", "netns", "list")),
                               sudo=True)
    assert full[:5] == ["timeout", "-k", str(script.KILL_AFTER), "--", "10"]
    assert full[5:8] == ["sudo", "-n", "--"]


# -- the real sudo, reading the published file --------------------------------

def _real_sudo_missing():
    if os.geteuid() != 0:
        return "needs root (a network namespace with its own /etc files)"
    for tool in ("ip", "sudo", "setpriv"):
        if shutil.which(tool) is None:
            return f"{tool} not installed"
    return None


@pytest.fixture(scope="module")
def sudo_ns():
    """A namespace whose /etc/sudoers is the published file (``ip netns
    exec`` bind-mounts /etc/netns/<ns>/* over /etc), with the ``netdiag``
    user; returns the argv prefix that runs a command as that user there."""
    why = _real_sudo_missing()
    if why:
        pytest.skip(f"needs sudo: {why}")
    netns = f"ndsu-{os.getpid()}"
    etc = pathlib.Path("/etc/netns") / netns
    try:
        etc.mkdir(parents=True)
        for name, line in (
                ("passwd", f"{USER}:x:{USER_UID}:{USER_UID}::/nonexistent:"
                           f"/bin/sh"),
                ("group", f"{USER}:x:{USER_UID}:"),
                ("shadow", f"{USER}:!:19000:0:99999:7:::")):
            lines = [entry for entry in
                     pathlib.Path(f"/etc/{name}").read_text().splitlines()
                     if not entry.startswith(f"{USER}:")]
            (etc / name).write_text("\n".join(lines + [line]) + "\n")
        (etc / "shadow").chmod(0o640)
        (etc / "sudoers").write_text("Defaults env_reset\n"
                                     "root ALL=(ALL:ALL) ALL\n"
                                     + SUDOERS.read_text())
        (etc / "sudoers").chmod(0o440)
        subprocess.run(["ip", "netns", "add", netns], check=True)
        yield ["ip", "netns", "exec", netns, "setpriv",
               f"--reuid={USER_UID}", f"--regid={USER_UID}",
               "--clear-groups", "env", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
    finally:
        subprocess.run(["ip", "netns", "del", netns], capture_output=True)
        shutil.rmtree(etc, ignore_errors=True)


def _sudo_list(prefix, argv):
    return subprocess.run(prefix + ["sudo", "-n", "-l", "--", *argv],
                          capture_output=True, text=True, timeout=20)


def _installed(argv):
    if shutil.which(argv[0], path="/usr/sbin:/usr/bin") is None:
        pytest.skip(f"{argv[0]} not installed here: sudo cannot resolve it")


@pytest.mark.parametrize("where,command", GRANTED,
                         ids=[p[0] for p in GRANTED])
def test_real_sudo_grants_every_recorded_command(sudo_ns, where, command):
    [argv] = sudo_argvs([command])
    _installed(argv)
    done = _sudo_list(sudo_ns, argv)
    assert done.returncode == 0, (argv, done.stderr)
    # sudo -l COMMAND prints the command it would run: the same arguments.
    assert done.stdout.rstrip("\n").split(" ", 1)[1] == " ".join(argv[1:])


@pytest.mark.parametrize("argv", REFUSED + [list(a) for a in
                                            sorted(NOT_GRANTED)],
                         ids=[" ".join(a)[:60] for a in REFUSED] +
                         ["dns-lookup-A", "dns-lookup-PTR"])
def test_real_sudo_refuses(sudo_ns, argv):
    if argv[0] == "timeout":
        argv = argv[2:]
    _installed(argv)
    done = _sudo_list(sudo_ns, argv)
    assert done.returncode == 1 and done.stdout == "", (argv, done.stdout)


def test_dns_lookups_refused_by_sudo_are_skip_not_error(sudo_ns, tmp_path):
    # The lookups of the recorded dns check, run through the real framed
    # script as the netdiag user with sudo -n: refused. Those real results
    # replace the recorded answers; the rest of the recording stays.
    capture = tmp_path / "dns-port"
    shutil.copytree(DNS_SCENARIO, capture)
    [path] = (capture / "hosts").glob("*.json")
    data = json.loads(path.read_text())
    lookups = [Command(c["name"], tuple(c["argv"]), timeout=10)
               for c in data["commands"] if c["name"].startswith("dns-query")]
    assert len(lookups) == 2
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
        assert rows[kind].detail == \
            "not checked: sudo: a password is required"
    assert rows["dns-listener"].status == models.Status.OK
    assert {f.severity for f in result.findings} == {models.Severity.WARNING}
    assert {f.code for f in result.findings} == {"NETDIAG_COMMAND_FAILED"}
    assert result.exit_code == exitcodes.UNREADABLE
