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

"""Faults against a real sshd in a namespace: each host status, its time
bound, nothing left behind, and the other hosts' hops still complete.
"""

import subprocess
import time
import uuid

import pytest

from osc_netdiag import errors
from osc_netdiag import exitcodes
from osc_netdiag import models
from osc_netdiag.transport.base import Command
from osc_netdiag.transport import script
from osc_netdiag.transport.ssh import SSHTransport

TIMEOUT = 2.0


def transport():
    return SSHTransport(connect_timeout=TIMEOUT, banner_timeout=TIMEOUT,
                        auth_timeout=TIMEOUT, allow_agent=False)


def _open_fails(target):
    started = time.monotonic()
    with pytest.raises(errors.HostError) as caught:
        transport().open(target)
    return caught.value, time.monotonic() - started


def _hops(trace, host):
    return [(h.device, h.kind, h.state, h.status) for h in trace.hops
            if h.host == host]


def _running(pattern):
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True,
                           text=True)
    return found.stdout.split()


def _still_running_after(pattern, grace):
    """The PIDs matching ``pattern`` once ``grace`` seconds have passed
    without them all gone (polled: under load the KILL that follows TERM
    lands late, and a fixed pause read that as a leftover).
    """
    deadline = time.monotonic() + grace
    while True:
        left = _running(pattern)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.1)


# -- 3. packets dropped -----------------------------------------------------
def test_dropped_packets_are_unreachable_within_connect_timeout(
        nshost, no_leftover_threads):
    restore = nshost.drop_packets()
    try:
        error, elapsed = _open_fails(nshost.target(connect_timeout=TIMEOUT))
    finally:
        restore()
    assert error.status == models.HOST_UNREACHABLE, error.message
    assert "no TCP answer" in error.message
    assert TIMEOUT - 0.2 <= elapsed < TIMEOUT + 1


def test_unreachable_host_leaves_other_hosts_complete(nshost, mixed_trace):
    restore = nshost.drop_packets()
    try:
        started = time.monotonic()
        trace = mixed_trace(connect_timeout=TIMEOUT)
        elapsed = time.monotonic() - started
    finally:
        restore()
    assert elapsed < TIMEOUT + 1
    states = {h.host: h.status for h in trace.hosts}
    assert states == {"compute1": models.HOST_UNREACHABLE,
                      "network1": models.HOST_OK}
    # network1 is diagnosed exactly as in the healthy recording...
    assert _hops(trace, "network1") == _hops(mixed_trace.healthy, "network1")
    assert all(s == "OK" for *_, s in _hops(trace, "network1"))
    # ...and every compute1 hop is "not checked", never OK.
    compute = _hops(trace, "compute1")
    assert compute and all(s == "SKIP" for *_, s in compute)
    assert trace.exit_code == exitcodes.UNREADABLE


# -- 4. TCP accepted, no banner ----------------------------------------------
def test_listener_without_banner_times_out(nshost, no_leftover_threads):
    port, stop = nshost.silent_listener()
    try:
        error, elapsed = _open_fails(nshost.target(port=port))
    finally:
        stop()
    assert error.status == models.HOST_TIMEOUT, error.message
    assert elapsed < TIMEOUT + 1.5


def test_sigstopped_sshd_times_out(fresh_nshost, no_leftover_threads):
    nshost = fresh_nshost
    restore = nshost.stop_sshd()
    try:
        error, elapsed = _open_fails(nshost.target())
    finally:
        restore()
    assert error.status == models.HOST_TIMEOUT, error.message
    assert elapsed < TIMEOUT + 1.5
    # sshd resumes and serves the next client.
    with transport().open(nshost.target()) as session:
        assert session.run([Command("true", ("true",))])[0].ok


def test_sigstopped_host_in_a_trace(nshost, mixed_trace):
    # Last use of the session's sshd in this module after a SIGSTOP.
    restore = nshost.stop_sshd()
    try:
        trace = mixed_trace(connect_timeout=TIMEOUT)
    finally:
        restore()
    states = {h.host: h.status for h in trace.hosts}
    assert states == {"compute1": models.HOST_TIMEOUT,
                      "network1": models.HOST_OK}
    assert _hops(trace, "network1") == _hops(mixed_trace.healthy, "network1")
    assert trace.exit_code == exitcodes.UNREADABLE


