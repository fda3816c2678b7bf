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

"""``port trace --graph FILE``: the traced path as a picture.

:func:`to_dot` is a pure function from traces to Graphviz DOT text: each
host a box (a cluster) holding its hops as nodes in path order, the API's
view of the port before them; an edge leaving a flow or tunnel hop
carries what it does to the packet (the VLAN or tunnel-ID translation,
the tunnel's endpoints); a broken hop is red, with its finding in a red
note beside it; skipped hops are grey. :func:`write` renders it with
Graphviz's ``dot`` (SVG or PNG by the file's extension; ``.dot`` writes
the text itself), argv only, with a timeout, into a temporary file that
then replaces the target.
"""

import os
import re
import shutil
import subprocess
import tempfile

from osc_netdiag import errors
from osc_netdiag.subjects import finding_host

FORMATS = {".svg": "svg", ".png": "png", ".dot": None}
RENDER_TIMEOUT = 60.0
_COLOURS = {  # status: (border, fill, font)
    "OK": ("#2e7d32", "#e8f5e9", "black"),
    "WARN": ("#ef6c00", "#fff3e0", "black"),
    "ERROR": ("#c62828", "#ffcdd2", "#b71c1c"),
    "SKIP": ("#9e9e9e", "#eeeeee", "#757575"),
}
_PACKETS = re.compile(r"\s*\(n_packets=\d+\)")


