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

"""Properties every parser keeps on every real capture it reads.

1. A real capture parses to a non-empty result (or to exactly () for the
   captures of "nothing there"), and every record accounts for the text:
   each key field re-rendered (or read back with an independent decoder) is
   the text's own value, and no line of the text is left unaccounted for.
2. Output cut short: a cut inside a line (or inside a JSON document) raises
   ParseError. A cut exactly at a line boundary cannot be told from shorter
   output by the parser (the transport's framing refuses it, see
   osc_netdiag/parsers/__init__.py): there the result must be the records of
   the complete lines before the cut, each one unchanged, never a record
   with a value cut short.

These tests are deterministic (every line boundary, a spread of mid-line
points) so a parser that returns () for everything, drops a line or keeps a
half-read value fails them.
"""

import dataclasses
import json
import re
import shlex

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import dnsmasq
from osc_netdiag.parsers import dnsquery
from osc_netdiag.parsers import ip
from osc_netdiag.parsers import ip_route
from osc_netdiag.parsers import ipset
from osc_netdiag.parsers import iptables
from osc_netdiag.parsers import ofctl
from osc_netdiag.parsers import oslo_ini
from osc_netdiag.parsers import ovn_db
from osc_netdiag.parsers import ovn_trace
from osc_netdiag.parsers import ovs_vsctl
from osc_netdiag.parsers import ps
from osc_netdiag.parsers import ss
from osc_netdiag.parsers import tcpdump

import parser_cases

CASES = parser_cases.cases()
IDS = [parser_cases.case_id(p) for p, _ in CASES]
GREP_METADATA = parser_cases.AGENT_PARSERS["grep-metadata"]


def lines_of(text):
    return [line for line in text.splitlines() if line.strip()]


# --- round-trip checks, one per parser ------------------------------------

def _render_action(action):
    if action.arg is None:
        return (action.name,)
    return (f"{action.name}:{action.arg}", f'{action.name}:"{action.arg}"',
            f"{action.name}({action.arg})", f"{action.name}{action.arg}")


def _render_match(name, value):
    if value is None:
        return (name,)
    return (f"{name}={value}", f'{name}="{value}"')


def _consume(text, items, what):
    """``text`` is exactly the comma-joined renderings of ``items``."""
    rest = text
    for options in items:
        for option in sorted(options, key=len, reverse=True):
            if rest == option or rest.startswith(option + ","):
                rest = rest[len(option) + 1:]
                break
        else:
            pytest.fail(f"{what}: {options} not next in {rest!r} of {text!r}")
    assert rest == "", f"{what}: {rest!r} left unparsed in {text!r}"


# The counters and options OVS prints before the match (ovs-ofctl(8)).
_FLOW_STATS = re.compile(
    r" ?cookie=0x[0-9a-f]+, (?:duration=[0-9.]+s, )?table=\d+, n_packets=\d+, "
    r"n_bytes=\d+, (?:[a-z_]+=\d+, |(?:send_flow_rem|check_overlap|reset_counts"
    r"|no_packet_counts|no_byte_counts) )*")


def check_flows(flows, text):
    flow_lines = [line for line in text.splitlines() if "cookie=" in line]
    assert [f.text for f in flows] == flow_lines
    for flow in flows:
        line = flow.text
        assert f"cookie=0x{flow.cookie:x}," in line
        assert f" table={flow.table}," in line
        assert f" n_packets={flow.n_packets}, n_bytes={flow.n_bytes}," in line
        stats = _FLOW_STATS.match(line)
        assert stats, line
        rest = line[stats.end():]
        if rest.startswith("actions="):
            match_text, actions = "", rest[len("actions="):]
        else:
            match_text, actions = rest.split(" actions=", 1)
        _consume(actions, [_render_action(a) for a in flow.actions], "actions")
        items = [_render_match(n, v) for n, v in flow.match]
        if f"priority={flow.priority}" in match_text:
            pos = match_text.index(f"priority={flow.priority}")
            before = match_text[:pos].count(",")
            items.insert(before, (f"priority={flow.priority}",))
        else:
            assert flow.priority == ofctl.DEFAULT_PRIORITY
        if items:
            _consume(match_text, items, "match")


def check_ofctl_show(show, text):
    port_lines = re.findall(r"^ (\d+|LOCAL)\((.*)\): addr:(\S+)$", text, re.M)
    assert [(str(p.number), p.name, p.mac) for p in show.ports] == port_lines
    assert text.startswith("OFPT_FEATURES_REPLY") and f"dpid:{show.dpid}\n" in text
    blocks = re.split(r"^ (?:\d+|LOCAL)\(", text, flags=re.M)[1:]
    for port, block in zip(show.ports, blocks):
        config = re.search(r"^     config:\s*(.*)$", block, re.M).group(1).split()
        state = re.search(r"^     state:\s*(.*)$", block, re.M).group(1).split()
        assert list(port.config) == ([] if config == ["0"] else config)
        assert list(port.state) == ([] if state == ["0"] else state)


