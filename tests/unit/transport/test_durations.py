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

"""CommandResult.duration as each transport sets it: the local and SSH
transports time every command of a batch from its framed output (real
commands that sleep), a replay gives back what was recorded (0.0 from an
older capture), and the pool times each host."""

import json

from osc_netdiag import models
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.local import LocalTransport
from osc_netdiag.transport import pool
from osc_netdiag.transport import replay
from osc_netdiag.transport.ssh import SSHTransport

# a slow command, a quick one, a slower one, one stopped by its timeout
COMMANDS = [Command("slow", ("sleep", "0.4")),
            Command("quick", ("true",)),
            Command("slower", ("sleep", "0.7")),
            Command("stuck", ("sleep", "5"), timeout=0.3)]


# Durations are measured here, as the framed lines arrive: an opening
# marker that comes a few milliseconds late (a busy host, SSH windowing)
# makes the figure that much shorter than the command's own run.
ARRIVAL_JITTER = 0.05


def check_durations(results):
    slow, quick, slower, stuck = (r.duration for r in results)
    assert [r.status for r in results] == [models.HOST_OK] * 3 + [
        models.HOST_TIMEOUT]
    assert 0.4 - ARRIVAL_JITTER <= slow < 0.4 + 0.5
    assert 0 <= quick < 0.2
    assert 0.7 - ARRIVAL_JITTER <= slower < 0.7 + 0.5
    assert 0.3 - ARRIVAL_JITTER <= stuck < 0.3 + 0.5


def test_local_transport_times_each_command():
    target = HostTarget(name="here", address="localhost")
    with LocalTransport().open(target) as session:
        check_durations(session.run(COMMANDS))


def test_ssh_transport_times_each_command_and_replay_keeps_it(
        target_for, tmp_path):
    transport = SSHTransport(connect_timeout=3, banner_timeout=3,
                             auth_timeout=3, allow_agent=False)
    recorder = replay.RecordingTransport(transport, tmp_path)
    target = target_for(name="compute1")
    with recorder.open(target) as session:
        results = session.run(COMMANDS)
    check_durations(results)
    data = json.loads((tmp_path / "hosts" / "compute1.json").read_text())
    assert [c["duration"] for c in data["commands"]] == [
        r.duration for r in results]
    with replay.ReplayTransport(tmp_path).open(target) as session:
        assert [r.duration for r in session.run(COMMANDS)] == [
            r.duration for r in results]


def test_replay_of_a_capture_without_durations_reports_zero(tmp_path):
    (tmp_path / "hosts").mkdir()
    (tmp_path / "hosts" / "compute1.json").write_text(json.dumps(
        {"host": "compute1", "address": "", "status": "ok", "message": "",
         "commands": [{"name": "quick", "argv": ["true"], "stdout": "",
                       "stderr": "", "exit_status": 0, "status": "ok",
                       "message": ""}]}))
    target = HostTarget(name="compute1", address="")
    with replay.ReplayTransport(tmp_path).open(target) as session:
        (result,) = session.run(COMMANDS[1:2])
    assert result.ok and result.duration == 0.0


def test_pool_times_each_host():
    """Hosts run in parallel, each with its own elapsed time."""
    slow = HostTarget(name="slow", address="localhost")
    quick = HostTarget(name="quick", address="localhost")
    plan = {slow: COMMANDS[:1], quick: COMMANDS[1:2]}
    with pool.HostPool(LocalTransport()) as hosts:
        outcomes = hosts.run(plan)
    assert 0.4 <= outcomes["slow"].elapsed < 0.4 + 0.5
    assert outcomes["quick"].elapsed < 0.3
    outcomes = pool.run_on_hosts(LocalTransport(), plan)
    assert 0.4 <= outcomes["slow"].elapsed < 0.4 + 0.5
    assert outcomes["quick"].elapsed < 0.3
