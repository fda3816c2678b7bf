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

"""No grant of doc/source/netdiag.sudoers takes an option where the file
leaves a field free. ovs-ofctl, ss, iptables-save, grep ... read options
anywhere in argv (getopt), so one free field that may start with '-' (say
``ovs-ofctl dump-flows BR --log-file=PATH``) writes files as root.

Every grant is taken from a probe the read-only commands plan or recorded;
its free positions are found from the file itself (where one changed
character is still granted); at each, an option is put in place of the
field, before it and after it; the real sudo, as the unprivileged user,
must refuse every one.
"""

import functools
import pathlib
import re
import shutil
import subprocess

import pytest

from osc_netdiag import names
from osc_netdiag import probes
from tests.safety import sudoers_lib as lib

OWNED = "/tmp/netdiag-owned"
# The options of the issue: files written, sockets opened, keys read.
GENERIC = [f"--log-file={OWNED}", f"--unixctl={OWNED}", "-vfile:dbg",
           "-vANY:file:dbg", f"--private-key={OWNED}", "-w", "-z", "-r"]
# The long (and the dangerous short) options of each granted tool.
TOOL_OPTIONS = {
    "ovs-ofctl": ["--log-file", "--verbose=file:dbg", "--detach",
                  f"--pidfile={OWNED}", "--monitor", f"--certificate={OWNED}",
                  f"--ca-cert={OWNED}", f"--bootstrap-ca-cert={OWNED}",
                  "--timeout=1", "--strict", "--names", "--sort"],
    # ovs-appctl: another daemon's control socket, and ofproto/trace's
    # packet generation
    "ovs-appctl": [f"--target={OWNED}", f"-t{OWNED}", "--timeout=1",
                   "-T1", "-generate", "--ct-next", "--format=json"],
    "ovs-vsctl": [f"--db=unix:{OWNED}", "--no-wait", "--dry-run",
                  "--if-exists", "--id=@x", "--oneline", "--retry",
                  "--verbose=file:dbg", f"--certificate={OWNED}",
                  f"--bootstrap-ca-cert={OWNED}", "--", "del-br"],
    # (GENERIC covers their --log-file, --unixctl, -v and keys)
    "ovn-nbctl": [f"--db=unix:{OWNED}", "--"],
    "ovn-sbctl": [f"--db=unix:{OWNED}", "--"],
    "ovn-appctl": [f"--target={OWNED}"],
    "ovn-trace": [f"--db=unix:{OWNED}", "--ovs", "--detailed"],
    "ip": ["-batch", f"-b{OWNED}", "-force", "-netns", "-n", "-all"],
    "iptables-save": [f"-M{OWNED}", f"--modprobe={OWNED}", f"-f{OWNED}",
                      f"--file={OWNED}", "-c", "--counters", "-tfilter",
                      "--table=filter"],
    "ip6tables-save": [f"-M{OWNED}", f"--modprobe={OWNED}", f"-f{OWNED}",
                       f"--file={OWNED}", "-c", "--counters", "-tfilter",
                       "--table=filter"],
    # conntrack: the commands that change the table (delete, flush,
    # create, update, zero the counters while listing) and output forms
    "conntrack": ["-D", "-F", "-I", "-U", "-E", "-z", "--zero", "-oxml"],
    # ipset: a file read or written, and the actions that change sets
    "ipset": ["-file", OWNED, "-f", "-output", "save", "-exist", "destroy",
              "flush", "restore", "del", "add"],
    "ss": ["-K", "--kill", f"-D{OWNED}", f"--diag={OWNED}",
           f"-F{OWNED}", f"--filter={OWNED}", "-N", "--net=x"],
    "grep": ["-f/etc/shadow", "--file=/etc/shadow", "-R", "--recursive",
             "--dereference-recursive", "--directories=recurse",
             "--include=*"],
    "cat": ["-A", "--show-all"],
    "journalctl": ["--vacuum-size=1", "--vacuum-time=1s", "--rotate",
                   "--flush", "--file=/etc/shadow", "--directory=/",
                   "--root=/", "--sync", "--relinquish-var", "--setup-keys"],
    "pgrep": ["--signal=KILL", "-u0", "--ns=1", "--inverse"],
    # ps writes nothing, but 'e' and args show other programs' environments
    # and command lines (secrets)
    "ps": ["e", "-ww", "-oargs=", "--format=args", "-f", "--forest"],
    # another daemon, config or storage root; all containers, full
    # commands (their arguments may hold secrets)
    "docker": [f"--host=unix://{OWNED}", f"-Hunix://{OWNED}",
               f"--config={OWNED}", "--log-level=debug", "-D", "-a",
               "--all", "--no-trunc", "--filter=name=x", "--size"],
    "podman": [f"--url=unix://{OWNED}", "--remote", f"--root={OWNED}",
               f"--runroot={OWNED}", "--log-level=debug", "-a", "--all",
               "--no-trunc", "--filter=name=x", "--size"],
}


