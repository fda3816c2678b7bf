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

"""The byte caps (transport.limits): per command, per host, split live.

The streams are real: recorded lab outputs (tests/fixtures/scenarios) sent
back through the real framed script by a real /bin/sh, and real commands
(``head -c N /dev/zero``) run by the local transport and over a real sshd.
"""

import json
import pathlib
import subprocess
import threading
import time

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from osc_netdiag import models
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport import limits
from osc_netdiag.transport.local import LocalTransport
from osc_netdiag.transport import script
from osc_netdiag.transport.ssh import SSHTransport
from osc_netdiag.transport import sshio

RECORDED = (pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"
            / "vlan-healthy" / "hosts" / "compute1.json")
HERE = HostTarget(name="here", address="localhost")
MIB = limits.MIB


def _recorded_streams(folder):
    """(commands, nonce, stdout, stderr) of a real batch replaying the lab's
    compute1 outputs with cat, plus one command writing to stderr.
    """
    data = json.loads(RECORDED.read_text())
    commands = []
    for index, command in enumerate(data["commands"]):
        path = folder / f"out{index}"
        path.write_text(command["stdout"])
        commands.append(Command(command["name"], ("cat", str(path))))
    commands.append(Command("both", ("sh", "-c", f"cat {folder}/out0 >&2; "
                                     "echo to-out; exit 3")))
    nonce = script.new_nonce()
    text = script.build_script(commands, sudo=False, nonce=nonce)
    proc = subprocess.run(["/bin/sh", "-s"], input=text.encode(),
                          capture_output=True, timeout=60, check=True)
    return commands, nonce, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    return _recorded_streams(folder=tmp_path_factory.mktemp("recorded"))


def _split(recorded, caps, chunk, budget=None):
    commands, nonce, out, err = recorded
    batch = limits.BoundedBatch(script.marker(nonce), len(commands), caps,
                                caps.per_host if budget is None else budget)
    for start in range(0, max(len(out), len(err)), chunk):
        batch.feed_out(out[start:start + chunk])
        batch.feed_err(err[start:start + chunk])
    kept_out, kept_err = batch.streams()
    return batch, batch.mark_cuts(script.parse_framed(
        kept_out.decode(), kept_err.decode(), commands, nonce))


def _whole(recorded):
    commands, nonce, out, err = recorded
    return script.parse_framed(out.decode(), err.decode(), commands, nonce)


@settings(max_examples=60, deadline=None)
@given(chunk=st.one_of(st.integers(1, 80), st.integers(81, 70000)))
def test_live_split_under_the_caps_is_parse_framed(recorded, chunk):
    # Markers cut across chunks anywhere must still be found.
    _, results = _split(recorded, limits.OutputLimits(), chunk)
    assert results == _whole(recorded)
    assert all(r.status == models.HOST_OK for r in results)


@pytest.mark.parametrize("chunk", [1, 7, 4096, 65536])
def test_command_over_its_cap_is_error_and_the_others_are_whole(recorded,
                                                                chunk):
    whole = _whole(recorded)
    [big] = [r for r in whole if r.name == "ip-addr"]      # 7323 bytes
    caps = limits.OutputLimits(per_command=4000, per_host=10 * MIB)
    batch, results = _split(recorded, caps, chunk)
    by_name = {r.name: r for r in results}
    cut = by_name.pop("ip-addr")
    assert cut.status == models.HOST_ERROR and not cut.ok
    assert cut.stdout == big.stdout[:4000]
    assert cut.message == ("ip-addr: output cut at 4000 bytes (the command "
                           "sent at least 7323; raise the limit with "
                           "--max-output)")
    # stderr has its own cap: "both" sent 7323 bytes there, 3 exit status.
    both = by_name.pop("both")
    assert (both.status, both.exit_status) == (models.HOST_ERROR, 3)
    assert both.stdout == "to-out\n" and len(both.stderr) == 4000
    assert list(by_name.values()) == [r for r in whole
                                      if r.name in by_name]
    # What is kept is the capped bodies and the markers, nothing else.
    assert len(batch.out.kept) < sum(min(len(r.stdout), 4000)
                                     for r in whole) + 100 * len(whole)


def test_host_cap_stops_the_read(recorded):
    commands, nonce, out, err = recorded
    # The host may send up to 10 bytes into the third command's output.
    begin = f"{script.marker(nonce)}:B:2\n".encode()
    budget = out.index(begin) + len(begin) + 10
    caps = limits.OutputLimits(per_command=MIB, per_host=budget)
    batch = limits.BoundedBatch(script.marker(nonce), len(commands), caps,
                                budget)
    for start in range(0, len(out), 512):
        batch.feed_out(out[start:start + 512])
    batch.feed_err(err)
    assert batch.exhausted and batch.received == budget
    kept_out, kept_err = batch.streams()
    assert kept_err == b""
    results = batch.mark_cuts(script.parse_framed(
        kept_out.decode(), kept_err.decode(), commands, nonce))
    first, second, third, *rest = results
    whole = _whole(recorded)
    assert first.stdout == whole[0].stdout and second.stdout == whole[1].stdout
    assert (third.name, third.status, third.exit_status) == (
        "ovs-ports", models.HOST_ERROR, None)
    assert third.stdout == whole[2].stdout[:10]
    assert third.message == (f"ovs-ports: output cut at {budget} bytes (all "
                             f"this host may send; raise the limit with "
                             f"--max-output)")
    assert rest and all(r.status == models.HOST_ERROR and "not run" in
                        r.message for r in rest)


