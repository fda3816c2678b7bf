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

"""Neutron host name -> how to reach it (a HostTarget).

The inventory is YAML (or an Ansible inventory, INI or YAML: see
:mod:`osc_netdiag.ansible_inventory`)::

    known_hosts: /etc/netdiag/known_hosts          # optional, str or list
    defaults: {user: root, key: ~/.ssh/id_ed25519, sudo: false, port: 22}
    hosts:
      compute1: {address: 198.18.0.11, sudo: true, jump: admin@bastion:22,
                 exec_prefix: "docker exec openvswitch_vswitchd"}
      "compute-*": {address: "{name}.mgmt.example", sudo: true}

For a name, each setting comes from the first place that has it: the host's
own entry, the first matching pattern (fnmatch; ``{name}`` is replaced by
the host name), ``~/.ssh/config`` (HostName, User, Port, IdentityFile,
ProxyJump, ProxyCommand; its ``Include`` files followed), the inventory
``defaults``, and finally the name itself as address. A jump host is looked
up in ``~/.ssh/config`` too, under its own name, as ``ssh -J`` does.
Relative paths are resolved against the inventory's folder; ``~`` is
expanded. Host names (from Neutron, and the inventory's own) must pass
:func:`check_host_name` before they become a pattern's ``{name}``, an ssh
config lookup (whose ProxyCommand may carry ``%h``) or a file name.
"""

import fnmatch
import os
import re
import shlex
from typing import Optional

import yaml

from osc_netdiag import errors
from osc_netdiag import names
from osc_netdiag import ssh_config
from osc_netdiag.transport.base import HostTarget

_FIELDS = {"address", "port", "user", "key", "sudo", "jump", "proxy_command",
           "exec_prefix", "connect_timeout"}
# Where Neutron keeps its files on a host and whom it runs as: what dhcp
# check may read there (osc_netdiag/linux/host_files.py).
_NEUTRON_FIELDS = {"neutron_paths", "neutron_users"}
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f]")
# One rule for Neutron host names, kept with the other name allow-lists.
check_host_name = names.check_host_name


def check_name(value: str, what: str) -> str:
    """Refuse names that could be taken for options or split by a shell."""
    if not isinstance(value, str) or not value:
        raise errors.UnsafeNameError(f"{what} must be a non-empty string: {value!r}")
    if value.startswith("-") or _UNSAFE.search(value):
        raise errors.UnsafeNameError(f"unsafe {what}: {value!r}")
    return value


def parse_exec_prefix(value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str):
        parts = shlex.split(value)
        if not parts:
            raise errors.NetdiagError("exec_prefix is empty")
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        raise errors.NetdiagError(f"exec_prefix must be a string or a list: {value!r}")
    for part in parts:
        if not isinstance(part, str) or not part or "\0" in part:
            raise errors.NetdiagError(f"invalid exec_prefix element: {part!r}")
    return tuple(parts)


