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

"""A host must not hang or exhaust the client, against a real sshd.

* The sshd process serving our connection is SIGSTOPped right after the
  channel opens (found by PID inside the namespace, from the connection's
  port): the exec request is never answered. The batch deadline ends it,
  the host is ``timeout`` and the other host of the run finishes.
* A command printing 400 MB: ``error`` with "output cut at N bytes", and
  the client stopped reading at the host's cap.

The runs happen in a thread joined with a bound, so a regression fails
the test instead of hanging it.
"""

import os
import re
import signal
import threading
import time

import paramiko

from osc_netdiag import models
from osc_netdiag.transport.base import Command
from osc_netdiag.transport import pool
from osc_netdiag.transport import script
from osc_netdiag.transport.ssh import SSHTransport
from osc_netdiag.transport import sshio

from tests.safety import nsssh

TIMEOUT = 2.0


def transport(**options):
    return SSHTransport(connect_timeout=TIMEOUT, banner_timeout=TIMEOUT,
                        auth_timeout=TIMEOUT, allow_agent=False, **options)


def _session_pids(host, connection):
    """PIDs of the sshd processes holding ``connection``'s socket."""
    port = connection.sock.getsockname()[1]
    listing = host.exec("ss", "-H", "-t", "-n", "-p", "state",
                        "established").stdout
    for line in listing.splitlines():
        if f" {host.gateway}:{port} " in f"{line} ":
            return sorted({int(p) for p in re.findall(r"pid=(\d+)", line)})
    return []


def _bounded(call, seconds):
    """Run ``call`` in a thread; (result or exception, elapsed, hung)."""
    box = {}

    def body():
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - reported below
            box["value"] = exc
    thread = threading.Thread(target=body, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    return box.get("value"), time.monotonic() - started, thread.is_alive()


def test_session_process_stopped_after_channel_open_times_out(
        nshost, monkeypatch):
    stopped = []
    opened = paramiko.Transport.open_session

    def open_then_stop(self, *args, **kwargs):
        channel = opened(self, *args, **kwargs)
        if self.get_username() == "root" and not stopped:
            for pid in _session_pids(nshost, self):
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
        return channel

    monkeypatch.setattr(paramiko.Transport, "open_session", open_then_stop)
    stuck = nshost.target(name="stuck")
    other = nshost.target(name="other", user=nsssh.USER)
    commands = [Command("echo", ("echo", "answer"), timeout=1)]
    deadline = script.batch_deadline(commands)
    try:
        outcomes, elapsed, hung = _bounded(
            lambda: pool.run_on_hosts(transport(), {stuck: commands,
                                                    other: commands}),
            deadline + 15)
        assert stopped, "found no sshd process of our connection"
        assert not hung, f"the run was still waiting after {elapsed:.0f}s"
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
    assert not isinstance(outcomes, BaseException), outcomes
    error = outcomes["stuck"].error
    assert error is not None and error.status == models.HOST_TIMEOUT, error
    assert "batch deadline" in error.message
    assert deadline - 0.5 <= elapsed < deadline + sshio.GRACE + 2
    [answer] = outcomes["other"].results
    assert outcomes["other"].ok and answer.ok and answer.stdout == "answer\n"


def test_400_mb_output_is_cut_and_the_read_stops_early(nshost):
    flood = Command("flood", ("head", "-c", str(400 * 10 ** 6), "/dev/zero"),
                    timeout=60)
    session = transport().open(nshost.target())
    try:
        value, elapsed, hung = _bounded(lambda: session.run([flood]), 120)
        assert not hung
        assert not isinstance(value, BaseException), value
        received = getattr(session, "received", None)
    finally:
        session.close()
    [result] = value
    assert result.status == models.HOST_ERROR, (result.status, elapsed)
    from osc_netdiag.transport import limits
    host_cap = limits.DEFAULT_HOST_BYTES
    assert (result.status, result.exit_status) == (models.HOST_ERROR, None)
    assert result.message == (f"flood: output cut at {host_cap} bytes (all "
                              f"this host may send; raise the limit with "
                              f"--max-output)")
    assert received == host_cap                  # not 400 MB
    assert len(result.stdout) == limits.DEFAULT_COMMAND_BYTES


def test_a_raised_cap_reads_the_whole_output(nshost):
    from osc_netdiag.transport import limits
    size = 20 * limits.MIB                       # over the default 16 MiB
    command = Command("big", ("head", "-c", str(size), "/dev/zero"),
                      timeout=60)
    with transport().open(nshost.target()) as session:
        [default] = session.run([command])
    with transport(output_limits=32).open(nshost.target()) as session:
        [raised] = session.run([command])
    assert (default.status, default.exit_status) == (models.HOST_ERROR, 0)
    assert default.message.startswith(
        f"big: output cut at {limits.DEFAULT_COMMAND_BYTES} bytes")
    assert raised.ok and len(raised.stdout) == size
