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

"""Real sshd's in their own network namespaces, for the safety tests.

Each :class:`NsHost` is a namespace ``ndsafe-<pid>-<n>`` joined to this
machine by a veth pair with a /30 out of 198.18.200.0/24, an OpenSSH sshd
running inside it (``LogLevel DEBUG1`` to its own log), and two logins:
``root`` and an unprivileged ``ndsafe`` user whose sudo asks for a password
(no NOPASSWD) and a PATH with only ``timeout``, ``sudo``, ``echo`` and
``sleep`` (a host without the network tools). The user, its password and
the sudoers file exist only inside the namespace: ``ip netns exec``
bind-mounts ``/etc/netns/<ns>/*`` over ``/etc``. Everything is removed in
:meth:`NsHost.remove`, and only processes started here are stopped, by PID.
"""

import dataclasses
import ipaddress
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
SSH_KEYGEN = shutil.which("ssh-keygen")
SUBNET = ipaddress.ip_network("198.18.200.0/24")
USER = "ndsafe"
USER_UID = 64123


def available():
    """None if the namespace hosts can run here, else why not."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, sshd)"
    for tool in ("ip", "nft", "openssl"):
        if shutil.which(tool) is None:
            return f"needs sshd: {tool} not installed (namespace hosts)"
    if not os.path.exists(SSHD) or SSH_KEYGEN is None:
        return "needs sshd: OpenSSH sshd/ssh-keygen not installed"
    return None


def run(*argv, check=True, netns=None):
    if netns:
        argv = ("ip", "netns", "exec", netns) + argv
    return subprocess.run(argv, check=check, capture_output=True, text=True)


def keygen(path, passphrase=""):
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", passphrase,
                    "-C", "ndsafe", "-f", str(path)], check=True)
    return pathlib.Path(path)


def fingerprint_of(path):
    out = run(SSH_KEYGEN, "-l", "-E", "sha256", "-f", f"{path}.pub").stdout
    return out.split()[1]


def _free_subnets():
    """/30s of SUBNET not routed through an interface already."""
    used = run("ip", "-4", "-o", "addr", "show").stdout
    for index, net in enumerate(SUBNET.subnets(new_prefix=30)):
        if index == 0:
            continue
        if str(net.network_address + 1) not in used:
            yield index, net


@dataclasses.dataclass
class NsHost:
    netns: str
    veth: str
    address: str            # the sshd's address, inside the namespace
    gateway: str            # this machine's side
    folder: pathlib.Path
    host_key: pathlib.Path
    client_key: pathlib.Path
    known_hosts: pathlib.Path
    log: pathlib.Path
    port: int = 22
    pid: int = 0

    def known_hosts_entry(self, key_path=None):
        kind, blob = (pathlib.Path(f"{key_path or self.host_key}.pub")
                      .read_text().split()[:2])
        return f"{self.address} {kind} {blob}\n"

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def exec(self, *argv, check=True):
        return run(*argv, check=check, netns=self.netns)

    def target(self, **overrides):
        from osc_netdiag.transport.base import HostTarget
        fields = dict(name=self.netns, address=self.address, port=self.port,
                      user="root", key_filename=str(self.client_key),
                      known_hosts=(str(self.known_hosts),), connect_timeout=2)
        fields.update(overrides)
        return HostTarget(**fields)

    # -- faults (each undone by the returned callable) ----------------------
    def drop_packets(self):
        """nft rule in the namespace dropping everything to the sshd port."""
        self.exec("nft", "add", "table", "inet", "ndsafe")
        self.exec("nft", "add", "chain", "inet", "ndsafe", "input",
                  "{ type filter hook input priority 0 ; policy accept ; }")
        self.exec("nft", "add", "rule", "inet", "ndsafe", "input",
                  "tcp", "dport", str(self.port), "drop")
        return lambda: self.exec("nft", "delete", "table", "inet", "ndsafe",
                                 check=False)

    def stop_sshd(self):
        """SIGSTOP the listening sshd: the kernel still accepts TCP."""
        os.kill(self.pid, signal.SIGSTOP)
        return lambda: os.kill(self.pid, signal.SIGCONT)

    def silent_listener(self):
        """A listener in the namespace that accepts TCP and never speaks."""
        port = self.port + 1000
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, "python3", "-c",
             "import socket,time\n"
             f"s=socket.create_server(('{self.address}',{port}))\n"
             "print('ready',flush=True)\n"
             "c=[]\n"
             "while True: c.append(s.accept())\n"],
            stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"

        def stop():
            proc.kill()
            proc.wait()
        return port, stop

    # -- lifecycle -------------------------------------------------------
    def remove(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGCONT)
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            _wait_gone(self.pid)
        run("ip", "netns", "del", self.netns, check=False)
        run("ip", "link", "del", self.veth, check=False)
        shutil.rmtree(f"/etc/netns/{self.netns}", ignore_errors=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def _wait_gone(pid, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _etc_files(etc, password_hash):
    """passwd/shadow/group/sudoers seen only inside the namespace."""
    etc.mkdir(parents=True)
    for name in ("passwd", "group", "shadow"):
        text = pathlib.Path(f"/etc/{name}").read_text()
        lines = [line for line in text.splitlines()
                 if not line.startswith(f"{USER}:")]
        if name == "passwd":
            lines.append(f"{USER}:x:{USER_UID}:{USER_UID}::/nonexistent:/bin/sh")
        elif name == "group":
            lines.append(f"{USER}:x:{USER_UID}:")
        else:
            lines.append(f"{USER}:{password_hash}:19000:0:99999:7:::")
        (etc / name).write_text("\n".join(lines) + "\n")
    (etc / "shadow").chmod(0o640)
    # sudo needs a password for everything: no NOPASSWD anywhere.
    (etc / "sudoers").write_text(
        "Defaults env_reset\n"
        "root ALL=(ALL:ALL) ALL\n"
        f"{USER} ALL=(ALL:ALL) ALL\n")
    (etc / "sudoers").chmod(0o440)


def create(index_hint=0) -> NsHost:
    """Make one namespace with its sshd; the caller must call remove()."""
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    for index, net in _free_subnets():
        if index >= index_hint:
            break
    else:
        raise RuntimeError("no free /30 in 198.18.200.0/24")
    gateway, address = str(net.network_address + 1), str(net.network_address + 2)
    netns = f"ndsafe-{os.getpid()}-{index}"
    veth = f"nds{os.getpid() % 100000}x{index}"[:15]
    # Readable by the unprivileged login (sshd reads its authorized keys as
    # that user); the parents of pytest's tmp_path are not.
    folder = pathlib.Path(tempfile.mkdtemp(prefix="ndsafe-",
                                           dir=tempfile.gettempdir()))
    folder.chmod(0o755)
    host = NsHost(netns=netns, veth=veth, address=address, gateway=gateway,
                  folder=folder, host_key=folder / "host_ed25519",
                  client_key=folder / "client_ed25519",
                  known_hosts=folder / "known_hosts", log=folder / "sshd.log")
    try:
        _build(host)
    except BaseException:
        host.remove()
        raise
    return host


def _build(host: NsHost):
    folder = host.folder
    password_hash = run("openssl", "passwd", "-6",
                        "ndsafe-not-a-real-password").stdout.strip()
    _etc_files(pathlib.Path(f"/etc/netns/{host.netns}"), password_hash)
    keygen(host.host_key)
    keygen(host.client_key)
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    for tool in ("timeout", "sudo", "echo", "sleep"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    authorized = folder / "authorized_keys"
    authorized.write_text(pathlib.Path(f"{host.client_key}.pub").read_text())
    authorized.chmod(0o644)
    run("ip", "netns", "add", host.netns)
    run("ip", "link", "add", host.veth, "type", "veth", "peer", "name",
        "eth0", "netns", host.netns)
    run("ip", "addr", "add", f"{host.gateway}/30", "dev", host.veth)
    run("ip", "link", "set", host.veth, "up")
    host.exec("ip", "addr", "add", f"{host.address}/30", "dev", "eth0")
    host.exec("ip", "link", "set", "eth0", "up")
    host.exec("ip", "link", "set", "lo", "up")
    config = folder / "sshd_config"
    config.write_text(f"""\
Port {host.port}
ListenAddress {host.address}
HostKey {host.host_key}
PidFile none
AuthorizedKeysFile {authorized}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowTcpForwarding no
LogLevel DEBUG1
MaxStartups 50
Match User {USER}
    SetEnv PATH={folder}/bin
""")
    proc = subprocess.Popen(
        ["ip", "netns", "exec", host.netns, SSHD, "-f", str(config), "-D",
         "-E", str(host.log)], stdin=subprocess.DEVNULL)
    host.pid = proc.pid           # ip netns exec execs sshd: same PID
    end = time.monotonic() + 10
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited: {host.log_text()}")
        try:
            with socket.create_connection((host.address, host.port),
                                          timeout=0.3):
                break
        except OSError:
            time.sleep(0.05)
    else:
        raise RuntimeError("sshd did not start listening")
    host.known_hosts.write_text(host.known_hosts_entry())
