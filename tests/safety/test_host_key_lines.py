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

"""@revoked and @cert-authority lines, certificates, HOST=fingerprint, and
the exact exit code of every host-key case, against real sshd's.

Each refusal: status ``hostkey``, a message that says what to do, not one
authentication request in the sshd's DEBUG1 log, no socket or thread left
behind, and a trace exit code of exactly 16; a line about another host
changes nothing for this one.
"""

from dataclasses import replace
import os
import pathlib
import subprocess
import time

import pytest

from osc_netdiag import errors
from osc_netdiag import exitcodes
from osc_netdiag import models
from osc_netdiag import runner
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.ssh import SSHTransport

from tests.safety import extra_sshd
from tests.safety import nsssh
from tests.safety.test_host_keys import AUTH_TRACES


def pub(key_path):
    return " ".join(pathlib.Path(f"{key_path}.pub").read_text().split()[:2])


def transport(*accept):
    return SSHTransport(connect_timeout=2, banner_timeout=2, auth_timeout=2,
                        allow_agent=False, accept_new_host_keys=accept)


def sockets():
    """This process's open sockets (fd -> socket inode)."""
    found = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:"):
            found[fd] = link
    return found


@pytest.fixture
def no_leftover_sockets(no_leftover_threads):
    before = set(sockets().values())
    yield
    end = time.monotonic() + 3
    while time.monotonic() < end:
        extra = set(sockets().values()) - before
        if not extra:
            return
        time.sleep(0.05)
    pytest.fail(f"sockets left open: {sorted(extra)}")


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    return {name: nsssh.keygen(folder / name) for name in ("ca", "other")}


def known(tmp_path, text):
    path = tmp_path / "known_hosts"
    path.write_text(text)
    return path


def refused(nshost, path, *accept):
    log_start = len(nshost.log_text())
    with pytest.raises(errors.HostError) as caught:
        transport(*accept).open(nshost.target(known_hosts=(str(path),)))
    time.sleep(0.3)                               # sshd's last lines
    session_log = nshost.log_text()[log_start:]
    assert "Connection from" in session_log
    for trace in AUTH_TRACES:
        assert trace not in session_log, (trace, session_log)
    assert caught.value.status == models.HOST_HOSTKEY, caught.value.message
    return caught.value


def baseline(nshost, tmp_path):
    """The trace's exit code and compute1 status with the right key."""
    path = tmp_path / "baseline_known_hosts"
    path.write_text(nshost.known_hosts_entry())
    code, status = trace_exit_code(nshost, tmp_path, path)
    assert status != models.HOST_HOSTKEY
    assert not code & exitcodes.CREDENTIALS_REFUSED
    return code, status


def trace_exit_code(nshost, tmp_path, path, *accept, key=None):
    """The exit code of a real trace whose compute1 is the namespace host."""
    from osc_netdiag import api
    from osc_netdiag import context as ctx_mod
    from osc_netdiag.inventory import Inventory
    from osc_netdiag.transport import replay
    from osc_netdiag.transport.routing import RoutingTransport
    scenario = (pathlib.Path(__file__).parents[1] / "fixtures" / "scenarios"
                / "vlan-healthy")
    inventory = Inventory(
        hosts={"compute1": dict(address=nshost.address, user="root",
                                key=key or str(nshost.client_key),
                                connect_timeout=2)},
        known_hosts=[str(path)], ssh_config_path=str(tmp_path / "none"))
    ssh = SSHTransport(known_hosts_files=inventory.known_hosts_files,
                       connect_timeout=2, banner_timeout=2, auth_timeout=2,
                       allow_agent=False, accept_new_host_keys=accept)
    context = ctx_mod.PortContext.from_json(
        replay.load_json(str(scenario), runner.CONTEXT_FILE))
    trace = api.trace_context(
        context, inventory=inventory,
        transport=RoutingTransport(ssh, replay.ReplayTransport(str(scenario)),
                                   local_names=["compute1"]))
    states = {h.host: h.status for h in trace.hosts}
    assert states["network1"] == models.HOST_OK     # the other host goes on
    return trace.exit_code, states["compute1"]


