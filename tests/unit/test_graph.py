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

"""port trace --graph: the DOT text of a recorded trace, exactly (the
stored file under tests/fixtures/graph; NETDIAG_WRITE_GOLDEN=1 rewrites
it), and for every recorded scenario an SVG drawn by Graphviz in which
exactly the hops the trace says are broken are red and the skipped ones
grey."""

import os
import pathlib
import shutil
import xml.etree.ElementTree as ElementTree

from osc_lib.exceptions import CommandError
import pytest

from osc_netdiag import api
from osc_netdiag import graph
from osc_netdiag import models
from osc_netdiag.v1 import port as port_cmd
from tests.unit.helpers import run_command

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
SCENARIOS = sorted(p.name for p in (FIXTURES / "scenarios").iterdir())
STORED = FIXTURES / "graph" / "vxlan-tunnel-to-network-node-missing.dot"
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed")


def _trace(name):
    return api.replay(str(FIXTURES / "scenarios" / name), "port trace")


def test_dot_text_exactly():
    text = graph.to_dot([_trace("vxlan-tunnel-to-network-node-missing")])
    if os.environ.get("NETDIAG_WRITE_GOLDEN"):
        STORED.write_text(text)
    assert text == STORED.read_text()


def test_edges_carry_translations_and_tunnels():
    trace = _trace("vxlan-tunnel-to-network-node-missing")
    labels = [graph.edge_label(h) for h in trace.hops]
    assert "table=4 tun_id=0x50f -> mod_vlan_vid:2" in labels
    assert "dl_vlan=8 -> strip_vlan" in labels
    assert "untagged -> mod_vlan_vid:8" in labels
    assert "vxlan-c612010c: 198.18.1.11 -> 198.18.1.12" in labels
    assert "vxlan to network1: absent" in labels
    # hops that are neither flows nor tunnels carry nothing
    assert [graph.edge_label(h) for h in trace.hops
            if h.kind not in ("flow", "tunnel")] == [""] * 17


def test_quoting():
    assert graph.quote('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


def _edges(svg_path):
    root = ElementTree.parse(svg_path).getroot()
    return [tuple(g.find(f"{SVG}title").text.split("->"))
            for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]


def _nodes(svg_path):
    """{title: polygon/path stroke colours} of the SVG's nodes."""
    found = {}
    root = ElementTree.parse(svg_path).getroot()
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        title = group.find(f"{SVG}title").text
        found[title] = {shape.get("stroke") for shape in group
                        if shape.tag in (f"{SVG}path", f"{SVG}polygon")}
    return found


@needs_dot
@pytest.mark.parametrize("name", SCENARIOS)
def test_svg_marks_the_broken_hop(name, tmp_path):
    trace = _trace(name)
    path = tmp_path / "path.svg"
    api.write_graph(str(path), [trace])
    nodes = _nodes(path)
    hops = {f"t0_{i}": h for i, h in enumerate(trace.hops)}
    red = {n for n, strokes in nodes.items() if "#c62828" in strokes}
    grey = {n for n, strokes in nodes.items() if "#9e9e9e" in strokes}
    assert set(hops) <= set(nodes)
    assert {n for n in red if n in hops} == {
        n for n, h in hops.items() if h.status == models.Status.ERROR}
    assert grey == {n for n, h in hops.items()
                    if h.status == models.Status.SKIP}
    notes = {n for n in nodes if n.startswith("t0_f")}
    assert len(notes) == len(trace.findings)
    errors = [f for f in trace.findings
              if f.severity == models.Severity.ERROR]
    assert {n for n in red if n in notes} == {
        f"t0_f{i}" for i, f in enumerate(trace.findings) if f in errors}
    # each ERROR finding's note points at a broken hop
    for source, target in _edges(path):
        if source in red and source in notes:
            assert target in red and target in hops
    linked = len([e for e in _edges(path) if e[0] in notes])
    if any(h.status != models.Status.OK for h in trace.hops):
        assert linked == len(notes)
    else:
        # an INFO note on an all-OK trace has no hop to point at
        assert linked == 0
    if name.endswith("healthy"):
        # nothing broken; a WARNING or INFO note may still explain the
        # layout (the single-node recordings: a host alone on a network)
        assert not red
        assert not [f for f in trace.findings
                    if f.severity != models.Severity.INFO
                    and f.code != "NETDIAG_PHYS_PATH_LOCAL_ONLY"]


@needs_dot
def test_cli_png_from_a_capture(tmp_path):
    path = tmp_path / "trace.png"
    code, app = run_command(
        port_cmd.TracePort, "--from-capture",
        str(FIXTURES / "scenarios" / "vlan-tap-down"), "--graph", str(path))
    assert code == 4
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(tmp_path) == ["trace.png"]


def test_cli_refuses_an_unknown_extension_before_tracing(tmp_path):
    with pytest.raises(CommandError, match=r"\.svg, \.png or \.dot"):
        run_command(port_cmd.TracePort, "--from-capture",
                    str(FIXTURES / "scenarios" / "vlan-tap-down"),
                    "--graph", str(tmp_path / "trace.jpg"))
    assert os.listdir(tmp_path) == []


def test_without_dot_says_what_to_install(tmp_path):
    with pytest.raises(Exception, match="apt install graphviz"):
        graph.write(str(tmp_path / "x.svg"), [_trace("vlan-healthy")],
                    dot_program="netdiag-no-such-dot")
    # the DOT text needs no program
    graph.write(str(tmp_path / "x.dot"), [_trace("vlan-healthy")],
                dot_program="netdiag-no-such-dot")
    assert (tmp_path / "x.dot").read_text().startswith("digraph netdiag {")


def test_several_ports_in_one_picture():
    """--server: one graph, each port's path in a box of its own."""
    traces = [_trace("vxlan-healthy"), _trace("vlan-tap-down")]
    text = graph.to_dot(traces)
    lines = text.splitlines()
    first = lines.index("  subgraph cluster_t0 {")
    second = lines.index("  subgraph cluster_t1 {")
    assert lines[first + 1] == ('    label="port a5bfc8b1-afa6-441f-a1ea-'
                                'd719b4b6ee48"; style="dashed";')
    assert lines[second + 1] == ('    label="port c5f2011d-5a44-4c56-9283-'
                                 '39926459378a"; style="dashed";')
    # every host box and hop of a port inside its own box
    assert lines[second - 1] == "  }"
    assert all(line.startswith("    ") for line in lines[first + 1:second - 1])
    assert "    subgraph cluster_t1_1 {" in lines[second:]
    assert "    t1_f0 -> t1_1 [style=dashed, color=\"#c62828\", " \
        "arrowhead=none, constraint=false];" in lines[second:]