def _raw_rows(text):
    doc = json.loads(text)
    return [dict(zip(doc["headings"], row)) for row in doc["data"]]


def _raw_scalar(value):
    """An OVSDB optional scalar as printed: a bare value or ["set", []]."""
    return None if value == ["set", []] else value


def _raw_map(value):
    assert value[0] == "map"
    return {k: v for k, v in value[1]}


def check_bridges(bridges, text):
    rows = _raw_rows(text)
    assert [(b.uuid, b.name, b.fail_mode) for b in bridges] == [
        (r["_uuid"][1], r["name"], _raw_scalar(r["fail_mode"])) for r in rows]
    for bridge, row in zip(bridges, rows):
        ports = row["ports"]
        raw = [u for _, u in ports[1]] if ports[0] == "set" else [ports[1]]
        assert list(bridge.ports) == raw
        assert bridge.external_ids == _raw_map(row["external_ids"])


def check_ports(ports, text):
    rows = _raw_rows(text)
    assert [(p.uuid, p.name, p.tag) for p in ports] == [
        (r["_uuid"][1], r["name"], _raw_scalar(r["tag"])) for r in rows]
    for port, row in zip(ports, rows):
        trunks = row["trunks"]
        assert list(port.trunks) == (trunks[1] if isinstance(trunks, list)
                                     else [trunks])
        assert port.other_config == _raw_map(row["other_config"])


def check_interfaces(ifaces, text):
    rows = _raw_rows(text)
    assert [(i.uuid, i.name, i.type, i.ofport, i.mac_in_use, i.mtu)
            for i in ifaces] == [
        (r["_uuid"][1], r["name"], r["type"], _raw_scalar(r["ofport"]),
         _raw_scalar(r["mac_in_use"]), _raw_scalar(r["mtu"])) for r in rows]
    for iface, row in zip(ifaces, rows):
        assert iface.options == _raw_map(row["options"])
        assert iface.external_ids == _raw_map(row["external_ids"])


def check_controllers(controllers, text):
    rows = _raw_rows(text)
    assert [(c.uuid, c.target, c.is_connected) for c in controllers] == [
        (r["_uuid"][1], r["target"], r["is_connected"]) for r in rows]


def check_ip_addr(links, text):
    raw = [o for o in json.loads(text) if o]
    assert [(i.ifname, i.ifindex, i.mtu, i.operstate, i.master, i.link)
            for i in links] == [
        (o["ifname"], o["ifindex"], o.get("mtu"), o["operstate"],
         o.get("master"), o.get("link")) for o in raw]
    for link, obj in zip(links, raw):
        assert list(link.flags) == obj["flags"]
        assert [(a.family, a.local, a.prefixlen) for a in link.addresses] == [
            (a["family"], a["local"], a["prefixlen"])
            for a in obj.get("addr_info", [])]
        assert link.mac in (obj.get("address"), None)
        if link.mac is None:      # only a non-MAC link address is dropped
            assert not re.fullmatch(r"(?:[0-9a-f]{2}:){5}[0-9a-f]{2}",
                                    obj.get("address") or "")


def check_netns(namespaces, text):
    if text.lstrip().startswith("["):
        raw = [(o["name"], o.get("id")) for o in json.loads(text)]
    else:
        raw = [(line.split()[0], int(line.split("id: ")[1].rstrip(")"))
                if "id: " in line else None) for line in lines_of(text)]
    assert [(n.name, n.id) for n in namespaces] == raw


def check_routes(routes, text):
    raw = json.loads(text)
    assert [(r.dst, r.dev, r.gateway, r.prefsrc, r.table, r.type)
            for r in routes] == [
        (o["dst"], o.get("dev"), o.get("gateway"), o.get("prefsrc"),
         o.get("table"), o.get("type")) for o in raw]


def check_rules(rules, text):
    raw = json.loads(text)
    assert [(r.priority, r.src, r.srclen, r.iif, r.table) for r in rules] == [
        (o["priority"], o["src"], o.get("srclen"), o.get("iif"), o["table"])
        for o in raw]


def check_ipset(sets, text):
    assert [s.name for s in sets] == re.findall(r"^Name: (\S+)$", text, re.M)
    counts = [int(n) for n in re.findall(r"^Number of entries: (\d+)$", text, re.M)]
    assert [len(s.members) for s in sets] == counts
    blocks = text.split("Members:\n")[1:]
    for found, block in zip(sets, blocks):
        listed = [line.split(" ", 1)[0] for line in block.split("\n")[:len(found.members)]]
        assert list(found.members) == listed


