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

"""Strict host keys against a real sshd (LogLevel DEBUG1) in a namespace.

An unknown or a changed host key: status ``hostkey``, the exit code carries
16, not one authentication request reaches the server, and no known_hosts
file changes.
"""

import hashlib
import os
import time

import pytest

from osc_netdiag import errors
from osc_netdiag import exitcodes
from osc_netdiag import models
from osc_netdiag.transport.ssh import SSHTransport

from tests.safety import nsssh

# What sshd (DEBUG1) logs once a client starts to authenticate.
AUTH_TRACES = ("userauth", "Accepted", "Failed", "Authentication",
               "authenticated", "Postponed", "input_userauth_request")


def transport():
    return SSHTransport(connect_timeout=2, banner_timeout=2, auth_timeout=2,
                        allow_agent=False)


def digest(path):
    path = os.path.expanduser(path)
    return (hashlib.sha256(open(path, "rb").read()).hexdigest()
            if os.path.exists(path) else None)


def _refused(nshost, known_hosts):
    watched = [str(known_hosts), "~/.ssh/known_hosts",
               "/etc/ssh/ssh_known_hosts"]
    before = [digest(p) for p in watched]
    log_start = len(nshost.log_text())
    with pytest.raises(errors.HostError) as caught:
        transport().open(nshost.target(known_hosts=(str(known_hosts),)))
    time.sleep(0.3)               # let sshd write its last lines
    session_log = nshost.log_text()[log_start:]
    assert [digest(p) for p in watched] == before
    return caught.value, session_log


def _assert_no_auth(session_log):
    assert "Connection from" in session_log       # the test saw the attempt
    for trace in AUTH_TRACES:
        assert trace not in session_log, (trace, session_log)


