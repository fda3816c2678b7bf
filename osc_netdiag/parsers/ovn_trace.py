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

"""Parse ``ovn-trace --summary --minimal DATAPATH MICROFLOW``: where
OVN's logical pipeline sends a packet.

Sample (a ping from a port to its router, shortened)::

    # icmp,reg14=0x5,vlan_tci=0x0000,dl_src=fa:16:3e:17:58:69,...
    # Summary trace.
    ingress(dp="geneve-net", inport="geneve1") {
        reg0[15] = check_in_port_sec();
        next;
        ...
    };
    # Minimal trace.
    ct_next(ct_state=est|trk /* default (use --ct to customize) */) {
        ip4.dst = 198.18.17.64;
        ...
        output("geneve1");
    };

The first line is the microflow as OVN understood it. The summary walks
the logical datapaths (named by Neutron's names when Neutron gave them)
and says ``drop;`` where the packet dies; the minimal part lists the
actions that change it and ``output("<port>")`` for each logical port it
leaves by. Both are read: a packet is dropped when the minimal part has
no output and the summary says ``drop;`` (one without the other is
output cut short). Text without its final newline, without the three
header lines in order, or with unbalanced braces raises ParseError.
"""

from __future__ import annotations

from dataclasses import dataclass
import re

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import require_final_newline

SUMMARY = "# Summary trace."
MINIMAL = "# Minimal trace."
_OUTPUT = re.compile(r'^\s*output\("([^"]+)"\);$')
_DATAPATH = re.compile(r'^\s*(?:ingress|egress)\(dp="([^"]+)"')


@dataclass(frozen=True)
class LogicalTrace:
    flow: str             # the microflow, as OVN parsed it
    datapaths: tuple      # logical datapaths walked, in order (summary)
    outputs: tuple        # logical ports the packet leaves by (minimal)
    drops: int            # drop; actions in the summary

    @property
    def dropped(self) -> bool:
        return not self.outputs


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


def parse_ovn_trace(text: str) -> LogicalTrace:
    what = "ovn-trace --summary --minimal"
    if not isinstance(text, str):
        raise ParseError(f"{what}: expected text, got {type(text).__name__}")
    require_final_newline(text, what)
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# ") or len(lines[0]) < 3 \
            or lines[0] in (SUMMARY, MINIMAL):
        raise ParseError(f"{what}: no microflow line: {text[:120]!r}")
    if lines.count(SUMMARY) != 1 or lines.count(MINIMAL) != 1 or \
            lines[1] != SUMMARY:
        raise ParseError(f"{what}: expected the summary, then the minimal "
                         "trace")
    cut = lines.index(MINIMAL)
    summary, minimal = lines[2:cut], lines[cut + 1:]
    _block(summary, what)
    _block(minimal, what)
    outputs = tuple(m.group(1) for m in map(_OUTPUT.match, minimal) if m)
    drops = sum(1 for line in summary if line.strip() == "drop;")
    if not outputs and not drops:
        raise ParseError(f"{what}: no output and no drop (cut short?)")
    datapaths = []
    for match in map(_DATAPATH.match, summary):
        if match and (not datapaths or datapaths[-1] != match.group(1)):
            datapaths.append(match.group(1))
    return LogicalTrace(flow=lines[0][2:], datapaths=tuple(datapaths),
                        outputs=outputs, drops=drops)
