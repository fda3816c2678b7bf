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

"""``openstack netdiag cleanup``: remove capture leftovers that carry the
owner marker.

Read (one batch per host): Bridge (name, mirrors, ports), Mirror and Port
with their ``external_ids``. Select only rows with ``netdiag-run`` whose
``netdiag-expires`` has passed (or every marked row with ``force``); remove
them in one ovs-vsctl transaction per bridge, then read again to confirm.
Rows without the marker are never selected: an operator's mirror is safe
whatever its name. A second run finds nothing and changes nothing.
"""

import dataclasses
import time

from osc_netdiag.capture import mirror as mirror_mod
from osc_netdiag import exitcodes
from osc_netdiag import models
from osc_netdiag.parsers.ovs_vsctl import parse_ovs_list
from osc_netdiag import runner
from osc_netdiag.transport.base import Command

LIST_TIMEOUT = 10.0


def list_commands():
    def listing(table, columns):
        return Command(f"capture-{table.lower()}s",
                       ("ovs-vsctl", f"--timeout={mirror_mod.OVS_TIMEOUT}",
                        "--format=json", f"--columns={columns}", "list",
                        table), timeout=LIST_TIMEOUT, ovs=True)
    return [listing("Bridge", "_uuid,name,mirrors,ports"),
            listing("Mirror", "_uuid,name,external_ids"),
            listing("Port", "_uuid,name,external_ids")]


@dataclasses.dataclass(frozen=True)
class Leftover:
    host: str
    table: str                     # Mirror or Port
    name: str
    uuid: str
    bridge: str
    run_id: str
    user: str
    expires: int
    removed: bool = False

    def row(self):
        return (self.host, self.table, self.name, self.bridge, self.run_id,
                self.user, time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                         time.gmtime(self.expires)),
                "removed" if self.removed else "left")


def find_leftovers(host, results, now, force=False):
    """Marked rows of one host's three listings that are due for removal."""
    by_name = {r.name: r for r in results}
    bridges = parse_ovs_list(by_name["capture-bridges"].stdout)
    owner = {}
    for bridge in bridges:
        for uuid in _as_set(bridge["mirrors"]) + _as_set(bridge["ports"]):
            owner[uuid] = bridge["name"]
    found = []
    for table, key in (("Mirror", "capture-mirrors"),
                       ("Port", "capture-ports")):
        for row in parse_ovs_list(by_name[key].stdout):
            ids = row.get("external_ids") or {}
            if mirror_mod.RUN_KEY not in ids:
                continue               # not ours: never touched
            try:
                expires = int(ids.get(mirror_mod.EXPIRES_KEY, "0"))
            except ValueError:
                expires = 0
            if not force and expires > now:
                continue               # a capture may still be running
            bridge = owner.get(row["_uuid"])
            if bridge is None:
                continue               # not attached: nothing to detach
            found.append(Leftover(host, table, row["name"], row["_uuid"],
                                  bridge, ids[mirror_mod.RUN_KEY],
                                  ids.get(mirror_mod.USER_KEY, ""), expires))
    return found


def _as_set(value):
    if isinstance(value, tuple):
        return value
    return (value,) if value else ()


def removal_commands(leftovers):
    per_bridge = {}
    for item in leftovers:
        per_bridge.setdefault(item.bridge, []).append(item)
    commands = []
    for bridge, items in sorted(per_bridge.items()):
        argv = mirror_mod.remove_argv(
            bridge, [i.uuid for i in items if i.table == "Mirror"],
            [i.name for i in items if i.table == "Port"])
        commands.append(Command(f"capture-remove-{bridge}", argv,
                                timeout=LIST_TIMEOUT, ovs=True))
    return commands


@dataclasses.dataclass(frozen=True)
class CleanupResult:
    leftovers: tuple               # of Leftover (removed or left)
    hosts: tuple                   # of HostReport
    exit_code: int
    applied: bool

    def to_dict(self):
        return {"exit_code": self.exit_code, "applied": self.applied,
                "leftovers": [dataclasses.asdict(x) for x in self.leftovers],
                "hosts": [dataclasses.asdict(h) for h in self.hosts]}


def cleanup(hosts, *, inventory, transport, force=False, yes=True,
            now=None, max_workers=runner.DEFAULT_WORKERS, progress=None):
    """Remove marked, expired capture rows on ``hosts``; see module doc.

    ``progress``: see ``runner.Run``.
    """
    now = time.time() if now is None else now
    run = runner.Run(inventory=inventory, transport=transport,
                     max_workers=max_workers, progress=progress)
    reports, leftovers, code = [], [], exitcodes.OK
    try:
        outcomes = run.commands({h: list_commands() for h in hosts})
        due = {}
        for host in hosts:
            outcome = outcomes[host]
            if outcome.error is not None:
                reports.append(models.HostReport(
                    host, outcome.target.address, outcome.error.status,
                    outcome.error.message))
                code |= (exitcodes.CREDENTIALS_REFUSED
                         if outcome.error.status in models.CREDENTIAL_STATES
                         else exitcodes.UNREADABLE)
                continue
            bad = [r for r in outcome.results if not r.ok]
            if bad:
                reports.append(models.HostReport(
                    host, outcome.target.address, bad[0].status,
                    bad[0].message or bad[0].stderr.strip()[:200]))
                code |= exitcodes.UNREADABLE
                continue
            reports.append(models.HostReport(host, outcome.target.address,
                                             models.HOST_OK))
            due[host] = find_leftovers(host, outcome.results, now, force)
        # --show-commands: what --yes removes depends on the listings'
        # answers, which a plan never gets; its transport says so
        later = getattr(transport, "phase_asked", None)
        if yes and later is not None:
            later(2, hosts)
        if not yes:
            found = [x for items in due.values() for x in items]
            return CleanupResult(tuple(found), tuple(reports),
                                 exitcodes.USAGE if found else code, False)
        work = {h: removal_commands(items) + list_commands()
                for h, items in due.items() if items}
        after = run.commands(work) if work else {}
    finally:
        run.close()
    for host, items in due.items():
        if not items:
            continue
        outcome = after.get(host)
        still = set()
        if outcome is None or outcome.error is not None:
            code |= exitcodes.CLEANUP_INCOMPLETE
            still = {i.uuid for i in items}
        else:
            listing = [r for r in outcome.results
                       if not r.name.startswith("capture-remove-")]
            try:
                still = {x.uuid for x in find_leftovers(
                    host, listing, now, force=True)}
            except Exception:  # noqa: BLE001 - unreadable = unconfirmed
                still = {i.uuid for i in items}
            if still & {i.uuid for i in items}:
                code |= exitcodes.CLEANUP_INCOMPLETE
        leftovers += [dataclasses.replace(i, removed=i.uuid not in still)
                      for i in items]
    return CleanupResult(tuple(leftovers), tuple(reports), code, True)
