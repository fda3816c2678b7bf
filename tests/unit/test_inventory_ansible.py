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

"""--inventory with an Ansible inventory: kolla-ansible's multinode INI
shape and an OpenStack-Ansible-grouped YAML (tests/fixtures/ansible),
read directly exactly as ``ansible-inventory --list`` reads them (its real
output is stored next to them, and asked live when it is installed), then
turned into host targets: address, user, port, key, sudo, ProxyJump and
ProxyCommand, exec prefix, and Neutron names matched by inventory name
or by ansible_host; unsafe values refused as a netdiag inventory's are."""

import json
import os
import pathlib
import shutil

import pytest

from osc_netdiag import ansible_inventory as ansible
from osc_netdiag import errors
from osc_netdiag.inventory import Inventory

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "ansible"
FILES = ("multinode", "openstack-ansible.yml")


def _listed(name):
    stem = name.rsplit(".yml", 1)[0]
    return json.loads((FIXTURES / f"{stem}.list.json").read_text())


@pytest.mark.parametrize("name", FILES)
def test_direct_reader_agrees_with_recorded_ansible_inventory(name):
    listed = _listed(name)
    direct = ansible.read_direct((FIXTURES / name).read_text())
    assert direct == listed["_meta"]["hostvars"]
    # and every host a group lists, with those variables
    assert ansible.listed_hostvars(listed) == direct


@pytest.mark.skipif(shutil.which(ansible.ANSIBLE_INVENTORY) is None,
                    reason="ansible-inventory is not installed")
@pytest.mark.parametrize("name", FILES)
def test_direct_reader_agrees_with_live_ansible_inventory(name):
    path = str(FIXTURES / name)
    assert ansible.read_direct(open(path).read()) == ansible.hostvars(path)


def _load(name, monkeypatch, tmp_path):
    # the direct reader, and no ~/.ssh/config of this machine
    monkeypatch.setattr(ansible.shutil, "which", lambda program: None)
    return Inventory.load(str(FIXTURES / name),
                          ssh_config_path=str(tmp_path / "none"))


def test_kolla_multinode(monkeypatch, tmp_path):
    inventory = _load("multinode", monkeypatch, tmp_path)
    compute = inventory.target("compute01")
    assert (compute.address, compute.port, compute.user, compute.sudo) == (
        "compute01", 22, "kolla", True)
    assert compute.key_filename == str(FIXTURES / "keys" / "kolla_ed25519")
    assert compute.exec_prefix == ("docker", "exec", "openvswitch_vswitchd")
    # ProxyJump from ansible_ssh_common_args, resolved as ssh -J does
    assert compute.jump == "admin@bastion.example:2022"
    jump = compute.jump_target
    assert (jump.address, jump.port, jump.user) == ("bastion.example", 2022,
                                                    "admin")
    network = inventory.target("network01")
    assert (network.address, network.port, network.jump) == (
        "198.18.0.13", 2222, None)
    # [network:vars] over its parent [baremetal:vars]
    assert network.user == "neutron-ops"
    # a host's own ansible_become=False over its groups' yes
    assert inventory.target("compute03").sudo is False
    assert inventory.target("control02").sudo is True
    # the deployment host (ansible_connection=local) is no target
    assert "localhost" not in inventory.hosts


def test_neutron_names_by_ansible_host(monkeypatch, tmp_path):
    inventory = _load("multinode", monkeypatch, tmp_path)
    by_address = inventory.target("compute03.mgmt.example")
    assert by_address.address == "compute03.mgmt.example"
    assert by_address.sudo is False and by_address.user == "kolla"
    assert inventory.target("198.18.0.13").port == 2222
    # a name in neither: the name itself, nothing of the inventory
    other = inventory.target("compute09")
    assert (other.user, other.sudo, other.exec_prefix) == (None, False, ())


def test_openstack_ansible_yaml(monkeypatch, tmp_path):
    inventory = _load("openstack-ansible.yml", monkeypatch, tmp_path)
    one = inventory.target("compute1")
    assert (one.address, one.user, one.jump, one.sudo) == (
        "198.18.0.11", "root", "ops@bastion.example", False)
    two = inventory.target("compute2")
    assert two.proxy_command == "ssh -W %h:%p -q ops@bastion2.example"
    assert two.jump is None
    net = inventory.target("network1")
    assert (net.address, net.sudo) == ("network1.mgmt.example", True)
    assert inventory.hosts["network1"]["neutron_users"] == ("neutron",)
    assert inventory.target("network1.mgmt.example").sudo is True


