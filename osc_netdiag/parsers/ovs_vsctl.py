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

"""Parse ``ovs-vsctl --format=json --columns=... list|find TABLE``.

Sample (``--columns=_uuid,name,interfaces,tag,trunks,other_config list Port``)::

    {"data":[[["uuid","392b4ea1-..."],"tap3f1c9a2b-7d",["uuid","5c0e..."],1,
              ["set",[]],["map",[["net_uuid","b7e3..."],["segmentation_id","2113"]]]]],
     "headings":["_uuid","name","interfaces","tag","trunks","other_config"]}

``parse_ovs_list`` decodes each row into a dict keyed by heading, with OVSDB
JSON values decoded generically: ``["uuid", u]`` -> ``u``; ``["map", [[k, v],
...]]`` -> dict; ``["set", [a, ...]]`` -> tuple (an empty set -> ``()``);
scalars as they are. OVSDB prints a one-element set as the bare element, so
the generic decoder cannot tell a set column from a scalar one.

The typed parsers know the columns and normalise them: set columns
(``ports``, ``interfaces``, ``trunks``, ``controller``) are always tuples;
optional scalar columns (``tag``, ``ofport``, ``error``, ``mtu``,
``datapath_type``, ``fail_mode``, ``admin_state``, ``link_state``,
``mac_in_use``) are None when empty. Output::

    (OvsPort(uuid='392b4ea1-...', name='tap3f1c9a2b-7d', interfaces=('5c0e...',),
             tag=1, trunks=(), other_config={'net_uuid': 'b7e3...', ...}),)

A missing required column, a row of the wrong length, an unknown OVSDB
value shape, JSON cut short or a text without its final newline raise
ParseError. ``build_topology`` joins
Bridge, Port and Interface rows; a reference to a row absent from another
list (the three lists are not read atomically) is skipped, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
import json
from typing import Optional

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import require_final_newline


@dataclass(frozen=True)
class OvsBridge:
    uuid: str
    name: str
    ports: tuple
    datapath_type: Optional[str]
    fail_mode: Optional[str]
    external_ids: dict
    controller: tuple


@dataclass(frozen=True)
class OvsPort:
    uuid: str
    name: str
    interfaces: tuple
    tag: Optional[int]
    trunks: tuple
    other_config: dict


@dataclass(frozen=True)
class OvsInterface:
    uuid: str
    name: str
    type: str
    ofport: Optional[int]
    options: dict
    external_ids: dict
    error: Optional[str]
    admin_state: Optional[str]
    link_state: Optional[str]
    mac_in_use: Optional[str]
    mtu: Optional[int]

    @property
    def iface_id(self) -> Optional[str]:
        return self.external_ids.get("iface-id")


@dataclass(frozen=True)
class OvsController:
    uuid: str
    target: str
    is_connected: bool


def _decode(value, what: str):
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
        kind, body = value
        if kind in ("uuid", "named-uuid") and isinstance(body, str):
            return body
        if kind == "set" and isinstance(body, list):
            return tuple(_decode(v, what) for v in body)
        if kind == "map" and isinstance(body, list):
            result = {}
            for pair in body:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise ParseError(f"{what}: bad map entry {pair!r:.200}")
                key = _decode(pair[0], what)
                if isinstance(key, (tuple, dict)):
                    raise ParseError(f"{what}: bad map key {pair!r:.200}")
                result[key] = _decode(pair[1], what)
            return result
    raise ParseError(f"{what}: unknown OVSDB value {value!r:.200}")


def parse_ovs_list(text: str) -> tuple:
    """Parse ``ovs-vsctl --format=json list|find`` into a tuple of dicts."""
    what = "ovs-vsctl --format=json"
    require_final_newline(text, what)
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"{what}: not valid JSON (truncated?): {exc}") from None
    if not (isinstance(doc, dict) and set(doc) == {"data", "headings"}):
        raise ParseError(f"{what}: expected {{'data','headings'}}, got {str(doc)[:200]!r}")
    headings, data = doc["headings"], doc["data"]
    if not (isinstance(headings, list) and all(isinstance(h, str) for h in headings)
            and isinstance(data, list)):
        raise ParseError(f"{what}: bad headings or data")
    rows = []
    for row in data:
        if not (isinstance(row, list) and len(row) == len(headings)):
            raise ParseError(f"{what}: row does not match headings: {row!r:.200}")
        rows.append({h: _decode(v, what) for h, v in zip(headings, row)})
    return tuple(rows)


def _rows(text: str, table: str, columns: tuple) -> tuple:
    rows = parse_ovs_list(text)
    for row in rows:
        missing = [c for c in columns if c not in row]
        if missing:
            raise ParseError(f"ovs-vsctl list {table}: missing columns {missing}")
    return rows


def _set(value, types, what: str) -> tuple:
    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        if not isinstance(item, types) or isinstance(item, bool) and types is int:
            raise ParseError(f"{what}: unexpected set member {item!r}")
    return items


def _opt(value, types, what: str):
    if value == ():
        return None
    if not isinstance(value, types) or isinstance(value, bool) and types is int:
        raise ParseError(f"{what}: unexpected value {value!r:.200}")
    return value


def _req(value, types, what: str):
    if not isinstance(value, types) or isinstance(value, bool) and types is int:
        raise ParseError(f"{what}: unexpected value {value!r:.200}")
    return value


def _map(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise ParseError(f"{what}: expected a map, got {value!r:.200}")
    return value


def parse_bridges(text: str) -> tuple:
    """``--columns=_uuid,name,ports,datapath_type,fail_mode,external_ids,
    controller list Bridge``.
    """
    w = "ovs-vsctl list Bridge"
    return tuple(
        OvsBridge(
            uuid=_req(r["_uuid"], str, w), name=_req(r["name"], str, w),
            ports=_set(r["ports"], str, w),
            datapath_type=_opt(r["datapath_type"], str, w) or None,
            fail_mode=_opt(r["fail_mode"], str, w),
            external_ids=_map(r["external_ids"], w),
            controller=_set(r["controller"], str, w),
        )
        for r in _rows(text, "Bridge", ("_uuid", "name", "ports", "datapath_type",
                                        "fail_mode", "external_ids", "controller")))


def parse_ports(text: str) -> tuple:
    """``--columns=_uuid,name,interfaces,tag,trunks,other_config list Port``."""
    w = "ovs-vsctl list Port"
    return tuple(
        OvsPort(
            uuid=_req(r["_uuid"], str, w), name=_req(r["name"], str, w),
            interfaces=_set(r["interfaces"], str, w),
            tag=_opt(r["tag"], int, w),
            trunks=_set(r["trunks"], int, w),
            other_config=_map(r["other_config"], w),
        )
        for r in _rows(text, "Port", ("_uuid", "name", "interfaces", "tag", "trunks",
                                      "other_config")))


_INTERFACE_COLUMNS = ("_uuid", "name", "type", "ofport", "options", "external_ids",
                      "error", "admin_state", "link_state", "mac_in_use", "mtu")


def parse_interfaces(text: str) -> tuple:
    """``--columns=_uuid,name,type,ofport,options,external_ids,error,admin_state,
    link_state,mac_in_use,mtu list Interface`` (or ``find Interface ...``).
    """
    w = "ovs-vsctl list Interface"
    return tuple(
        OvsInterface(
            uuid=_req(r["_uuid"], str, w), name=_req(r["name"], str, w),
            type=_req(r["type"], str, w),  # "" is a system interface
            ofport=_opt(r["ofport"], int, w),
            options=_map(r["options"], w),
            external_ids=_map(r["external_ids"], w),
            error=_opt(r["error"], str, w),
            admin_state=_opt(r["admin_state"], str, w),
            link_state=_opt(r["link_state"], str, w),
            mac_in_use=_opt(r["mac_in_use"], str, w),
            mtu=_opt(r["mtu"], int, w),
        )
        for r in _rows(text, "Interface", _INTERFACE_COLUMNS))


def parse_controllers(text: str) -> tuple:
    """``--columns=_uuid,target,is_connected list Controller``."""
    w = "ovs-vsctl list Controller"
    return tuple(
        OvsController(uuid=_req(r["_uuid"], str, w), target=_req(r["target"], str, w),
                      is_connected=_req(r["is_connected"], bool, w))
        for r in _rows(text, "Controller", ("_uuid", "target", "is_connected")))


@dataclass(frozen=True)
class OvsTopology:
    """Bridges, ports and interfaces joined by UUID; lookups by name."""

    bridges: tuple
    ports: tuple
    interfaces: tuple
    _bridge_by_port_uuid: dict = field(repr=False, compare=False, default_factory=dict)
    _port_by_name: dict = field(repr=False, compare=False, default_factory=dict)
    _port_by_uuid: dict = field(repr=False, compare=False, default_factory=dict)
    _iface_by_name: dict = field(repr=False, compare=False, default_factory=dict)
    _iface_by_uuid: dict = field(repr=False, compare=False, default_factory=dict)
    _port_by_iface_uuid: dict = field(repr=False, compare=False, default_factory=dict)

    def bridge(self, name: str) -> Optional[OvsBridge]:
        for b in self.bridges:
            if b.name == name:
                return b
        return None

    def port(self, name: str) -> Optional[OvsPort]:
        return self._port_by_name.get(name)

    def interface(self, name: str) -> Optional[OvsInterface]:
        return self._iface_by_name.get(name)

    def bridge_of_port(self, name: str) -> Optional[OvsBridge]:
        port = self._port_by_name.get(name)
        return None if port is None else self._bridge_by_port_uuid.get(port.uuid)

    def port_of_interface(self, name: str) -> Optional[OvsPort]:
        iface = self._iface_by_name.get(name)
        return None if iface is None else self._port_by_iface_uuid.get(iface.uuid)

    def ports_of_bridge(self, bridge_name: str) -> tuple:
        bridge = self.bridge(bridge_name)
        if bridge is None:
            return ()
        ports = (self._port_by_uuid.get(u) for u in bridge.ports)
        return tuple(sorted((p for p in ports if p is not None), key=lambda p: p.name))

    def interfaces_of_port(self, port_name: str) -> tuple:
        port = self._port_by_name.get(port_name)
        if port is None:
            return ()
        ifaces = (self._iface_by_uuid.get(u) for u in port.interfaces)
        return tuple(i for i in ifaces if i is not None)

    def interfaces_by_iface_id(self, iface_id: str) -> tuple:
        """Every interface whose external_ids:iface-id is ``iface_id``
        (more than one during a live migration or after a botched unplug).
        """
        return tuple(i for i in self.interfaces if i.external_ids.get("iface-id") == iface_id)

    def interface_by_iface_id(self, iface_id: str) -> Optional[OvsInterface]:
        found = self.interfaces_by_iface_id(iface_id)
        return found[0] if found else None


def build_topology(bridges, ports, interfaces) -> OvsTopology:
    """Join parsed Bridge, Port and Interface rows (pure)."""
    bridges, ports, interfaces = tuple(bridges), tuple(ports), tuple(interfaces)
    port_by_uuid = {p.uuid: p for p in ports}
    iface_by_uuid = {i.uuid: i for i in interfaces}
    return OvsTopology(
        bridges=bridges, ports=ports, interfaces=interfaces,
        _bridge_by_port_uuid={u: b for b in bridges for u in b.ports},
        _port_by_name={p.name: p for p in ports},
        _port_by_uuid=port_by_uuid,
        _iface_by_name={i.name: i for i in interfaces},
        _iface_by_uuid=iface_by_uuid,
        _port_by_iface_uuid={u: p for p in ports for u in p.interfaces},
    )
