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

"""Parse iproute2's JSON output: ``ip [-d] -j addr|link show`` and ``ip netns``.

``ip -d -j addr show`` (iproute2 6.1), one object per link::

    [{"ifindex":5,"ifname":"qvo3f1c9a2b-7d","flags":["BROADCAST","MULTICAST","M-DOWN"],
      "mtu":1450,"operstate":"DOWN","link_type":"ether","address":"ae:8e:20:c1:4c:4b",
      "link":"qvb3f1c9a2b-7d","linkinfo":{"info_kind":"veth"},
      "addr_info":[{"family":"inet","local":"198.18.0.1","prefixlen":24,...}]}]

Output::

    (Interface(ifname='qvo3f1c9a2b-7d', ifindex=5, flags=('BROADCAST', ...),
               mtu=1450, operstate='DOWN', mac='ae:8e:20:c1:4c:4b', master=None,
               kind='veth', link='qvb3f1c9a2b-7d', link_netnsid=None,
               addresses=(Address(family='inet', local='198.18.0.1', prefixlen=24),),
               slave_kind=None),)

``mac`` is None unless ``address`` is a 6-octet MAC (tun devices have none);
``kind`` is ``linkinfo.info_kind`` (only with ``-d``), ``slave_kind`` is
``linkinfo.info_slave_kind`` (``bridge``, ``openvswitch``). ``ip -j link``
has no ``addr_info``: ``addresses`` is (). ``[]`` gives ().
iproute2 6.1 prints ``{}`` for each link a filter (``type vlan``) excluded:
those empty objects are skipped. Anything else that is not a link object,
or JSON cut short (or without its final newline), raises ParseError.

``ip -j netns list``::  [{"name":"qdhcp-b7e3..."},{"name":"qrouter-5e4d...","id":0}]
``ip netns``::          qrouter-5e4d... (id: 0)
Both give ``(Netns(name='qdhcp-b7e3...', id=None), Netns(name='qrouter-5e4d...', id=0))``;
with no namespace ``ip -j netns list`` prints ``[]`` and ``ip netns`` nothing: ().
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import re
from typing import Optional

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import complete_lines
from osc_netdiag.parsers._text import require_final_newline

_MAC = re.compile(r"(?:[0-9a-f]{2}:){5}[0-9a-f]{2}\Z")
_NETNS_LINE = re.compile(r"(\S+)(?: \(id: (\d+)\))?\Z")


@dataclass(frozen=True)
class Address:
    family: str
    local: str
    prefixlen: int


@dataclass(frozen=True)
class Interface:
    ifname: str
    ifindex: int
    flags: tuple
    mtu: Optional[int]
    operstate: str
    mac: Optional[str]
    master: Optional[str]
    kind: Optional[str]
    link: Optional[str]
    link_netnsid: Optional[int]
    addresses: tuple
    slave_kind: Optional[str] = None

    @property
    def admin_up(self) -> bool:
        return "UP" in self.flags

    @property
    def oper_up(self) -> bool:
        return self.operstate == "UP" or (
            self.operstate == "UNKNOWN" and "LOWER_UP" in self.flags)


@dataclass(frozen=True)
class Netns:
    name: str
    id: Optional[int]


def _load_json_list(text: str, what: str) -> list:
    require_final_newline(text, what)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"{what}: not valid JSON (truncated?): {exc}") from None
    if not isinstance(data, list):
        raise ParseError(f"{what}: expected a JSON list, got {type(data).__name__}")
    return data


def _get(obj: dict, key: str, types, what: str, required=False):
    value = obj.get(key)
    if value is None:
        if required:
            raise ParseError(f"{what}: missing {key!r} in {obj!r:.200}")
        return None
    # bool is an int: refuse it where a number is expected.
    allowed = types if isinstance(types, tuple) else (types,)
    if not isinstance(value, types) or (isinstance(value, bool)
                                        and bool not in allowed):
        raise ParseError(f"{what}: {key!r} has unexpected type in {obj!r:.200}")
    return value


def _address(obj, what: str) -> Address:
    if not isinstance(obj, dict):
        raise ParseError(f"{what}: addr_info entry is not an object: {obj!r:.200}")
    return Address(_get(obj, "family", str, what, True),
                   _get(obj, "local", str, what, True),
                   _get(obj, "prefixlen", int, what, True))


def _interface(obj: dict, what: str) -> Interface:
    flags = _get(obj, "flags", list, what, True)
    if not all(isinstance(f, str) for f in flags):
        raise ParseError(f"{what}: bad flags in {obj!r:.200}")
    linkinfo = _get(obj, "linkinfo", dict, what) or {}
    addr_info = _get(obj, "addr_info", list, what) or []
    mac = _get(obj, "address", str, what)
    if mac is not None and not _MAC.match(mac):
        mac = None
    return Interface(
        ifname=_get(obj, "ifname", str, what, True),
        ifindex=_get(obj, "ifindex", int, what, True),
        flags=tuple(flags),
        mtu=_get(obj, "mtu", int, what),
        operstate=_get(obj, "operstate", str, what, True),
        mac=mac,
        master=_get(obj, "master", str, what),
        kind=_get(linkinfo, "info_kind", str, what),
        link=_get(obj, "link", str, what),
        link_netnsid=_get(obj, "link_netnsid", int, what),
        addresses=tuple(_address(a, what) for a in addr_info),
        slave_kind=_get(linkinfo, "info_slave_kind", str, what),
    )


def parse_ip_addr(text: str) -> tuple:
    """Parse ``ip [-d] -j addr show`` / ``ip [-d] -j link show`` (see module doc)."""
    what = "ip -j addr/link"
    result = []
    for obj in _load_json_list(text, what):
        if not isinstance(obj, dict):
            raise ParseError(f"{what}: expected objects, got {obj!r:.200}")
        if not obj:
            continue  # a link excluded by a filter (iproute2 prints {})
        result.append(_interface(obj, what))
    return tuple(result)


def parse_ip_netns(text: str) -> tuple:
    """Parse ``ip -j netns list`` or ``ip netns`` (see module doc)."""
    if not isinstance(text, str):
        raise ParseError(f"ip netns: expected text, got {type(text).__name__}")
    if text.lstrip().startswith("["):
        result = []
        for obj in _load_json_list(text, "ip -j netns"):
            if not isinstance(obj, dict):
                raise ParseError(f"ip -j netns: expected objects, got {obj!r:.200}")
            result.append(Netns(_get(obj, "name", str, "ip -j netns", True),
                                _get(obj, "id", int, "ip -j netns")))
        return tuple(result)
    result = []
    for line in complete_lines(text, "ip netns"):
        m = _NETNS_LINE.match(line)
        if m is None:
            raise ParseError(f"ip netns: unexpected line {line!r}")
        result.append(Netns(m.group(1), int(m.group(2)) if m.group(2) else None))
    return tuple(result)
