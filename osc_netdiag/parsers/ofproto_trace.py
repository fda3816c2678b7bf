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

"""Parse ``ovs-appctl ofproto/trace BRIDGE FLOW`` (Open vSwitch 2.8+).

The output is one pass per (re)circulation: the packet as it enters, each
OpenFlow table it visits (``NN. MATCH, priority P, cookie C``) with the
actions that ran indented below, then ``Final flow:``, ``Megaflow:`` and
``Datapath actions:``. A ``ct()`` that recirculates starts a new pass
after a ``=====`` rule, resuming at the ct's table::

    Flow: icmp,in_port=5,vlan_tci=0x0000,dl_src=fa:16:3e:04:a5:1b,...

    bridge("br-int")
    ----------------
     0. priority 0, cookie 0xede03bb831a9c92b
        goto_table:58
    ...
    71. ip,reg5=0x5,in_port=5,...,nw_src=198.18.17.16, priority 65, cookie 0xede0...
        ct(table=72,zone=NXM_NX_REG6[0..15])
        drop
         -> A clone of the packet is forked to recirculate. ...

    Final flow: ...
    Megaflow: ...
    Datapath actions: ct(zone=3),recirc(0xc)

    ===============================================================================
    recirc(0xc) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
    ===============================================================================

    Flow: recirc_id=0xc,ct_state=new|trk,...

Output: a Trace of Passes, each with its Steps (bridge, table, match,
priority, the action and note lines below it) in order; bridges reached
through patch ports are steps too, with their own bridge name. Strict:
a line at the left margin that is none of these, a table line out of
place, a pass without ``Datapath actions:`` (output cut) raise ParseError.
"""

from __future__ import annotations

import dataclasses
import re

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import complete_lines

_STEP = re.compile(r"^( *)(\d+)\. (?:(.*), )?priority (\d+)"
                   r"(?:, cookie 0x[0-9a-f]+)?\Z")
_BRIDGE = re.compile(r'^ *bridge\("([^"]+)"\)\Z')
_RULE = re.compile(r"^ *-+\Z")
_SEPARATOR = re.compile(r"^=+\Z")
_RECIRC = re.compile(r"^recirc\(0x[0-9a-f]+\) - resume conntrack with "
                     r"(?:default )?ct_state=([a-z|+-]+)")
# after "Datapath actions:" when ovs-vswitchd handles the flow itself
# (OVN's router answering a ping to its own address does)
_SLOW_PATH = "This flow is handled by the userspace slow path because it:"
_HEADERS = ("Flow: ", "Final flow: ", "Megaflow: ", "Datapath actions: ")


@dataclasses.dataclass(frozen=True)
class Step:
    bridge: str
    table: int
    match: str
    priority: int
    lines: tuple = ()

    def describe(self):
        match = f"{self.match}, " if self.match else ""
        return f"table {self.table}: {match}priority {self.priority}"


@dataclasses.dataclass(frozen=True)
class Pass:
    flow: str
    ct_state: str           # what conntrack was assumed to answer, or ""
    steps: tuple
    final_flow: str
    megaflow: str
    datapath_actions: str


@dataclasses.dataclass(frozen=True)
class Trace:
    passes: tuple

    @property
    def steps(self):
        return tuple(s for p in self.passes for s in p.steps)


class _Builder:
    def __init__(self):
        self.passes = []
        self.reset("")

    def reset(self, ct_state):
        self.ct_state = ct_state
        self.flow = None
        self.headers = {}
        self.steps = []
        self.bridge = None
        self.step = None

    def close_step(self):
        if self.step is not None:
            self.steps.append(Step(*self.step[:4], tuple(self.step[4])))
            self.step = None

    def close_pass(self):
        self.close_step()
        if self.flow is None:
            return
        if "Datapath actions: " not in self.headers:
            raise ParseError("ofproto/trace: a pass has no 'Datapath "
                             "actions:' line (output cut?)")
        self.passes.append(Pass(
            flow=self.flow, ct_state=self.ct_state, steps=tuple(self.steps),
            final_flow=self.headers.get("Final flow: ", ""),
            megaflow=self.headers.get("Megaflow: ", ""),
            datapath_actions=self.headers["Datapath actions: "]))
        self.reset("")


def _margin_line(builder, line):
    for header in _HEADERS:
        if line.startswith(header):
            if header == "Flow: ":
                if builder.flow is not None:
                    builder.close_pass()
                builder.flow = line[len(header):]
            elif builder.flow is None:
                raise ParseError(f"ofproto/trace: {header.strip()} before "
                                 "any 'Flow:' line")
            else:
                builder.close_step()
                builder.headers[header] = line[len(header):]
            return
    recirc = _RECIRC.match(line)
    if line.startswith(_SLOW_PATH):
        return      # a note after the actions; its "  - reason" lines too
    if _SEPARATOR.match(line):
        builder.close_pass()
    elif recirc:
        builder.reset(recirc.group(1))
    elif _BRIDGE.match(line) or _RULE.match(line):
        _indented_line(builder, line)
    else:
        raise ParseError(f"ofproto/trace: unexpected line {line[:120]!r}")


def _indented_line(builder, line):
    bridge = _BRIDGE.match(line)
    if bridge:
        builder.close_step()
        builder.bridge = bridge.group(1)
        return
    if _RULE.match(line):
        return
    step = _STEP.match(line)
    if step:
        if builder.bridge is None or builder.flow is None:
            raise ParseError(f"ofproto/trace: table line outside a bridge: "
                             f"{line[:120]!r}")
        builder.close_step()
        builder.step = [builder.bridge, int(step.group(2)),
                        step.group(3) or "", int(step.group(4)), []]
        return
    if builder.step is not None:
        builder.step[4].append(line.strip())
    elif builder.flow is None:
        raise ParseError(f"ofproto/trace: unexpected line {line[:120]!r}")
    # else: a note before the first table of a pass ("thaw", "Resuming
    # from table 72"): kept out of the steps


def parse_ofproto_trace(text):
    builder = _Builder()
    for line in complete_lines(text, "ofproto/trace"):
        if not line.strip():
            continue
        if line[0] == " " or _STEP.match(line):
            # tables from 10 up start at the margin: " 0." but "58."
            _indented_line(builder, line)
        else:
            _margin_line(builder, line)
    builder.close_pass()
    if not builder.passes:
        raise ParseError("ofproto/trace: no 'Flow:' line")
    return Trace(tuple(builder.passes))
