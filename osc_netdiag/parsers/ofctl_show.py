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

"""Parser for ``ovs-ofctl show BRIDGE``: the bridge's OpenFlow ports.

Split from :mod:`osc_netdiag.parsers.ofctl` (the flow parser): one command's
output a module. The port lines give each OpenFlow port's number, name and
MAC, then its ``config`` and ``state`` words; the output always ends with
the OFPT_GET_CONFIG_REPLY, so a reply without it was cut short.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Optional
from typing import Union

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import complete_lines


@dataclass(frozen=True)
class OfPort:
    number: Union[int, str]
    name: str
    mac: str
    config: tuple
    state: tuple


@dataclass(frozen=True)
class OfctlShow:
    dpid: str
    ports: tuple

    def port(self, name: str) -> Optional[OfPort]:
        for p in self.ports:
            if p.name == name:
                return p
        return None

    def port_by_number(self, number) -> Optional[OfPort]:
        for p in self.ports:
            if p.number == number:
                return p
        return None


_SHOW_HEADER = re.compile(
    r"OFPT_FEATURES_REPLY(?: \(OF\d\.\d\))? \(xid=0x[0-9a-f]+\): dpid:([0-9a-f]{16})\Z")
_SHOW_PORT = re.compile(r" (\d+|LOCAL)\((.*)\): addr:((?:[0-9a-f]{2}:){5}[0-9a-f]{2})\Z")
_SHOW_PORT_PROP = re.compile(
    r"     (config|state|current|advertised|supported|peer|speed):\s*(.*)\Z")
_SHOW_OTHER = re.compile(
    r"n_tables:\d+, n_buffers:\d+\Z|capabilities: .*|actions: .*"
    r"|(?:OFPST_PORT_DESC|OFPT_GET_CONFIG)_REPLY.*|OFPST_PORT_DESC reply.*")


def parse_ofctl_show(text: str) -> OfctlShow:
    """Parse ``ovs-ofctl show BR`` (see module doc)."""
    lines = complete_lines(text, "ovs-ofctl show")
    if not lines:
        raise ParseError("ovs-ofctl show: empty output")
    head = _SHOW_HEADER.match(lines[0])
    if head is None:
        raise ParseError(f"ovs-ofctl show: unexpected first line {lines[0]!r}")
    ports = []
    current = None
    saw_config_reply = False

    def close():
        if current is not None:
            if "config" not in current or "state" not in current:
                raise ParseError(f"ovs-ofctl show: port {current['name']!r} incomplete")
            ports.append(OfPort(**current))

    for line in lines[1:]:
        m = _SHOW_PORT.match(line)
        if m:
            close()
            number = m.group(1)
            current = {
                "number": "LOCAL" if number == "LOCAL" else int(number),
                "name": m.group(2), "mac": m.group(3),
            }
            continue
        p = _SHOW_PORT_PROP.match(line)
        if p and current is not None:
            key, value = p.groups()
            if key in ("config", "state"):
                words = tuple(value.split())
                current[key] = () if words == ("0",) else words
            continue
        if _SHOW_OTHER.match(line):
            if line.startswith("OFPT_GET_CONFIG_REPLY"):
                saw_config_reply = True
            continue
        raise ParseError(f"ovs-ofctl show: unexpected line {line!r}")
    close()
    if not saw_config_reply:
        # ovs-ofctl show always ends with the get-config reply.
        raise ParseError("ovs-ofctl show: output ends early (no OFPT_GET_CONFIG_REPLY)")
    return OfctlShow(head.group(1), tuple(ports))
