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

"""--show-commands on the commands that change hosts, port capture and
cleanup: the plan is, per host, the argv a real run sends (checked against
a real run of each, a capture on this machine with stand-in tools and a
cleanup over the lab's recorded listings), no connection is opened, exit 0.
"""

import json
import pathlib
import types

import pytest

from osc_netdiag import api
from osc_netdiag.capture import cleanup
from osc_netdiag.capture import mirror as mirror_mod
from osc_netdiag.capture import run
from osc_netdiag import context as ctx_mod
from osc_netdiag.inventory import Inventory
from osc_netdiag.transport.base import CommandResult
from osc_netdiag.transport.local import LocalTransport
from osc_netdiag.transport import plan as plan_mod
from osc_netdiag.transport import script
from osc_netdiag.v1 import capture as capture_cmd
from osc_netdiag.v1 import cleanup as cleanup_cmd
from tests.safety import sudoers_lib as lib
from tests.unit.capture import test_capture_local as local_capture
from tests.unit.capture.test_capture_local import local  # noqa: F401
from tests.unit.helpers import run_command
from tests.unit.test_show_commands import no_network  # noqa: F401

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
SCENARIO = FIXTURES / "scenarios" / "vlan-healthy"
RUN_ID, NOW = "0badc0de", 1800000000.0
POINTS = ("--at", "tap", "--at", "patch", "--at", "qr")


class Spy:
    """A transport that records each host's argv, as sent, around another
    (``inner``: a real run) or around answers given per command name.
    """

    def __init__(self, inner=None, answers=None):
        self.inner, self.answers, self.sent = inner, answers, {}

    def open(self, target):
        sent = self.sent.setdefault(target.name, [])
        inner = self.inner.open(target) if self.inner else None
        answers = self.answers

        class Session:
            round_trips = 0

            def run(self, commands):
                sent.extend(tuple(script.command_argv(
                    c, sudo=target.sudo, exec_prefix=target.exec_prefix))
                    for c in commands)
                if inner is not None:
                    return inner.run(commands)
                return [CommandResult(c.name, c.argv, answers(c), "", 0)
                        for c in commands]

            def stream(self, argv, **kwargs):
                sent.append(tuple(argv))
                return inner.stream(argv, **kwargs)

            def close(self):
                if inner is not None:
                    inner.close()
        return Session()


@pytest.fixture
def fixed_run(monkeypatch):
    """One run id and one clock: the scripts of two runs compare equal."""
    monkeypatch.setattr(mirror_mod, "new_run_id", lambda: RUN_ID)
    monkeypatch.setattr(run, "time", types.SimpleNamespace(time=lambda: NOW))


def _context():
    return ctx_mod.PortContext.from_json(
        json.loads((SCENARIO / "context.json").read_text()))


def _capture_plan(inventory, **options):
    transport = api.plan_transport()
    run.capture_context(_context(), at=("tap", "patch", "qr"), bpf="icmp",
                        yes=True, inventory=inventory, transport=transport,
                        user="tester", **options)
    return api.command_plan(transport)


@pytest.mark.usefixtures("local", "fixed_run")
def test_capture_plan_is_the_real_run():
    """Each host's planned argv is, whole, the one a real capture streamed
    (its script: mirrors, tcpdumps, removal) and nothing else.
    """
    spy = Spy(inner=LocalTransport())
    result = local_capture.capture(transport=spy)
    assert result.applied and result.exit_code == 0, result.findings
    plan = _capture_plan(Inventory(), count=50, duration=5)
    planned = {}
    for item in plan.commands:
        assert (item.phase, item.name, item.sudo_argv) == (1, "stream", ())
        assert item.sudoers == plan_mod.NO_SUDO
        planned.setdefault(item.host, []).append(item.argv)
    assert planned == spy.sent
    assert sorted(planned) == ["compute1", "network1"]
    assert all(len(argvs) == 1 for argvs in planned.values())
    assert plan.unknown == () and plan.exit_code == 0


@pytest.mark.usefixtures("fixed_run")
def test_capture_plan_with_sudo_and_exec_prefix():
    """sudo -n -- sh -c SCRIPT after the timeout, the exec prefix inside
    the script before every ovs-vsctl, and said not to be grantable.
    """
    inventory = Inventory.from_dict({
        "defaults": {"sudo": True},
        "hosts": {"compute1": {
            "exec_prefix": "podman exec openvswitch_vswitchd"}}})
    plan = _capture_plan(inventory)
    by_host = {c.host: c for c in plan.commands}
    compute = by_host["compute1"]
    assert compute.argv[:7] == ("timeout", "-k", "3", "27", "sudo", "-n",
                                "--")
    assert compute.sudo_argv[:2] == ("sh", "-c")
    assert compute.sudoers == plan_mod.NOT_GRANTED_SCRIPT
    body = compute.sudo_argv[2]
    assert "podman exec openvswitch_vswitchd ovs-vsctl --timeout=5" in body
    assert " ovs-vsctl" not in body.replace(
        "podman exec openvswitch_vswitchd ovs-vsctl", "")
    assert "ndm0badc0de" in body and "tcpdump" in body
    assert "openvswitch_vswitchd" not in by_host["network1"].sudo_argv[2]
    assert [t.exec_prefix for t in plan.targets] == [
        ("podman", "exec", "openvswitch_vswitchd"), ()]


