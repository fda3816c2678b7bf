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

"""A real OpenSSH sshd on 127.0.0.1 for the transport tests.

Key authentication only, host and client keys made with ssh-keygen in a
temporary folder; killed by PID at teardown. Tests needing it skip when
sshd or ssh-keygen is absent, or when we cannot run it (not root).
"""

import dataclasses
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time

import pytest

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd"
                                if os.path.exists("/usr/sbin/sshd") else None)
SSH_KEYGEN = shutil.which("ssh-keygen")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def keygen(path, kind="ed25519"):
    subprocess.run([SSH_KEYGEN, "-q", "-t", kind, "-N", "", "-C", "netdiag-test",
                    "-f", str(path)], check=True)
    return path


def public_line(path):
    return pathlib.Path(f"{path}.pub").read_text().split()[:2]


def fingerprint_of(path):
    out = subprocess.run([SSH_KEYGEN, "-l", "-E", "sha256", "-f", f"{path}.pub"],
                         check=True, capture_output=True, text=True).stdout
    return out.split()[1]


@dataclasses.dataclass
class Sshd:
    port: int
    folder: pathlib.Path
    host_key: pathlib.Path
    client_key: pathlib.Path
    known_hosts: pathlib.Path
    log: pathlib.Path
    pid: int

    def log_text(self):
        return self.log.read_text(errors="replace")

    def known_hosts_entry(self, key_path):
        kind, blob = public_line(key_path)
        return f"[127.0.0.1]:{self.port} {kind} {blob}\n"


def _wait_listening(port, proc, log, deadline=10.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"sshd exited: {log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail("sshd did not start listening")


@pytest.fixture(scope="session")
def sshd(tmp_path_factory):
    if SSHD is None or SSH_KEYGEN is None:
        pytest.skip("needs sshd: OpenSSH sshd/ssh-keygen not installed")
    if os.geteuid() != 0:
        pytest.skip("needs root: running sshd for the tests")
    # sshd's privilege separation directory; absent on minimal images.
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    folder = tmp_path_factory.mktemp("sshd")
    host_key = keygen(folder / "host_ed25519")
    client_key = keygen(folder / "client_ed25519")
    authorized = folder / "authorized_keys"
    authorized.write_text(pathlib.Path(f"{client_key}.pub").read_text())
    port = free_port()
    log = folder / "sshd.log"
    config = folder / "sshd_config"
    config.write_text(f"""\
Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile {folder}/sshd.pid
AuthorizedKeysFile {authorized}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowTcpForwarding yes
LogLevel VERBOSE
MaxStartups 50
""")
    proc = subprocess.Popen([SSHD, "-f", str(config), "-D", "-E", str(log)],
                            stdin=subprocess.DEVNULL)
    try:
        _wait_listening(port, proc, log)
        known_hosts = folder / "known_hosts"
        server = Sshd(port=port, folder=folder, host_key=host_key,
                      client_key=client_key, known_hosts=known_hosts, log=log,
                      pid=proc.pid)
        known_hosts.write_text(server.known_hosts_entry(host_key))
        yield server
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def target_for(sshd):
    from osc_netdiag.transport.base import HostTarget

    def make(**overrides):
        fields = dict(name="lab-node", address="127.0.0.1", port=sshd.port,
                      user="root", key_filename=str(sshd.client_key),
                      known_hosts=(str(sshd.known_hosts),), connect_timeout=3)
        fields.update(overrides)
        return HostTarget(**fields)
    return make
