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

"""Decide whether a host's key is trusted, the way OpenSSH does.

known_hosts files are read with :mod:`known_hosts` (not paramiko's loader,
which stops at ``@revoked``/``@cert-authority`` lines), once per transport.
paramiko is given no key at all, so it asks :class:`HostKeyPolicy` about
every server key; the policy decides, in this order:

1. a key listed ``@revoked`` for the host is refused, always;
2. a key listed for the host is accepted;
3. other keys listed for the host: the key CHANGED, refused;
4. ``--accept-new-host-key HOST=SHA256:...`` naming this host and exactly
   this key: accepted for this run, shown, not saved;
5. a host trusted only through ``@cert-authority``, or presenting a
   certificate: refused as not supported (add the host key);
6. anything else: unknown, refused.

Every refusal happens before authentication and is status ``hostkey``.
"""

import base64
import hashlib
import logging
import re

import paramiko

from osc_netdiag import errors
from osc_netdiag import models
from osc_netdiag.transport import known_hosts

LOG = logging.getLogger("osc_netdiag.transport.ssh")

_FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")
_HOST = re.compile(r"[A-Za-z0-9._:-]{1,255}")


def fingerprint(key) -> str:
    """OpenSSH-style ``SHA256:...`` fingerprint of a public key."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def check_fingerprint(text: str) -> str:
    """Refuse anything but an OpenSSH ``SHA256:<base64>`` fingerprint."""
    if not isinstance(text, str) or not _FINGERPRINT.fullmatch(text):
        raise errors.NetdiagError(
            f"not a SHA256 host key fingerprint: {text!r} (expected "
            f"SHA256: and 43 base64 characters, as ssh-keygen -lf prints)")
    return text


def check_accept(text: str) -> tuple:
    """``HOST=SHA256:...`` -> (host, fingerprint); anything else refused.

    The host is a Neutron host name or the address it is reached at; a bare
    fingerprint is refused, so that a key shared by cloned hosts is never
    accepted for a host the operator did not name.
    """
    host, sep, fp = (text.partition("=") if isinstance(text, str)
                     else ("", "", ""))
    if not sep or not _HOST.fullmatch(host) or host.startswith("-"):
        raise errors.NetdiagError(
            f"--accept-new-host-key takes HOST=SHA256:... (the refusal "
            f"message prints it): {text!r}")
    return host, check_fingerprint(fp)


# -- refusals: paramiko calls the policy inside connect(), so they travel as
#    SSHExceptions and become HostErrors in host_error() below.
class HostKeyRefused(paramiko.SSHException):
    def __init__(self, hostname, key, why, known=()):
        super().__init__(f"{hostname}: {why}")
        self.hostname, self.key, self.why, self.known = hostname, key, why, known


class HostKeyPolicy(paramiko.MissingHostKeyPolicy):
    """Per connection: what known_hosts says about this host, and which
    ``HOST=fingerprint`` acceptances name it (``names``: the host as the
    operator knows it first, then the address).
    """

    def __init__(self, view: known_hosts.HostKeys, names=(), accepted=()):
        self.view = view
        self.names = tuple(n for n in names if n)
        self.accepted = {fp for host, fp in accepted if host in self.names}

    def missing_host_key(self, client, hostname, key):
        blob = key.asbytes()
        revoked = self.view.is_revoked(blob)
        if revoked is not None:
            raise HostKeyRefused(hostname, key, "revoked", (revoked,))
        if self.view.is_known(blob):
            return
        if self.view.known:
            raise HostKeyRefused(hostname, key, "changed", self.view.known)
        offered = fingerprint(key)
        if offered in self.accepted:
            LOG.warning("accepting the new host key of %s for this run: %s %s "
                        "(not saved; add it to known_hosts to keep it)",
                        " ".join(self.names) or hostname, key.get_name(),
                        offered)
            return
        if self.view.authorities or getattr(key, "public_blob", None):
            raise HostKeyRefused(hostname, key, "certificate",
                                 self.view.authorities)
        raise HostKeyRefused(hostname, key, "unknown")


def preferred_types(view: known_hosts.HostKeys, offered_types) -> list:
    """Host key algorithms, those of the known keys first (OpenSSH's
    order_hostkeyalgs): a host with an ecdsa key in known_hosts and a newer
    ed25519 one is asked for the one we can check.
    """
    wanted = set()
    for kind in view.known_types():
        # known_hosts says ssh-rsa for the key; the algorithms are rsa-sha2-*.
        wanted |= ({"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"}
                   if kind == "ssh-rsa" else {kind})
    first = [t for t in offered_types if t in wanted]
    return first + [t for t in offered_types if t not in wanted]


def host_error(name: str, exc: HostKeyRefused, accept_as: str):
    key = exc.key
    offered = f"{key.get_name()} {fingerprint(key)}"
    where = ", ".join(e.source for e in exc.known)
    if exc.why == "revoked":
        text = (f"host key of {exc.hostname} is REVOKED ({where}): offered "
                f"{offered}; refused")
    elif exc.why == "changed":
        known = ", ".join(f"{e.key_type} {_entry_fingerprint(e)}"
                          for e in exc.known)
        text = (f"host key of {exc.hostname} CHANGED: offered {offered}, "
                f"known_hosts has {known} ({where}); possible "
                f"man-in-the-middle or a reinstalled host")
    elif exc.why == "certificate":
        how = (f"is trusted only through a certificate authority ({where})"
               if exc.known else "presents a certificate")
        text = (f"host {exc.hostname} {how}: host certificates are not "
                f"supported; add the host key to known_hosts (offered "
                f"{offered}), or accept it for one run with "
                f"--accept-new-host-key {accept_as}={fingerprint(key)}")
    else:
        text = (f"host key of {exc.hostname} is not in known_hosts (offered "
                f"{offered}); verify it and add it to known_hosts, or accept "
                f"it for one run with --accept-new-host-key "
                f"{accept_as}={fingerprint(key)}")
    return errors.HostError(name, models.HOST_HOSTKEY, text)


def _entry_fingerprint(entry) -> str:
    digest = hashlib.sha256(entry.blob).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")
