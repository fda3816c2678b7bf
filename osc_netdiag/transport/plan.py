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

"""``--show-commands``: a transport that connects to nothing and keeps, per
host, the exact argv each command would run as, for the plan a command
prints instead of running it.

The diagnosis runs as usual (resolved through the API, planned by its
feature) and hands its batches to this transport as it would to SSH; the
argv comes from the script builder the SSH and local transports use
(``script.build_script``, ``script.command_argv``), with the host's sudo
and exec prefix, so the plan cannot drift from a real run. Every command
comes back ``not-run``: a later phase that depends on an answer (dhcp
check's hosts file and log, read after dnsmasq's command line) plans only
what it can without one, and the plan says so.
"""

import dataclasses
import shlex
import threading
from typing import Sequence

from osc_netdiag import models
from osc_netdiag import sudoers
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.base import CommandResult
from osc_netdiag.transport.base import HostSession
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.base import Transport
from osc_netdiag.transport import script

NOT_RUN = "not run: --show-commands"
# what the Sudoers column says when sudo is not used or nothing grants it
NO_SUDO = "(no sudo: runs as the SSH user)"
NOT_GRANTED = "NOT GRANTED by netdiag.sudoers"
# an ovs command behind the inventory's exec_prefix runs that prefix as
# root: the shipped file cannot know it, the operator grants it as printed
NOT_GRANTED_PREFIX = NOT_GRANTED + " (exec prefix: grant this argv as printed)"
NO_FILE = "(netdiag.sudoers not found)"
# port capture's one script per host: sudo runs a shell, and a shell as
# root is root; the shipped file cannot grant that and does not
NOT_GRANTED_SCRIPT = (NOT_GRANTED + " (a shell script as root: needs sudo "
                      "for sh itself, which is full root)")


@dataclasses.dataclass(frozen=True)
class PlannedCommand:
    host: str
    phase: int                  # 1: runs; 2+: depends on earlier answers
    name: str
    argv: tuple                 # the full argv, timeout and sudo included
    sudo_argv: tuple            # what follows ``sudo -n --`` (() no sudo)
    sudoers: str                # the granting entry, or why there is none
    condition: str = ""         # runs only then (e.g. "if ... not found")

    @property
    def command(self):
        return shlex.join(self.argv)

    def row(self):
        return (self.host, self.phase_text(), self.command, self.sudoers)

    def phase_text(self):
        if self.condition:
            return f"{self.phase} (only {self.condition})"
        if self.phase == 1:
            return "1"
        return f"{self.phase} (depends on phase {self.phase - 1}'s answers)"

    def to_dict(self):
        return {"host": self.host, "phase": self.phase, "name": self.name,
                "argv": list(self.argv), "sudoers": self.sudoers,
                "condition": self.condition or None}


class PlanSession(HostSession):
    def __init__(self, owner, target: HostTarget):
        self._owner = owner
        self.target = target
        self.batches = 0

    def run(self, commands: Sequence[Command]) -> list:
        # The very script a real run would send (the nonce aside): what it
        # refuses (an empty argv, a NUL byte) is refused here too.
        script.build_script(commands, sudo=self.target.sudo,
                            exec_prefix=self.target.exec_prefix,
                            nonce=script.new_nonce())
        self.batches += 1
        for command in commands:
            self._owner.add(self.target, command)
        return [CommandResult(name=c.name, argv=tuple(c.argv), stdout="",
                              stderr="", exit_status=None,
                              status=models.HOST_NOT_RUN, message=NOT_RUN)
                for c in commands]

    def stream(self, argv, *, deadline, on_line, stop, max_bytes=None):
        """Keep the streamed argv (port capture's script) as it is given.

        Its caller built it whole, sudo included. After a batch on this
        session (the capture's NIC lookup) it is planned from answers the
        plan does not have, and says so. Nothing runs: no line, status
        None (as for a cut stream).
        """
        self._owner.add_argv(self.target, "stream", tuple(argv),
                             after_answers=self.batches > 0)
        return None


