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

"""Parse the OVN database clients' JSON lists and ovn-controller's status.

``ovn-nbctl``/``ovn-sbctl --format=json --columns=... list|find TABLE``
print the same document as ``ovs-vsctl`` (``{"data": [...], "headings":
[...]}``, OVSDB values as ``["uuid", u]``, ``["map", ...]``, ``["set",
...]``): :func:`osc_netdiag.parsers.ovs_vsctl.parse_ovs_list` decodes it,
the typed parsers here know each table's columns. Sample (``find
Logical_Switch_Port name=<port>``, shortened)::

    {"data":[[["uuid","4d56a5d3-..."],"6f5edede-...","",
              "fa:16:3e:17:58:69 198.18.17.64","fa:16:3e:17:58:69 198.18.17.64",
              true,true,["map",[["requested-chassis","compute1"]]],
              ["map",[["neutron:revision_number","4"], ...]],["set",[]]]],
     "headings":["_uuid","name","type","addresses","port_security","up",
                 "enabled","options","external_ids","tag"]}

Set columns come back as tuples (OVSDB prints a one-element set bare),
optional scalars (``up``, ``enabled``, ``tag``, ``chassis``) as None when
empty. A missing column, a value of the wrong type, JSON cut short or
text without its final newline raise ParseError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import require_final_newline
from osc_netdiag.parsers.ovs_vsctl import parse_ovs_list

LSP_COLUMNS = ("_uuid", "name", "type", "addresses", "port_security", "up",
               "enabled", "options", "external_ids", "tag")
LRP_COLUMNS = ("_uuid", "name", "mac", "networks", "ha_chassis_group",
               "gateway_chassis", "options", "external_ids")
SWITCH_COLUMNS = ("_uuid", "name", "ports", "external_ids")
HA_GROUP_COLUMNS = ("_uuid", "name", "ha_chassis")
HA_CHASSIS_COLUMNS = ("_uuid", "chassis_name", "priority")
BINDING_COLUMNS = ("_uuid", "logical_port", "type", "chassis", "up",
                   "tunnel_key", "mac", "options")
CHASSIS_COLUMNS = ("_uuid", "name", "hostname", "encaps", "other_config")
ENCAP_COLUMNS = ("_uuid", "type", "ip", "chassis_name")
OPEN_VSWITCH_COLUMNS = ("external_ids",)
DATAPATH_COLUMNS = ("_uuid", "tunnel_key", "external_ids")
ACL_COLUMNS = ("_uuid", "priority", "direction", "match", "action",
               "external_ids")


@dataclass(frozen=True)
class SwitchPort:
    """A Logical_Switch_Port (NB)."""
    uuid: str
    name: str
    type: str
    addresses: tuple
    port_security: tuple
    up: Optional[bool]
    enabled: Optional[bool]
    options: dict
    external_ids: dict
    tag: Optional[int]

    @property
    def revision(self) -> Optional[int]:
        value = self.external_ids.get("neutron:revision_number", "")
        return int(value) if value.isdigit() else None


@dataclass(frozen=True)
class RouterPort:
    """A Logical_Router_Port (NB)."""
    uuid: str
    name: str
    mac: str
    networks: tuple
    ha_chassis_group: Optional[str]
    gateway_chassis: tuple
    options: dict
    external_ids: dict


@dataclass(frozen=True)
class Switch:
    uuid: str
    name: str
    ports: tuple
    external_ids: dict


@dataclass(frozen=True)
class HaGroup:
    uuid: str
    name: str
    ha_chassis: tuple


@dataclass(frozen=True)
class HaChassis:
    uuid: str
    chassis_name: str
    priority: int


@dataclass(frozen=True)
class PortBinding:
    """A Port_Binding (SB): which chassis claimed the logical port."""
    uuid: str
    logical_port: str
    type: str
    chassis: Optional[str]          # the Chassis row's UUID
    up: Optional[bool]
    tunnel_key: int
    mac: tuple
    options: dict


@dataclass(frozen=True)
class Chassis:
    uuid: str
    name: str
    hostname: str
    encaps: tuple
    other_config: dict

    @property
    def is_gateway(self) -> bool:
        options = self.other_config.get("ovn-cms-options", "")
        return "enable-chassis-as-gw" in options.split(",")

    @property
    def bridge_mappings(self) -> dict:
        return mappings(self.other_config.get("ovn-bridge-mappings", ""))


@dataclass(frozen=True)
class Encap:
    uuid: str
    type: str
    ip: str
    chassis_name: str


@dataclass(frozen=True)
class Datapath:
    """A Datapath_Binding (SB): a logical switch's or router's tunnel key."""
    uuid: str
    tunnel_key: int
    external_ids: dict

    @property
    def switch(self) -> Optional[str]:
        return self.external_ids.get("logical-switch")


def mappings(text: str) -> dict:
    """``physnet1:br-eth1,public:br-ex`` -> {'physnet1': 'br-eth1', ...};
    an entry without a colon is kept with an empty bridge.
    """
    result = {}
    for item in (text or "").split(","):
        item = item.strip()
        if item:
            name, _, bridge = item.partition(":")
            result[name] = bridge
    return result


def _rows(text, what, columns):
    rows = parse_ovs_list(text)
    for row in rows:
        missing = [c for c in columns if c not in row]
        if missing:
            raise ParseError(f"{what}: missing columns {missing}")
    return rows


def _t(value, types, what):
    if not isinstance(value, types) or (isinstance(value, bool)
                                        and bool not in _tuple(types)):
        raise ParseError(f"{what}: unexpected value {value!r:.200}")
    return value


def _tuple(types):
    return types if isinstance(types, tuple) else (types,)


def _opt(value, types, what):
    return None if value == () else _t(value, types, what)


def _set(value, types, what):
    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        _t(item, types, what)
    return items


def _map(value, what):
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ParseError(f"{what}: expected a map of strings, got {value!r:.200}")
    return value


def parse_switch_ports(text: str) -> tuple:
    """``ovn-nbctl ... list|find Logical_Switch_Port``."""
    w = "ovn-nbctl Logical_Switch_Port"
    return tuple(SwitchPort(
        uuid=_t(r["_uuid"], str, w), name=_t(r["name"], str, w),
        type=_t(r["type"], str, w),
        addresses=_set(r["addresses"], str, w),
        port_security=_set(r["port_security"], str, w),
        up=_opt(r["up"], bool, w), enabled=_opt(r["enabled"], bool, w),
        options=_map(r["options"], w), external_ids=_map(r["external_ids"], w),
        tag=_opt(r["tag"], int, w))
        for r in _rows(text, w, LSP_COLUMNS))


def parse_router_ports(text: str) -> tuple:
    """``ovn-nbctl ... list|find Logical_Router_Port``."""
    w = "ovn-nbctl Logical_Router_Port"
    return tuple(RouterPort(
        uuid=_t(r["_uuid"], str, w), name=_t(r["name"], str, w),
        mac=_t(r["mac"], str, w), networks=_set(r["networks"], str, w),
        ha_chassis_group=_opt(r["ha_chassis_group"], str, w),
        gateway_chassis=_set(r["gateway_chassis"], str, w),
        options=_map(r["options"], w), external_ids=_map(r["external_ids"], w))
        for r in _rows(text, w, LRP_COLUMNS))


def parse_switches(text: str) -> tuple:
    w = "ovn-nbctl Logical_Switch"
    return tuple(Switch(
        uuid=_t(r["_uuid"], str, w), name=_t(r["name"], str, w),
        ports=_set(r["ports"], str, w), external_ids=_map(r["external_ids"], w))
        for r in _rows(text, w, SWITCH_COLUMNS))


def parse_ha_groups(text: str) -> tuple:
    w = "ovn-nbctl HA_Chassis_Group"
    return tuple(HaGroup(
        uuid=_t(r["_uuid"], str, w), name=_t(r["name"], str, w),
        ha_chassis=_set(r["ha_chassis"], str, w))
        for r in _rows(text, w, HA_GROUP_COLUMNS))


def parse_ha_chassis(text: str) -> tuple:
    w = "ovn-nbctl HA_Chassis"
    return tuple(HaChassis(
        uuid=_t(r["_uuid"], str, w), chassis_name=_t(r["chassis_name"], str, w),
        priority=_t(r["priority"], int, w))
        for r in _rows(text, w, HA_CHASSIS_COLUMNS))


def parse_port_bindings(text: str) -> tuple:
    """``ovn-sbctl ... find Port_Binding logical_port=...``."""
    w = "ovn-sbctl Port_Binding"
    return tuple(PortBinding(
        uuid=_t(r["_uuid"], str, w), logical_port=_t(r["logical_port"], str, w),
        type=_t(r["type"], str, w), chassis=_opt(r["chassis"], str, w),
        up=_opt(r["up"], bool, w), tunnel_key=_t(r["tunnel_key"], int, w),
        mac=_set(r["mac"], str, w), options=_map(r["options"], w))
        for r in _rows(text, w, BINDING_COLUMNS))


def parse_chassis(text: str) -> tuple:
    """``ovn-sbctl ... list Chassis``."""
    w = "ovn-sbctl Chassis"
    return tuple(Chassis(
        uuid=_t(r["_uuid"], str, w), name=_t(r["name"], str, w),
        hostname=_t(r["hostname"], str, w), encaps=_set(r["encaps"], str, w),
        other_config=_map(r["other_config"], w))
        for r in _rows(text, w, CHASSIS_COLUMNS))


def parse_encaps(text: str) -> tuple:
    """``ovn-sbctl ... list Encap``."""
    w = "ovn-sbctl Encap"
    return tuple(Encap(
        uuid=_t(r["_uuid"], str, w), type=_t(r["type"], str, w),
        ip=_t(r["ip"], str, w), chassis_name=_t(r["chassis_name"], str, w))
        for r in _rows(text, w, ENCAP_COLUMNS))


def parse_datapaths(text: str) -> tuple:
    """``ovn-sbctl ... list Datapath_Binding``."""
    w = "ovn-sbctl Datapath_Binding"
    return tuple(Datapath(
        uuid=_t(r["_uuid"], str, w), tunnel_key=_t(r["tunnel_key"], int, w),
        external_ids=_map(r["external_ids"], w))
        for r in _rows(text, w, DATAPATH_COLUMNS))


@dataclass(frozen=True)
class SystemIds:
    """The Open_vSwitch row's external_ids, as OVN reads them."""
    external_ids: dict

    def get(self, key, default=None):
        return self.external_ids.get(key, default)


