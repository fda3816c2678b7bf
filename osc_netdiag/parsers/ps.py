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

"""Parse ``ps -eo pid=,args=`` and ``pgrep -a NAME`` (same shape), and
``ps -e -o ruser:32=,user:32=,pid=`` (who owns each process).

Sample::

     9158 dnsmasq --no-hosts --no-resolv --pid-file=/var/lib/neutron/dhcp/b7e3.../pid ...

Output::

    (Process(pid=9158, args='dnsmasq --no-hosts --no-resolv --pid-file=...'),)

``args`` is the command line as printed (ps joins argv with spaces, so it
cannot be split back exactly); ``argv`` splits it on whitespace for
option look-ups. Empty output (no process) gives (); a line that is not
``PID ARGS`` or output cut in the middle of a line raises ParseError.

Owners (:func:`parse_owners`), real user then effective user, names up
to 32 characters wide (a longer one ends in ``+``; a user without a name
shows as a number)::

    root                             root                              1
    nobody                           nobody                         9158

Output::

    (ProcessOwner(pid=1, real_user='root', user='root'),
     ProcessOwner(pid=9158, real_user='nobody', user='nobody'))

Errors name the line number and what was expected, never the line: a
process list is host data.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Optional

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import complete_lines

_LINE = re.compile(r" *(\d+) (.+)\Z")
_OWNER = re.compile(r" *(\S+) +(\S+) +(\d+)\Z")


@dataclass(frozen=True)
class Process:
    pid: int
    args: str

    @property
    def argv(self) -> tuple:
        return tuple(self.args.split())

    def option(self, name: str) -> Optional[str]:
        """Value of ``--name=value`` (first occurrence) in the command line."""
        prefix = f"--{name}="
        for word in self.argv:
            if word.startswith(prefix):
                return word[len(prefix):]
        return None

    def options(self, name: str) -> tuple:
        prefix = f"--{name}="
        return tuple(w[len(prefix):] for w in self.argv if w.startswith(prefix))


def parse_ps(text: str) -> tuple:
    """Parse ``ps -eo pid=,args=`` / ``pgrep -a NAME`` (see module doc)."""
    result = []
    for number, line in enumerate(complete_lines(text, "ps"), 1):
        m = _LINE.match(line)
        if m is None:
            raise ParseError(f"ps: line {number} is not 'PID ARGS'")
        result.append(Process(int(m.group(1)), m.group(2)))
    return tuple(result)


@dataclass(frozen=True)
class ProcessOwner:
    pid: int
    real_user: str          # a name, or a number when the uid has none
    user: str               # the effective user


def parse_owners(text: str) -> tuple:
    """Parse ``ps -e -o ruser:32=,user:32=,pid=`` (see module doc)."""
    result = []
    for number, line in enumerate(complete_lines(text, "ps owners"), 1):
        m = _OWNER.match(line)
        if m is None:
            raise ParseError(f"ps owners: line {number} is not "
                             f"'REAL-USER USER PID'")
        result.append(ProcessOwner(int(m.group(3)), m.group(1), m.group(2)))
    return tuple(result)