class PlanTransport(Transport):
    """A transport that opens no connection and keeps what it is given.

    ``planned`` holds every command in the order each host was given
    them.
    """

    def __init__(self, entries=None):
        self.entries = sudoers.load() if entries is None else list(entries)
        self.planned = []
        self.targets = {}
        self.later = {}         # host: the later phases a feature asked for
        self.phase = 1          # the runner's phase being planned
        self._lock = threading.Lock()

    def open(self, target: HostTarget) -> HostSession:
        with self._lock:
            self.targets[target.name] = target
        return PlanSession(self, target)

    def phase_asked(self, phase, hosts):
        """The runner starts phase ``phase`` for ``hosts``.

        From the second phase on, a feature plans from the previous phase's
        answers, which a plan does not have.
        """
        with self._lock:
            self.phase = phase
            for host in hosts if phase > 1 else ():
                self.later.setdefault(host, []).append(phase)

    def unknown_phases(self):
        """[(host, phase)] of the later phases a feature asked for.

        What they read depends on answers the plan does not have (the commands
        listed for them are only those planned without the answers).
        """
        with self._lock:
            return sorted({(host, phase) for host, phases in self.later.items()
                           for phase in phases})

    def conditional(self, target, phase, commands, condition):
        """Commands a run sends in ``phase`` only ``condition``.

        The runner says so for what it would add after an answer the plan
        does not have (the container listing where Open vSwitch is not
        found).
        """
        for command in commands:
            self.add(target, command, phase=phase, condition=condition)

    def add(self, target, command, *, phase=None, condition=""):
        argv = tuple(script.command_argv(command, sudo=target.sudo,
                                         exec_prefix=target.exec_prefix))
        under_sudo = argv[argv.index("sudo") + 3:] if target.sudo else ()
        granted = self.sudoers_for(under_sudo)
        if granted == NOT_GRANTED and command.ovs and target.exec_prefix:
            granted = NOT_GRANTED_PREFIX
        item = PlannedCommand(target.name, phase or self.phase, command.name,
                              argv, under_sudo, granted, condition)
        with self._lock:
            self.planned.append(item)

    def add_argv(self, target, name, argv, *, after_answers=False):
        """A whole argv built by its feature (sudo and prefixes in it)."""
        under_sudo = (argv[argv.index("sudo") + 3:]
                      if target.sudo and "sudo" in argv else ())
        granted = self.sudoers_for(under_sudo)
        if granted == NOT_GRANTED and under_sudo[:2] == ("sh", "-c"):
            granted = NOT_GRANTED_SCRIPT
        phase = self.phase + 1 if after_answers else self.phase
        with self._lock:
            if after_answers:
                self.later.setdefault(target.name, []).append(phase)
            self.planned.append(PlannedCommand(target.name, phase, name,
                                               argv, under_sudo, granted))

    def sudoers_for(self, argv):
        if not argv:
            return NO_SUDO
        if not self.entries:
            return NO_FILE
        entry = sudoers.granting(argv, self.entries)
        if entry is None:
            return NOT_GRANTED
        return f"{entry.alias}: {entry.line()}"

    def commands(self):
        """The planned commands, hosts in name order.

        Each host's in the order it would run them.
        """
        with self._lock:
            items = list(self.planned)
        order = {id(item): i for i, item in enumerate(items)}
        return sorted(items, key=lambda c: (c.host, c.phase, order[id(c)]))


@dataclasses.dataclass(frozen=True)
class CommandPlan:
    """What ``--show-commands`` prints.

    Per host, how it is reached and the commands it would run; nothing
    ran, so it exits 0.
    """
    commands: tuple             # of PlannedCommand
    unknown: tuple              # of (host, phase): depends on answers
    targets: tuple              # of HostTarget
    exit_code: int = 0
    findings: tuple = ()

    def rows(self):
        rows = [c.row() for c in self.commands]
        for host, phase in self.unknown:
            rows.append((host, f"{phase} (depends on phase {phase - 1}'s "
                               f"answers)", UNKNOWN_LATER, ""))
        return sorted(rows, key=lambda r: (r[0], int(r[1].split()[0])))

    def host_rows(self):
        return [(t.name, t.address, t.port, t.user or "", reach(t),
                 "yes" if t.sudo else "no", shlex.join(t.exec_prefix))
                for t in self.targets]

    def to_dict(self):
        return {"exit_code": self.exit_code,
                "hosts": [{"host": t.name, "address": t.address,
                           "port": t.port, "user": t.user,
                           "via": reach(t) or None, "sudo": t.sudo,
                           "exec_prefix": list(t.exec_prefix)}
                          for t in self.targets],
                "commands": [c.to_dict() for c in self.commands],
                "depends_on_answers": [{"host": h, "phase": p}
                                       for h, p in self.unknown]}


UNKNOWN_LATER = ("then, depending on the answers of the phase before: "
                 "commands planned from them (which and how many cannot be "
                 "known before they are read; any listed for this phase are "
                 "those planned without the answers)")


def reach(target):
    """How SSH gets to the host besides its address: a jump or a proxy."""
    if target.jump:
        return f"ProxyJump {target.jump}"
    if target.proxy_command:
        return f"ProxyCommand {target.proxy_command}"
    return ""


def command_plan(transport):
    """The CommandPlan of a run made with ``transport``."""
    return CommandPlan(
        commands=tuple(transport.commands()),
        unknown=tuple(transport.unknown_phases()),
        targets=tuple(transport.targets[name]
                      for name in sorted(transport.targets)))
