"""Parse ``ovs-ofctl dump-flows BR [FILTER]`` and ``ovs-ofctl show BR``.

dump-flows, OVS 3.1 (header only when stdout is not a console; port numbers
unless ``--names``; names that contain ``-`` are printed quoted)::

    NXST_FLOW reply (xid=0x4):
     cookie=0x9c3b6a0f2e1d4c5b, duration=1.97s, table=0, n_packets=3, n_bytes=306, idle_age=1, priority=3,in_port="int-br-eth1",dl_vlan=2113 actions=mod_vlan_vid:1,resubmit(,58)
     cookie=0x0, duration=2.0s, table=0, n_packets=0, n_bytes=0, reset_counts importance=10, priority=4,in_port=trunk0 actions=output:trunk0

Also accepted: ``OFPST_FLOW reply (OF1.3) (xid=0x2):`` headers, several
headers (multipart replies), the Operations Guide's older lines with
``hard_age=``, flows without ``duration=`` and flows with the default
priority (32768, not printed by OVS).

Output::

    (Flow(text=' cookie=0x9c3b...', cookie=0x9c3b6a0f2e1d4c5b, duration=1.97,
          table=0, n_packets=3, n_bytes=306, priority=3,
          match=(('in_port', 'int-br-eth1'), ('dl_vlan', '2113')),
          actions=(Action('mod_vlan_vid', '1'), Action('resubmit', ',58')),
          idle_timeout=None, hard_timeout=None, idle_age=1, hard_age=None,
          importance=None, flags=()), ...)

``match`` keeps the printed order, without ``priority``; bare flags such as
``ip`` or ``arp`` have value None; quoted port names are unquoted. Each
action is split at its first ``:`` or ``(``: ``output:"patch-tun"`` ->
``('output', 'patch-tun')``, ``resubmit(,10)`` -> ``('resubmit', ',10')``,
``ct(commit,zone=...)`` -> ``('ct', 'commit,zone=...')``, ``NORMAL`` ->
``('NORMAL', None)``. Commas inside ``()``, ``[]`` and quotes never split.

show::

    OFPT_FEATURES_REPLY (xid=0x2): dpid:00005afce620de41
    n_tables:254, n_buffers:0
    capabilities: FLOW_STATS TABLE_STATS PORT_STATS QUEUE_STATS ARP_MATCH_IP
    actions: output enqueue set_vlan_vid ...
     1(int-br-eth1): addr:66:49:a0:fb:20:f4
         config:     0
         state:      LINK_DOWN
         speed: 0 Mbps now, 0 Mbps max
     LOCAL(br-int): addr:5a:fc:e6:20:de:41
    ...
    OFPT_GET_CONFIG_REPLY (xid=0x4): frags=normal miss_send_len=0

Output: ``OfctlShow(dpid='00005afce620de41', ports=(OfPort(number=1,
name='int-br-eth1', mac='66:49:a0:fb:20:f4', config=(), state=('LINK_DOWN',)),
..., OfPort(number='LOCAL', ...)))``; ``config``/``state`` of ``0`` is ().

Output cut in the middle of a line (no final newline), unknown lines and
malformed flows raise ParseError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import complete_lines, split_top, unquote

DEFAULT_PRIORITY = 32768

_HEADER = re.compile(r"(?:NXST|OFPST)_FLOW reply(?: \(OF\d\.\d\))? \(xid=0x[0-9a-f]+\):\Z")
_STATS = re.compile(
    r" ?cookie=0x([0-9a-f]+), (?:duration=(\d+(?:\.\d+)?)s, )?table=(\d+), "
    r"n_packets=(\d+), n_bytes=(\d+), "
    r"((?:(?:idle_timeout|hard_timeout|importance|idle_age|hard_age)=\d+, "
    r"|(?:send_flow_rem|check_overlap|reset_counts|no_packet_counts|no_byte_counts) )*)"
)
_OPTION = re.compile(
    r"(idle_timeout|hard_timeout|importance|idle_age|hard_age)=(\d+), "
    r"|(send_flow_rem|check_overlap|reset_counts|no_packet_counts|no_byte_counts) "
)
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_ACTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Action:
    name: str
    arg: Optional[str] = None

    def __str__(self) -> str:
        return self.name if self.arg is None else f"{self.name}:{self.arg}"


@dataclass(frozen=True)
class Flow:
    text: str
    cookie: int
    duration: Optional[float]
    table: int
    n_packets: int
    n_bytes: int
    priority: int
    match: tuple
    actions: tuple
    idle_timeout: Optional[int] = None
    hard_timeout: Optional[int] = None
    idle_age: Optional[int] = None
    hard_age: Optional[int] = None
    importance: Optional[int] = None
    flags: tuple = ()

    def match_get(self, field: str, default=None):
        """Value of match ``field`` (None for a bare flag), else ``default``."""
        for name, value in self.match:
            if name == field:
                return value
        return default

    def has_match(self, field: str) -> bool:
        return any(name == field for name, _ in self.match)

    def actions_named(self, name: str) -> tuple:
        return tuple(a for a in self.actions if a.name == name)


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


def _match_item(item: str, line: str):
    """One match item -> (name, value), or an int for ``priority=N``."""
    name, eq, value = item.partition("=")
    if not _FIELD_NAME.match(name):
        raise ParseError(f"bad match field {item!r} in flow: {line!r}")
    if not eq:
        return (name, None)
    if not value:
        raise ParseError(f"empty value for {name!r} in flow: {line!r}")
    if name == "priority":
        if not value.isdigit():
            raise ParseError(f"bad priority {value!r} in flow: {line!r}")
        return int(value)
    if value[0] == '"':
        value = unquote(value)
    return (name, value)


def _parse_match(text: str, line: str) -> tuple:
    priority = DEFAULT_PRIORITY
    match = []
    cache = _MATCH_ITEM_CACHE
    for item in split_top(text):
        parsed = cache.get(item)
        if parsed is None:
            parsed = _match_item(item, line)
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            cache[item] = parsed
        if parsed.__class__ is int:
            priority = parsed
        else:
            match.append(parsed)
    return priority, tuple(match)


# Parsed actions and match items are immutable and repeat a lot between
# flows (the flood flows of br-tun): parse each distinct text once.
_ACTION_CACHE: dict = {}
_ACTIONS_CACHE: dict = {}
_MATCH_CACHE: dict = {}
_MATCH_ITEM_CACHE: dict = {}
_CACHE_MAX = 50000


def _action(item: str, line: str) -> Action:
    action = _ACTION_CACHE.get(item)
    if action is None:
        action = _parse_action(item, line)
        if len(_ACTION_CACHE) >= _CACHE_MAX:
            _ACTION_CACHE.clear()
        _ACTION_CACHE[item] = action
    return action


def _parse_action(item: str, line: str) -> Action:
    m = _ACTION_NAME.match(item)
    if m is None:
        raise ParseError(f"bad action {item!r} in flow: {line!r}")
    end = m.end()
    if end == len(item):
        return Action(item)
    name = item[:end]
    sep = item[end]
    if sep == ":":
        arg = item[end + 1:]
        if not arg:
            raise ParseError(f"action {name!r} without argument in flow: {line!r}")
        if arg[0] == '"':
            arg = unquote(arg)
        return Action(name, arg)
    if sep == "(":
        if not item.endswith(")"):
            # e.g. check_pkt_larger(1500)->NXM_NX_REG0[0]: keep the rest as is.
            return Action(name, item[end:])
        return Action(name, item[end + 1:-1])
    raise ParseError(f"bad action {item!r} in flow: {line!r}")


def _parse_actions(text: str, line: str) -> tuple:
    actions = _ACTIONS_CACHE.get(text)
    if actions is None:
        if not text:
            raise ParseError(f"flow with empty actions: {line!r}")
        actions = tuple([_action(a, line) for a in split_top(text)])
        if len(_ACTIONS_CACHE) >= _CACHE_MAX:
            _ACTIONS_CACHE.clear()
        _ACTIONS_CACHE[text] = actions
    return actions


def _new_flow(fields: dict) -> Flow:
    # Same result as Flow(**fields) (frozen), without 15 guarded setattr
    # calls: dump-flows of a busy br-int has 100k lines.
    flow = _object_new(Flow)
    flow.__dict__.update(fields)
    return flow


_object_new = object.__new__


def parse_flow(line: str) -> Flow:
    """Parse one flow line of ``ovs-ofctl dump-flows`` (see module doc)."""
    m = _STATS.match(line)
    if m is None:
        raise ParseError(f"not a flow line: {line!r}")
    cookie, duration, table, n_packets, n_bytes, options = m.groups()
    fields = {
        "text": line, "cookie": int(cookie, 16),
        "duration": float(duration) if duration is not None else None,
        "table": int(table), "n_packets": int(n_packets), "n_bytes": int(n_bytes),
        "priority": DEFAULT_PRIORITY, "match": (), "actions": (),
        "idle_timeout": None, "hard_timeout": None, "idle_age": None,
        "hard_age": None, "importance": None, "flags": (),
    }
    if options:
        flags = []
        for name, value, flag in _OPTION.findall(options):
            if name:
                fields[name] = int(value)
            else:
                flags.append(flag)
        fields["flags"] = tuple(flags)
    rest = line[m.end():]
    if rest.startswith("actions="):
        match_text, actions_text = "", rest[8:]
    else:
        match_text, sep, actions_text = rest.partition(" actions=")
        if not sep:
            raise ParseError(f"flow without actions (truncated?): {line!r}")
    if match_text:
        parsed = _MATCH_CACHE.get(match_text)
        if parsed is None:
            parsed = _parse_match(match_text, line)
            if len(_MATCH_CACHE) >= _CACHE_MAX:
                _MATCH_CACHE.clear()
            _MATCH_CACHE[match_text] = parsed
        fields["priority"], fields["match"] = parsed
    fields["actions"] = _parse_actions(actions_text, line)
    return _new_flow(fields)


def parse_dump_flows(text: str) -> tuple:
    """Parse ``ovs-ofctl dump-flows BR [FILTER]`` into a tuple of Flow."""
    flows = []
    for line in complete_lines(text, "ovs-ofctl dump-flows"):
        if line.startswith(" cookie=") or line.startswith("cookie="):
            flows.append(parse_flow(line))
        elif _HEADER.match(line):
            continue
        else:
            raise ParseError(f"ovs-ofctl dump-flows: unexpected line {line!r}")
    return tuple(flows)


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