def check_iptables(tables, text):
    assert [t.name for t in tables] == re.findall(r"^\*(\S+)$", text, re.M)
    rule_lines = [re.sub(r"^\[\d+:\d+\] ", "", line)
                  for line in text.splitlines() if re.match(r"(\[\d+:\d+\] )?-A ", line)]
    assert [r.text for t in tables for r in t.rules] == rule_lines
    chain_lines = re.findall(r"^:(\S+) (\S+) \[", text, re.M)
    assert [(c.name, c.policy or "-") for t in tables for c in t.chains] == chain_lines
    for rule in (r for t in tables for r in t.rules):
        words = shlex.split(rule.text)
        assert words[:2] == ["-A", rule.chain]
        if rule.target is not None:
            assert words[words.index("-j" if "-j" in words else "-g") + 1] == rule.target
        else:
            assert "-j" not in words and "-g" not in words
        if rule.comment is not None:
            assert words[words.index("--comment") + 1] == rule.comment


def check_ps(processes, text):
    assert [f"{p.pid} {p.args}" for p in processes] == [
        line.strip() for line in lines_of(text)]


def check_owners(owners, text):
    assert [(o.real_user, o.user, str(o.pid)) for o in owners] == [
        tuple(line.split()) for line in lines_of(text)]


def check_ss(listeners, text):
    assert len(listeners) == len(lines_of(text))
    for listener, line in zip(listeners, lines_of(text)):
        local = line.split()[3]
        host = f"[{listener.address}]" if ":" in listener.address else listener.address
        iface = f"%{listener.interface}" if listener.interface else ""
        assert local == f"{host}{iface}:{listener.port}"
        assert line.startswith(listener.state + " ")
        for name, pid in listener.processes:
            assert f'("{name}",pid={pid},' in line


def check_hosts_file(entries, text):
    raw = [line.split(",") for line in lines_of(text)
           if not line.startswith("#")]
    assert [(e.mac, e.name, e.ip) for e in entries] == [
        (f[0].lower(), f[1], f[2].strip("[]")) for f in raw]


def check_dnsmasq_log(log, text):
    assert [line.text for line in log] == [line.rstrip() for line in lines_of(text)]
    for line in log:
        if line.event is not None:
            e = line.event
            assert f"{e.kind}({e.interface})" in line.message
            for value in (e.ip, e.mac, e.xid, e.note):
                assert value is None or value.lower() in line.message.lower()


def check_dns_query(answer, text):
    raw = json.loads(text)
    assert (answer.server, answer.name, answer.type, answer.status,
            list(answer.answers), answer.ms) == (
        raw["server"], raw["name"], raw["type"], raw["status"],
        raw["answers"], raw["ms"])


def _ini_lines(text):
    return [line for line in lines_of(text) if line.strip()[0] not in "#;["]


def check_ini(sections, text):
    pairs = [tuple(part.strip() for part in line.split("=", 1))
             for line in _ini_lines(text)]
    assert sorted((k, v) for values in sections.values()
                  for k, v in values.items()) == sorted(pairs)
    assert list(sections) == re.findall(r"^\[([^\]]+)\]$", text, re.M)


def check_grep_ini(sections, text):
    assert list(sections) == ["DEFAULT"]
    check_ini(sections, "[DEFAULT]\n" + text)


def check_tcpdump(packets, text):
    lines = lines_of(text)
    assert "\n".join(p.text for p in packets) == "\n".join(lines)
    for packet in packets:
        first = packet.text.split("\n")[0]
        assert first.startswith(f"{packet.time:.6f} {packet.src_mac} > "
                                f"{packet.dst_mac}, ")
        assert f", length {packet.length}: " in first
        tag = re.search(r"ethertype 802\.1Q \(0x8100\), length \d+: vlan (\d+),", first)
        assert packet.vlan == (int(tag.group(1)) if tag else None)
        assert first.endswith(packet.summary)


def check_ovn_rows(rows, text):
    # every value the parser kept is in the JSON it read, as JSON
    doc = json.loads(text)
    assert len(rows) == len(doc["data"])
    for row in rows:
        for value in dataclasses.astuple(row):
            if isinstance(value, dict):
                items = [x for pair in value.items() for x in pair]
            elif isinstance(value, tuple):
                items = list(value)
            else:
                items = [] if value is None else [value]
            for item in items:
                assert json.dumps(item) in text, item


def check_ovs_ids(result, text):
    doc = json.loads(text)
    assert dict(doc["data"][0][0][1]) == result.external_ids