def parse_open_vswitch_ids(text: str) -> SystemIds:
    """``ovs-vsctl --columns=external_ids list Open_vSwitch``: the one
    row's external_ids (system-id, ovn-remote, ovn-encap-*, mappings).
    """
    w = "ovs-vsctl list Open_vSwitch"
    rows = _rows(text, w, OPEN_VSWITCH_COLUMNS)
    if len(rows) != 1:
        raise ParseError(f"{w}: expected one row, got {len(rows)}")
    return SystemIds(_map(rows[0]["external_ids"], w))


CONNECTION_STATES = ("connected", "not connected")


def parse_connection_status(text: str) -> str:
    """``ovn-appctl -t ovn-controller connection-status``: one line,
    ``connected`` or ``not connected`` (to the Southbound database).
    """
    what = "ovn-appctl connection-status"
    require_final_newline(text, what)
    lines = text.splitlines()
    if len(lines) != 1 or lines[0] not in CONNECTION_STATES:
        raise ParseError(f"{what}: unexpected output {text[:200]!r}")
    return lines[0]


@dataclass(frozen=True)
class Acl:
    """An ACL (NB): Neutron writes one per security group rule, with the
    rule's ID in external_ids, and its drop-all ACLs without one.
    """
    uuid: str
    priority: int
    direction: str        # from-lport (the port sends), to-lport
    match: str
    action: str
    external_ids: dict

    @property
    def rule_id(self) -> Optional[str]:
        return self.external_ids.get("neutron:security_group_rule_id")


def parse_acls(text: str) -> tuple:
    """``ovn-nbctl ... list ACL``."""
    w = "ovn-nbctl ACL"
    return tuple(Acl(
        uuid=_t(r["_uuid"], str, w), priority=_t(r["priority"], int, w),
        direction=_t(r["direction"], str, w), match=_t(r["match"], str, w),
        action=_t(r["action"], str, w), external_ids=_map(r["external_ids"], w))
        for r in _rows(text, w, ACL_COLUMNS))
