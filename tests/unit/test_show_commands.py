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

"""--show-commands: the plan is the very argv a real run sends (checked
against every recorded one-phase run in tests/fixtures), with the sudo and
exec prefixes, a netdiag.sudoers entry that grants each, honest about
later phases, and no connection opened; exit 0."""

import json
import pathlib
import socket

from osc_lib.exceptions import CommandError
import pytest

from osc_netdiag import api
from osc_netdiag import context as ctx_mod
from osc_netdiag import hostcheck
from osc_netdiag.inventory import Inventory
from osc_netdiag.l3dhcp import dhcp
from osc_netdiag.l3dhcp import dns
from osc_netdiag.l3dhcp import router
from osc_netdiag.linux import containers
from osc_netdiag import sudoers
from osc_netdiag.transport import plan as plan_mod
from osc_netdiag.transport import ssh as ssh_mod
from osc_netdiag.v1 import host as host_cmd
from osc_netdiag.v1 import port as port_cmd
from osc_netdiag import vlanmap
from tests.safety import sudoers_lib as lib
from tests.unit.helpers import run_command

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
TIMEOUT = ("timeout", "-k", "2", "--", "10")


def _context(folder, cls):
    return cls.from_json(json.loads((folder / "context.json").read_text()))


def _recorded(folder):
    """{host: [argv]} the recorded run sent, as today's probes build it."""
    found = {}
    for path in (folder / "hosts").glob("*.json"):
        data = json.loads(path.read_text())
        found[data["host"]] = [lib.todays_argv(c["argv"])
                               for c in data["commands"]]
    return found


def _plan(check, context, inventory=None):
    transport = api.plan_transport()
    check(context, inventory=inventory or Inventory(), transport=transport)
    return api.command_plan(transport)


def _one_phase_cases():
    for folder in sorted((FIXTURES / "scenarios").iterdir()):
        yield folder, api.trace_context, ctx_mod.PortContext
    for name, check, cls in (("hostcheck", hostcheck.check_context,
                              hostcheck.HostCheckContext),
                             ("vlanmap", vlanmap.map_context,
                              vlanmap.VlanMapContext)):
        for folder in sorted((FIXTURES / name).iterdir()):
            if (folder / "context.json").exists():
                yield folder, check, cls
    l3dhcp = FIXTURES / "l3dhcp" / "scenarios"
    for folder in sorted(l3dhcp.iterdir()):
        if folder.name.startswith("router"):
            yield folder, router.check_context, router.RouterContext
        elif folder.name.startswith("dns"):
            yield folder, dns.check_context, dhcp.DhcpContext


ONE_PHASE = list(_one_phase_cases())


@pytest.mark.parametrize("folder,check,cls", ONE_PHASE,
                         ids=[f"{c[0].parent.name}/{c[0].name}"
                              for c in ONE_PHASE])
def test_plan_is_the_recorded_run(folder, check, cls):
    """Each host's planned commands are, in order, its recorded run's argv.

    Behind 'timeout -k 2 -- T' and nothing else (no sudo: the inventory
    does not ask for it).
    """
    plan = _plan(check, _context(folder, cls))
    planned, listing = {}, {}
    for item in plan.commands:
        assert item.argv[:4] == TIMEOUT[:4]
        assert item.sudoers == plan_mod.NO_SUDO
        if item.condition:
            # a host's containers, only where Open vSwitch is not found
            assert item.phase == 2
            assert item.condition == containers.CONDITION
            listing.setdefault(item.host, []).append(item.argv[5:])
            continue
        assert item.phase == 1
        planned.setdefault(item.host, []).append(item.argv[5:])
    recorded = {h: argv for h, argv in _recorded(folder).items() if argv}
    assert recorded
    for host, argvs in recorded.items():
        assert planned[host] == argvs
    ovs_hosts = {h for h, argvs in planned.items()
                 if any(a[0] in ("ovs-vsctl", "ovs-ofctl") for a in argvs)}
    assert listing == {h: [("docker", "ps", "--format", "{{.Names}}"),
                           ("podman", "ps", "--format", "{{.Names}}")]
                       for h in ovs_hosts}
    assert plan.unknown == ()
    assert plan.exit_code == 0