def quote(text):
    """A DOT double-quoted string (its newlines as centred line breaks)."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\n", "\\n") + '"'


def _wrap(text, width=40):
    words, lines, line = str(text).split(" "), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join(lines + [line])


def edge_label(hop):
    """What a flow or tunnel hop does to the packet ("" for other hops).

    It labels the edge leaving the hop.
    """
    if hop.kind == "flow":
        text = _PACKETS.sub("", hop.detail)
        return re.sub(r"in_port=[^,\s]+,", "", text)
    if hop.kind == "tunnel":
        local = re.search(r"local_ip=([0-9a-fA-F.:]+)", hop.detail)
        remote = re.search(r"remote_ip=([0-9a-fA-F.:]+)", hop.detail)
        if hop.state == "present" and local and remote:
            return f"{hop.device}: {local.group(1)} -> {remote.group(1)}"
        return f"{hop.device}: {hop.state}"
    return ""


def _node(name, hop):
    border, fill, font = _COLOURS.get(str(hop.status), _COLOURS["OK"])
    style = "rounded,filled,dashed" if str(hop.status) == "SKIP" \
        else "rounded,filled"
    label = f"{hop.kind}: {hop.device}\n{hop.state}"
    if str(hop.status) != "OK" and hop.detail:
        label += "\n" + _wrap(hop.detail)
    penwidth = 2.5 if str(hop.status) == "ERROR" else 1
    return (f"{name} [label={quote(label)}, shape=box, style={quote(style)}, "
            f"color={quote(border)}, fillcolor={quote(fill)}, "
            f"fontcolor={quote(font)}, penwidth={penwidth}];")


def _finding_target(finding, hops, hosts):
    """Index of the hop a finding is about.

    The first non-OK hop on its host (an ERROR one for an ERROR finding),
    else the first non-OK hop of the trace.
    """
    host = finding_host(finding.subject, hosts)
    wanted = ("ERROR",) if str(finding.severity) == "ERROR" else \
        ("ERROR", "WARN", "SKIP")
    for on_host in (True, False):
        for index, hop in enumerate(hops):
            if on_host and hop.host != host:
                continue
            if str(hop.status) in wanted:
                return index
    return None


def _trace_lines(number, trace):
    prefix = f"t{number}_"
    hops = list(trace.hops)
    lines = []
    hosts = []
    for hop in hops:
        if hop.host not in hosts:
            hosts.append(hop.host)
    for cluster, host in enumerate(hosts):
        members = [i for i, hop in enumerate(hops) if hop.host == host]
        title = "Neutron API" if host == "api" else host
        lines += [f"  subgraph cluster_{prefix}{cluster} {{",
                  f"    label={quote(title)}; style=\"rounded\"; "
                  f"color=\"#455a64\"; fontname=\"Helvetica-Bold\";"]
        lines += [f"    {_node(f'{prefix}{i}', hops[i])}" for i in members]
        lines.append("  }")
    for index in range(len(hops) - 1):
        label = edge_label(hops[index])
        attrs = [f"label={quote(_wrap(label, 30))}"] if label else []
        if hops[index].host != hops[index + 1].host:
            # each host a column of its own, side by side
            attrs += ["constraint=false", "style=bold"]
        text = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {prefix}{index} -> {prefix}{index + 1}{text};")
    for count, finding in enumerate(trace.findings):
        target = _finding_target(finding, hops, hosts)
        name = f"{prefix}f{count}"
        colour = "#c62828" if str(finding.severity) == "ERROR" else "#ef6c00"
        text = f"{finding.code} ({finding.severity})\n" + _wrap(finding.summary)
        lines.append(f"  {name} [label={quote(text)}, shape=note, "
                     f"style=filled, fillcolor=\"#ffebee\", "
                     f"color={quote(colour)}, fontcolor={quote(colour)}];")
        if target is not None:
            lines.append(f"  {name} -> {prefix}{target} [style=dashed, "
                         f"color={quote(colour)}, arrowhead=none, "
                         f"constraint=false];")
    return lines


def to_dot(traces):
    """The DOT text of one or more traces.

    A trace has ``hops``, ``findings`` and ``port_id``.
    """
    lines = ["digraph netdiag {",
             "  rankdir=TB; newrank=true; fontname=\"Helvetica\"; "
             "node [fontname=\"Helvetica\", fontsize=10]; "
             "edge [fontname=\"Helvetica\", fontsize=9];"]
    for number, trace in enumerate(traces):
        title = quote("port " + trace.port_id)
        if len(traces) == 1:
            lines.append(f"  label={title}; labelloc=t;")
            lines += _trace_lines(number, trace)
            continue
        # several ports (--server): each path in a box of its own
        lines += [f"  subgraph cluster_t{number} {{",
                  f"    label={title}; style=\"dashed\";"]
        lines += ["  " + line for line in _trace_lines(number, trace)]
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def output_format(path):
    """svg, png, or None for DOT text; refuses other extensions."""
    extension = os.path.splitext(str(path))[1].lower()
    if extension not in FORMATS:
        raise errors.NetdiagError(
            f"--graph {path}: give a .svg, .png or .dot file")
    return FORMATS[extension]


def check_path(path):
    """The format of ``path``, refused early if it cannot be written.

    Refused before anything runs: no drawable extension, or no such
    folder.
    """
    fmt = output_format(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise errors.NetdiagError(f"--graph {path}: no folder {folder}")
    return fmt


def write(path, traces, *, dot_program="dot"):
    """Render ``traces`` to ``path``; returns the path."""
    fmt = check_path(path)
    text = to_dot(traces)
    target = os.path.abspath(path)        # never an argv element with '-'
    folder = os.path.dirname(target)
    program = None
    if fmt is not None:
        program = shutil.which(dot_program)
        if program is None:
            raise errors.NetdiagError(
                f"--graph {path}: Graphviz's 'dot' is not installed "
                f"(apt install graphviz, dnf install graphviz); a .dot "
                f"file needs none")
    handle, temporary = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    os.close(handle)
    try:
        if fmt is None:
            with open(temporary, "w", encoding="utf-8") as out:
                out.write(text)
        else:
            try:
                subprocess.run([program, f"-T{fmt}", "-o", temporary],
                               input=text.encode("utf-8"), check=True,
                               capture_output=True, timeout=RENDER_TIMEOUT)
            except subprocess.CalledProcessError as exc:
                raise errors.NetdiagError(
                    f"--graph {path}: dot failed: "
                    f"{exc.stderr.decode(errors='replace').strip()}") from None
            except subprocess.TimeoutExpired:
                raise errors.NetdiagError(
                    f"--graph {path}: dot took over {RENDER_TIMEOUT:g}s"
                ) from None
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target
