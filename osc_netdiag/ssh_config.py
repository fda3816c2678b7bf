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

"""~/.ssh/config as OpenSSH reads it: ``Include`` and ProxyJump aliases.

paramiko's SSHConfig does not follow ``Include``; :func:`expand_includes`
inlines the included files first (glob patterns, sorted; relative paths
taken from ~/.ssh; at most 16 levels deep, as OpenSSH), keeping OpenSSH's
scoping: the lines of a file included inside a ``Host``/``Match`` block
apply only where that block does, and after an included file the block
around the Include is in force again. A file with Host/Match blocks of its
own included inside another block is refused: paramiko cannot express
"both blocks match". Sample::

    Include config.d/*              # relative to ~/.ssh
    Host compute-*
        ProxyJump bastion           # resolved through "Host bastion" below

:func:`jump_settings` resolves a ProxyJump spec ``[user@]alias[:port]``
through the alias's own Host block, as ``ssh -J`` does.
"""

import glob
import os
import re
import shlex

from osc_netdiag import errors

MAX_DEPTH = 16
_INCLUDE = re.compile(r"\s*include(?:\s*=\s*|\s+)(.*)", re.IGNORECASE)
_BLOCK = re.compile(r"\s*(host|match)(?:\s*=\s*|\s+)", re.IGNORECASE)


def expand_includes(text: str, read, ssh_dir: str, depth: int = 0,
                    scoped: bool = False) -> str:
    """``text`` with every Include replaced by the files it names.

    ``read(path)`` returns a file's text (or raises OSError); a pattern
    that matches no file is skipped, as OpenSSH does. ``scoped``: ``text``
    is itself included inside a Host/Match block.
    """
    if depth > MAX_DEPTH:
        raise errors.NetdiagError(
            f"ssh config: Include nested deeper than {MAX_DEPTH} levels")
    out = []
    block = "Host *"               # the implicit block before any Host line
    for line in text.splitlines():
        if _BLOCK.match(line):
            block = line.strip()
        found = _INCLUDE.fullmatch(line)
        if not found or line.lstrip().startswith("#"):
            out.append(line)
            continue
        for path in _include_paths(found.group(1), ssh_dir):
            try:
                included = read(path)
            except OSError as exc:
                raise errors.NetdiagError(
                    f"ssh config: cannot read included {path}: {exc}") from exc
            inside = scoped or block.lower() != "host *"
            if inside and any(_BLOCK.match(line)
                              for line in included.splitlines()):
                raise errors.NetdiagError(
                    f"ssh config: {path} has Host/Match blocks and is "
                    f"included inside '{block}'; not supported (include it "
                    f"before the first Host line)")
            out.append(expand_includes(included, read, ssh_dir, depth + 1,
                                       inside).rstrip("\n"))
            # Host lines in the included file end there: restore ours.
            out.append(block)
    return "\n".join(out) + "\n"


def _include_paths(value: str, ssh_dir: str):
    try:
        words = shlex.split(value, comments=True)
    except ValueError as exc:
        raise errors.NetdiagError(f"ssh config: bad Include {value!r}") from exc
    for word in words:
        word = os.path.expanduser(word)
        if not os.path.isabs(word):
            word = os.path.join(ssh_dir, word)
        yield from sorted(glob.glob(word))


def load(path: str, ssh_dir: str = "~/.ssh"):
    """A paramiko SSHConfig of ``path`` with its Includes followed."""
    import paramiko

    def read(name):
        with open(name, encoding="utf-8") as handle:
            return handle.read()
    text = expand_includes(read(path), read, os.path.expanduser(ssh_dir))
    try:
        return paramiko.SSHConfig.from_text(text)
    except paramiko.ConfigParseError as exc:
        raise errors.NetdiagError(f"ssh config {path}: {exc}") from exc


def host_settings(config, name: str) -> dict:
    """HostName, User, Port, IdentityFile, ProxyJump, ProxyCommand of
    ``name``'s Host blocks, as inventory settings (absent when unset).
    """
    found = config.lookup(name)
    settings = {}
    if found.get("hostname") and found["hostname"] != name:
        settings["address"] = found["hostname"]
    if "user" in found:
        settings["user"] = found["user"]
    if "port" in found:
        settings["port"] = found["port"]
    if found.get("identityfile"):
        settings["key"] = found["identityfile"][0]
    if found.get("proxyjump") and found["proxyjump"].lower() != "none":
        settings["jump"] = found["proxyjump"]
    if found.get("proxycommand") and found["proxycommand"].lower() != "none":
        settings["proxy_command"] = found["proxycommand"]
    return settings


def split_jump(spec: str):
    """``[user@]host[:port]`` -> (user or None, host, port or None)."""
    user = None
    if "@" in spec:
        user, spec = spec.rsplit("@", 1)
    port = None
    if spec.startswith("["):             # [v6addr]:port
        host, _, rest = spec[1:].partition("]")
        if rest.startswith(":"):
            port = rest[1:]
    elif spec.count(":") == 1:
        host, port = spec.split(":")
    else:
        host = spec
    return user, host, port


def jump_settings(config, spec: str) -> dict:
    """The jump host of ``spec``: what the spec says, then its own Host
    block (so ``ProxyJump bastion`` reaches bastion's HostName and Port,
    as its User with its IdentityFile), as OpenSSH's ``-J`` does.
    """
    if "," in spec:
        raise errors.NetdiagError(f"ProxyJump chains are not supported: {spec}")
    user, host, port = split_jump(spec)
    own = host_settings(config, host) if config is not None else {}
    if own.get("jump") or own.get("proxy_command"):
        raise errors.NetdiagError(
            f"jump host {host} has its own ProxyJump/ProxyCommand: chains "
            f"are not supported")
    settings = {"name": host, "address": own.get("address", host),
                "user": user or own.get("user"),
                "port": port or own.get("port") or 22}
    if own.get("key"):
        settings["key"] = own["key"]
    return settings
