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

"""Which host processes ``dhcp check`` believes, and which files it reads.

dhcp check reads files whose paths it learns from a host: the hosts file
and ``--log-facility`` of the dnsmasq serving the network, and the DHCP
agent's ``--config-file``\\ s. With ``sudo: true`` (or as root) it reads them
as root, and what it reads lands in its output and in ``--save-capture``.
So the paths are believed only when they come from a process Neutron
started, and only files under the directories Neutron uses are read:

* Trusted processes: both the real and the effective user are one of
  ``neutron_users`` (default root, neutron, nobody, dnsmasq). Neutron runs
  its agents as ``neutron`` (or root) and starts dnsmasq as root through
  its root helper without ``--user`` (neutron/agent/linux/dhcp.py); dnsmasq
  then drops to its compiled-in default user: ``nobody`` upstream and on
  Debian/Ubuntu, ``dnsmasq`` on Fedora/RHEL. Requiring both users refuses a
  set-user-ID program started under the name dnsmasq by someone else (real
  user theirs, effective user root). Processes are matched to their owners
  by PID from ``ps -e -o ruser:32=,user:32=,pid=`` run in the same batch.
* Allowed files: clean absolute paths under ``neutron_paths`` roots:
  ``state`` for the hosts file (default /var/lib/neutron, Neutron's
  state_path), ``log`` for the dnsmasq log file (default /var/log/neutron),
  ``config`` for the agent's config files (default /etc/neutron): the
  directories doc/source/netdiag.sudoers pins. ``..``, ``.``, ``//`` and
  relative paths are refused.

Both settings come from the inventory, per host or in ``defaults``::

    defaults:
      neutron_paths: {state: /srv/neutron, log: [/var/log/neutron, /srv/log],
                      config: /etc/neutron}
      neutron_users: [root, neutron, "42435"]
"""

import dataclasses
import re

from osc_netdiag import errors
from osc_netdiag import probes

DEFAULT_ROOTS = {"state": ("/var/lib/neutron",),
                 "log": ("/var/log/neutron",),
                 "config": ("/etc/neutron",)}
DEFAULT_USERS = ("root", "neutron", "nobody", "dnsmasq")
# A user name as useradd allows it (at most 32 characters), or a bare uid
# (ps prints the number for a uid without a name, as in containers).
_USER_RE = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_.-]{0,31}|[0-9]{1,10})\Z")
_ROOT_RE = re.compile(r"^/[A-Za-z0-9_.@+=:/-]{1,4095}\Z")


@dataclasses.dataclass(frozen=True)
class NeutronLayout:
    """Where a host's Neutron keeps its files, and whom it runs as."""

    state: tuple = DEFAULT_ROOTS["state"]
    log: tuple = DEFAULT_ROOTS["log"]
    config: tuple = DEFAULT_ROOTS["config"]
    users: tuple = DEFAULT_USERS

    def roots(self, kind):
        return getattr(self, kind)


DEFAULT_LAYOUT = NeutronLayout()


def _clean_segments(path):
    parts = path.split("/")[1:]
    return all(part not in ("", ".", "..") for part in parts)


def check_roots(value, where):
    """Validate an inventory ``neutron_paths`` value; returns
    {kind: (root, ...)} for the kinds it sets.
    """
    if not isinstance(value, dict):
        raise errors.NetdiagError(f"{where}: neutron_paths must be a mapping "
                                  f"of state/log/config to paths")
    unknown = set(value) - set(DEFAULT_ROOTS)
    if unknown:
        raise errors.NetdiagError(f"{where}: neutron_paths: unknown keys "
                                  f"{sorted(unknown)}")
    checked = {}
    for kind, roots in value.items():
        roots = [roots] if isinstance(roots, str) else roots
        if not isinstance(roots, (list, tuple)) or not roots:
            raise errors.NetdiagError(f"{where}: neutron_paths.{kind} must be "
                                      f"a path or a list of paths")
        for root in roots:
            # "/" would allow every file: a root must name a directory.
            bare = root.rstrip("/") if isinstance(root, str) else None
            if not bare or not _ROOT_RE.match(bare) or \
                    not _clean_segments(bare):
                raise errors.NetdiagError(f"{where}: neutron_paths.{kind}: "
                                          f"not a clean absolute directory: "
                                          f"{root!r}")
        checked[kind] = tuple(root.rstrip("/") for root in roots)
    return checked