def test_unknown_host_key(nshost, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    error, session_log = _refused(nshost, empty)
    assert error.status == models.HOST_HOSTKEY
    assert nsssh.fingerprint_of(nshost.host_key) in error.message
    assert "not in known_hosts" in error.message
    _assert_no_auth(session_log)
    assert empty.read_text() == ""


def test_changed_host_key(nshost, tmp_path):
    other = nsssh.keygen(tmp_path / "impostor")
    known = tmp_path / "known_hosts"
    known.write_text(nshost.known_hosts_entry(other))
    error, session_log = _refused(nshost, known)
    assert error.status == models.HOST_HOSTKEY
    assert "CHANGED" in error.message
    assert nsssh.fingerprint_of(nshost.host_key) in error.message
    assert nsssh.fingerprint_of(other) in error.message
    _assert_no_auth(session_log)
    assert known.read_text() == nshost.known_hosts_entry(other)


def test_known_key_is_accepted(nshost):
    # The counterpart: with the right key the same fixture logs in, so the
    # refusals above are about the key and nothing else.
    with transport().open(nshost.target()) as session:
        [result] = session.run([_command()])
    assert result.ok and result.stdout == "ndsafe-ok\n"


def test_hostkey_exit_code_is_16():
    host = models.HostReport("compute1", "198.18.200.2", models.HOST_HOSTKEY,
                             "host key CHANGED")
    assert exitcodes.for_report([], [host]) == exitcodes.CREDENTIALS_REFUSED
    # (A real trace with each refused key: test_host_key_lines.py.)


def _command():
    from osc_netdiag.transport.base import Command
    return Command("echo", ("echo", "ndsafe-ok"))


# -- accepting a new key: only with its fingerprint, explicitly --------------
def _accepting(*fingerprints):
    return SSHTransport(connect_timeout=2, banner_timeout=2, auth_timeout=2,
                        allow_agent=False, accept_new_host_keys=fingerprints)


def test_new_key_accepted_only_with_its_fingerprint(nshost, tmp_path, caplog):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    offered = nsssh.fingerprint_of(nshost.host_key)
    watched = [str(empty), "~/.ssh/known_hosts"]
    before = [digest(p) for p in watched]
    with caplog.at_level("WARNING", logger="osc_netdiag.transport.ssh"):
        with _accepting(f"{nshost.netns}={offered}").open(
                nshost.target(known_hosts=(str(empty),))) as session:
            [result] = session.run([_command()])
    assert result.ok
    shown = [r.getMessage() for r in caplog.records]
    assert any(offered in m and nshost.address in m for m in shown), shown
    assert [digest(p) for p in watched] == before       # nothing saved


def test_new_key_with_another_fingerprint_is_refused(nshost, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    other = nsssh.fingerprint_of(nsssh.keygen(tmp_path / "other"))
    log_start = len(nshost.log_text())
    with pytest.raises(errors.HostError) as caught:
        _accepting(f"{nshost.netns}={other}").open(
            nshost.target(known_hosts=(str(empty),)))
    assert caught.value.status == models.HOST_HOSTKEY
    offered = nsssh.fingerprint_of(nshost.host_key)
    assert (f"--accept-new-host-key {nshost.netns}={offered}"
            in caught.value.message)
    time.sleep(0.3)
    _assert_no_auth(nshost.log_text()[log_start:])


def test_changed_key_is_never_accepted(nshost, tmp_path):
    impostor = nsssh.keygen(tmp_path / "impostor")
    known = tmp_path / "known_hosts"
    known.write_text(nshost.known_hosts_entry(impostor))
    offered = nsssh.fingerprint_of(nshost.host_key)
    log_start = len(nshost.log_text())
    with pytest.raises(errors.HostError) as caught:
        _accepting(f"{nshost.netns}={offered}").open(
            nshost.target(known_hosts=(str(known),)))
    assert caught.value.status == models.HOST_HOSTKEY
    assert "CHANGED" in caught.value.message
    time.sleep(0.3)
    _assert_no_auth(nshost.log_text()[log_start:])
    assert known.read_text() == nshost.known_hosts_entry(impostor)


@pytest.mark.parametrize("text", [
    "", "yes", "SHA256:short", "MD5:aa:bb", "SHA256:" + "A" * 42 + ";",
    "SHA256:" + "A" * 43 + "\n",
    # A bare fingerprint would apply to every host: HOST= is required.
    "SHA256:" + "A" * 43, "=SHA256:" + "A" * 43,
    "a;b=SHA256:" + "A" * 43, "-oX=SHA256:" + "A" * 43,
    "c1=SHA256:" + "A" * 43 + "\n", "c1 =SHA256:" + "A" * 43])
def test_malformed_fingerprint_is_a_usage_error(text):
    from osc_netdiag.v1 import port as port_cmd
    from tests.unit.helpers import FakeApp
    parser = port_cmd.TracePort(FakeApp(), None).get_parser("port trace")
    with pytest.raises(SystemExit) as caught:
        parser.parse_args(["some-port", "--accept-new-host-key", text])
    assert caught.value.code == 2
    with pytest.raises(errors.NetdiagError):
        SSHTransport(accept_new_host_keys=[text])


def test_option_reaches_the_transport(nshost):
    from osc_netdiag.v1 import port as port_cmd
    from tests.unit.helpers import FakeApp
    offered = nsssh.fingerprint_of(nshost.host_key)
    command = port_cmd.TracePort(FakeApp(), None)
    args = command.get_parser("port trace").parse_args(
        ["some-port", "--accept-new-host-key", f"compute1={offered}"])
    from osc_netdiag.inventory import Inventory
    transport = command.transport(args, Inventory())
    assert transport.accept_new_host_keys == (f"compute1={offered}",)


def test_encrypted_key_is_auth_and_no_passphrase_is_asked(nshost, tmp_path,
                                                          capsys):
    sentinel = "NDSAFE-PASSPHRASE-" + os.urandom(6).hex()
    key = nsssh.keygen(tmp_path / "locked", passphrase=sentinel)
    log_start = len(nshost.log_text())
    with pytest.raises(errors.HostError) as caught:
        transport().open(nshost.target(key_filename=str(key)))
    assert caught.value.status == models.HOST_AUTH
    assert "ssh-agent" in caught.value.message
    assert sentinel not in caught.value.message
    out, err = capsys.readouterr()
    assert sentinel not in out + err
    time.sleep(0.3)
    assert "Accepted" not in nshost.log_text()[log_start:]
    assert exitcodes.for_report([], [models.HostReport(
        "compute1", nshost.address, caught.value.status)]) == 16
