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

"""Read OpenSSH known_hosts text and say what it knows about one host.

paramiko's own loader raises on the ``@cert-authority`` and ``@revoked``
markers, and one such line then broke every host. This module reads the
format the way ``sshd(8)`` documents it (section SSH_KNOWN_HOSTS FILE
FORMAT) and is pure: text in, entries out. Sample::

    # comment
    198.18.0.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI...
    [198.18.0.12]:2222,compute2 ecdsa-sha2-nistp256 AAAAE2VjZHNh...
    |1|JfKTdBh7rNbXkVAQCRp4OQoPfmI=|USECr3SWf1JUPsms5AqfD5QfxkM= ssh-ed25519 AAAA...
    @revoked * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI...
    @cert-authority *.mgmt.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI...

A line that cannot be read is returned as a problem (file, line, why) and
the other lines still count, as OpenSSH does; nothing is dropped silently.
"""

import base64
import binascii
import dataclasses
import hashlib
import hmac
import re
from typing import Optional

REVOKED = "revoked"
CERT_AUTHORITY = "cert-authority"
_MARKERS = {"@revoked": REVOKED, "@cert-authority": CERT_AUTHORITY}
_HASH_MAGIC = "|1|"


@dataclasses.dataclass(frozen=True)
class Entry:
    marker: Optional[str]          # None, REVOKED or CERT_AUTHORITY
    patterns: str                  # the host field as written
    key_type: str
    blob: bytes                    # the decoded public key
    source: str                    # "file:line", for messages

    def matches(self, name: str) -> bool:
        return matches(self.patterns, name)


@dataclasses.dataclass(frozen=True)
class Parsed:
    entries: tuple
    problems: tuple                # ("file:line", why) for unreadable lines


def parse(text: str, source: str = "known_hosts") -> Parsed:
    entries, problems = [], []
    for number, line in enumerate(text.splitlines(), 1):
        where = f"{source}:{number}"
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        marker = None
        if fields[0].startswith("@"):
            marker = _MARKERS.get(fields[0])
            if marker is None:
                problems.append((where, f"unknown marker {fields[0]!r}"))
                continue
            fields = fields[1:]
        if len(fields) < 3:
            problems.append((where, "expected hosts, key type and key"))
            continue
        patterns, key_type, encoded = fields[:3]
        try:
            blob = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            problems.append((where, "key is not base64"))
            continue
        if _blob_type(blob) != key_type:
            problems.append((where, f"key does not hold a {key_type} key"))
            continue
        entries.append(Entry(marker, patterns, key_type, blob, where))
    return Parsed(tuple(entries), tuple(problems))


def _blob_type(blob: bytes) -> Optional[str]:
    """The key type a public key blob starts with (an SSH string)."""
    if len(blob) < 4:
        return None
    size = int.from_bytes(blob[:4], "big")
    if size > len(blob) - 4:
        return None
    try:
        return blob[4:4 + size].decode("ascii")
    except UnicodeDecodeError:
        return None


def lookup_name(host: str, port: int) -> str:
    """The name OpenSSH looks up and writes: ``host`` or ``[host]:port``."""
    return host if int(port) == 22 else f"[{host}]:{int(port)}"


def matches(patterns: str, name: str) -> bool:
    """Does the host field ``patterns`` name ``name`` (as lookup_name gives)?

    A hashed field (``|1|salt|hmac``) is one exact name. Otherwise the
    field is a comma-separated list of patterns with ``*`` and ``?``,
    matched without regard to case; a matching ``!pattern`` excludes the
    name whatever else matches (OpenSSH's match_hostname).
    """
    if patterns.startswith(_HASH_MAGIC):
        return _hashed_matches(patterns, name)
    name = name.lower()
    found = False
    for pattern in patterns.split(","):
        negated = pattern.startswith("!")
        if negated:
            pattern = pattern[1:]
        if _wildcard(pattern.lower()).fullmatch(name):
            if negated:
                return False
            found = True
    return found


def _wildcard(pattern: str):
    # Only * and ? are special: "[" is literal, as in "[host]:port".
    return re.compile("".join(".*" if c == "*" else "." if c == "?"
                              else re.escape(c) for c in pattern), re.DOTALL)


def _hashed_matches(field: str, name: str) -> bool:
    parts = field[len(_HASH_MAGIC):].split("|")
    if len(parts) != 2:
        return False
    try:
        salt = base64.b64decode(parts[0], validate=True)
        expected = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return False
    digest = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return hmac.compare_digest(digest, expected)


@dataclasses.dataclass(frozen=True)
class HostKeys:
    """What the known_hosts entries say about one lookup name."""
    name: str
    known: tuple                   # plain entries naming the host
    revoked: tuple                 # @revoked entries naming the host
    authorities: tuple             # @cert-authority entries naming it

    def is_revoked(self, blob: bytes) -> Optional[Entry]:
        return next((e for e in self.revoked if e.blob == blob), None)

    def is_known(self, blob: bytes) -> bool:
        return any(e.blob == blob for e in self.known)

    def known_types(self) -> tuple:
        return tuple(dict.fromkeys(e.key_type for e in self.known))


def for_host(entries, host: str, port: int) -> HostKeys:
    name = lookup_name(host, port)
    named = [e for e in entries if e.matches(name)]
    revoked = tuple(e for e in named if e.marker == REVOKED)
    revoked_blobs = {e.blob for e in revoked}
    return HostKeys(
        name=name,
        # A revoked key stays refused even where a plain line lists it.
        known=tuple(e for e in named if e.marker is None
                    and e.blob not in revoked_blobs),
        revoked=revoked,
        authorities=tuple(e for e in named if e.marker == CERT_AUTHORITY))
