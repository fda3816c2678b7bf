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
malformed flows raise ParseError, from ``parse_dump_flows`` itself: a
flow's ``priority``, ``match`` and ``actions`` may be parsed on first
access, but only after the whole line was validated (see the fast path).
"""  # noqa: E501 (real output above, one line per record)

from __future__ import annotations

from dataclasses import dataclass
import gc
import re
from typing import Optional

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import _ofctl_fields as _fields
from osc_netdiag.parsers._ofctl_fields import Action
from osc_netdiag.parsers._ofctl_fields import DEFAULT_PRIORITY
from osc_netdiag.parsers._text import complete_lines
# ``ovs-ofctl show`` has a module of its own; its names stay reachable here
from osc_netdiag.parsers.ofctl_show import OfctlShow  # noqa: F401
from osc_netdiag.parsers.ofctl_show import OfPort  # noqa: F401
from osc_netdiag.parsers.ofctl_show import parse_ofctl_show  # noqa: F401

__all__ = ["Action", "DEFAULT_PRIORITY", "Flow", "OfPort", "OfctlShow",
           "parse_dump_flows", "parse_flow", "parse_ofctl_show"]

# The parsed-text caches (tests clear them to compare with a cold parse).
_ACTION_CACHE = _fields.ACTION_CACHE
_ACTIONS_CACHE = _fields.ACTIONS_CACHE
_MATCH_CACHE = _fields.MATCH_CACHE
_MATCH_ITEM_CACHE = _fields.MATCH_ITEM_CACHE

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


def _new_flow(fields: dict) -> Flow:
    # Same result as Flow(**fields) (frozen), without 15 guarded setattr
    # calls: dump-flows of a busy br-int has 100k lines.
    flow = _object_new(Flow)
    flow.__dict__.update(fields)
    return flow


_object_new = object.__new__


def parse_flow(line: str) -> Flow:
    """Parse one flow line of ``ovs-ofctl dump-flows`` (see module doc)."""
    flow = _fast_flow(line)
    if flow is None:
        flow = _parse_flow_eager(line)
    return flow


def _parse_flow_eager(line: str) -> Flow:
    """Parse every field of ``line`` now; raise ParseError on any fault."""
    m = _STATS.match(line)
    if m is None:
        raise ParseError(f"not a flow line: {line!r}")
    fields = _stats_fields(line, m)
    rest = line[m.end():]
    if rest.startswith("actions="):
        match_text, actions_text = "", rest[8:]
    else:
        match_text, sep, actions_text = rest.partition(" actions=")
        if not sep:
            raise ParseError(f"flow without actions (truncated?): {line!r}")
    fields["priority"], fields["match"] = _fields.parse_match(match_text, line)
    fields["actions"] = _fields.parse_actions(actions_text, line)
    return _new_flow(fields)


def _stats_fields(line: str, m) -> dict:
    """The fields before the match of a line matched by _STATS or _FAST."""
    cookie, duration, table, n_packets, n_bytes, options = m.group(1, 2, 3, 4, 5, 6)
    fields = {
        "text": line, "cookie": int(cookie, 16),
        "duration": float(duration) if duration is not None else None,
        "table": int(table), "n_packets": int(n_packets), "n_bytes": int(n_bytes),
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
    return fields


# --- The fast path ---------------------------------------------------------
#
# A busy br-int (the openvswitch firewall) dumps 100k+ flows, and a check
# reads the match and actions of a few of them. So a line is validated in
# full up front by one regular expression (_FAST), and its priority, match
# and actions are parsed on first access (_Lazy). Strictness is kept by
# construction: _FAST accepts only a subset of what _parse_flow_eager
# accepts (see _ofctl_fields.VALIDATED_MATCH and VALIDATED_ACTIONS: simple
# values, parentheses balanced to depth 4, no spaces), so a line it accepts cannot
# raise later; any other line, odd but valid or malformed, takes the eager
# parser, which parses everything now or raises ParseError now.

# A match never starts with "actions=": the eager parser reads a line whose
# counters are followed by "actions=" as a flow without a match, so a
# second " actions=" later on that line is a fault, not the real actions.
_FAST = re.compile(_STATS.pattern + r"(?:(?!actions=)(" + _fields.VALIDATED_MATCH + r") )?"
                   r"actions=(" + _fields.VALIDATED_ACTIONS + r")\Z")


class _Lazy:
    """Computes a field of a fast-path Flow from its line on first access.

    A non-data descriptor: the value is then stored in the instance's
    __dict__, which takes precedence, so later reads cost nothing. Flows
    built by the eager parser or by Flow(...) hold every field already.
    """

    def __init__(self, fill):
        self.fill = fill

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, flow, owner=None):
        if flow is None:
            return self
        self.fill(flow)
        return flow.__dict__[self.name]


def _fill_match(flow: Flow) -> None:
    flow.__dict__["priority"], flow.__dict__["match"] = _fields.validated_match(
        _fast_texts(flow.text)[0])


def _fill_actions(flow: Flow) -> None:
    flow.__dict__["actions"] = _fields.validated_actions(_fast_texts(flow.text)[1])


_FLAGS = frozenset(("send_flow_rem", "check_overlap", "reset_counts",
                    "no_packet_counts", "no_byte_counts"))


def _fast_texts(line: str) -> tuple:
    """(match text, actions text) of a line that _FAST accepted.

    Same as its groups 7 and 8 ("" for no match), found without running it
    again: neither text holds a space, so the actions follow the last
    " actions=" and the match is the word before it, unless that word is
    the end of the counters (", ") or an option flag (_FAST reads those
    before any match).
    """
    end = line.rindex(" actions=")
    match_text = line[line.rindex(" ", 0, end) + 1:end]
    if match_text[-1:] == "," or match_text in _FLAGS:
        match_text = ""
    return match_text, line[end + 9:]


def _install_lazy_fields() -> None:
    # Set after @dataclass has read the class, so these are not defaults.
    for name, fill in (("priority", _fill_match), ("match", _fill_match),
                       ("actions", _fill_actions)):
        lazy = _Lazy(fill)
        lazy.__set_name__(Flow, name)
        setattr(Flow, name, lazy)


_install_lazy_fields()


def _fast_flow(line: str) -> Optional[Flow]:
    """A Flow with lazy match and actions, or None if _FAST refuses ``line``."""
    m = _FAST.match(line)
    if m is None:
        return None
    return _new_flow(_stats_fields(line, m))


def parse_dump_flows(text: str) -> tuple:
    """Parse ``ovs-ofctl dump-flows BR [FILTER]`` into a tuple of Flow."""
    lines = complete_lines(text, "ovs-ofctl dump-flows")
    if len(lines) < 1000 or not gc.isenabled():
        return _parse_lines(lines)
    # 100k new Flow objects would trigger the cycle collector again and
    # again over a heap that only grows (they hold no cycles): about a third
    # of the time of a whole br-int. Collect once after.
    gc.disable()
    try:
        return _parse_lines(lines)
    finally:
        gc.enable()


def _parse_lines(lines: list) -> tuple:
    flows = []
    append = flows.append
    fast = _FAST.match
    new = _object_new
    for line in lines:
        m = fast(line)
        if m is not None:
            cookie, duration, table, n_packets, n_bytes, options, _, _ = m.groups()
            if options:
                append(_new_flow(_stats_fields(line, m)))
                continue
            # _stats_fields inlined (this runs once per flow), without the
            # options: their dataclass defaults (None, ()) stay on the class.
            flow = new(Flow)
            flow.__dict__.update(
                text=line, cookie=int(cookie, 16),
                duration=None if duration is None else float(duration),
                table=int(table), n_packets=int(n_packets), n_bytes=int(n_bytes))
            append(flow)
        elif line.startswith(" cookie=") or line.startswith("cookie="):
            append(_parse_flow_eager(line))
        elif _HEADER.match(line):
            continue
        else:
            raise ParseError(f"ovs-ofctl dump-flows: unexpected line {line!r}")
    return tuple(flows)
