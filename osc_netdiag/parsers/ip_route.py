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

"""Parse ``ip -j route show [table all]`` and ``ip -j rule show``.

iproute2 JSON.

Sample::

    [{"dst":"default","gateway":"198.19.0.1","dev":"qg-2c4e8a51-3b","flags":[]},
     {"dst":"198.19.0.0/24","dev":"qg-2c4e8a51-3b","protocol":"kernel",
      "scope":"link","prefsrc":"198.19.0.20","flags":[]}]

Output: a tuple of :class:`Route` (or :class:`Rule`) in the order printed.
Routes of the main table carry no ``table`` key (``table`` is None). JSON cut short, or
a text without its final newline (output cut short), raises ParseError.
"""

import dataclasses
import json
from typing import Optional

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import require_final_newline


@dataclasses.dataclass(frozen=True)
class Route:
    dst: str
    dev: Optional[str]
    gateway: Optional[str]
    protocol: Optional[str]
    scope: Optional[str]
    prefsrc: Optional[str]
    # ``show table all`` only: the table (None: main) and the route type
    # (None: unicast; local, broadcast, ... of the kernel's own tables)
    table: Optional[str] = None
    type: Optional[str] = None

    @property
    def is_default(self):
        return self.dst in ("default", "0.0.0.0/0", "::/0")


@dataclasses.dataclass(frozen=True)
class Rule:
    """One policy routing rule: which source or input device uses a table.

    ``src`` is ``all`` or an address, ``srclen`` its prefix length when
    the rule names a network.
    """
    priority: int
    src: str
    srclen: Optional[int]
    iif: Optional[str]
    table: str


def _json_list(text, what):
    require_final_newline(text, what)
    if not text.strip():
        return []
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"{what}: not JSON ({exc})") from None
    if not isinstance(data, list):
        raise ParseError(f"{what}: expected a JSON list")
    return data


def parse_ip_route(text):
    data = _json_list(text, "ip route")
    if not data:
        return ()
    routes = []
    for entry in data:
        if not isinstance(entry, dict) or not isinstance(entry.get("dst"), str):
            raise ParseError(f"ip route: unexpected entry {entry!r:.80}")
        routes.append(Route(dst=entry["dst"], dev=entry.get("dev"),
                            gateway=entry.get("gateway"),
                            protocol=entry.get("protocol"),
                            scope=entry.get("scope"),
                            prefsrc=entry.get("prefsrc"),
                            table=entry.get("table"),
                            type=entry.get("type")))
    return tuple(routes)


def parse_ip_rule(text):
    """Parse ``ip -j rule show``.

    [{"priority":43647,"src":"198.18.18.74","table":"16"}, ...], with
    ``srclen`` when the source is a network.
    """
    rules = []
    for entry in _json_list(text, "ip rule"):
        if not isinstance(entry, dict) or \
                not isinstance(entry.get("priority"), int) or \
                not isinstance(entry.get("src"), str) or \
                not isinstance(entry.get("table"), str):
            raise ParseError(f"ip rule: unexpected entry {entry!r:.80}")
        srclen = entry.get("srclen")
        if srclen is not None and not isinstance(srclen, int):
            raise ParseError(f"ip rule: unexpected srclen {srclen!r:.20}")
        rules.append(Rule(priority=entry["priority"], src=entry["src"],
                          srclen=srclen, iif=entry.get("iif"),
                          table=entry["table"]))
    return tuple(rules)
