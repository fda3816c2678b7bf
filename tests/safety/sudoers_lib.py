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

"""What the sudoers tests share: the published file read into entries, a
re-implementation of sudo's matching, the argv every read-only command
plans, and the real sudo run as the unprivileged ``netdiag`` user in a
network namespace whose /etc/sudoers is the published file.
"""

import contextlib
import json
import os
import pathlib
import re
import shutil
import subprocess

from osc_netdiag.backends.ml2_ovs import hostcheck as hostcheck_backend
from osc_netdiag.backends.ml2_ovs import segment_map
from osc_netdiag.backends.ml2_ovs import trace as ovs
from osc_netdiag import context as ctx_mod
from osc_netdiag import hostcheck
from osc_netdiag.l3dhcp import dhcp
from osc_netdiag.l3dhcp import dns
from osc_netdiag.l3dhcp import metadata
from osc_netdiag.l3dhcp import router
from osc_netdiag import probes
from osc_netdiag import runner
from osc_netdiag.transport.base import Command
from osc_netdiag.transport import replay
from osc_netdiag.transport import script
from osc_netdiag import vlanmap

ROOT = pathlib.Path(__file__).parents[2]
SUDOERS = ROOT / "doc" / "source" / "netdiag.sudoers"
FIXTURES = ROOT / "tests" / "fixtures"
USER = "netdiag"             # the user the published file grants
USER_UID = 64124
SUDO_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


# -- the file and a re-implementation of sudo's matching ----------------------

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


def matching_entry(argv, entries):
    """The first entry under which sudo would run ``argv`` (argv[0] found
    on PATH), or None.
    """
    for entry in entries:
        path, args, is_regex = entry
        if pathlib.PurePath(path).name != argv[0]:
            continue
        line = " ".join(argv[1:])
        if args is None:                  # no arguments given: any allowed
            return entry
        if is_regex and re.fullmatch(args[1:-1] if args.endswith("$")
                                     else args[1:], line):
            return entry
        if not is_regex and args == line:
            return entry
    return None


def allowed(argv, entries):
    return matching_entry(argv, entries) is not None


def free_positions(argv, entries):
    """Indexes of the arguments of a granted ``argv`` that the file lets
    vary (a pattern, not a literal): where one changed character is still
    granted.
    """
    free = []
    for index in range(1, len(argv)):
        element = argv[index]
        for at in range(len(element)):
            if any(allowed(argv[:index] +
                           [element[:at] + char + element[at + 1:]] +
                           argv[index + 1:], entries)
                   for char in "0aA_" if char != element[at]):
                free.append(index)
                break
    return free


# -- what the read-only commands run -------------------------------------------

def sudo_argv(command):
    """The argv a command gives to ``sudo -n --`` on the host."""
    full = script.command_argv(command, sudo=True)
    return full[full.index("sudo") + 3:]


def _contexts(folder, context_class, name, prefix=""):
    for capture in sorted((FIXTURES / folder).iterdir()):
        if capture.name.startswith(prefix) and \
                (capture / f"{name}.json").exists():
            yield capture.name, context_class.from_json(
                replay.load_json(str(capture), name))


def _by_host(where, planned):
    for host, items in planned.items():
        for probe in items:
            yield f"{where}:{host}:{probe.name}", probe.command


def planned_commands():
    """(where, Command) of every probe each read-only command plans for
    the recorded contexts in tests/fixtures (port trace, network vlan-map,
    host check, router/dhcp/dns check) and dhcp check's second round.
    """
    for name, context in _contexts("scenarios", ctx_mod.PortContext,
                                   runner.CONTEXT_FILE):
        yield from _by_host(f"trace:{name}", ovs.plan(context))
    for name, context in _contexts("vlanmap", vlanmap.VlanMapContext,
                                   runner.CONTEXT_FILE):
        yield from _by_host(f"vlanmap:{name}", segment_map.plan(context))
    for name, context in _contexts("hostcheck", hostcheck.HostCheckContext,
                                   runner.CONTEXT_FILE):
        yield from _by_host(f"hostcheck:{name}",
                            hostcheck_backend.plan(context))
    scenarios = "l3dhcp/scenarios"
    for name, context in _contexts(scenarios, router.RouterContext,
                                   runner.CONTEXT_FILE, "router"):
        yield from _by_host(f"router:{name}", {
            host: router.host_probes(context, host)
            for host in context.hosts})
    for name, context in _contexts(scenarios, dhcp.DhcpContext,
                                   runner.CONTEXT_FILE, "dhcp"):
        yield from _by_host(f"dhcp:{name}", {
            host: dhcp.first_probes(context) for host in context.hosts})
    for name, context in _contexts(scenarios, dhcp.DhcpContext,
                                   runner.CONTEXT_FILE, "dns"):
        yield from _by_host(f"dns:{name}", dns.plan(context))
    # dhcp check's second round, for the recorded dhcp-port: the hosts file
    # and every log source (the recording read only one of them).
    port = "l3dhcp/scenarios/dhcp-port"
    for name, context in _contexts(port.rsplit("/", 1)[0], dhcp.DhcpContext,
                                   runner.CONTEXT_FILE, "dhcp-port"):
        net = context.network_id
        second = [dhcp.hosts_file_probe(
            f"/var/lib/neutron/dhcp/{net}/host")]
        second += dhcp.log_probes(context.port.mac, (
            *dhcp.SYSLOG_SOURCES,
            f"/var/log/neutron/dnsmasq/{net}/dhcp_dns_log"))
        yield from _by_host(f"dhcp:{name}:second", {"any": second})
    # a host where ovs-vsctl was not found: its running containers
    for runtime in probes.CONTAINER_RUNTIMES:
        probe = probes.running_containers(runtime)
        yield f"containers:{runtime}", probe.command
    for path in ("/etc/neutron/neutron.conf", "/etc/neutron/dhcp_agent.ini",
                 "/etc/neutron/plugins/ml2/ml2_conf.ini"):
        probe = metadata.config_probe(path)
        yield f"dhcp:agent-config:{probe.name}", probe.command


