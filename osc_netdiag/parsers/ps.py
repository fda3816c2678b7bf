"""Parse ``ps -eo pid=,args=`` and ``pgrep -a NAME`` (same shape).

Sample::

     9158 dnsmasq --no-hosts --no-resolv --pid-file=/var/lib/neutron/dhcp/b7e3.../pid ...

Output::

    (Process(pid=9158, args='dnsmasq --no-hosts --no-resolv --pid-file=...'),)

``args`` is the command line as printed (ps joins argv with spaces, so it
cannot be split back exactly); ``argv`` splits it on whitespace for
option look-ups. Empty output (no process) gives (); a line that is not
``PID ARGS`` or output cut in the middle of a line raises ParseError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import complete_lines

_LINE = re.compile(r" *(\d+) (.+)\Z")


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
    for line in complete_lines(text, "ps"):
        m = _LINE.match(line)
        if m is None:
            raise ParseError(f"ps: unexpected line {line!r}")
        result.append(Process(int(m.group(1)), m.group(2)))
    return tuple(result)