def _leftover_answers(command):
    table = command.argv[-1].lower()
    if command.name.startswith("capture-remove-"):
        return ""
    return (FIXTURES / "capture" /
            f"ovs-vsctl-list--{table}-leftover.out").read_text()


def _cleanup_plan(hosts, yes, inventory=None):
    transport = api.plan_transport()
    cleanup.cleanup(hosts, inventory=inventory or Inventory(),
                    transport=transport, yes=yes, now=NOW)
    return api.command_plan(transport)


@pytest.mark.parametrize("yes", [False, True])
def test_cleanup_plan_is_the_real_runs_listing(yes):
    """Phase 1 is, per host, exactly the listing a real cleanup sends;
    with --yes the removal depends on those answers and the plan says so.
    """
    spy = Spy(answers=_leftover_answers)
    result = cleanup.cleanup(["compute1", "network1"], inventory=Inventory(),
                             transport=spy, yes=yes, now=NOW)
    # two marked rows a host; the stand-in still lists them after removal
    assert len(result.leftovers) == 4
    plan = _cleanup_plan(["compute1", "network1"], yes)
    first = {}
    for item in plan.commands:
        assert item.phase == 1
        first.setdefault(item.host, []).append(item.argv)
    listing = [tuple(script.command_argv(c, sudo=False))
               for c in cleanup.list_commands()]
    assert first == {"compute1": listing, "network1": listing}
    # the real run: the same listing first, then (--yes) removal + listing
    for host, sent in spy.sent.items():
        assert sent[:3] == first[host]
        assert len(sent) == (7 if yes else 3)
    assert plan.unknown == ((("compute1", 2), ("network1", 2)) if yes
                            else ())


def test_cleanup_plan_sudoers():
    """Bridge and Port listings are granted by NETDIAG_OVS; the Mirror
    listing is not in the shipped file and is said not to be.
    """
    plan = _cleanup_plan(["compute1"], True,
                         Inventory.from_dict({"defaults": {"sudo": True}}))
    granted = {c.argv[-1]: c.sudoers for c in plan.commands}
    assert granted["Bridge"].startswith("NETDIAG_OVS: /usr/bin/ovs-vsctl ")
    assert granted["Port"] == granted["Bridge"]
    assert granted["Mirror"] == plan_mod.NOT_GRANTED


def sudo_plans():
    """The plans of capture and cleanup with sudo, for the sudoers tests."""
    inventory = Inventory.from_dict({"defaults": {"sudo": True}})
    yield _capture_plan(inventory)
    yield _cleanup_plan(["compute1", "network1"], True, inventory)


def test_printed_entry_is_the_one_that_grants():
    """As for the read-only commands: the entry printed is the one sudo's
    matching (the tests' own) finds, or none is found where none is
    printed.
    """
    entries = lib.sudoers_commands()
    seen = 0
    for plan in sudo_plans():
        for item in plan.commands:
            seen += 1
            expected = lib.matching_entry(list(item.sudo_argv), entries)
            if expected is None:
                assert item.sudoers.startswith(plan_mod.NOT_GRANTED)
                continue
            path, args, _ = expected
            assert item.sudoers.partition(": ")[2] == f"{path} {args}"
    assert seen == 2 + 3 * 2


def _fail(*args, **kwargs):
    raise AssertionError("a host transport was made")


@pytest.fixture
def recorded_capture(monkeypatch, fixed_run, no_network):  # noqa: F811
    monkeypatch.setattr(api, "host_transport", _fail)
    monkeypatch.setattr(run, "capture_port", lambda conn, port, **kw:
                        run.capture_context(_context(), **kw))


def test_capture_cli_prints_the_plan_and_opens_nothing(recorded_capture,
                                                       tmp_path):
    """Without --yes too: the plan is of the run --yes allows."""
    code, app = run_command(capture_cmd.CapturePort, "vm-port",
                            "--show-commands", *POINTS, "-f", "json")
    document = json.loads(app.stdout.getvalue())
    assert code == 0 and document["exit_code"] == 0
    assert [(c["host"], c["argv"][:4], c["argv"][4:6]) for c in
            document["commands"]] == [
        ("compute1", ["timeout", "-k", "3", "27"], ["sh", "-c"]),
        ("network1", ["timeout", "-k", "3", "27"], ["sh", "-c"])]
    assert "ndm0badc0de" in document["commands"][0]["argv"][6]
    code, app = run_command(capture_cmd.CapturePort, "vm-port",
                            "--show-commands", *POINTS)
    out = app.stdout.getvalue()
    assert code == 0
    assert "Refused without --yes" not in out
    assert "Hosts (no connection was opened):" in out


def test_capture_cli_refuses_write(recorded_capture, tmp_path):
    from osc_lib.exceptions import CommandError
    with pytest.raises(CommandError, match="no packet for --write"):
        run_command(capture_cmd.CapturePort, "vm-port", "--show-commands",
                    "-w", str(tmp_path / "pcaps"))
    assert not (tmp_path / "pcaps").exists()


def test_cleanup_cli_prints_the_plan_and_opens_nothing(
        no_network, monkeypatch):  # noqa: F811
    monkeypatch.setattr(api, "host_transport", _fail)
    code, app = run_command(cleanup_cmd.Cleanup, "--host", "compute1",
                            "--yes", "--show-commands", "-f", "value",
                            "-c", "Host", "-c", "Phase")
    assert code == 0
    assert app.stdout.getvalue().splitlines() == [
        "compute1 1", "compute1 1", "compute1 1",
        "compute1 2 (depends on phase 1's answers)"]