def is_dns_lookup(argv):
    """dns check's lookups: a python3 program, deliberately not granted."""
    return argv[4:6] == (probes.NETNS_COMMANDS["python3"], "-c")


def recorded_commands():
    """(where, Command) of every command of every recorded run of a
    read-only command (tests/fixtures/**/hosts/*.json), once per argv, as
    recorded: older recordings name commands in a namespace bare.
    """
    seen = {}
    for path in sorted(FIXTURES.glob("**/hosts/*.json")):
        for item in json.loads(path.read_text())["commands"]:
            argv = tuple(item["argv"])
            where = f"{path.parent.parent.relative_to(FIXTURES)}:{item['name']}"
            seen.setdefault(argv, (where, Command(item["name"], argv)))
    return sorted(seen.values(), key=lambda pair: pair[0])


def todays_argv(argv):
    """A recorded argv as today's probes build it (the absolute path of a
    command in a namespace); replay.legacy_argv is its inverse.
    """
    argv = tuple(argv)
    if argv[:3] == ("ip", "netns", "exec") and len(argv) > 4:
        return argv[:4] + (probes.NETNS_COMMANDS.get(argv[4], argv[4]),) + \
            argv[5:]
    return argv


# -- the real sudo -------------------------------------------------------------

def real_sudo_missing():
    if os.geteuid() != 0:
        return "needs root (a network namespace with its own /etc files)"
    for tool in ("ip", "sudo", "setpriv"):
        if shutil.which(tool) is None:
            return f"{tool} not installed"
    if not os.access("/usr/bin/python3", os.X_OK):
        return "/usr/bin/python3 not installed"
    return None


@contextlib.contextmanager
def sudo_namespace(tag):
    """A namespace whose /etc/sudoers is the published file (``ip netns
    exec`` bind-mounts /etc/netns/<ns>/* over /etc), with the ``netdiag``
    user; yields the argv prefix that runs a command as that user there.
    """
    netns = f"ndsu-{tag}-{os.getpid()}"
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
        # No secure_path: the file must be safe without one.
        (etc / "sudoers").write_text("Defaults env_reset\n"
                                     "root ALL=(ALL:ALL) ALL\n"
                                     + SUDOERS.read_text())
        (etc / "sudoers").chmod(0o440)
        subprocess.run(["ip", "netns", "add", netns], check=True)
        yield ["ip", "netns", "exec", netns, "setpriv",
               f"--reuid={USER_UID}", f"--regid={USER_UID}",
               "--clear-groups", "env", f"PATH={SUDO_PATH}"]
    finally:
        subprocess.run(["ip", "netns", "del", netns], capture_output=True)
        shutil.rmtree(etc, ignore_errors=True)


# Runs as the netdiag user: one ``sudo -n -l -- ARGV`` per argv read from
# stdin (JSON), answers [exit status, stdout, stderr] as JSON. One process
# to enter the namespace instead of one per case.
_BATCH = """
import json, subprocess, sys
answers = []
for argv in json.load(sys.stdin):
    done = subprocess.run(["sudo", "-n", "-l", "--"] + argv,
                          capture_output=True, text=True, timeout=20)
    answers.append([done.returncode, done.stdout, done.stderr])
json.dump(answers, sys.stdout)
"""


def sudo_list_many(prefix, argvs):
    """{argv tuple: (exit status, stdout, stderr)} of ``sudo -n -l -- ARGV``
    as the netdiag user, for each distinct argv.
    """
    argvs = sorted({tuple(a) for a in argvs})
    done = subprocess.run(prefix + ["/usr/bin/python3", "-c", _BATCH],
                          input=json.dumps(argvs), capture_output=True,
                          text=True, timeout=600, check=True)
    return {argv: tuple(answer)
            for argv, answer in zip(argvs, json.loads(done.stdout))}


def installed(argv):
    """Can sudo resolve argv[0] here (else it refuses for that reason)?"""
    return shutil.which(argv[0], path="/usr/sbin:/usr/bin") is not None
