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

"""~/.ssh/config Include, ProxyJump aliases and host names, as OpenSSH."""

import string

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from osc_netdiag import errors
from osc_netdiag.inventory import check_host_name
from osc_netdiag.inventory import Inventory
from osc_netdiag import ssh_config


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A home of our own: relative Includes are taken from ~/.ssh."""
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".ssh" / "config.d").mkdir(parents=True)
    return tmp_path


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_include_relative_glob_and_jump_alias(home):
    ssh = home / ".ssh"
    write(ssh / "config.d" / "10-bastion.conf", """\
Host bastion
    HostName 198.18.9.1
    User jumper
    Port 2022
    IdentityFile ~/.ssh/bastion_key
""")
    write(ssh / "config.d" / "20-compute.conf", """\
Host compute-*
    HostName %h.mgmt.example
    User ops
    IdentityFile ~/.ssh/compute_key
    ProxyJump bastion
""")
    config = write(ssh / "config", "Include config.d/*.conf\n")
    target = Inventory(ssh_config_path=config).target("compute-7")
    assert (target.address, target.user) == ("compute-7.mgmt.example", "ops")
    assert target.key_filename == str(ssh / "compute_key")
    assert target.jump == "bastion"
    jump = target.jump_target
    assert (jump.name, jump.address, jump.port, jump.user) == (
        "bastion", "198.18.9.1", 2022, "jumper")
    assert jump.key_filename == str(ssh / "bastion_key")
    assert jump.known_hosts == target.known_hosts


def test_jump_spec_overrides_the_alias_block(home):
    config = write(home / ".ssh" / "config", """\
Host bastion
    HostName 198.18.9.1
    User jumper
    Port 2022
Host viaspec
    ProxyJump admin@bastion:2200
Host plainjump
    ProxyJump 198.18.9.2
""")
    inventory = Inventory(ssh_config_path=config,
                          defaults={"user": "root", "key": "/keys/k"})
    jump = inventory.target("viaspec").jump_target
    assert (jump.address, jump.port, jump.user) == ("198.18.9.1", 2200, "admin")
    # No Host block of its own: as written, with the target's user and key.
    jump = inventory.target("plainjump").jump_target
    assert (jump.address, jump.port, jump.user, jump.key_filename) == (
        "198.18.9.2", 22, "root", "/keys/k")


def test_inventory_jump_is_resolved_through_ssh_config_too(home, tmp_path):
    config = write(home / ".ssh" / "config",
                   "Host bastion\n    HostName 198.18.9.1\n    Port 2022\n")
    inventory = Inventory(hosts={"c1": {"address": "10.0.0.1",
                                        "jump": "bastion"}},
                          ssh_config_path=config)
    jump = inventory.target("c1").jump_target
    assert (jump.address, jump.port) == ("198.18.9.1", 2022)


def test_include_inside_host_block_keeps_openssh_scoping(home):
    ssh = home / ".ssh"
    write(ssh / "user.conf", "User scoped\n")
    config = write(ssh / "config", f"""\
Host only-this
    Include {ssh / 'user.conf'}
    Port 2200
Host *
    Port 2300