def test_sudo_and_exec_prefix_as_the_script_runs_them():
    """sudo -n -- after timeout, the exec prefix before ovs commands only.

    The granting entry is named; an exec-prefixed command is not granted
    by the shipped file and is said to be.
    """
    folder = FIXTURES / "scenarios" / "vxlan-healthy"
    inventory = Inventory.from_dict({
        "defaults": {"sudo": True},
        "hosts": {"compute1": {
            "exec_prefix": "docker exec openvswitch_vswitchd"}}})
    plan = _plan(api.trace_context, _context(folder, ctx_mod.PortContext),
                 inventory)
    rows = {(c.host, c.name): c for c in plan.commands}
    # compute1 has an exec prefix: no container listing is planned there
    assert ("compute1", "containers:docker") not in rows
    assert rows[("network1", "containers:docker")].sudoers == (
        "NETDIAG_CONTAINERS: /usr/bin/docker ps --format {{.Names}}")
    addr = rows[("compute1", "ip-addr")]
    assert addr.argv == TIMEOUT + ("sudo", "-n", "--", "ip", "-d", "-j",
                                   "addr", "show")
    assert addr.sudoers == "NETDIAG_IP: /usr/sbin/ip -d -j addr show"
    bridges = rows[("compute1", "ovs-bridges")]
    assert bridges.argv[5:11] == ("sudo", "-n", "--", "docker", "exec",
                                  "openvswitch_vswitchd")
    assert bridges.argv[11] == "ovs-vsctl"
    assert bridges.sudoers == plan_mod.NOT_GRANTED_PREFIX
    flows = rows[("network1", "flows:br-tun:table=22")]
    assert flows.command == ("timeout -k 2 -- 10 sudo -n -- ovs-ofctl "
                             "dump-flows br-tun table=22")
    assert flows.sudoers.startswith("NETDIAG_OVS: /usr/bin/ovs-ofctl "
                                    "^dump-flows ")
    assert [t.exec_prefix for t in plan.targets] == [
        ("docker", "exec", "openvswitch_vswitchd"), ()]


def _sudo_plans():
    inventory = Inventory.from_dict({"defaults": {"sudo": True}})
    for folder, check, cls in ONE_PHASE:
        yield _plan(check, _context(folder, cls), inventory)
    for name in ("dhcp-port", "dhcp-network"):
        folder = FIXTURES / "l3dhcp" / "scenarios" / name
        yield _plan(dhcp.check_context, _context(folder, dhcp.DhcpContext),
                    inventory)


def test_printed_entry_is_the_one_that_grants():
    """Every printed entry is the shipped file's entry granting the argv.

    The tests' own re-implementation of sudo's matching agrees, and only
    dns check's python3 lookups are printed as not granted.
    """
    entries = lib.sudoers_commands()
    seen = 0
    for plan in _sudo_plans():
        for item in plan.commands:
            seen += 1
            expected = lib.matching_entry(list(item.sudo_argv), entries)
            if expected is None:
                assert lib.is_dns_lookup(item.sudo_argv), item.argv
                assert item.sudoers == plan_mod.NOT_GRANTED
                continue
            path, args, _ = expected
            alias, _, line = item.sudoers.partition(": ")
            assert line == (f"{path} {args}" if args else path)
            assert alias.startswith("NETDIAG_")
    assert seen > 300


def test_dhcp_check_says_its_second_phase_depends_on_answers():
    folder = FIXTURES / "l3dhcp" / "scenarios" / "dhcp-port"
    context = _context(folder, dhcp.DhcpContext)
    plan = _plan(dhcp.check_context, context)
    assert plan.unknown == (("network1", 2),)
    rows = plan.rows()
    assert ("network1", "2 (depends on phase 1's answers)",
            plan_mod.UNKNOWN_LATER, "") in rows
    # phase 1 is the check's first phase, exactly
    first = [c.argv[5:] for c in plan.commands if c.phase == 1]
    assert first == [p.argv for p in dhcp.first_probes(context)]
    assert any(c.phase == 2 for c in plan.commands)
    assert [r[1] for r in rows] == sorted(
        [r[1] for r in rows], key=lambda p: int(p.split()[0]))