def test_uses_ansible_inventory_when_installed(monkeypatch, tmp_path):
    """With ansible-inventory on PATH its --list answer is what counts.

    Here its recorded answer, edited in one place: another user.
    """
    listed = _listed("multinode")
    listed["_meta"]["hostvars"]["compute01"]["ansible_user"] = "operator"
    calls = []

    def run(argv, **kwargs):
        calls.append(argv)
        return type("Done", (), {"returncode": 0, "stderr": "",
                                 "stdout": json.dumps(listed)})()
    monkeypatch.setattr(ansible.shutil, "which",
                        lambda program: "/usr/bin/ansible-inventory")
    monkeypatch.setattr(ansible.subprocess, "run", run)
    inventory = Inventory.load(str(FIXTURES / "multinode"),
                               ssh_config_path=str(tmp_path / "none"))
    assert calls == [["/usr/bin/ansible-inventory", "-i",
                      str(FIXTURES / "multinode"), "--list"]]
    assert inventory.target("compute01").user == "operator"
    assert inventory.target("compute02").user == "kolla"


@pytest.mark.parametrize("line,message", [
    ("compute1 ansible_user=-oProxyCommand=id", "unsafe user name"),
    ("compute1 ansible_host='198.18.0.11 -p 1'", "unsafe address"),
    ("compute1 ansible_port=0", "invalid port"),
    ("compute1 ansible_become=maybe", "not a boolean"),
    ("compute1 ansible_ssh_common_args='-J a@b,c@d'", "chains"),
    ("compute1 netdiag_exec_prefix=''", "exec_prefix"),
    ("'compute1;id'", "unsafe host name"),
])
def test_unsafe_values_refused(line, message, tmp_path, monkeypatch):
    monkeypatch.setattr(ansible.shutil, "which", lambda program: None)
    path = tmp_path / "hosts.ini"
    path.write_text(f"[compute]\n{line}\n")
    with pytest.raises(errors.NetdiagError, match=message):
        Inventory.load(str(path), ssh_config_path=str(tmp_path / "none")
                       ).target("compute1")


def test_ranges_and_ssh_option_spellings():
    assert ansible.expand("c[01:03]") == ["c01", "c02", "c03"]
    assert ansible.expand("n[a:c]-[1:3:2]") == ["na-1", "na-3", "nb-1",
                                                "nb-3", "nc-1", "nc-3"]
    assert ansible.ssh_options("-oProxyJump=j1", "x") == ("j1", None)
    assert ansible.ssh_options("-o 'ProxyJump j2'", "x") == ("j2", None)
    assert ansible.ssh_options("-o proxyjump=none", "x") == (None, None)
    assert ansible.ssh_options(
        "-o 'ProxyCommand=nc %h %p' -o Compression=yes", "x") == (
            None, "nc %h %p")


def test_netdiag_inventory_is_not_taken_for_ansible(tmp_path):
    path = tmp_path / "inventory.yaml"
    path.write_text("hosts:\n  compute1: {address: 198.18.0.11}\n")
    assert Inventory.load(str(path)).target("compute1").address == \
        "198.18.0.11"
    assert not ansible.looks_like_ansible(path.read_text(), {
        "hosts": {"compute1": {"address": "198.18.0.11"}}})
    assert os.path.exists(path)


def test_clouds_yaml_may_name_an_ansible_inventory(monkeypatch, tmp_path):
    """clouds.yaml's netdiag: inventory: may be an Ansible one too.

    Its inline hosts are laid over it as over a netdiag file.
    """
    monkeypatch.setattr(ansible.shutil, "which", lambda program: None)
    inventory = Inventory.from_clouds_yaml(
        {"netdiag": {"inventory": str(FIXTURES / "multinode"),
                     "hosts": {"compute02": {"user": "ops"}}}},
        ssh_config_path=str(tmp_path / "none"))
    assert inventory.target("compute01").user == "kolla"
    assert inventory.target("compute01").key_filename == str(
        FIXTURES / "keys" / "kolla_ed25519")
    assert inventory.target("compute02").user == "ops"
    assert inventory.target("compute02").sudo is False