def check_users(value, where):
    """Validate an inventory ``neutron_users`` value; returns a tuple."""
    if not isinstance(value, (list, tuple)) or not value:
        raise errors.NetdiagError(f"{where}: neutron_users must be a "
                                  f"non-empty list of user names")
    users = tuple(str(user) if isinstance(user, int) and
                  not isinstance(user, bool) else user for user in value)
    for user in users:
        if not isinstance(user, str) or not _USER_RE.match(user):
            raise errors.NetdiagError(f"{where}: neutron_users: not a user "
                                      f"name or uid: {user!r}")
    return users


def make_layout(roots=None, users=None):
    """A NeutronLayout from already checked settings (None: defaults)."""
    return dataclasses.replace(DEFAULT_LAYOUT, **(roots or {}),
                               **({"users": users} if users else {}))


# -- processes ----------------------------------------------------------------

# built in probes.py, like every probe
owners_probe = probes.process_owners


def untrusted_reason(process, owners, layout=DEFAULT_LAYOUT):
    """Why ``process`` is not believed, or "" if it is. ``owners`` is the
    parsed owners probe (a tuple of ProcessOwner).
    """
    owner = next((o for o in owners if o.pid == process.pid), None)
    if owner is None:
        return f"pid {process.pid} has no owner in ps's list"
    if owner.real_user in layout.users and owner.user in layout.users:
        return ""
    who = owner.user if owner.user == owner.real_user else \
        f"{owner.user} (real user {owner.real_user})"
    return (f"pid {process.pid} runs as {who}, not as one of "
            f"{', '.join(layout.users)}")


def split_trusted(view, processes, layout=DEFAULT_LAYOUT):
    """(trusted processes, [(process, why not)]) by their owners on this
    host; when the owners cannot be read, none is trusted.
    """
    from osc_netdiag.checks.engine import Unreadable
    try:
        owners = view.read(owners_probe())
    except Unreadable as exc:
        return [], [(p, f"pid {p.pid}: its owner could not be read "
                        f"({exc.status}: {exc.message})") for p in processes]
    trusted, refused = [], []
    for process in processes:
        why = untrusted_reason(process, owners, layout)
        if why:
            refused.append((process, why))
        else:
            trusted.append(process)
    return trusted, refused


# -- files --------------------------------------------------------------------

def allowed_file(path, kind, layout=DEFAULT_LAYOUT, what="file"):
    """``path`` if it is a clean absolute path under one of the layout's
    ``kind`` roots (state, log, config); UnsafeNameError otherwise.
    """
    roots = layout.roots(kind)
    if not isinstance(path, str) or not _ROOT_RE.match(path) or \
            not _clean_segments(path):
        raise errors.UnsafeNameError(f"{what} {path!r} is not a clean "
                                     f"absolute path: not read")
    if not any(path.startswith(root + "/") for root in roots):
        raise errors.UnsafeNameError(
            f"{what} {path} is not under {' or '.join(roots)} (neutron_paths "
            f"{kind} of the inventory): not read")
    return path


# -- what is said about it ----------------------------------------------------

def report_untrusted(report, view, program, process, why,
                     layout=DEFAULT_LAYOUT, evidence=()):
    """One finding and one WARN row for a process that is not believed."""
    from osc_netdiag.models import Status
    host = view.host
    report.find("NETDIAG_HOST_PROCESS_UNTRUSTED",
                f"{host}:{program}:{process.pid}",
                f"{program} pid {process.pid} on {host}: {why}; none of the "
                f"files it names was read", host=host, program=program,
                pid=process.pid, users=", ".join(layout.users))
    report.hop(host, program, "process-owner", "untrusted",
               f"{why}; its files were not read",
               Status.WARN, evidence)


def report_refused(report, host, device, kind, path, why,
                   layout=DEFAULT_LAYOUT):
    """One finding and one WARN row for a file that was not read."""
    from osc_netdiag.models import Status
    report.find("NETDIAG_HOST_FILE_REFUSED", f"{host}:{device}",
                f"{why} on {host}", host=host, path=path, kind=kind,
                roots=", ".join(layout.roots(kind)))
    report.hop(host, device, "host-file", "not read", why, Status.WARN)