def check_logical_trace(result, text):
    lines = text.splitlines()
    assert lines[0] == "# " + result.flow
    minimal = lines[lines.index("# Minimal trace.") + 1:]
    assert [f'output("{o}");' for o in result.outputs] == [
        line.strip() for line in minimal if "output(" in line]
    assert result.drops == sum(1 for line in lines[:len(lines) - len(minimal)]
                               if line.strip() == "drop;")
    assert all(f'dp="{d}"' in text for d in result.datapaths)
    # each stage of a detailed trace is one of its lines, whole
    for stage in result.stages:
        assert any(line.strip().startswith(f"{stage.table}. {stage.name} (")
                   and line.endswith(f", priority {stage.priority}, uuid "
                                     f"{stage.uuid}") and stage.match in line
                   for line in lines), stage


def check_connection_status(result, text):
    assert text == result + "\n"


ROUND_TRIP = {
    ovn_db.parse_switch_ports: check_ovn_rows,
    ovn_db.parse_switches: check_ovn_rows,
    ovn_db.parse_router_ports: check_ovn_rows,
    ovn_db.parse_ha_groups: check_ovn_rows,
    ovn_db.parse_ha_chassis: check_ovn_rows,
    ovn_db.parse_port_bindings: check_ovn_rows,
    ovn_db.parse_chassis: check_ovn_rows,
    ovn_db.parse_encaps: check_ovn_rows,
    ovn_db.parse_datapaths: check_ovn_rows,
    ovn_db.parse_acls: check_ovn_rows,
    ovn_db.parse_open_vswitch_ids: check_ovs_ids,
    ovn_db.parse_connection_status: check_connection_status,
    ovn_trace.parse_ovn_trace: check_logical_trace,
    ofctl.parse_dump_flows: check_flows,
    ofctl.parse_ofctl_show: check_ofctl_show,
    ovs_vsctl.parse_bridges: check_bridges,
    ovs_vsctl.parse_ports: check_ports,
    ovs_vsctl.parse_interfaces: check_interfaces,
    ovs_vsctl.parse_controllers: check_controllers,
    ip.parse_ip_addr: check_ip_addr,
    ip.parse_ip_netns: check_netns,
    ip_route.parse_ip_route: check_routes,
    ip_route.parse_ip_rule: check_rules,
    iptables.parse_iptables_save: check_iptables,
    ipset.parse_ipset_list: check_ipset,
    ps.parse_ps: check_ps,
    ps.parse_owners: check_owners,
    ss.parse_ss: check_ss,
    dnsmasq.parse_hosts_file: check_hosts_file,
    dnsmasq.parse_log: check_dnsmasq_log,
    dnsquery.parse_dns_query: check_dns_query,
    oslo_ini.parse_oslo_ini: check_ini,
    GREP_METADATA: check_grep_ini,
    tcpdump.parse_tcpdump: check_tcpdump,
}


@pytest.mark.parametrize("path,parser", CASES, ids=IDS)
def test_real_capture_parses_and_round_trips(path, parser):
    text = path.read_text()
    result = parser(text)
    if path.stem in parser_cases.EMPTY:
        assert result in ((), {}, {"DEFAULT": {}}), result
    else:
        assert result, f"{path.name} parsed to an empty result"
    ROUND_TRIP[parser](result, text)


def test_every_parser_fixture_is_registered():
    registered = {p for p, _ in CASES}
    for folder in (parser_cases.CAPTURE, parser_cases.L3DHCP, parser_cases.AGENT,
                   parser_cases.FIXTURES / "captures", parser_cases.OVN):
        for path in folder.iterdir():
            if path.is_file() and path.suffix in (".out", ".err"):
                assert path in registered or path.name in parser_cases.NOT_PARSER_INPUT, \
                    f"{path.name}: no parser test reads it"
    assert set(ROUND_TRIP) >= {parser for _, parser in CASES}


# --- truncation -----------------------------------------------------------

def cut_points(text, spread=24):
    """Every line boundary, and up to ``spread`` offsets inside lines."""
    boundaries = [i for i in range(len(text)) if i == 0 or text[i - 1] == "\n"]
    inside = [i for i in range(1, len(text)) if text[i - 1] != "\n"]
    step = max(1, len(inside) // spread)
    return boundaries, inside[::step] + inside[-1:]


@pytest.mark.parametrize("path,parser", CASES, ids=IDS)
def test_cut_inside_a_line_raises(path, parser):
    text = path.read_text()
    _, inside = cut_points(text)
    for cut in inside:
        with pytest.raises(ParseError):
            parser(text[:cut])
            pytest.fail(f"cut at {cut} of {len(text)} parsed: {text[:cut][-60:]!r}")


@pytest.mark.parametrize("path,parser", CASES, ids=IDS)
def test_cut_at_a_line_boundary_keeps_whole_records(path, parser):
    text = path.read_text()
    full = parser(text)
    boundaries, _ = cut_points(text)
    for cut in boundaries:
        parser_cases.assert_whole_records_or_parse_error(parser, text[:cut], full)