# -- lines about other hosts change nothing --------------------------------
def test_marker_lines_for_other_hosts_do_not_break_this_one(
        nshost, tmp_path, keys, no_leftover_sockets):
    path = known(tmp_path, f"@cert-authority *.mgmt.example {pub(keys['ca'])}\n"
                           f"@revoked 198.51.100.7 {pub(keys['other'])}\n"
                           + nshost.known_hosts_entry())
    with transport().open(nshost.target(known_hosts=(str(path),))) as session:
        [result] = session.run([Command("echo", ("echo", "ndsafe-ok"))])
    assert result.stdout == "ndsafe-ok\n"
    # Exactly what the host's plain line alone gives (its outputs are not a
    # lab node's, so that is not 0; what matters is that nothing differs).
    assert trace_exit_code(nshost, tmp_path, path) == baseline(
        nshost, tmp_path)


# -- revoked ----------------------------------------------------------------
@pytest.mark.parametrize("also_listed", [False, True])
def test_revoked_key_is_refused(nshost, tmp_path, also_listed,
                                no_leftover_sockets):
    text = f"@revoked * {pub(nshost.host_key)}\n"
    if also_listed:                    # revocation wins over a plain line
        text += nshost.known_hosts_entry()
    path = known(tmp_path, text)
    error = refused(nshost, path)
    assert "REVOKED (" in error.message and "known_hosts:1" in error.message
    assert nsssh.fingerprint_of(nshost.host_key) in error.message
    # Not even the fingerprint named on the command line takes it back.
    offered = nsssh.fingerprint_of(nshost.host_key)
    error = refused(nshost, path, f"{nshost.netns}={offered}")
    assert "REVOKED" in error.message
    assert trace_exit_code(nshost, tmp_path, path) == (
        exitcodes.CREDENTIALS_REFUSED, models.HOST_HOSTKEY)


# -- trusted only through a CA ---------------------------------------------
def test_ca_only_host_is_not_supported_with_a_clear_message(
        nshost, tmp_path, keys, no_leftover_sockets):
    path = known(tmp_path, f"@cert-authority {nshost.address} "
                           f"{pub(keys['ca'])}\n")
    error = refused(nshost, path)
    assert "certificate authority" in error.message
    assert "not supported; add the host key to known_hosts" in error.message
    assert nsssh.fingerprint_of(nshost.host_key) in error.message
    assert trace_exit_code(nshost, tmp_path, path) == (
        exitcodes.CREDENTIALS_REFUSED, models.HOST_HOSTKEY)


@pytest.fixture
def cert_sshd(nshost, keys):
    """An sshd that presents only a host certificate signed by ``ca``."""
    folder = nshost.folder / "cert-host"
    folder.mkdir(exist_ok=True)
    host_key = nsssh.keygen(folder / f"host-{time.monotonic_ns()}")
    subprocess.run([nsssh.SSH_KEYGEN, "-q", "-s", str(keys["ca"]), "-I",
                    "ndsafe", "-h", "-n", nshost.address, f"{host_key}.pub"],
                   check=True)
    server = extra_sshd.start(
        nshost, nshost.address, 2031, host_key=host_key,
        extra=f"HostCertificate {host_key}-cert.pub\n"
              f"HostKeyAlgorithms ssh-ed25519-cert-v01@openssh.com\n")
    try:
        yield server
    finally:
        server.stop()


