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

"""SSHTransport against a real sshd (see conftest.py); no ssh mocks."""

import hashlib
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid

import pytest

from osc_netdiag import errors
from osc_netdiag import models
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.ssh import SSHTransport

from conftest import fingerprint_of
from conftest import keygen

HOSTILE = ["a;b", "$(id)", "`id`", "'\"'", "x\ny\n", "-n", "--help", "ünïcödé ✓",
           "", " ", "\\", "*", "a b\tc", "%s%d", "__netdiag_deadbeef:E:0:0"]


def transport():
    # No agent: the tests must not depend on whoever runs them.
    return SSHTransport(connect_timeout=2, banner_timeout=2, auth_timeout=2,
                        allow_agent=False)


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest() \
        if os.path.exists(path) else None


def test_batch_is_one_round_trip_and_connection_is_reused(sshd, target_for):
    commands = [Command(f"c{i}", ("echo", f"out{i}")) for i in range(5)]
    accepted_before = sshd.log_text().count("Accepted publickey")
    with transport().open(target_for()) as session:
        first = session.run(commands)
        assert session.round_trips == 1
        assert [r.stdout for r in first] == [f"out{i}\n" for i in range(5)]
        assert all(r.ok for r in first)
        ssh_transport = session._client.get_transport()
        second = session.run(commands[:2])
        assert session.round_trips == 2
        assert session._client.get_transport() is ssh_transport
        assert [r.stdout for r in second] == ["out0\n", "out1\n"]
    time.sleep(0.2)
    assert sshd.log_text().count("Accepted publickey") == accepted_before + 1


def test_exit_status_and_stderr_preserved(sshd, target_for):
    commands = [Command("fail", ("sh", "-c", "echo to-out; echo to-err >&2; exit 3")),
                Command("noeol", ("printf", "%s", "no newline")),
                Command("after", ("true",))]
    with transport().open(target_for()) as session:
        fail, noeol, after = session.run(commands)
    assert (fail.exit_status, fail.stdout, fail.stderr) == (3, "to-out\n", "to-err\n")
    assert fail.status == models.HOST_OK and not fail.ok
    assert noeol.stdout == "no newline"
    assert after.ok


def test_hostile_argv_round_trips(sshd, target_for):
    commands = [Command(f"h{i}", ("printf", "%s", arg)) for i, arg in enumerate(HOSTILE)]
    with transport().open(target_for()) as session:
        results = session.run(commands)
    assert [r.stdout for r in results] == HOSTILE
    assert all(r.ok for r in results)


def test_missing_command(sshd, target_for):
    with transport().open(target_for()) as session:
        [result] = session.run([Command("ovs", ("netdiag-no-such-tool", "show"))])
    assert result.status == models.HOST_MISSING_COMMAND
    assert "netdiag-no-such-tool" in result.message


def test_command_deadline_kills_remote_command(sshd, target_for):
    marker = f"30.{uuid.uuid4().int % 10**9:09d}"
    commands = [Command("slow", ("sleep", marker), timeout=1),
                Command("next", ("echo", "still-run"))]
    started = time.monotonic()
    with transport().open(target_for()) as session:
        slow, after = session.run(commands)
    assert time.monotonic() - started < 6
    assert slow.status == models.HOST_TIMEOUT and slow.exit_status == 124
    assert after.stdout == "still-run\n"
    left = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True)
    assert left.returncode == 1, left.stdout


def test_batch_deadline_closes_channel(sshd, target_for):
    # The command ignores TERM (timeout -k still KILLs it 2 s later); with a
    # tiny transport margin the channel deadline hits first.
    marker = f"30.{uuid.uuid4().int % 10**9:09d}"
    commands = [Command("stuck", ("sh", "-c", f"trap '' TERM; sleep {marker}"),
                        timeout=1)]
    session = transport().open(target_for())
    session._margin = -2.5
    try:
        [result] = session.run(commands)
    finally:
        session.close()
    assert result.status == models.HOST_TIMEOUT and result.exit_status is None
    time.sleep(3)
    left = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True)
    assert left.returncode == 1, left.stdout


