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

"""Parse ``ip -j route show`` (iproute2 JSON).

Sample::

    [{"dst":"default","gateway":"198.19.0.1","dev":"qg-2c4e8a51-3b","flags":[]},
     {"dst":"198.19.0.0/24","dev":"qg-2c4e8a51-3b","protocol":"kernel",
      "scope":"link","prefsrc":"198.19.0.20","flags":[]}]

Output: a tuple of :class:`Route` in the order printed. JSON cut short, or
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

    @property
    def is_default(self):
        return self.dst in ("default", "0.0.0.0/0", "::/0")


def parse_ip_route(text):
    require_final_newline(text, "ip route")
    if not text.strip():
        return ()
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"ip route: not JSON ({exc})") from None
    if not isinstance(data, list):
        raise ParseError("ip route: expected a JSON list")
    routes = []
    for entry in data:
        if not isinstance(entry, dict) or not isinstance(entry.get("dst"), str):
            raise ParseError(f"ip route: unexpected entry {entry!r:.80}")
        routes.append(Route(dst=entry["dst"], dev=entry.get("dev"),
                            gateway=entry.get("gateway"),
                            protocol=entry.get("protocol"),
                            scope=entry.get("scope"),
                            prefsrc=entry.get("prefsrc")))
    return tuple(routes)