class Inventory:
    def __init__(self, hosts=None, defaults=None, known_hosts=(), base_dir=None,
                 ssh_config_path="~/.ssh/config"):
        self.base_dir = base_dir or os.getcwd()
        self.defaults = self._check_entry("defaults", defaults or {})
        self.hosts = {}
        self.patterns = []
        for name, entry in (hosts or {}).items():
            name = str(name)
            entry = self._check_entry(name, entry or {})
            if any(c in name for c in "*?["):
                self.patterns.append((name, entry))
            else:
                self.hosts[check_host_name(name)] = entry
        if isinstance(known_hosts, str):
            known_hosts = [known_hosts]
        self.known_hosts_files = tuple(self._path(p) for p in known_hosts or ())
        self._ssh_config = self._load_ssh_config(ssh_config_path)

    # -- loading ---------------------------------------------------------
    @classmethod
    def load(cls, path, **kwargs):
        """A netdiag inventory file, or an Ansible one.

        Ansible's: INI or YAML, see osc_netdiag.ansible_inventory.
        """
        path = os.path.expanduser(path)
        return cls.from_dict(read_file(path),
                             base_dir=os.path.dirname(os.path.abspath(path)),
                             **kwargs)

    @classmethod
    def from_dict(cls, data, base_dir=None, **kwargs):
        if not isinstance(data, dict):
            raise errors.NetdiagError("inventory must be a mapping")
        unknown = set(data) - {"known_hosts", "defaults", "hosts", "inventory"}
        if unknown:
            raise errors.NetdiagError(f"unknown inventory keys: {sorted(unknown)}")
        return cls(hosts=data.get("hosts"), defaults=data.get("defaults"),
                   known_hosts=data.get("known_hosts") or (),
                   base_dir=base_dir, **kwargs)

    @classmethod
    def from_clouds_yaml(cls, cloud_config, **kwargs):
        """Read the ``netdiag:`` section of a clouds.yaml cloud entry.

        It may name an inventory file (``inventory: PATH``) and/or carry
        ``hosts``/``defaults``/``known_hosts`` inline; inline settings are
        laid over the file's.
        """
        section = (cloud_config or {}).get("netdiag") or {}
        if not isinstance(section, dict):
            raise errors.NetdiagError("clouds.yaml netdiag: must be a mapping")
        data = {}
        base_dir = None
        if section.get("inventory"):
            path = os.path.expanduser(section["inventory"])
            data = read_file(path)
            base_dir = os.path.dirname(os.path.abspath(path))
        merged = dict(data)
        merged["defaults"] = {**(data.get("defaults") or {}),
                              **(section.get("defaults") or {})}
        merged["hosts"] = {**(data.get("hosts") or {}),
                           **(section.get("hosts") or {})}
        known = []
        for source in (data, section):
            value = source.get("known_hosts") or ()
            known += [value] if isinstance(value, str) else list(value)
        merged["known_hosts"] = known
        merged.pop("inventory", None)
        return cls.from_dict(merged, base_dir=base_dir, **kwargs)

    def _check_entry(self, name, entry) -> dict:
        if not isinstance(entry, dict):
            raise errors.NetdiagError(f"inventory entry {name!r} must be a mapping")
        unknown = set(entry) - _FIELDS - _NEUTRON_FIELDS
        if unknown:
            raise errors.NetdiagError(
                f"inventory entry {name!r}: unknown keys {sorted(unknown)}")
        entry = dict(entry)
        if "exec_prefix" in entry:
            entry["exec_prefix"] = parse_exec_prefix(entry["exec_prefix"])
        if "sudo" in entry and not isinstance(entry["sudo"], bool):
            raise errors.NetdiagError(f"inventory entry {name!r}: sudo must be true/false")
        if "port" in entry:
            entry["port"] = _port(entry["port"], name)
        _check_neutron_fields(entry, name)
        return entry

    def _path(self, path: str) -> str:
        path = os.path.expanduser(str(path))
        return path if os.path.isabs(path) else os.path.join(self.base_dir, path)

    @staticmethod
    def _load_ssh_config(path):
        if not path:
            return None
        path = os.path.expanduser(path)
        if not os.path.isfile(path):
            return None
        return ssh_config.load(path)

    # -- resolving -------------------------------------------------------
    def _ssh_settings(self, name: str) -> dict:
        if self._ssh_config is None:
            return {}
        settings = ssh_config.host_settings(self._ssh_config, name)
        if "port" in settings:
            settings["port"] = _port(settings["port"], name)
        return settings

    def _jump_target(self, name, spec, user, key, known_hosts, timeout):
        """The jump host ``spec`` resolved through its own Host block; its
        user and key default to the target's (as before ~/.ssh/config was
        read for jump hosts).
        """
        check_name(spec, "jump host")
        found = ssh_config.jump_settings(self._ssh_config, spec)
        alias = check_host_name(found["name"])
        jump_user = found["user"] or user
        if jump_user is not None:
            check_name(str(jump_user), "user name")
        jump_key = found.get("key")
        return HostTarget(
            name=alias,
            address=check_name(str(found["address"]), "address"),
            port=_port(found["port"], f"{name} (jump host {alias})"),
            user=jump_user,
            key_filename=self._path(jump_key) if jump_key else key,
            known_hosts=known_hosts, connect_timeout=timeout)

    def _matching_pattern(self, name: str) -> Optional[dict]:
        for pattern, entry in self.patterns:
            if fnmatch.fnmatchcase(name, pattern):
                return {k: v.replace("{name}", name) if isinstance(v, str) else v
                        for k, v in entry.items()}
        return None

    def target(self, name: str) -> HostTarget:
        check_host_name(name)
        layers = [self.hosts.get(name) or {}, self._matching_pattern(name) or {},
                  self._ssh_settings(name), self.defaults]

        def setting(key, default=None):
            for layer in layers:
                if layer.get(key) is not None:
                    return layer[key]
            return default

        key = setting("key")
        key = self._path(key) if key else None
        jump = setting("jump")
        user = setting("user")
        if user is not None:
            check_name(str(user), "user name")
        timeout = float(setting("connect_timeout", 5.0))
        return HostTarget(
            name=name,
            address=check_name(str(setting("address", name)), "address"),
            port=_port(setting("port", 22), name),
            user=user,
            key_filename=key,
            sudo=bool(setting("sudo", False)),
            jump=jump,
            proxy_command=setting("proxy_command"),
            exec_prefix=tuple(setting("exec_prefix", ())),
            known_hosts=self.known_hosts_files,
            connect_timeout=timeout,
            jump_target=None if jump is None else self._jump_target(
                name, jump, user, key, self.known_hosts_files, timeout),
        )


def read_file(path):
    """An inventory file as a netdiag inventory's mapping.

    An Ansible inventory (see osc_netdiag.ansible_inventory) becomes
    ``{"hosts": {...}}``.
    """
    from osc_netdiag import ansible_inventory
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    data = None
    if not ansible_inventory.looks_like_ansible(text, None):
        data = yaml.safe_load(text) or {}
    if data is None or ansible_inventory.looks_like_ansible(text, data):
        return {"hosts": ansible_inventory.to_hosts(
            ansible_inventory.hostvars(os.path.abspath(path)),
            _FIELDS | _NEUTRON_FIELDS)}
    return data


def _check_neutron_fields(entry, name):
    from osc_netdiag.linux import host_files
    where = f"inventory entry {name!r}"
    if "neutron_paths" in entry:
        entry["neutron_paths"] = host_files.check_roots(entry["neutron_paths"],
                                                        where)
    if "neutron_users" in entry:
        entry["neutron_users"] = host_files.check_users(entry["neutron_users"],
                                                        where)


def neutron_layout(inventory, name):
    """The host's NeutronLayout: each of neutron_paths' kinds and
    neutron_users from the host's entry, else the first matching pattern,
    else ``defaults``, else Neutron's defaults.
    """
    from osc_netdiag.linux import host_files
    layers = [inventory.hosts.get(name) or {},
              inventory._matching_pattern(name) or {}, inventory.defaults]
    roots = {}
    for layer in reversed(layers):
        roots.update(layer.get("neutron_paths") or {})
    users = next((layer["neutron_users"] for layer in layers
                  if layer.get("neutron_users")), None)
    return host_files.make_layout(roots, users)


def _port(value, name) -> int:
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = 0
    if not 0 < port < 65536 or isinstance(value, bool):
        raise errors.NetdiagError(f"{name}: invalid port {value!r}")
    return port
