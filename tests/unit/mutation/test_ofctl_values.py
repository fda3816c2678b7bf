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

"""``ovs-ofctl dump-flows``: every field of real flow lines read by hand,
the same through each way a line is parsed (the whole dump, one line on the
fast path, one line on the strict parser), and each refusal of the strict
parser with its whole message, on a real line edited in one place (named
in each case): a hop whose flows could not be read shows the message.
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import _ofctl_fields
from osc_netdiag.parsers import ofctl
from osc_netdiag.parsers.ofctl import Action

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
CAPTURES = FIXTURES / "captures"
# the openvswitch firewall's br-int on the OVS lab (339 lines)
FIREWALL_DUMP = (FIXTURES / "firewall" / "openvswitch" /
                 "compute1-br-int-dump-flows.out").read_text()


def line_of(capture, start):
    """The one line of ``capture`` that contains ``start``."""
    [line] = [line for line in (CAPTURES / f"ovs-ofctl-dump-flows--{capture}.out")
              .read_text().splitlines() if start in line]
    return line


COOKIE = 0x9c3b6a0f2e1d4c5b
# (line, every field of its Flow, in dataclass order but text)
LINES = {
    # the Operations Guide's OVS: idle_age and hard_age, cookie 0
    "opsguide": (
        line_of("opsguide-br-int", "hard_age=65534"),
        (0, 173615.481, 0, 7676140, 444818637, 3,
         (("in_port", "1"), ("dl_vlan", "2113")),
         (Action("mod_vlan_vid", "7"), Action("NORMAL")),
         None, None, 0, 65534, None, ())),
    # a learned flow: idle and hard timeouts
    "timeouts": (
        line_of("br-int-no-names", "idle_timeout=300, hard_timeout=3600"),
        (COOKIE, 1.88, 60, 0, 0, 50, (("in_port", "6"),),
         (Action("dec_ttl"), Action("NORMAL")), 300, 3600, 1, None, None, ())),
    # OpenFlow 1.4: a flag and importance before the priority
    "importance": (
        line_of("br-int-of14-names", "importance=10"),
        (COOKIE, 1.941, 0, 0, 0, 4, (("in_port", "trunk0"), ("dl_vlan", "100")),
         (Action("output", "trunk0"),), None, None, None, None, 10,
         ("reset_counts",))),
    # OpenFlow 1.3: a flag alone; a bare match field (arp)
    "flag": (
        line_of("br-int-of13", "priority=10,arp,in_port=3"),
        (COOKIE, 2.365, 0, 0, 0, 10, (("arp", None), ("in_port", "3")),
         (Action("resubmit", ",24"),), None, None, None, None, None,
         ("reset_counts",))),
    # quoted port names, in the match and in an action
    "quoted": (
        line_of("br-int-table0-vlan2113-names", "dl_vlan=2113"),
        (COOKIE, 2.447, 0, 0, 0, 3, (("in_port", "int-br-eth1"), ("dl_vlan", "2113")),
         (Action("mod_vlan_vid", "1"), Action("resubmit", ",58")),
         None, None, None, None, None, ())),
    "quoted-action": (
        line_of("br-int-names", 'actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:"tap'),
        (COOKIE, 2.048, 82, 0, 0, 70,
         (("ct_state", "+new-est"), ("tcp", None), ("reg5", "0x3"), ("tp_dst", "22")),
         (Action("ct", "commit,zone=NXM_NX_REG6[0..15]"),
          Action("output", "tap3f1c9a2b-7d"), Action("resubmit", ",92")),
         None, None, None, None, None, ())),
    # a MAC in an action's argument: the name ends at the first ":"
    "mac-argument": (
        [line for line in FIREWALL_DUMP.splitlines() if "mod_dl_src:fa" in line][0],
        (0xede03bb831a9c92b, 114.354, 1, 0, 0, 20,
         (("dl_vlan", "2"), ("dl_dst", "fa:16:3e:e4:d6:67")),
         (Action("mod_dl_src", "fa:16:3e:d2:10:82"), Action("resubmit", ",58")),
         None, None, 116, None, None, ())),
    # nested parentheses in an action
    "nested": (
        line_of("br-int-names", "priority=40,ct_state=+est,ct_mark=0,ip,reg5=0x3"),
        (COOKIE, 2.096, 72, 0, 0, 40,
         (("ct_state", "+est"), ("ct_mark", "0"), ("ip", None), ("reg5", "0x3")),
         (Action("ct", "commit,zone=NXM_NX_REG6[0..15],exec(load:0x1->NXM_NX_CT_MARK[])"),),
         None, None, None, None, None, ())),
}
FIELDS = ("cookie", "duration", "table", "n_packets", "n_bytes", "priority",
          "match", "actions", "idle_timeout", "hard_timeout", "idle_age",
          "hard_age", "importance", "flags")


def clear_caches():
    for cache in (ofctl._MATCH_CACHE, ofctl._MATCH_ITEM_CACHE,
                  ofctl._ACTIONS_CACHE, ofctl._ACTION_CACHE):
        cache.clear()


def values(flow):
    return tuple(getattr(flow, name) for name in FIELDS)


PARSERS = {
    "dump": lambda line: ofctl.parse_dump_flows(line + "\n")[0],
    "dump-with-header": lambda line: ofctl.parse_dump_flows(
        "NXST_FLOW reply (xid=0x4):\n" + line + "\n")[0],
    "flow": ofctl.parse_flow,
    "strict": ofctl._parse_flow_eager,
}


@pytest.mark.parametrize("parser", PARSERS.values(), ids=list(PARSERS))
@pytest.mark.parametrize("line,expected", LINES.values(), ids=list(LINES))
def test_every_field_of_real_lines(parser, line, expected):
    clear_caches()
    flow = parser(line)
    assert flow.text == line
    assert values(flow) == expected
    # parsed again, warm caches
    assert values(parser(line)) == expected


def test_the_fast_path_reads_the_match_and_the_actions_from_the_line():
    line, expected = LINES["importance"]
    clear_caches()
    flow = ofctl.parse_flow(line)
    # read in another order than the dataclass's
    assert flow.actions == expected[7]
    assert flow.match == expected[6]
    assert flow.priority == expected[5]
    clear_caches()
    flow = ofctl.parse_flow(line)
    assert flow.priority == expected[5]
    assert flow.actions == expected[7]


def test_a_match_without_a_priority_has_the_default_one():
    # OVS leaves the default priority (32768) out: the line with its
    # "priority=3," taken out
    line = LINES["quoted"][0].replace("priority=3,", "")
    for parse in PARSERS.values():
        clear_caches()
        flow = parse(line)
        assert (flow.priority, flow.match) == (
            32768, (("in_port", "int-br-eth1"), ("dl_vlan", "2113")))


def test_a_line_without_options_or_duration():
    line = LINES["quoted"][0].replace("duration=2.447s, ", "")
    for parse in PARSERS.values():
        clear_caches()
        flow = parse(line)
        assert (flow.duration, flow.table, flow.priority, flow.idle_age, flow.flags) == (
            None, 0, 3, None, ())


def test_a_whole_dump_keeps_every_line_in_order():
    # options on some lines (idle_age), none on others: every line is a flow
    lines = [line for line in FIREWALL_DUMP.splitlines() if "cookie=" in line]
    flows = ofctl.parse_dump_flows(FIREWALL_DUMP)
    assert [f.text for f in flows] == lines
    assert len(flows) == 338
    assert (flows[0].priority, flows[0].actions) == (65535, (Action("drop"),))
    assert flows[0].idle_age == 159
    of14 = (CAPTURES / "ovs-ofctl-dump-flows--br-int-of14-names.out").read_text()
    flows = ofctl.parse_dump_flows(of14)
    assert [f.text for f in flows] == [line for line in of14.splitlines()
                                       if "cookie=" in line]
    assert [f.flags for f in flows].count(("reset_counts",)) == of14.count(" reset_counts ")
    assert len(flows) == of14.count("cookie=")


# Odd but valid: lines the fast path leaves to the strict parser, whose
# flows keep every field it read (they are not read again from the text).
ODD = {
    # a port name with a comma, quoted
    "comma-in-quoted-match": (
        LINES["quoted"][0].replace('"int-br-eth1"', '"int-br,eth1"'),
        3, (("in_port", "int-br,eth1"), ("dl_vlan", "2113")),
        (Action("mod_vlan_vid", "1"), Action("resubmit", ",58"))),
    # a port name with a quote, escaped
    "escaped-quote-in-action": (
        LINES["quoted-action"][0].replace('"tap3f1c9a2b-7d"', '"tap3f1c9a2b\\"7d"'),
        70, (("ct_state", "+new-est"), ("tcp", None), ("reg5", "0x3"), ("tp_dst", "22")),
        (Action("ct", "commit,zone=NXM_NX_REG6[0..15]"),
         Action("output", 'tap3f1c9a2b"7d'), Action("resubmit", ",92"))),
}


@pytest.mark.parametrize("line,priority,match,actions", ODD.values(), ids=list(ODD))
def test_odd_but_valid_lines_keep_what_the_strict_parser_read(line, priority, match,
                                                              actions):
    assert ofctl._FAST.match(line) is None
    for parse in PARSERS.values():
        clear_caches()
        flow = parse(line)
        assert (flow.priority, flow.match, flow.actions) == (priority, match, actions)
        # read after the caches were emptied (they are, when full, while
        # other dumps are parsed), each field first in turn
        for first in ("priority", "match", "actions"):
            clear_caches()
            flow = parse(line)
            clear_caches()
            getattr(flow, first)
            assert (flow.priority, flow.match, flow.actions) == (
                priority, match, actions)


def test_lines_without_a_match_or_a_duration():
    # the Operations Guide line with its match (and then its duration)
    # taken out: the default priority, an empty match
    line = LINES["opsguide"][0]
    bare = line.replace("priority=3,in_port=1,dl_vlan=2113 ", "")
    for parse in PARSERS.values():
        clear_caches()
        flow = parse(bare)
        assert (flow.priority, flow.match, flow.actions) == (
            32768, (), (Action("mod_vlan_vid", "7"), Action("NORMAL")))
        flow = parse(bare.replace("duration=173615.481s, ", ""))
        assert (flow.duration, flow.table, flow.idle_age) == (None, 0, 0)


def test_an_action_whose_parentheses_do_not_end_it():
    # OVS prints check_pkt_larger(N)->FIELD: the text after the name is
    # kept whole (the real line's resubmit replaced by one)
    line = LINES["quoted"][0].replace(
        "resubmit(,58)", "check_pkt_larger(1500)->NXM_NX_REG0[0]")
    for parse in PARSERS.values():
        clear_caches()
        assert parse(line).actions == (
            Action("mod_vlan_vid", "1"),
            Action("check_pkt_larger", "(1500)->NXM_NX_REG0[0]"))


def test_flow_helpers():
    line, _ = LINES["quoted-action"]
    flow = ofctl.parse_flow(line)
    assert flow.match_get("reg5") == "0x3"
    assert flow.match_get("tcp") is None
    assert flow.match_get("tcp", "x") is None
    assert flow.match_get("in_port") is None
    assert flow.match_get("in_port", "absent") == "absent"
    assert (flow.has_match("tcp"), flow.has_match("udp")) == (True, False)
    assert flow.actions_named("output") == (Action("output", "tap3f1c9a2b-7d"),)
    assert flow.actions_named("drop") == ()
    assert [str(a) for a in flow.actions] == [
        "ct:commit,zone=NXM_NX_REG6[0..15]", "output:tap3f1c9a2b-7d", "resubmit:,92"]
    assert str(Action("NORMAL")) == "NORMAL"


def test_a_dump_cut_in_a_line_is_refused_by_name():
    with pytest.raises(ParseError) as exc:
        ofctl.parse_dump_flows(FIREWALL_DUMP[:-1])
    assert str(exc.value) == ("ovs-ofctl dump-flows: output does not end with a "
                              "newline (truncated?)")


def test_headers_and_an_empty_dump():
    assert ofctl.parse_dump_flows("") == ()
    assert ofctl.parse_dump_flows("NXST_FLOW reply (xid=0x4):\n") == ()
    assert ofctl.parse_dump_flows("OFPST_FLOW reply (OF1.3) (xid=0x2):\n") == ()


# A real line (br-int, table 0, in_port quoted); each fault is one edit.
REAL = LINES["quoted"][0]
HEAD = REAL[:REAL.index("priority=")]


def _edited(old, new):
    assert REAL.count(old) == 1, old
    return REAL.replace(old, new)


REFUSALS = {
    "not-a-flow-line": (_edited("n_bytes=0, ", "n_byt"), "not a flow line: {!r}"),
    "no-actions": (_edited(" actions=mod_vlan_vid:1,resubmit(,58)", ""),
                   "flow without actions (truncated?): {!r}"),
    "bad-priority": (_edited("priority=3,", "priority=3x,"),
                     "bad priority '3x' in flow: {!r}"),
    "superscript-priority": (_edited("priority=3,", "priority=\u00b2,"),
                             "bad priority '\u00b2' in flow: {!r}"),
    "empty-value": (_edited("dl_vlan=2113", "dl_vlan="),
                    "empty value for 'dl_vlan' in flow: {!r}"),
    "bad-field": (_edited("dl_vlan=2113", "9dl_vlan=2113"),
                  "bad match field '9dl_vlan=2113' in flow: {!r}"),
    "empty-field": (_edited("priority=3,", "priority=3,,"),
                    "bad match field '' in flow: {!r}"),
    "no-argument": (_edited("mod_vlan_vid:1", "mod_vlan_vid:"),
                    "action 'mod_vlan_vid' without argument in flow: {!r}"),
    "bad-action": (_edited("mod_vlan_vid:1", "mod-vlan-vid:1"),
                   "bad action 'mod-vlan-vid:1' in flow: {!r}"),
    "bad-action-start": (_edited("mod_vlan_vid:1", "9mod_vlan_vid:1"),
                         "bad action '9mod_vlan_vid:1' in flow: {!r}"),
    "empty-action": (_edited("mod_vlan_vid:1,", "mod_vlan_vid:1,,"),
                     "bad action '' in flow: {!r}"),
    # two lines run together: the second "actions=" is in the actions
    "two-actions": (_edited(" actions=mod_vlan_vid:1", " actions=drop actions=mod_vlan_vid:1"),
                    "bad action 'drop actions=mod_vlan_vid:1' in flow: {!r}"),
    "empty-actions": (_edited("actions=mod_vlan_vid:1,resubmit(,58)", "actions="),
                      "flow with empty actions: {!r}"),
}


@pytest.mark.parametrize("line,message", REFUSALS.values(), ids=list(REFUSALS))
def test_a_malformed_line_is_refused_by_name(line, message):
    for text in (line + "\n", "NXST_FLOW reply (xid=0x4):\n" + REAL + "\n" + line + "\n"):
        clear_caches()
        with pytest.raises(ParseError) as exc:
            ofctl.parse_dump_flows(text)
        assert str(exc.value) == message.format(line)
    clear_caches()
    with pytest.raises(ParseError) as exc:
        ofctl.parse_flow(line)
    assert str(exc.value) == message.format(line)


@pytest.mark.parametrize("line", [
    "NXST_FLOW reply (xid=0x4): extra",
    "OFPST_FLOW reply (OF1.3)(xid=0x2):",
    "NXST_FLOW reply (xid=0xZ):",
    "garbage",
    REAL.lstrip()[1:],
])
def test_an_unknown_line_in_a_dump_is_refused_by_name(line):
    with pytest.raises(ParseError) as exc:
        ofctl.parse_dump_flows(REAL + "\n" + line + "\n")
    assert str(exc.value) == f"ovs-ofctl dump-flows: unexpected line {line!r}"


def test_a_line_at_the_margin_is_a_flow_line_too():
    clear_caches()
    [flow] = ofctl.parse_dump_flows(REAL.lstrip() + "\n")
    assert values(flow) == LINES["quoted"][1]
    # and a malformed one at the margin is refused as a flow line
    bad = REAL.lstrip().replace("priority=3,", "priority=3x,")
    with pytest.raises(ParseError) as exc:
        ofctl.parse_dump_flows(bad + "\n")
    assert str(exc.value) == f"bad priority '3x' in flow: {bad!r}"


def test_a_full_cache_is_emptied_before_it_grows_past_its_bound():
    cache = {str(i): i for i in range(_ofctl_fields._CACHE_MAX - 1)}
    assert _ofctl_fields._remember(cache, "a", 1) == 1
    assert len(cache) == _ofctl_fields._CACHE_MAX
    assert _ofctl_fields._remember(cache, "b", 2) == 2
    assert cache == {"b": 2}