def test_unknown_host_key_refused_before_auth(sshd, target_for, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    user_known = os.path.expanduser("~/.ssh/known_hosts")
    before = (digest(empty), digest(user_known))
    log_before = sshd.log_text()
    with pytest.raises(errors.HostError) as caught:
        transport().open(target_for(known_hosts=(str(empty),)))
    assert caught.value.status == models.HOST_HOSTKEY
    assert fingerprint_of(sshd.host_key) in caught.value.message
    time.sleep(0.3)
    new_log = sshd.log_text()[len(log_before):]
    assert "Accepted" not in new_log and "Failed" not in new_log
    assert "Connection from" in new_log or "Connection closed" in new_log or new_log
    assert (digest(empty), digest(user_known)) == before


def test_changed_host_key_refused(sshd, target_for, tmp_path):
    other = keygen(tmp_path / "other_host_key")
    known = tmp_path / "known_hosts"
    known.write_text(sshd.known_hosts_entry(other))
    log_before = sshd.log_text()
    with pytest.raises(errors.HostError) as caught:
        transport().open(target_for(known_hosts=(str(known),)))
    assert caught.value.status == models.HOST_HOSTKEY
    assert "CHANGED" in caught.value.message
    assert fingerprint_of(sshd.host_key) in caught.value.message
    time.sleep(0.3)
    new_log = sshd.log_text()[len(log_before):]
    assert "Accepted" not in new_log and "Failed" not in new_log
    assert known.read_text() == sshd.known_hosts_entry(other)


def test_wrong_client_key_is_auth(sshd, target_for, tmp_path):
    wrong = keygen(tmp_path / "wrong_client_key")
    with pytest.raises(errors.HostError) as caught:
        transport().open(target_for(key_filename=str(wrong)))
    assert caught.value.status == models.HOST_AUTH


def test_refused_port_is_unreachable(target_for):
    from conftest import free_port
    with pytest.raises(errors.HostError) as caught:
        transport().open(target_for(port=free_port()))
    assert caught.value.status == models.HOST_UNREACHABLE


def test_tcp_handshake_without_answer_is_unreachable(target_for, monkeypatch):
    # Dropped packets: the TCP connect itself times out (tests/safety does
    # it for real with an nft rule in a namespace).
    def dropped(address, timeout=None, **kwargs):
        raise socket.timeout("timed out")
    monkeypatch.setattr(socket, "create_connection", dropped)
    with pytest.raises(errors.HostError) as caught:
        transport().open(target_for())
    assert caught.value.status == models.HOST_UNREACHABLE
    assert "no TCP answer" in caught.value.message


def test_silent_listener_times_out_and_leaves_no_thread(target_for):
    threads_before = threading.active_count()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    try:
        started = time.monotonic()
        with pytest.raises(errors.HostError) as caught:
            transport().open(target_for(port=listener.getsockname()[1]))
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert caught.value.status == models.HOST_TIMEOUT
    assert elapsed < 2 + 2 + 1
    deadline = time.monotonic() + 2
    while threading.active_count() > threads_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == threads_before


def test_close_leaves_no_thread(sshd, target_for):
    threads_before = threading.active_count()
    session = transport().open(target_for())
    session.run([Command("t", ("true",))])
    session.close()
    assert threading.active_count() == threads_before


def test_jump_host(sshd, target_for):
    target = target_for(jump=f"root@127.0.0.1:{sshd.port}")
    threads_before = threading.active_count()
    with transport().open(target) as session:
        [result] = session.run([Command("hello", ("echo", "via-jump"))])
    assert result.stdout == "via-jump\n"
    assert threading.active_count() == threads_before


def test_logins_through_one_jump_host_stay_under_maxstartups(
        sshd, target_for, monkeypatch):
    # 20 hosts behind one bastion, opened all at once: the bastion never
    # sees more than LOGINS_PER_GATEWAY logins in progress, and every host
    # still gets its session.
    from osc_netdiag.transport import ssh as ssh_mod
    ssh = transport()
    real_connect = ssh._connect
    lock = threading.Lock()
    state = {"now": 0, "most": 0}

    def counting_connect(target, sock, name=None):
        if "(jump host" not in (name or ""):
            return real_connect(target, sock, name)
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        try:
            return real_connect(target, sock, name)
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(ssh, "_connect", counting_connect)
    outputs = []

    def one(i):
        target = target_for(jump=f"root@127.0.0.1:{sshd.port}")
        with ssh.open(target) as session:
            [result] = session.run([Command("n", ("echo", str(i)))])
            outputs.append(result.stdout or f"{result.status}: {result.message}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outputs) == sorted(f"{i}\n" for i in range(20))
    assert 1 <= state["most"] <= ssh_mod.LOGINS_PER_GATEWAY


def test_jump_host_key_is_checked_too(sshd, target_for, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(errors.HostError) as caught:
        transport().open(target_for(jump=f"root@127.0.0.1:{sshd.port}",
                                    known_hosts=(str(empty),)))
    assert caught.value.status == models.HOST_HOSTKEY
    assert "jump host" in str(caught.value)


@pytest.mark.skipif(shutil.which("socat") is None, reason="socat not installed")
def test_proxy_command(sshd, target_for):
    target = target_for(proxy_command=f"socat - TCP:127.0.0.1:{sshd.port}")
    with transport().open(target) as session:
        [result] = session.run([Command("hello", ("echo", "via-proxy"))])
    assert result.stdout == "via-proxy\n"
