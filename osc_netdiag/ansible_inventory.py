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

"""``--inventory`` given an Ansible inventory (as kolla-ansible's
``multinode`` or an OpenStack-Ansible deployment keeps): each host's
variables, merged as Ansible merges them, turned into netdiag inventory
entries.

With ``ansible-inventory`` on PATH it is asked (``--list``: Ansible's own
semantics, dynamic inventories and plugins included). Otherwise a subset
is read directly, documented in doc/source/usage.rst:

* INI: ``[group]`` host lines (``name key=value ...``, numeric and letter
  ranges ``name[01:03]``), ``[group:vars]``, ``[group:children]``; values
  read as Ansible reads them (a Python literal if it is one, else text);
* YAML: ``all:`` (or any top-level group) with ``hosts``, ``vars`` and
  ``children``, at any depth;
* variables merged from ``all`` down: a child group's over its parent's,
  groups of one depth by name, a host's own over every group's.

Of the variables, these are read: ``ansible_host`` (the address),
``ansible_user``, ``ansible_port``, ``ansible_ssh_private_key_file``,
``ansible_become`` (sudo), ``ansible_ssh_common_args`` and
``ansible_ssh_extra_args`` (their ``-o ProxyJump=``, ``-J`` and ``-o
ProxyCommand=``), and ``netdiag_<setting>`` for any setting of a netdiag
inventory entry (e.g. ``netdiag_exec_prefix``). Every value then goes
through the same checks as a netdiag inventory's (inventory.py).
"""

import ast
import json
import re
import shlex
import shutil
import subprocess

import yaml

from osc_netdiag import errors
from osc_netdiag import names

ANSIBLE_INVENTORY = "ansible-inventory"
TIMEOUT = 120.0
_TRUE = {"yes", "on", "1", "true", "y", "t"}
_FALSE = {"no", "off", "0", "false", "n", "f", ""}
_RANGE = re.compile(r"\[([0-9]+|[a-z]):([0-9]+|[a-z])(?::([0-9]+))?\]")
# the Ansible variables that say how to reach a host, and their netdiag
# settings (the ansible_ssh_* spellings are Ansible's older names)
_DIRECT = {"ansible_host": "address", "ansible_ssh_host": "address",
           "ansible_user": "user", "ansible_ssh_user": "user",
           "ansible_port": "port", "ansible_ssh_port": "port",
           "ansible_ssh_private_key_file": "key",
           "ansible_private_key_file": "key"}


def looks_like_ansible(text, data):
    """Is this inventory file Ansible's rather than netdiag's own?

    Ansible's: INI, or YAML whose top-level keys are groups; netdiag's has
    ``hosts:``/``defaults:``.
    """
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";")):
            if line.startswith("["):
                return True
            break
    if not isinstance(data, dict) or not data:
        return False
    netdiag_keys = {"known_hosts", "defaults", "hosts", "inventory"}
    # every top-level key a group with hosts, vars or children (a netdiag
    # inventory with a misspelt key stays netdiag's, and is refused)
    return not set(data) & netdiag_keys and all(
        isinstance(v, dict) and v and set(v) <= {"hosts", "vars", "children"}
        for v in data.values())


# -- reading: ansible-inventory, else the direct subset ------------------------

def hostvars(path, *, program=None):
    """{host: {variable: value}} of the inventory at ``path``."""
    program = program or shutil.which(ANSIBLE_INVENTORY)
    if program:
        return from_ansible_inventory(path, program)
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return read_direct(text)