def _grants():
    """One granted argv per grant and shape: {(entry, free positions,
    length): (argv, free positions)}. Branches of one grant that differ
    only in a literal (ovs-vsctl's tables, syslog or messages) are one.
    """
    entries = lib.sudoers_commands()
    argvs = [lib.sudo_argv(c) for _, c in lib.planned_commands()]
    argvs += [list(lib.todays_argv(c.argv)) for _, c in lib.recorded_commands()]
    found = {}
    for argv in sorted({tuple(a) for a in argvs}):
        argv = list(argv)
        entry = lib.matching_entry(argv, entries)
        if entry is None:            # dns check's lookups: not granted
            continue
        free = lib.free_positions(argv, entries)
        found.setdefault((entry, tuple(free), len(argv)), (argv, free))
    return found


GRANTS = _grants()
CASES = sorted(GRANTS.values())


def _tools(argv):
    tools = {argv[0]}
    if argv[1:3] == ["netns", "exec"]:
        tools.add(pathlib.PurePath(argv[4]).name)
    return tools


@functools.lru_cache(maxsize=None)
def help_options(tool):
    """Every long option ``TOOL --help`` names here, bare and with a
    value.
    """
    if shutil.which(tool) is None:
        return ()
    done = subprocess.run([tool, "--help"], capture_output=True, text=True,
                          timeout=10)
    found = sorted(set(re.findall(r"--[a-z][a-z0-9-]+",
                                  done.stdout + done.stderr)))
    return tuple(found + [f"{o}={OWNED}" for o in found])


def injections(argv, free, every_long_option=False):
    """Every argv with an option at a free position of ``argv``: in place
    of the field, before it and after it (with no free field: at the end
    and after the command).
    """
    options = GENERIC + [o for t in sorted(_tools(argv))
                         for o in TOOL_OPTIONS[t]]
    if every_long_option:
        options += [o for t in sorted(_tools(argv)) for o in help_options(t)]
    found = set()
    for option in options:
        for index in free:
            found.add(tuple(argv[:index] + [option] + argv[index + 1:]))
            found.add(tuple(argv[:index] + [option] + argv[index:]))
            found.add(tuple(argv[:index + 1] + [option] + argv[index + 1:]))
        if not free:
            found.add(tuple(argv + [option]))
            found.add(tuple(argv[:1] + [option] + argv[1:]))
    return sorted(found)


def _id(case):
    argv, free = case
    return " ".join(argv)[:50] + f" free={free}"


def test_every_grant_of_the_file_is_tried():
    assert {key[0] for key in GRANTS} == set(lib.sudoers_commands())


def test_the_free_fields_are_found():
    # What this test injects at, for the grants the issue names.
    def free(*head):
        return {tuple(f) for argv, f in CASES
                if tuple(argv[:len(head)]) == head}
    assert free("ovs-ofctl", "dump-flows") == {(2, 3)}
    assert free("ip", "netns", "exec") == {(3,)}
    # the OVN chassis's Open_vSwitch row: all literal
    assert free("ovs-vsctl") == {(3,), ()}
    assert free("ovn-appctl") == {()}
    assert free("ip", "-j", "netns", "list") == {()}
    assert free("cat") == {(2,)}
    # the MAC; and the log's path, but for syslog and messages (literal)
    assert free("grep", "-F") == {(8,), (8, 9)}
    assert free("journalctl") == {()}