""")
    inventory = Inventory(ssh_config_path=config)
    assert (inventory.target("only-this").user,
            inventory.target("only-this").port) == ("scoped", 2200)
    assert (inventory.target("other").user,
            inventory.target("other").port) == (None, 2300)


def test_include_with_host_blocks_restores_the_outer_block(home):
    ssh = home / ".ssh"
    write(ssh / "config.d" / "a.conf", "Host a\n    User from-a\n")
    config = write(ssh / "config", "Include config.d/a.conf\nUser everyone\n")
    inventory = Inventory(ssh_config_path=config)
    # "User everyone" follows the Include at top level: it is global.
    assert inventory.target("b").user == "everyone"
    assert inventory.target("a").user == "from-a"


def test_include_of_host_blocks_inside_a_block_is_refused(home):
    ssh = home / ".ssh"
    write(ssh / "config.d" / "a.conf", "Host a\n    User from-a\n")
    config = write(ssh / "config", "Host x\n    Include config.d/a.conf\n")
    with pytest.raises(errors.NetdiagError, match="not supported"):
        Inventory(ssh_config_path=config)


def test_nested_include_of_host_blocks_inside_a_block_is_refused(home):
    ssh = home / ".ssh"
    write(ssh / "config.d" / "a.conf", "Host a\n    User from-a\n")
    write(ssh / "mid.conf", "Include config.d/a.conf\n")
    config = write(ssh / "config", "Host x\n    Include mid.conf\n")
    with pytest.raises(errors.NetdiagError, match="not supported"):
        Inventory(ssh_config_path=config)


def test_include_recursion_is_bounded(home):
    config = write(home / ".ssh" / "config", "Include config\n")
    with pytest.raises(errors.NetdiagError, match="deeper than 16"):
        Inventory(ssh_config_path=config)


def test_include_without_match_is_skipped(home):
    config = write(home / ".ssh" / "config",
                   "Include nothing/*.conf\nHost h\n    Port 2022\n")
    assert Inventory(ssh_config_path=config).target("h").port == 2022


def test_jump_chains_are_refused(home):
    config = write(home / ".ssh" / "config", """\
Host bastion
    ProxyJump outer
Host a
    ProxyJump bastion
Host b
    ProxyJump one,two
""")
    inventory = Inventory(ssh_config_path=config)
    for name in ("a", "b"):
        with pytest.raises(errors.NetdiagError, match="not supported"):
            inventory.target(name)


# -- host names ---------------------------------------------------------
VALID = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,40}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(name=VALID)
def test_valid_host_names_pass(name):
    assert check_host_name(name) == name
    assert Inventory(ssh_config_path=None).target(name).name == name


ALLOWED = set(string.ascii_letters + string.digits + "._:-")


@settings(max_examples=300, deadline=None)
@given(name=st.one_of(
    st.text(max_size=30),
    st.builds(lambda a, b, c: a + b + c, VALID,
              st.sampled_from(list(" \t\n\r;$`'\"|&<>()*?[]{}%/\\!#=@,\x00"
                                   "\u00e9\u2028")), VALID),
    st.builds(lambda a, b: a + b, st.sampled_from(list("-._:")), VALID)))
def test_invalid_host_names_are_refused_everywhere(name):
    if name and set(name) <= ALLOWED and name[0].isalnum() and name.isascii():
        return                                      # a valid name: above
    with pytest.raises(errors.UnsafeNameError):
        check_host_name(name)
    inventory = Inventory(hosts={"c-*": {"address": "{name}.example",
                                         "proxy_command": "nc {name} 22"}},
                          ssh_config_path=None)
    with pytest.raises(errors.UnsafeNameError):
        inventory.target(name)
    from osc_netdiag.transport import replay
    with pytest.raises(errors.UnsafeNameError):
        replay.host_path("/nonexistent", name)


def test_hostile_name_never_reaches_a_proxy_command(home):
    # ~/.ssh/config would put the name into the command as %h.
    config = write(home / ".ssh" / "config",
                   "Host *\n    ProxyCommand nc %h %p\n")
    inventory = Inventory(ssh_config_path=config)
    assert inventory.target("compute-1").proxy_command == "nc compute-1 22"
    for name in ("a;id", "$(id)", "a b", "-oProxyCommand=id", "x`id`"):
        with pytest.raises(errors.UnsafeNameError):
            inventory.target(name)


def test_inventory_keys_are_host_names_too():
    with pytest.raises(errors.UnsafeNameError):
        Inventory(hosts={"a;b": {"address": "10.0.0.1"}})


def test_expand_includes_inlines_sorted_matches(tmp_path):
    # Pure given a reader: files in sorted glob order, each followed by the
    # block the Include stood in.
    (tmp_path / "b.conf").write_text("Host b\n")
    (tmp_path / "a.conf").write_text("Host a\n")
    read = lambda p: open(p).read()            # noqa: E731
    text = ssh_config.expand_includes(
        "Port 1\nInclude *.conf\nUser u\n", read, str(tmp_path))
    assert text.splitlines() == ["Port 1", "Host a", "Host *", "Host b",
                                 "Host *", "User u"]