def from_ansible_inventory(path, program):
    try:
        done = subprocess.run([program, "-i", path, "--list"],
                              capture_output=True, text=True,
                              timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise errors.NetdiagError(f"{ANSIBLE_INVENTORY} -i {path} --list: "
                                  f"no answer in {TIMEOUT:g}s") from None
    if done.returncode != 0:
        raise errors.NetdiagError(f"{ANSIBLE_INVENTORY} -i {path} --list "
                                  f"failed: {done.stderr.strip()[-500:]}")
    return listed_hostvars(json.loads(done.stdout))


def listed_hostvars(listed):
    """{host: vars} of ``ansible-inventory --list``'s JSON.

    Every host of a group, with its merged variables from
    ``_meta.hostvars``.
    """
    meta = (listed.get("_meta") or {}).get("hostvars") or {}
    hosts = {}
    for group, body in listed.items():
        if group == "_meta" or not isinstance(body, dict):
            continue
        for host in body.get("hosts") or ():
            hosts[host] = dict(meta.get(host) or {})
    return hosts


def _value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def expand(pattern):
    """Ansible's host ranges: ``web[01:03]`` -> web01, web02, web03."""
    match = _RANGE.search(pattern)
    if match is None:
        return [pattern]
    start, end = match.group(1), match.group(2)
    step = int(match.group(3) or 1)
    head, tail = pattern[:match.start()], pattern[match.end():]
    if start.isdigit() != end.isdigit():
        raise errors.NetdiagError(f"bad host range in {pattern!r}")
    if start.isdigit():
        width = len(start) if start.startswith("0") else 0
        items = [str(n).zfill(width)
                 for n in range(int(start), int(end) + 1, step)]
    else:
        items = [chr(c) for c in range(ord(start), ord(end) + 1, step)]
    return [name for item in items for name in expand(head + item + tail)]


class _Groups:
    def __init__(self):
        self.vars = {"all": {}}
        self.children = {"all": []}
        self.hosts = {"all": []}
        self.host_vars = {}

    def group(self, name):
        self.vars.setdefault(name, {})
        self.children.setdefault(name, [])
        self.hosts.setdefault(name, [])
        return name

    def add_host(self, group, host, variables):
        self.group(group)
        if host not in self.hosts[group]:
            self.hosts[group].append(host)
        self.host_vars.setdefault(host, {}).update(variables)

    def merged(self):
        """{host: vars}: all, then groups by depth and name, then host."""
        for name in list(self.vars):
            if name != "all" and not any(name in c for c in
                                         self.children.values()):
                self.children["all"].append(name)
        depth = {"all": 0}
        queue = ["all"]
        while queue:
            parent = queue.pop(0)
            for child in self.children.get(parent, ()):
                if depth.get(child, -1) < depth[parent] + 1:
                    depth[child] = depth[parent] + 1
                    queue.append(child)
        result = {}
        for host in self.host_vars:
            groups = {g for g in self.vars if self._holds(g, host)}
            merged = {}
            for group in sorted(groups | {"all"},
                                key=lambda g: (depth.get(g, 0), g)):
                merged.update(self.vars[group])
            merged.update(self.host_vars[host])
            result[host] = merged
        return result

    def _holds(self, group, host, seen=()):
        if host in self.hosts.get(group, ()):
            return True
        return any(self._holds(child, host, seen + (group,))
                   for child in self.children.get(group, ())
                   if child not in seen)


def read_direct(text):
    """{host: vars} of an INI or YAML Ansible inventory's text."""
    groups = _Groups()
    stripped = [line.strip() for line in text.splitlines()]
    first = next((line for line in stripped
                  if line and not line.startswith(("#", ";"))), "")
    if first.startswith("["):
        _read_ini(stripped, groups)
    else:
        data = yaml.safe_load(text) or {}
        for name, body in data.items():
            _read_yaml_group(str(name), body or {}, groups)
    return groups.merged()


def _read_ini(lines, groups):
    section, kind = "ungrouped", "hosts"
    for number, line in enumerate(lines, 1):
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise errors.NetdiagError(f"Ansible inventory line "
                                          f"{number}: {line!r}")
            section, _, kind = line[1:-1].partition(":")
            kind = kind or "hosts"
            if kind not in ("hosts", "vars", "children"):
                raise errors.NetdiagError(
                    f"Ansible inventory line {number}: section {line!r}")
            groups.group(section)
        elif kind == "vars":
            key, _, value = line.partition("=")
            groups.vars[section][key.strip()] = _value(value.strip())
        elif kind == "children":
            groups.children[section].append(groups.group(line.split()[0]))
        else:
            first, *tokens = shlex.split(line, comments=True)
            variables = {}
            for token in tokens:
                key, sep, value = token.partition("=")
                if not sep:
                    raise errors.NetdiagError(
                        f"Ansible inventory line {number}: {token!r} is "
                        f"not key=value")
                variables[key] = _value(value)
            for host in expand(first):
                groups.add_host(section, host, variables)


def _read_yaml_group(name, body, groups):
    groups.group(name)
    groups.vars[name].update(body.get("vars") or {})
    for host, variables in (body.get("hosts") or {}).items():
        for expanded in expand(str(host)):
            groups.add_host(name, expanded, variables or {})
    for child, child_body in (body.get("children") or {}).items():
        if str(child) not in groups.children[name]:
            groups.children[name].append(str(child))
        _read_yaml_group(str(child), child_body or {}, groups)


# -- Ansible variables -> netdiag inventory entries -----------------------------

def boolean(value, what):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise errors.NetdiagError(f"{what}: not a boolean: {value!r}")


def ssh_options(args, what):
    """(jump, proxy command) from ssh arguments.

    Read: ``-o ProxyJump=X``, ``-o 'ProxyJump X'``, ``-oProxyJump=X``,
    ``-J X`` and ``-o ProxyCommand=...``; other options are not netdiag's
    business and are left out.
    """
    jump = command = None
    tokens = shlex.split(str(args))
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in ("-o", "-J") and index + 1 < len(tokens):
            value = tokens[index + 1]
            index += 2
        elif token.startswith(("-o", "-J")) and len(token) > 2:
            value = token[2:]
            token = token[:2]
            index += 1
        else:
            index += 1
            continue
        if token == "-J":
            jump = value
            continue
        key, sep, rest = value.partition("=")
        if not sep:
            key, _, rest = value.partition(" ")
        if key.strip().lower() == "proxyjump":
            jump = rest.strip()
        elif key.strip().lower() == "proxycommand":
            command = rest.strip()
    if not jump or jump.lower() == "none":
        jump = None
    if jump is not None and "," in jump:
        raise errors.NetdiagError(f"{what}: ProxyJump chains are not "
                                  f"supported: {jump}")
    return jump, command


def entry(host, variables, fields):
    """The netdiag inventory entry of one Ansible host's variables."""
    what = f"Ansible host {host!r}"
    found = {}
    for key, setting in _DIRECT.items():
        if variables.get(key) is not None and setting not in found:
            found[setting] = variables[key]
    if variables.get("ansible_become") is not None:
        found["sudo"] = boolean(variables["ansible_become"],
                                f"{what}: ansible_become")
    for key in ("ansible_ssh_common_args", "ansible_ssh_extra_args"):
        if variables.get(key):
            jump, command = ssh_options(variables[key], f"{what}: {key}")
            if jump:
                found["jump"] = jump
            if command:
                found["proxy_command"] = command
    for key, value in variables.items():
        if key.startswith("netdiag_") and key[8:] in fields:
            found[key[8:]] = value
    if "sudo" in found and not isinstance(found["sudo"], bool):
        found["sudo"] = boolean(found["sudo"], f"{what}: netdiag_sudo")
    for setting in ("address", "user", "key", "jump"):
        if setting in found:
            found[setting] = str(found[setting])
    return found


def to_hosts(host_variables, fields):
    """{name: entry} of every Ansible host.

    Each under its inventory name, and under its ``ansible_host`` too when
    that is a host name no other entry has (Neutron may know a host by
    either).
    """
    hosts = {}
    for host, variables in host_variables.items():
        if variables.get("ansible_connection") == "local":
            continue            # the deployment host itself, not a target
        hosts[names.check_host_name(host)] = entry(host, variables, fields)
    aliases = {}
    for host, found in hosts.items():
        address = found.get("address")
        if address and address not in hosts and _is_name(address):
            aliases.setdefault(address, []).append(found)
    for address, entries in aliases.items():
        if len(entries) == 1:
            hosts[address] = entries[0]
    return hosts


def _is_name(text):
    try:
        names.check_host_name(text)
    except errors.NetdiagError:
        return False
    return True
