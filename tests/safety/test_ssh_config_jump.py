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

"""A host reachable only through a jump host named by an alias that a
file Included from ~/.ssh/config defines, as OpenSSH resolves it.

Two real sshd's in one namespace: the jump host on the namespace's address
(TCP forwarding allowed), the target on the namespace's own loopback, which
nothing outside the namespace can reach. Each accepts only its own client
key, so the login works only if each hop uses its own Host block's
IdentityFile, User, HostName and Port.
"""

import time

import pytest

from osc_netdiag import errors
from osc_netdiag.inventory import Inventory
from osc_netdiag import models
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.ssh import SSHTransport

from tests.safety import extra_sshd

JUMP_PORT, TARGET_PORT = 2041, 2042


@pytest.fixture
def hops(nshost):
    jump = extra_sshd.start(nshost, nshost.address, JUMP_PORT,
                            extra="AllowTcpForwarding yes\n")
    try:
        target = extra_sshd.start(nshost, "127.0.0.1", TARGET_PORT,
                                  extra="AllowTcpForwarding no\n")
    except BaseException:
        jump.stop()
        raise
    try:
        yield jump, target
    finally:
        target.stop()
        jump.stop()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".ssh" / "config.d").mkdir(parents=True)
    return tmp_path


def write_config(home, jump, target):
    ssh = home / ".ssh"
    (ssh / "config.d" / "bastion.conf").write_text(f"""\
Host ndsafe-bastion
    HostName {jump.address}
    Port {jump.port}
    User root
    IdentityFile {jump.client_key}
""")
    (ssh / "config").write_text(f"""\
Include config.d/*.conf

Host ndsafe-behind
    HostName 127.0.0.1
    Port {target.port}
    User root
    IdentityFile {target.client_key}
    ProxyJump ndsafe-bastion
""")
    known = home / "known_hosts"
    known.write_text(jump.known_hosts_entry() + target.known_hosts_entry())
    return str(ssh / "config"), str(known)


def test_target_only_reachable_through_an_included_jump_alias(
        nshost, hops, home, no_leftover_threads):
    jump, target = hops
    config, known = write_config(home, jump, target)
    inventory = Inventory(ssh_config_path=config, known_hosts=[known])
    host = inventory.target("ndsafe-behind")
    ssh = SSHTransport(known_hosts_files=inventory.known_hosts_files,
                       connect_timeout=2, banner_timeout=2, auth_timeout=2,
                       allow_agent=False)
    jump_log, target_log = len(jump.log_text()), len(target.log_text())
    with ssh.open(host) as session:
        [result] = session.run([Command("echo", ("echo", "behind-ok"))])
    assert result.stdout == "behind-ok\n"
    time.sleep(0.3)
    assert "Accepted publickey for root" in jump.log_text()[jump_log:]
    # The target saw its login come from inside the namespace, via the jump.
    seen = target.log_text()[target_log:]
    assert "Connection from 127.0.0.1" in seen
    assert "Accepted publickey for root" in seen


def test_without_the_jump_the_target_is_unreachable(nshost, hops, home):
    # The counterpart: the same target straight from here is not there.
    jump, target = hops
    config, known = write_config(home, jump, target)
    inventory = Inventory(ssh_config_path=config, known_hosts=[known])
    direct = inventory.target("ndsafe-behind").__class__(
        name="ndsafe-behind", address="127.0.0.1", port=TARGET_PORT,
        user="root", key_filename=str(target.client_key),
        known_hosts=(known,), connect_timeout=2)
    ssh = SSHTransport(connect_timeout=2, banner_timeout=2, auth_timeout=2,
                       allow_agent=False)
    with pytest.raises(errors.HostError) as caught:
        ssh.open(direct)
    assert caught.value.status == models.HOST_UNREACHABLE


def test_jump_host_key_is_refused_under_its_alias(nshost, hops, home):
    jump, target = hops
    config, known = write_config(home, jump, target)
    with open(known, "w") as handle:          # only the target's key
        handle.write(target.known_hosts_entry())
    inventory = Inventory(ssh_config_path=config, known_hosts=[known])
    ssh = SSHTransport(known_hosts_files=inventory.known_hosts_files,
                       connect_timeout=2, banner_timeout=2, auth_timeout=2,
                       allow_agent=False)
    with pytest.raises(errors.HostError) as caught:
        ssh.open(inventory.target("ndsafe-behind"))
    assert caught.value.status == models.HOST_HOSTKEY
    assert caught.value.host == "ndsafe-behind (jump host ndsafe-bastion)"
    assert "--accept-new-host-key ndsafe-bastion=SHA256:" in \
        caught.value.message
