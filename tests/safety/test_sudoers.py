"""doc/source/netdiag.sudoers grants every command a port trace can run,
and nothing else: checked with visudo and with a re-implementation of
sudo's matching (path, then the arguments: exact, or ``^...$`` regex)."""

import pathlib
import re
import shutil
import subprocess

import pytest

from osc_netdiag import api
from osc_netdiag import context as ctx_mod
from osc_netdiag.backends import ovs
from osc_netdiag.transport import replay
from osc_netdiag.transport import script
from osc_netdiag.transport.base import Command

ROOT = pathlib.Path(__file__).parents[2]
SUDOERS = ROOT / "doc" / "source" / "netdiag.sudoers"
SCENARIOS = ROOT / "tests" / "fixtures" / "scenarios"


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


def test_the_file_parses_into_entries():
    entries = sudoers_commands()
    assert len(entries) >= 6
    assert all(path.startswith("/") for path, _, _ in entries)


def test_no_entry_allows_any_arguments():
    # An entry without arguments would allow every argument.
    assert [e for e in sudoers_commands() if e[1] is None] == []


@pytest.mark.skipif(shutil.which("visudo") is None, reason="no visudo")
def test_visudo_accepts_the_file():
    done = subprocess.run(["visudo", "-cf", str(SUDOERS)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("where,command", PLANNED, ids=[p[0] for p in PLANNED])
def test_every_planned_probe_is_granted(where, command):
    [argv] = sudo_argvs([command])
    assert allowed(argv, sudoers_commands()), argv


@pytest.mark.parametrize("argv", [
    ["ip", "netns", "exec", "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d",
     "sh"],
    ["ip", "netns", "exec", "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d",
     "ip", "-j", "route", "show", ";", "id"],
    ["ip", "link", "set", "eth0", "down"],
    ["ip", "-d", "-j", "addr", "show", "dev", "eth0", "extra"],
    ["ovs-vsctl", "--timeout=5", "--format=json", "--columns=name", "list",
     "Bridge", "--", "del-br", "br-int"],
    ["ovs-vsctl", "del-br", "br-int"],
    ["ovs-ofctl", "del-flows", "br-int"],
    ["ovs-ofctl", "dump-flows", "br-int", "table=0 ; id"],
    ["ovs-ofctl", "dump-flows", "br-int", "table=0", "--", "x"],
    ["pgrep", "-a", "-x", "sshd"],
    ["timeout", "5", "sh"],
])
def test_writes_and_extra_arguments_are_not_granted(argv):
    assert not allowed(argv, sudoers_commands())


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