def test_host_presenting_a_certificate(cert_sshd, tmp_path, keys,
                                       no_leftover_sockets):
    target = cert_sshd.host.target(port=cert_sshd.port,
                                   key_filename=str(cert_sshd.client_key))
    for text, shown in (
            ("", "presents a certificate"),
            (f"@cert-authority [{cert_sshd.address}]:{cert_sshd.port} "
             f"{pub(keys['ca'])}\n",
             "trusted only through a certificate authority")):
        path = known(tmp_path, text)
        with pytest.raises(errors.HostError) as caught:
            transport().open(replace(target, known_hosts=(str(path),)))
        assert caught.value.status == models.HOST_HOSTKEY
        assert shown in caught.value.message
        assert "not supported; add the host key" in caught.value.message
    # With the plain host key listed, the certificate's key is checked as
    # a plain one, as OpenSSH falls back to it.
    path = known(tmp_path, cert_sshd.known_hosts_entry())
    with transport().open(
            replace(target, known_hosts=(str(path),))) as session:
        [result] = session.run([Command("echo", ("echo", "cert-ok"))])
    assert result.stdout == "cert-ok\n"


# -- HOST=fingerprint applies to that host only -------------------------------
def test_accept_applies_to_the_named_host_only(nshost, tmp_path,
                                               no_leftover_sockets):
    path = known(tmp_path, "")
    offered = nsssh.fingerprint_of(nshost.host_key)
    error = refused(nshost, path, f"compute9={offered}")
    assert f"--accept-new-host-key {nshost.netns}={offered}" in error.message
    for name in (nshost.netns, nshost.address):
        with transport(f"{name}={offered}").open(
                nshost.target(known_hosts=(str(path),))) as session:
            [result] = session.run([Command("echo", ("echo", "ok"))])
        assert result.ok
    assert path.read_text() == ""
    assert trace_exit_code(nshost, tmp_path, path,
                           f"compute9={offered}") == (
        exitcodes.CREDENTIALS_REFUSED, models.HOST_HOSTKEY)
    assert trace_exit_code(nshost, tmp_path, path,
                           f"compute1={offered}") == baseline(nshost, tmp_path)


# -- the exact exit code of the older cases ---------------------------------
def test_unknown_and_changed_keys_exit_16(nshost, tmp_path, keys):
    for text in ("", nshost.known_hosts_entry(keys["other"])):
        path = known(tmp_path, text)
        assert trace_exit_code(nshost, tmp_path, path) == (
            exitcodes.CREDENTIALS_REFUSED, models.HOST_HOSTKEY)


def test_refused_client_key_exits_16(nshost, tmp_path, keys):
    path = known(tmp_path, nshost.known_hosts_entry())
    assert trace_exit_code(nshost, tmp_path, path,
                           key=str(keys["other"])) == (
        exitcodes.CREDENTIALS_REFUSED, models.HOST_AUTH)


# -- the key type known_hosts has is the one asked for --------------------
def test_host_with_two_key_types_is_asked_for_the_known_one(
        nshost, no_leftover_sockets):
    # paramiko prefers ed25519; with only the host's ecdsa key listed it
    # must ask for ecdsa (as OpenSSH orders its HostKeyAlgorithms), or the
    # host would look CHANGED.
    folder = nshost.folder / "two-keys"
    folder.mkdir(exist_ok=True)
    ecdsa = folder / f"ecdsa-{time.monotonic_ns()}"
    subprocess.run([nsssh.SSH_KEYGEN, "-q", "-t", "ecdsa", "-N", "", "-f",
                    str(ecdsa)], check=True)
    server = extra_sshd.start(nshost, nshost.address, 2032,
                              extra=f"HostKey {ecdsa}\n")
    try:
        path = nshost.folder / f"kh-{time.monotonic_ns()}"
        path.write_text(server.known_hosts_entry(ecdsa))
        target = nshost.target(port=server.port, known_hosts=(str(path),),
                               key_filename=str(server.client_key))
        with transport().open(target) as session:
            [result] = session.run([Command("echo", ("echo", "ecdsa-ok"))])
        assert result.stdout == "ecdsa-ok\n"
        # And the other way round, the ed25519 key alone is just as good.
        path.write_text(server.known_hosts_entry())
        with transport().open(target) as session:
            assert session.run([Command("t", ("true",))])[0].ok
    finally:
        server.stop()