def test_entry_matching_follows_sudo():
    entries = sudoers.parse(lib.SUDOERS.read_text())
    assert len(entries) == len(lib.sudoers_commands())
    assert sudoers.granting(("ip", "-j", "netns", "list"), entries).alias \
        == "NETDIAG_IP"
    # one argument more, an absolute path elsewhere, another program
    assert sudoers.granting(("ip", "-j", "netns", "list", "x"),
                            entries) is None
    assert sudoers.granting(("/tmp/ip", "-j", "netns", "list"),
                            entries) is None
    assert sudoers.granting(("ovs-ofctl", "dump-flows", "br-int",
                             "--log-file=/x"), entries) is None
    # a regex entry matches the whole line, not a prefix of it
    assert sudoers.granting(("ovs-ofctl", "dump-flows", "br-int",
                             "table=0"), entries).alias == "NETDIAG_OVS"
    assert sudoers.granting(("ovs-ofctl", "dump-flows", "br-int",
                             "table=0", "--log-file=/x"), entries) is None
    assert sudoers.shipped_path() is not None


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("a connection was attempted")
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(ssh_mod.SSHTransport, "open", refuse)


@pytest.fixture
def recorded_trace(monkeypatch):
    context = _context(FIXTURES / "scenarios" / "vlan-network-node-unreachable",
                       ctx_mod.PortContext)
    monkeypatch.setattr(api, "trace_port", lambda conn, port, **kw:
                        api.trace_context(context, **kw))


def test_cli_prints_the_plan_and_opens_nothing(no_network, recorded_trace,
                                               tmp_path):
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text("defaults: {sudo: true, user: netdiag}\n"
                         "hosts: {network1: {address: 198.18.0.12, "
                         "jump: admin@bastion}}\n")
    code, app = run_command(port_cmd.TracePort, "some-port",
                            "--show-commands", "--inventory", str(inventory))
    out = app.stdout.getvalue()
    assert code == 0
    assert "| Host" in out and "Sudoers" in out
    assert ("timeout -k 2 -- 10 sudo -n -- ip -j netns list" in out)
    assert "NETDIAG_DHCP: /usr/bin/pgrep -a -x dnsmasq" in out
    assert "Hosts (no connection was opened):" in out
    assert "ProxyJump admin@bastion" in out
    assert "Findings" not in out


def test_cli_json_document(no_network, recorded_trace):
    code, app = run_command(port_cmd.TracePort, "some-port",
                            "--show-commands", "-f", "json")
    document = json.loads(app.stdout.getvalue())
    assert code == 0
    assert document["exit_code"] == 0
    assert {h["host"] for h in document["hosts"]} == {"compute1", "network1"}
    first = document["commands"][0]
    assert first["argv"][:5] == list(TIMEOUT)
    assert first["phase"] == 1
    assert first["sudoers"] == plan_mod.NO_SUDO


def test_show_commands_refuses_what_it_cannot_honour(no_network, tmp_path):
    # nothing runs, so nothing is saved; and a replay reads no host
    with pytest.raises(SystemExit) as exc:
        run_command(host_cmd.CheckHost, "compute1", "--show-commands",
                    "--from-capture", str(tmp_path))
    assert exc.value.code == 2
    with pytest.raises(CommandError, match="nothing for --save-capture"):
        run_command(host_cmd.CheckHost, "--all", "--show-commands",
                    "--save-capture", str(tmp_path / "c"), conn=object())
    assert not (tmp_path / "c").exists()


def test_cli_columns_select_as_for_any_list(no_network, recorded_trace):
    code, app = run_command(port_cmd.TracePort, "some-port",
                            "--show-commands", "-f", "value", "-c", "Host",
                            "-c", "Command")
    lines = app.stdout.getvalue().splitlines()
    assert code == 0
    assert lines[0] == "compute1 timeout -k 2 -- 10 ip -d -j addr show"
    assert all(not line.endswith(plan_mod.NO_SUDO) for line in lines)
    # network1 too: a plan connects to no host, reachable or not; and
    # each host's container listing, should ovs-vsctl not be found
    assert len(lines) == 19 + 4
    assert lines[-1] == ("network1 timeout -k 2 -- 10 podman ps --format "
                         "'{{.Names}}'")
