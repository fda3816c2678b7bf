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

"""More sshd's inside a namespace host, for host-key and jump-host cases.

:func:`start` runs one more OpenSSH sshd inside an existing
:class:`~tests.safety.nsssh.NsHost`'s namespace, with its own host key,
authorized key and extra config lines; it listens where it is told (the
namespace's address, or its loopback: then only something inside that
namespace, such as the other sshd as a jump host, can reach it). Stopped
by PID in :meth:`Sshd.stop`.
"""

import dataclasses
import pathlib
import signal
import subprocess
import tempfile
import time

from tests.safety import nsssh


@dataclasses.dataclass
class Sshd:
    host: nsssh.NsHost
    address: str
    port: int
    folder: pathlib.Path
    host_key: pathlib.Path
    client_key: pathlib.Path
    log: pathlib.Path
    proc: subprocess.Popen = None

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def known_hosts_entry(self, key_path=None):
        kind, blob = (pathlib.Path(f"{key_path or self.host_key}.pub")
                      .read_text().split()[:2])
        name = self.address if self.port == 22 else f"[{self.address}]:{self.port}"
        return f"{name} {kind} {blob}\n"

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start(host: nsssh.NsHost, address: str, port: int, extra="",
          host_key=None, mounts_too=True) -> Sshd:
    """``mounts_too=False``: enter only the namespace's network, not the
    mount namespace ``ip netns exec`` makes (its own /sys, without this
    machine's cgroup mounts, and /etc/netns files over /etc).
    """
    folder = pathlib.Path(tempfile.mkdtemp(prefix="sshd-", dir=host.folder))
    folder.chmod(0o755)
    server = Sshd(host=host, address=address, port=port, folder=folder,
                  host_key=host_key or nsssh.keygen(folder / "host_ed25519"),
                  client_key=nsssh.keygen(folder / "client_ed25519"),
                  log=folder / "sshd.log")
    authorized = folder / "authorized_keys"
    authorized.write_text(pathlib.Path(f"{server.client_key}.pub").read_text())
    authorized.chmod(0o644)
    config = folder / "sshd_config"
    config.write_text(f"""\
Port {port}
ListenAddress {address}
HostKey {server.host_key}
PidFile none
AuthorizedKeysFile {authorized}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
LogLevel DEBUG1
{extra}
""")
    enter = (["ip", "netns", "exec", host.netns] if mounts_too else
             ["nsenter", f"--net=/run/netns/{host.netns}"])
    server.proc = subprocess.Popen(
        enter + [nsssh.SSHD, "-f", str(config), "-D", "-E", str(server.log)],
        stdin=subprocess.DEVNULL)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        if server.proc.poll() is not None:
            raise RuntimeError(f"sshd exited: {server.log_text()}")
        if f"listening on {address} port {port}" in server.log_text():
            return server
        time.sleep(0.05)
    server.stop()
    raise RuntimeError("sshd did not start listening")
