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

"""Parse ``ss -H -l -n -u -p`` / ``ss -H -l -n -t -p`` (listening sockets).

Sample (``ip netns exec qdhcp-… ss -H -l -n -u -p 'sport = :53'``)::

    UNCONN 0      0                                    198.18.16.10:53 0.0.0.0:* users:(("dnsmasq",pid=8115,fd=6))
    UNCONN 0      0      [fe80::f816:3eff:fee1:cd5d]%tap0ca4aaaf-71:53    [::]:* users:(("dnsmasq",pid=8115,fd=10))

Output::

    (Listener(state='UNCONN', address='198.18.16.10', port=53, interface=None,
              processes=(('dnsmasq', 8115),)), ...)

IPv6 addresses lose their brackets; ``%dev`` goes to ``interface``. Empty
output (nothing listens) gives (); any other line shape raises ParseError.
"""  # noqa: E501 (real output above, one line per record)

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Optional

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import complete_lines

_LINE = re.compile(r"(?P<state>[A-Z-]+)\s+\d+\s+\d+\s+(?P<local>\S+)\s+"
                   r"(?P<peer>\S+)(?:\s+(?P<proc>users:\(.*\)))?\s*\Z")
_PROC = re.compile(r'\("([^"]*)",pid=(\d+)')


@dataclass(frozen=True)
class Listener:
    state: str
    address: str
    port: int
    interface: Optional[str]
    processes: tuple               # of (name, pid)


def _endpoint(text, line):
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise ParseError(f"ss: no port in {text!r} ({line!r})")
    interface = None
    if "%" in host:
        host, interface = host.split("%", 1)
    return host.strip("[]"), int(port), interface


def parse_ss(text: str) -> tuple:
    """Parse listening sockets printed by ``ss -H -l -n -p`` (module doc)."""
    result = []
    for line in complete_lines(text, "ss"):
        if not line.strip():
            continue
        m = _LINE.match(line.strip())
        if m is None:
            raise ParseError(f"ss: unexpected line {line!r}")
        address, port, interface = _endpoint(m.group("local"), line)
        procs = tuple((name, int(pid)) for name, pid in
                      _PROC.findall(m.group("proc") or ""))
        result.append(Listener(m.group("state"), address, port, interface,
                               procs))
    return tuple(result)
