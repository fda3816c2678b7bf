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

"""Parse ``ovn-trace [--detailed] [--summary] --minimal DATAPATH
MICROFLOW``: where OVN's logical pipeline sends a packet, and through
which stages.

Sample (a ping from a port to another on its network, shortened)::

    # icmp,reg14=0x3,vlan_tci=0x0000,dl_src=fa:16:3e:14:4d:3f,...
    # Detailed trace.

    ingress(dp="geneve-net", inport="geneve1")
    ------------------------------------------
     0. ls_in_check_port_sec (northd.c:8432): 1, priority 50, uuid 6ea24851
        reg0[15] = check_in_port_sec();
        next;
    ...
    ct_next(ct_state=new|trk)
    -------------------------
     8. ls_in_acl (northd.c:6445): reg0[7] == 1 && (inport == @pg_fa70... && ip4),
        priority 2002, uuid 5fe8dc93  (on one line)
        reg0[1] = 1;
        next;
    ...
    # Summary trace.
    ingress(dp="geneve-net", inport="geneve1") {
        reg0[15] = check_in_port_sec();
        ...
    };
    # Minimal trace.
    ct_next(ct_state=new|trk) {
        ct_next(ct_state=new|trk) {
            output("geneve2");
        };
    };

The first line is the microflow as OVN understood it. The detailed part
walks the logical datapaths (named by Neutron's names when Neutron gave
them) stage by stage: each logical flow's table, stage name, match,
priority and UUID prefix, the actions below it, ``drop;`` where the
packet dies. The summary is the same walk without the stages; the
minimal part lists the actions that change the packet and
``output("<port>")`` for each logical port it leaves by. A packet is
dropped when the minimal part has no output. The sections come in this
order, the minimal one and at least one of the others present. Text
without its final newline, a section out of order, a line of the
detailed part that is none of the above, or unbalanced braces raise
ParseError.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import re

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import require_final_newline

DETAILED = "# Detailed trace."
SUMMARY = "# Summary trace."
MINIMAL = "# Minimal trace."
_SECTIONS = (DETAILED, SUMMARY, MINIMAL)
_OUTPUT = re.compile(r'^\s*output\("([^"]+)"\);$')
_DATAPATH = re.compile(r'^\s*(?:ingress|egress)\(dp="([^"]+)"')
# a pipeline's or a conntrack step's heading in the detailed part, and
# the dashes under it
_HEADING = re.compile(r'^\s*(ingress|egress|multicast|ct_[a-z_]+)\b(.*)$')
_PIPELINE = re.compile(r'^\s*(ingress|egress)\(dp="([^"]+)", inport="([^"]*)"'
                       r'(?:, outport="([^"]*)")?\)$')
_UNDERLINE = re.compile(r"^\s*-+$")
_STAGE = re.compile(r"^\s*(\d+)\. ([a-z][a-z0-9_]*) \(([^)]*)\): (.*), priority (\d+), "
                    r"uuid ([0-9a-f]{8})$")


@dataclass(frozen=True)
class Stage:
    """One logical flow the packet matched (detailed trace)."""
    datapath: str         # the logical datapath, as ovn-trace names it
    pipeline: str         # ingress or egress
    table: int
    name: str             # the stage: ls_in_acl, lr_in_ip_routing, ...
    match: str
    priority: int
    uuid: str             # the first 8 hex digits of the Logical_Flow
    actions: tuple = ()

    @property
    def drops(self) -> bool:
        return "drop;" in self.actions


@dataclass(frozen=True)
class LogicalTrace:
    flow: str             # the microflow, as OVN parsed it
    datapaths: tuple      # logical datapaths walked, in order
    outputs: tuple        # logical ports the packet leaves by (minimal)
    drops: int            # drop; actions met
    stages: tuple = ()    # of Stage (detailed trace only)

    @property
    def dropped(self) -> bool:
        return not self.outputs

    @property
    def drop_stage(self):
        """The last stage that said ``drop;``, or None."""
        return next((s for s in reversed(self.stages) if s.drops), None)


def _block(lines, what):
    depth = 0
    for line in lines:
        stripped = line.strip()
        if not stripped:
            raise ParseError(f"{what}: blank line")
        if stripped.endswith("{"):
            depth += 1
        elif stripped == "};":
            depth -= 1
            if depth < 0:
                raise ParseError(f"{what}: unbalanced braces")
        elif not (stripped.endswith(";") or stripped.endswith("*/")):
            raise ParseError(f"{what}: not an action: {stripped[:120]!r}")
    if depth != 0:
        raise ParseError(f"{what}: unbalanced braces (cut short?)")


def _detailed(lines, what):
    """The stages of the detailed part, in the order the packet met them."""
    stages, current, datapath, pipeline = [], None, None, None
    for n, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or _UNDERLINE.match(line):
            continue
        # a heading is the line the dashes underline ("ct_next;" is an
        # action, "ct_next(ct_state=new|trk)" over dashes a heading)
        heading = n + 1 < len(lines) and bool(_UNDERLINE.match(lines[n + 1]))
        stage = _STAGE.match(line)
        if stage:
            if datapath is None:
                raise ParseError(f"{what}: a stage outside a pipeline: "
                                 f"{stripped[:120]!r}")
            if current is not None:
                stages.append(current)
            current = Stage(datapath, pipeline, int(stage.group(1)),
                            stage.group(2), stage.group(4),
                            int(stage.group(5)), stage.group(6))
            continue
        pipe = _PIPELINE.match(line)
        if heading and (pipe or _HEADING.match(line)):
            if current is not None:
                stages.append(current)
                current = None
            if pipe:
                pipeline, datapath = pipe.group(1), pipe.group(2)
            continue
        if current is None or not (stripped.endswith(";")
                                   or stripped.endswith("*/")):
            raise ParseError(f"{what}: unexpected line in the detailed "
                             f"trace: {stripped[:120]!r}")
        current = Stage(*dataclasses.astuple(current)[:-1],
                        actions=current.actions + (stripped,))
    if current is not None:
        stages.append(current)
    return tuple(stages)


def _sections(lines, what):
    found = [(i, line) for i, line in enumerate(lines) if line in _SECTIONS]
    order = [line for _i, line in found]
    if order not in ([DETAILED, MINIMAL], [SUMMARY, MINIMAL],
                     [DETAILED, SUMMARY, MINIMAL]) or found[0][0] != 1:
        raise ParseError(f"{what}: expected the detailed and/or summary "
                         "trace, then the minimal trace")
    bounds = [i for i, _line in found] + [len(lines)]
    return {name: lines[bounds[n] + 1:bounds[n + 1]]
            for n, name in enumerate(order)}


def parse_ovn_trace(text: str) -> LogicalTrace:
    what = "ovn-trace"
    if not isinstance(text, str):
        raise ParseError(f"{what}: expected text, got {type(text).__name__}")
    require_final_newline(text, what)
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# ") or len(lines[0]) < 3 \
            or lines[0] in _SECTIONS:
        raise ParseError(f"{what}: no microflow line: {text[:120]!r}")
    parts = _sections(lines, what)
    minimal = parts[MINIMAL]
    _block(minimal, what)
    stages = _detailed(parts.get(DETAILED, ()), what)
    summary = parts.get(SUMMARY)
    if summary is not None:
        _block(summary, what)
        walk = summary
        drops = sum(1 for line in summary if line.strip() == "drop;")
    else:
        walk = parts[DETAILED]
        drops = sum(1 for s in stages if s.drops)
    outputs = tuple(m.group(1) for m in map(_OUTPUT.match, minimal) if m)
    if not outputs and not drops:
        raise ParseError(f"{what}: no output and no drop (cut short?)")
    datapaths = []
    for match in map(_DATAPATH.match, walk):
        if match and (not datapaths or datapaths[-1] != match.group(1)):
            datapaths.append(match.group(1))
    return LogicalTrace(flow=lines[0][2:], datapaths=tuple(datapaths),
                        outputs=outputs, drops=drops, stages=stages)
