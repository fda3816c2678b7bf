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

"""Record/replay and the parallel host pool."""

import json
import threading
import time

import pytest

from osc_netdiag import errors
from osc_netdiag import models
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.local import LocalTransport
from osc_netdiag.transport.pool import HostPool
from osc_netdiag.transport.pool import run_on_hosts
from osc_netdiag.transport import replay
from osc_netdiag.transport.ssh import SSHTransport

from conftest import free_port

COMMANDS = [Command("echo", ("echo", "hello $(id)")),
            Command("fail", ("sh", "-c", "echo bad >&2; exit 4")),
            Command("missing", ("netdiag-no-such-tool",)),
            Command("noeol", ("printf", "%s", "a\nb"))]


def ssh():
    return SSHTransport(connect_timeout=2, banner_timeout=2, auth_timeout=2,
                        allow_agent=False)


def test_record_over_ssh_then_replay_is_identical(sshd, target_for, tmp_path):
    capture = tmp_path / "capture"
    good = target_for(name="compute1")
    refused = target_for(name="compute2", port=free_port())
    recorder = replay.RecordingTransport(ssh(), capture)
    outcomes = run_on_hosts(recorder, {good: COMMANDS, refused: COMMANDS})
    recorded = outcomes["compute1"].results
    assert outcomes["compute2"].error.status == models.HOST_UNREACHABLE

    data = json.loads((capture / "hosts" / "compute1.json").read_text())
    assert data["host"] == "compute1" and data["status"] == "ok"
    assert data["address"] == "127.0.0.1"
    assert [c["name"] for c in data["commands"]] == [c.name for c in COMMANDS]
    assert set(data["commands"][0]) >= {"name", "argv", "stdout", "stderr",
                                        "exit_status", "status"}
    failed = json.loads((capture / "hosts" / "compute2.json").read_text())
    assert failed["status"] == models.HOST_UNREACHABLE and failed["message"]

    replayer = replay.ReplayTransport(capture)
    replayed = run_on_hosts(replayer, {good: COMMANDS, refused: COMMANDS})
    assert replayed["compute1"].results == recorded
    assert replayed["compute2"].error.status == models.HOST_UNREACHABLE
    assert replayed["compute2"].error.message == outcomes["compute2"].error.message


def test_replay_unknown_command_and_host(tmp_path):
    capture = tmp_path / "capture"
    recorder = replay.RecordingTransport(LocalTransport(), capture)
    target = HostTarget(name="net1", address="localhost")
    with recorder.open(target) as session:
        session.run(COMMANDS[:1])
    with replay.ReplayTransport(capture).open(target) as session:
        [unknown] = session.run([Command("other", ("ip", "-j", "link"))])
    assert unknown.status == models.HOST_ERROR and not unknown.ok
    assert "not in capture" in unknown.message
    with pytest.raises(errors.HostError) as caught:
        replay.ReplayTransport(capture).open(HostTarget(name="net2", address="x"))
    assert caught.value.status == models.HOST_ERROR


def test_replay_latency_counts_round_trips(tmp_path):
    capture = tmp_path / "capture"
    target = HostTarget(name="net1", address="localhost")
    with replay.RecordingTransport(LocalTransport(), capture).open(target) as session:
        session.run(COMMANDS)
    replayer = replay.ReplayTransport(capture, latency=0.05)
    started = time.monotonic()
    with replayer.open(target) as session:
        session.run(COMMANDS)
        session.run(COMMANDS[:1])
        assert session.round_trips == 2
    assert replayer.round_trips == 3          # one open + two batches
    assert time.monotonic() - started >= 0.15


def test_save_and_load_json(tmp_path):
    replay.save_json(tmp_path, "context", {"port": {"id": "p1"}, "ü": [1, 2]})
    assert replay.load_json(tmp_path, "context") == {"port": {"id": "p1"}, "ü": [1, 2]}


def test_host_names_cannot_escape_capture_dir(tmp_path):
    # Host names pass the inventory's allow-list before becoming file names.
    assert replay.host_path(tmp_path, "compute-1.example") == str(
        tmp_path / "hosts" / "compute-1.example.json")
    for name in ("../etc/passwd", "..", "a/b"):
        with pytest.raises(errors.UnsafeNameError):
            replay.host_path(tmp_path, name)


def test_run_on_hosts_in_parallel_and_isolated(tmp_path):
    capture = tmp_path / "capture"
    names = [f"compute{i}" for i in range(6)]
    for name in names[:5]:
        with replay.RecordingTransport(LocalTransport(), capture).open(
                HostTarget(name=name, address="localhost")) as session:
            session.run(COMMANDS[:1])
    plan = {HostTarget(name=n, address="localhost"): COMMANDS[:1] for n in names}
    replayer = replay.ReplayTransport(capture, latency=0.2)
    started = time.monotonic()
    outcomes = run_on_hosts(replayer, plan, max_workers=8)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0                       # 6 hosts x 0.4 s sequentially
    assert sorted(outcomes) == names
    assert all(outcomes[n].ok and outcomes[n].round_trips == 1 for n in names[:5])
    assert outcomes["compute5"].error is not None
    assert outcomes["compute5"].results == []


def test_host_pool_reuses_sessions_across_phases(sshd, target_for):
    threads_before = threading.active_count()
    accepted_before = sshd.log_text().count("Accepted publickey")
    a, b = target_for(name="a"), target_for(name="b")
    bad = target_for(name="bad", port=free_port())
    with HostPool(ssh(), max_workers=4) as pool:
        first = pool.run({a: COMMANDS[:1], b: COMMANDS[:1], bad: COMMANDS[:1]})
        second = pool.run({a: COMMANDS[:2], bad: COMMANDS[:1]})
        assert pool.round_trips == 3
    assert first["a"].results[0].stdout == "hello $(id)\n"
    assert [r.name for r in second["a"].results] == ["echo", "fail"]
    assert second["a"].round_trips == 1
    assert first["bad"].error.status == second["bad"].error.status == models.HOST_UNREACHABLE
    time.sleep(0.3)
    assert sshd.log_text().count("Accepted publickey") == accepted_before + 2
    assert threading.active_count() == threads_before
