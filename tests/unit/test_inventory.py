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

"""Inventory: Neutron host name -> HostTarget."""

import os

import pytest

from osc_netdiag import errors
from osc_netdiag.inventory import Inventory

INVENTORY = """\
known_hosts: keys/known_hosts
defaults: {user: root, key: ~/.ssh/id_ed25519, sudo: false, port: 22}
hosts:
  compute1:
    address: 198.18.0.11
    port: 2222
    user: admin
    key: keys/compute1
    sudo: true
    jump: admin@bastion:22
    exec_prefix: "docker exec openvswitch_vswitchd"
  "compute-*": {address: "{name}.mgmt.example", sudo: true}
  "net?": {exec_prefix: [podman, exec, ovs]}
"""

SSH_CONFIG = """\
Host sshonly
    HostName 198.18.0.99
    User ops
    Port 2200
    IdentityFile ~/.ssh/ops_key
    ProxyJump jumper@bastion2:2022

Host viaproxy
    ProxyCommand socat - TCP:%h:%p
"""


@pytest.fixture
def inventory(tmp_path):
    path = tmp_path / "inventory.yaml"
    path.write_text(INVENTORY)
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(SSH_CONFIG)
    return Inventory.load(str(path), ssh_config_path=str(ssh_config))


def test_explicit_host(inventory, tmp_path):
    target = inventory.target("compute1")
    assert target.address == "198.18.0.11" and target.port == 2222
    assert target.user == "admin" and target.sudo
    assert target.key_filename == str(tmp_path / "keys" / "compute1")
    assert target.jump == "admin@bastion:22"
    assert target.exec_prefix == ("docker", "exec", "openvswitch_vswitchd")
    assert inventory.known_hosts_files == (str(tmp_path / "keys" / "known_hosts"),)
    assert target.known_hosts == inventory.known_hosts_files


def test_pattern_with_name_substitution_and_defaults(inventory):
    target = inventory.target("compute-17")
    assert target.address == "compute-17.mgmt.example"
    assert target.sudo and target.user == "root" and target.port == 22
    assert target.key_filename == os.path.expanduser("~/.ssh/id_ed25519")
    assert target.exec_prefix == ()
    assert inventory.target("net1").exec_prefix == ("podman", "exec", "ovs")


def test_ssh_config_fallback(inventory):
    target = inventory.target("sshonly")
    assert target.address == "198.18.0.99" and target.port == 2200
    # ~/.ssh/config comes before the inventory defaults
    assert target.user == "ops"
    assert target.key_filename == os.path.expanduser("~/.ssh/ops_key")
    assert inventory.target("viaproxy").user == "root"
    assert target.jump == "jumper@bastion2:2022"
    proxied = inventory.target("viaproxy")
    assert proxied.proxy_command == "socat - TCP:viaproxy:22"


def test_ssh_config_without_inventory(tmp_path):
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(SSH_CONFIG)
    target = Inventory(ssh_config_path=str(ssh_config)).target("sshonly")
    assert (target.user, target.port) == ("ops", 2200)
    assert target.key_filename == os.path.expanduser("~/.ssh/ops_key")


def test_name_itself_last(tmp_path):
    target = Inventory(ssh_config_path=None).target("network-node.example")
    assert target.address == "network-node.example" and target.port == 22
    assert target.user is None and not target.sudo


@pytest.mark.parametrize("name", ["-oProxyCommand=x", "a b", "a\nb", "tab\t", "", "x\x00"])
def test_unsafe_names_refused(inventory, name):
    with pytest.raises(errors.UnsafeNameError):
        inventory.target(name)


@pytest.mark.parametrize("entry", ['{address: "-oProxyCommand=id"}', '{address: "a b"}',
                                   '{user: "-l"}', '{jump: "-J x"}'])
def test_unsafe_addresses_refused(tmp_path, entry):
    path = tmp_path / "inv.yaml"
    path.write_text(f"hosts:\n  bad: {entry}\n")
    with pytest.raises(errors.UnsafeNameError):
        Inventory.load(str(path), ssh_config_path=None).target("bad")


@pytest.mark.parametrize("prefix", ['""', '[]', '["docker", ""]', "42"])
def test_exec_prefix_validated(tmp_path, prefix):
    path = tmp_path / "inv.yaml"
    path.write_text(f"hosts:\n  n1: {{exec_prefix: {prefix}}}\n")
    if prefix == "[]":
        inventory = Inventory.load(str(path), ssh_config_path=None)
        assert inventory.target("n1").exec_prefix == ()
        return
    with pytest.raises(errors.NetdiagError):
        Inventory.load(str(path), ssh_config_path=None)


def test_unknown_keys_and_bad_values_refused(tmp_path):
    path = tmp_path / "inv.yaml"
    for text in ("hosts:\n  n1: {adress: x}\n", "hosts:\n  n1: {port: 70000}\n",
                 "hosts:\n  n1: {sudo: 'yes'}\n", "hostz: {}\n"):
        path.write_text(text)
        with pytest.raises(errors.NetdiagError):
            Inventory.load(str(path), ssh_config_path=None)


def test_from_clouds_yaml_inline_over_file(tmp_path):
    path = tmp_path / "inventory.yaml"
    path.write_text(INVENTORY)
    cloud = {"auth": {"auth_url": "https://keystone.example"},
             "netdiag": {"inventory": str(path),
                         "known_hosts": "/etc/netdiag/known_hosts",
                         "defaults": {"user": "netdiag"},
                         "hosts": {"compute1": {"address": "10.0.0.1"}}}}
    inventory = Inventory.from_clouds_yaml(cloud, ssh_config_path=None)
    assert inventory.target("compute1").address == "10.0.0.1"
    assert inventory.target("compute1").user == "netdiag"
    assert inventory.target("compute-2").address == "compute-2.mgmt.example"
    assert inventory.known_hosts_files == (str(tmp_path / "keys" / "known_hosts"),
                                           "/etc/netdiag/known_hosts")


def test_from_clouds_yaml_inline_only():
    inventory = Inventory.from_clouds_yaml(
        {"netdiag": {"hosts": {"c1": {"address": "192.0.2.1", "sudo": True}}}},
        ssh_config_path=None)
    assert inventory.target("c1").address == "192.0.2.1"
    assert Inventory.from_clouds_yaml({}, ssh_config_path=None).target("x").address == "x"


def test_empty_inventory_is_usable():
    assert Inventory().target("compute1").name == "compute1"
