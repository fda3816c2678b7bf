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

"""A host whose Open vSwitch runs in containers (kolla-ansible): its
ovs-vsctl/ovs-ofctl are not on the PATH, so the run lists the running
containers (docker/podman ps --format {{.Names}}: the format netdiag asks
for, one name a line) and NETDIAG_OVS_IN_CONTAINER names the exec prefix
for the inventory.

The recorded host check 'healthy' is replayed with its Open vSwitch
commands answered as a real 'command not found' (timeout's own words,
captured here by running it with no such program on PATH). No container
runtime runs on this machine, so the listing is the documented format
filled with kolla's container names."""

import pathlib
import shutil
import subprocess

import pytest

from osc_netdiag import exitcodes
from osc_netdiag import hostcheck
from osc_netdiag.inventory import Inventory
from osc_netdiag.linux import containers
from osc_netdiag import models
from osc_netdiag.transport.base import CommandResult
from osc_netdiag.transport.base import HostSession
from osc_netdiag.transport.base import Transport
from osc_netdiag.transport import replay
from osc_netdiag.transport import script

HEALTHY = pathlib.Path(__file__).parents[1] / "fixtures" / "hostcheck" / \
    "healthy"
KOLLA = ("openvswitch_vswitchd", "openvswitch_db", "neutron_openvswitch_agent",
         "neutron_l3_agent", "neutron_dhcp_agent", "nova_compute", "cron")


def not_found(program, tmp_path):
    """(exit status, stderr) of 'timeout ... PROGRAM', PROGRAM not on PATH.

    Run as the batch script runs it: timeout found by name.
    """
    bin_dir = tmp_path / "bin"
    done = subprocess.run(["timeout", "-k", "2", "--", "10", program],
                          env={"PATH": str(bin_dir)}, capture_output=True,
                          text=True)
    return done.returncode, done.stderr


class Containerised(Transport):
    """The recording, with every ovs command not found.

    The host's running containers by runtime ({runtime: names}); a runtime
    missing from it is itself not found.
    """

    def __init__(self, running, tmp_path):
        self.inner = replay.ReplayTransport(str(HEALTHY))
        self.running = running
        self.tmp_path = tmp_path
        self.asked = []
        # made once, here: the hosts run in parallel threads, and each
        # making it on first use raced (FileExistsError on one host)
        (tmp_path / "bin").mkdir(exist_ok=True)
        (tmp_path / "bin" / "timeout").symlink_to(shutil.which("timeout"))

    def open(self, target):
        return _Session(self, self.inner.open(target))

    def answer(self, command, result):
        program = command.argv[0]
        if command.ovs or (program in ("docker", "podman")
                           and program not in self.running):
            rc, err = not_found(program, self.tmp_path)
            status, message = script.classify(command, rc, err, sudo=False)
            return CommandResult(command.name, command.argv, "", err, rc,
                                 status, message)
        if program in ("docker", "podman"):
            text = "".join(f"{name}\n" for name in self.running[program])
            return CommandResult(command.name, command.argv, text, "", 0)
        return result


class _Session(HostSession):
    def __init__(self, owner, inner):
        self.owner = owner
        self.inner = inner

    def run(self, commands):
        self.owner.asked += [c.argv for c in commands]
        return [self.owner.answer(c, r)
                for c, r in zip(commands, self.inner.run(commands))]


def _check(running, tmp_path, inventory=None):
    context = replay.load_json(str(HEALTHY), "context")
    transport = Containerised(running, tmp_path)
    result = hostcheck.check_context(
        hostcheck.HostCheckContext.from_json(context),
        inventory=inventory or Inventory(), transport=transport)
    return result, transport


def test_kolla_host_gets_the_exec_prefix(tmp_path):
    result, transport = _check({"docker": KOLLA}, tmp_path)
    hints = [f for f in result.findings
             if f.code == "NETDIAG_OVS_IN_CONTAINER"]
    # one per host of the check, each named
    assert sorted(f.subject for f in hints) == ["compute1", "compute2",
                                                "network1"]
    assert hints[0].severity == models.Severity.WARNING
    assert "exec_prefix 'docker exec openvswitch_vswitchd'" in \
        hints[0].summary
    assert "'exec_prefix: docker exec openvswitch_vswitchd'" in \
        hints[0].remedy
    # the commands were still not found: exit 8, as any missing command
    assert result.exit_code == exitcodes.UNREADABLE
    assert {h.status for h in result.hosts} == {models.HOST_MISSING_COMMAND}
    assert ("docker", "ps", "--format", "{{.Names}}") in transport.asked
    assert ("podman", "ps", "--format", "{{.Names}}") in transport.asked


def test_podman_and_an_agent_container(tmp_path):
    # no openvswitch_* container: a neutron_* one has the clients too
    result, _ = _check({"podman": ("neutron_l3_agent", "cron",
                                   "neutron_openvswitch_agent")}, tmp_path)
    hint = [f for f in result.findings
            if f.code == "NETDIAG_OVS_IN_CONTAINER"][0]
    assert "exec_prefix 'podman exec neutron_openvswitch_agent'" in \
        hint.summary


def test_unrelated_containers_give_no_hint(tmp_path):
    result, _ = _check({"docker": ("nova_compute", "cron",
                                   "openvswitch_vswitchd_old")}, tmp_path)
    assert "NETDIAG_OVS_IN_CONTAINER" not in [f.code
                                              for f in result.findings]


def test_not_asked_when_an_exec_prefix_is_set(tmp_path):
    inventory = Inventory.from_dict({"defaults": {
        "exec_prefix": "docker exec openvswitch_vswitchd"}})
    result, transport = _check({"docker": KOLLA}, tmp_path, inventory)
    assert not [a for a in transport.asked if a[0] in ("docker", "podman")]
    assert "NETDIAG_OVS_IN_CONTAINER" not in [f.code
                                              for f in result.findings]


def test_not_asked_on_a_healthy_host():
    result = hostcheck.check_from_capture(str(HEALTHY))
    assert result.exit_code == 0
    assert "NETDIAG_OVS_IN_CONTAINER" not in [f.code
                                              for f in result.findings]


@pytest.mark.parametrize("running,expected", [
    ({"docker": KOLLA}, ("docker", "openvswitch_vswitchd")),
    ({"docker": ("openvswitch_db", "neutron_dhcp_agent")},
     ("docker", "openvswitch_db")),
    ({"docker": ("neutron_dhcp_agent", "neutron_l3_agent")},
     ("docker", "neutron_dhcp_agent")),
    ({"docker": ("cron",), "podman": ("openvswitch_vswitchd",)},
     ("podman", "openvswitch_vswitchd")),
    ({}, None),
])
def test_suggestion(running, expected):
    assert containers.suggestion(running) == expected


def test_names_parser_is_strict():
    from osc_netdiag.errors import ParseError
    from osc_netdiag.parsers import containers as parser
    assert parser.parse_names("openvswitch_vswitchd\nneutron_l3_agent\n") \
        == ("openvswitch_vswitchd", "neutron_l3_agent")
    assert parser.parse_names("") == ()
    # anything but the one-name-a-line format asked for
    with pytest.raises(ParseError):
        parser.parse_names("openvswitch_vswitchd neutron_l3_agent\n")
    with pytest.raises(ParseError):
        parser.parse_names("-x\n")