def _free_fields(args):
    """The parts of a ``^...$`` argument pattern that start a word and are
    not literal: a bracket expression or '.'.
    """
    fields = []
    for word in args[1:].rstrip("$").split(" "):
        # "(a|b)" and "(-d -j ...|-j ...)": each alternative starts a word.
        fields += [alt for alt in word.lstrip("(").split("|")
                   if alt.startswith(("[", "."))]
    return fields


def test_no_free_field_of_the_file_can_start_with_a_dash():
    fields = [field for _, args, is_regex in lib.sudoers_commands()
              if is_regex for field in _free_fields(args)]
    assert fields, "no free field found: the parser is wrong"
    for field in fields:
        assert field.startswith("["), field
        first = field[1:field.index("]", 2)]
        # A '-' first or last in a bracket expression is a literal '-'; '^'
        # first negates (and so allows '-').
        assert not first.startswith(("-", "^")) and \
            not first.endswith("-"), field


def test_ofctl_fields_are_the_codes_allow_lists():
    [args] = [args for path, args, _ in lib.sudoers_commands()
              if path.endswith("/ovs-ofctl")]
    _, bridge, flow_filter = args[1:-1].split(" ")
    assert bridge + r"\Z" == names._BRIDGE_RE.pattern
    assert flow_filter + r"\Z" == names._OF_FILTER_RE.pattern


def test_every_command_in_a_namespace_is_an_absolute_path():
    for _, args, _ in lib.sudoers_commands():
        if args and args.startswith("^netns exec "):
            inner = args.split(" ")[3]
            assert inner in probes.NETNS_COMMANDS.values(), args
    for _, command in lib.planned_commands():
        if command.argv[:3] == ("ip", "netns", "exec"):
            assert command.argv[4] in probes.NETNS_COMMANDS.values()


def test_a_command_without_a_known_path_is_not_run_in_a_namespace():
    with pytest.raises(ValueError):
        probes.in_netns("qdhcp-" + "0" * 8 + "-0000-0000-0000-" + "0" * 12,
                        ("sh", "-c", "id"))


@pytest.mark.skipif(not pathlib.Path("/etc/debian_version").exists(),
                    reason="the paths are Debian's")
def test_the_paths_are_this_debian_hosts():
    # Debian 12 (merged /usr): where each command run in a namespace is.
    for name, path in probes.NETNS_COMMANDS.items():
        assert pathlib.Path(path).is_file(), name
        assert pathlib.PurePath(path).name == name


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_no_injection_is_granted(case):
    entries = lib.sudoers_commands()
    assert [a for a in injections(*case) if lib.allowed(list(a), entries)] \
        == []


def test_the_tools_name_their_long_options():
    for tool in ("ovs-ofctl", "ovs-vsctl", "ss", "grep", "journalctl"):
        if shutil.which(tool):
            assert "--help" in help_options(tool), tool
    if shutil.which("ovs-ofctl"):
        assert "--log-file" in help_options("ovs-ofctl")


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_no_long_option_any_tool_knows_is_granted(case):
    # Every long option each tool's --help lists here, by the matcher
    # (the real sudo takes the list above: one process per argv).
    entries = lib.sudoers_commands()
    tried = injections(*case, every_long_option=True)
    assert [a for a in tried if lib.allowed(list(a), entries)] == []


# -- the real sudo -------------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    why = lib.real_sudo_missing()
    if why:
        pytest.skip(f"needs sudo: {why}")
    argvs = [a for case in CASES for a in injections(*case)]
    argvs += [case[0] for case in CASES]
    # one sudo process each; the OVN, DVR, container and firewall grants
    # took it past 1000, the firewall's IPv6 and conntrack ones past 1600
    assert len(argvs) < 1700
    with lib.sudo_namespace("i") as prefix:
        yield lib.sudo_list_many(prefix, argvs)


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_real_sudo_refuses_every_injection(real, case):
    argv, _ = case
    if not lib.installed(argv):
        pytest.skip(f"{argv[0]} not installed here: sudo cannot resolve it")
    # The grant itself still holds (else refusing proves nothing).
    assert real[tuple(argv)][0] == 0, real[tuple(argv)]
    granted = [(a, real[a][1]) for a in injections(*case)
               if real[a][:2] != (1, "")]
    assert granted == []