def test_limits_from_the_option_and_refused_values():
    assert limits.limits_of(None) == limits.OutputLimits(16 * MIB, 64 * MIB)
    assert limits.limits_of(100) == limits.OutputLimits(100 * MIB, 400 * MIB)
    assert limits.limits_of(1) == limits.OutputLimits(MIB, 64 * MIB)
    for bad in (0, -1, True, 1.5):
        with pytest.raises(Exception):
            limits.OutputLimits(per_command=bad)


# -- real transports ---------------------------------------------------------
def _flood(name, size):
    return Command(name, ("head", "-c", str(size), "/dev/zero"), timeout=20)


def test_local_command_over_its_cap_is_error_and_the_next_one_runs():
    caps = limits.OutputLimits(per_command=MIB, per_host=64 * MIB)
    with LocalTransport(output_limits=caps).open(HERE) as session:
        flood, after = session.run([_flood("flood", 40 * MIB),
                                    Command("after", ("echo", "fine"))])
    assert (flood.status, flood.exit_status) == (models.HOST_ERROR, 0)
    assert flood.message.startswith(f"flood: output cut at {MIB} bytes")
    assert len(flood.stdout) == MIB
    assert after.ok and after.stdout == "fine\n"


def test_local_host_cap_kills_the_batch_early():
    caps = limits.OutputLimits(per_command=MIB, per_host=4 * MIB)
    session = LocalTransport(output_limits=caps).open(HERE)
    flood, after = session.run([_flood("flood", 400 * MIB),
                                Command("after", ("echo", "fine"))])
    assert session.received == 4 * MIB             # stopped reading there
    assert (flood.status, flood.exit_status) == (models.HOST_ERROR, None)
    assert flood.message.startswith(f"flood: output cut at {4 * MIB} bytes")
    assert after.status == models.HOST_ERROR and not after.ok
    # The host's budget is spent for the next batches too.
    with pytest.raises(Exception) as caught:
        session.run([Command("again", ("true",))])
    assert caught.value.status == models.HOST_ERROR


def test_ssh_command_over_its_cap_and_host_cap(sshd, target_for):
    caps = limits.OutputLimits(per_command=MIB, per_host=6 * MIB)
    transport = SSHTransport(connect_timeout=2, banner_timeout=2,
                             auth_timeout=2, allow_agent=False,
                             output_limits=caps)
    with transport.open(target_for()) as session:
        small, after = session.run([_flood("small", 2 * MIB),
                                    Command("after", ("echo", "fine"))])
        assert (small.status, len(small.stdout)) == (models.HOST_ERROR, MIB)
        assert small.message.startswith(f"small: output cut at {MIB} bytes")
        assert after.ok and after.stdout == "fine\n"
        [flood] = session.run([_flood("flood", 400 * MIB)])
        assert session.received == 6 * MIB
    assert (flood.status, flood.exit_status) == (models.HOST_ERROR, None)
    assert flood.message.startswith(f"flood: output cut at {6 * MIB} bytes")


# -- the watchdog, on a channel that never answers ---------------------------
class _SilentChannel:
    """Waits like paramiko's exec request: on an event only close sets."""

    def __init__(self):
        self.event = threading.Event()
        self.closed = False

    def settimeout(self, seconds):
        pass

    def exec_command(self, command):
        self.event.wait()
        raise OSError("Channel closed.")

    def close(self):
        self.closed = True
        self.event.set()


class _StuckChannel(_SilentChannel):
    def close(self):              # blocks like a write on a full connection
        self.event.wait()


class _Connection:
    def __init__(self, channel):
        self.channel = channel
        self.closed = False

    def close(self):
        self.closed = True
        self.channel.event.set()


def _watched(channel, connection, grace):
    """exchange() under a Watchdog, in a thread joined with a bound (a
    regression fails here instead of hanging the test run).
    """
    box = {}

    def body():
        with sshio.Watchdog(channel, connection, 0.3, grace=grace) as dog:
            box["dog"] = dog
            try:
                sshio.exchange(channel, "sh", b"", 0.3, None)
            except OSError as exc:
                box["raised"] = exc
    thread = threading.Thread(target=body, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(5)
    assert not thread.is_alive(), "exec request still waiting after 5s"
    return box, time.monotonic() - started


def test_watchdog_closes_the_channel_at_the_deadline():
    channel = _SilentChannel()
    connection = _Connection(channel)
    box, elapsed = _watched(channel, connection, sshio.GRACE)
    assert "raised" in box and 0.3 <= elapsed < 3
    assert box["dog"].fired and channel.closed
    assert not connection.closed and not box["dog"].closed_connection


def test_watchdog_closes_the_connection_when_closing_the_channel_hangs():
    channel = _StuckChannel()
    connection = _Connection(channel)
    box, elapsed = _watched(channel, connection, 0.3)
    assert "raised" in box and elapsed < 4
    assert box["dog"].fired and box["dog"].closed_connection
    assert connection.closed
