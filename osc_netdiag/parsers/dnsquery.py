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

"""Parse the JSON line of :data:`osc_netdiag.dnsquery.SCRIPT`.

Sample::

    {"answers": ["198.18.16.39"], "ms": 0.9, "name": "host-198-18-16-39", "server": "198.18.16.10", "status": "NOERROR", "type": "A"}

Output::

    DnsAnswer(server='198.18.16.10', name='host-198-18-16-39', type='A',
              status='NOERROR', answers=('198.18.16.39',), ms=0.9, error='')

``status`` is the DNS rcode name, ``TIMEOUT`` (no answer in time) or
``ERROR`` (socket error, in ``error``). Anything but exactly one complete
JSON line with these keys raises ParseError.
"""  # noqa: E501 (real output above, one line per record)

from __future__ import annotations

from dataclasses import dataclass
import json
from typing import Optional

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import complete_lines

_KEYS = {"answers", "ms", "name", "server", "status", "type"}


@dataclass(frozen=True)
class DnsAnswer:
    server: str
    name: str
    type: str
    status: str
    answers: tuple
    ms: Optional[float]
    error: str = ""


def parse_dns_query(text: str) -> DnsAnswer:
    lines = complete_lines(text, "dns query")
    if len(lines) != 1:
        raise ParseError(f"dns query: expected one line, got {len(lines)}")
    try:
        data = json.loads(lines[0])
    except ValueError as exc:
        raise ParseError(f"dns query: not JSON: {exc}") from None
    if not isinstance(data, dict) or not _KEYS <= set(data):
        raise ParseError(f"dns query: missing keys in {lines[0]!r}")
    if not isinstance(data["answers"], list):
        raise ParseError("dns query: answers is not a list")
    return DnsAnswer(server=str(data["server"]), name=str(data["name"]),
                     type=str(data["type"]), status=str(data["status"]),
                     answers=tuple(str(a) for a in data["answers"]),
                     ms=data["ms"], error=str(data.get("error", "")))