# -- 5. a remote command that hangs ------------------------------------------
def test_hanging_commands_end_at_their_deadline(nshost, no_leftover_threads):
    marker = str(40000 + uuid.uuid4().int % 20000)
    commands = [
        Command("sleep", ("sleep", f"{marker}.5"), timeout=1),
        # Matches nothing: would wait for ever without its deadline.
        Command("tcpdump", ("tcpdump", "-n", "-i", "lo", "-c", "1", "udp",
                            "port", marker), timeout=1),
        Command("after", ("echo", "still-running"), timeout=1),
    ]
    with transport().open(nshost.target()) as session:
        started = time.monotonic()
        sleep, tcpdump, after = session.run(commands)
        elapsed = time.monotonic() - started
    assert (sleep.status, sleep.exit_status) == (models.HOST_TIMEOUT, 124)
    assert (tcpdump.status, tcpdump.exit_status) == (models.HOST_TIMEOUT, 124)
    assert after.ok and after.stdout == "still-running\n"
    assert elapsed < 2 * (1 + script.KILL_AFTER) + 1
    assert _still_running_after(f"sleep {marker}", grace=5) == []
    assert _still_running_after(f"udp port {marker}", grace=5) == []


def test_command_ignoring_term_is_killed(nshost):
    marker = str(40000 + uuid.uuid4().int % 20000)
    command = Command("stubborn", ("sh", "-c", f"trap '' TERM; sleep {marker}"),
                      timeout=1)
    with transport().open(nshost.target()) as session:
        [result] = session.run([command])
    assert result.status == models.HOST_TIMEOUT
    assert _still_running_after(f"sleep {marker}", grace=5) == []


# -- 6. sudo that would ask for a password -----------------------------------
def test_sudo_without_nopasswd_is_permission_at_once(nshost, no_leftover_threads):
    target = nshost.target(user="ndsafe", sudo=True)
    started = time.monotonic()
    with transport().open(target) as session:
        results = session.run([Command("ip-addr", ("ip", "-j", "addr", "show")),
                               Command("ovs", ("ovs-vsctl", "list-br"),
                                       ovs=True)])
    elapsed = time.monotonic() - started
    assert elapsed < 2
    for result in results:
        assert result.status == models.HOST_PERMISSION, result
        assert "sudo -n refused" in result.message
        assert "password" not in result.stdout
        assert "[sudo] password" not in result.stderr     # no prompt
    # The only authentication was the key: sshd saw no password at all.
    log = nshost.log_text()
    assert "Accepted publickey for ndsafe" in log
    assert "password for ndsafe" not in log.lower()
    assert "Failed password" not in log


def test_permission_host_carries_8():
    host = models.HostReport("compute1", "198.18.200.2", models.HOST_PERMISSION)
    assert exitcodes.for_report([], [host]) == exitcodes.UNREADABLE


# -- 7. a command missing on the host ----------------------------------------
def test_missing_command_is_named_and_the_rest_goes_on(nshost):
    missing = f"ndsafe-no-such-tool-{uuid.uuid4().hex[:6]}"
    with transport().open(nshost.target()) as session:
        before, gone, after = session.run([
            Command("before", ("echo", "one")),
            Command("gone", (missing, "--version")),
            Command("after", ("echo", "two"))])
    assert before.ok and after.ok and after.stdout == "two\n"
    assert gone.status == models.HOST_MISSING_COMMAND
    assert missing in gone.message


def test_tool_off_the_login_path_is_named(nshost):
    # The unprivileged login's PATH has no network tools (see nsssh), as on
    # a host without Open vSwitch installed.
    with transport().open(nshost.target(user="ndsafe")) as session:
        ovs, after = session.run([
            Command("ovs-bridges", ("ovs-vsctl", "--timeout=5", "list-br")),
            Command("after", ("echo", "two"))])
    assert ovs.status == models.HOST_MISSING_COMMAND, ovs
    assert ovs.message == "ovs-bridges: command not found: ovs-vsctl"
    assert after.ok


def test_missing_tools_in_a_trace(nshost, mixed_trace):
    trace = mixed_trace(user="ndsafe")
    states = {h.host: h.status for h in trace.hosts}
    assert states == {"compute1": models.HOST_MISSING_COMMAND,
                      "network1": models.HOST_OK}
    compute1 = [h for h in trace.hosts if h.host == "compute1"][0]
    assert "missing-command" in compute1.message
    details = " ".join(h.detail for h in trace.hops if h.host == "compute1")
    assert "'ovs-vsctl'" in details and "'ip'" in details
    assert _hops(trace, "network1") == _hops(mixed_trace.healthy, "network1")
    assert all(s == "SKIP" for *_, s in _hops(trace, "compute1"))
    assert trace.exit_code == exitcodes.UNREADABLE
