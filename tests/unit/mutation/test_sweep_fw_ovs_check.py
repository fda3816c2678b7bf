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

"""The openvswitch firewall's port check and host verdict, whole: exact
findings, hops and verdicts on ``port firewall`` cases recorded in the lab
(``lab_cases``), a recorded answer or API body edited in one place where
said, leaving something present but wrong.

Written against the surviving mutants of ``backends.ml2_ovs.fw_ovs_check``
and ``fw_ovs_verdict`` (named in the comments, or killed by a whole
report), each of which one of these tests fails. The whole reports are
stored under tests/fixtures/reports/fw-ovs-sweep/ (the recorded cases in
full under recorded/, the edited ones under edited/ and trace/ as a delta
against the unedited report: an unchanged list item is "="), written from
the command's output when the test was added and read through then;
rewrite them with ``NETDIAG_WRITE_REPORTS=1`` after a deliberate change
and review the diff.
"""

import copy
import json
import shutil

import pytest

from osc_netdiag import api
from osc_netdiag import exitcodes
from osc_netdiag.firewall import check
from osc_netdiag.inventory import Inventory
from osc_netdiag.models import Hop
from osc_netdiag.models import Status
from osc_netdiag.transport import replay
from tests.unit.edited import EditedCapture
from tests.unit.firewall import lab_cases as lab
from tests.unit.firewall.test_ovs_ipv6_stateless import SL_TCP22
from tests.unit.firewall.test_ovs_ipv6_stateless import T72
from tests.unit.firewall.test_ovs_ipv6_stateless import T82
from tests.unit.firewall.test_ovs_ipv6_stateless import TRACKED
from tests.unit.mutation import reports

SL_PORT = "2af956a2-0b65-4062-9a26-12ea35ffb03b"   # sl, as recorded
SL_GROUP = "ndfw-stateless"
# a second stateless group given to sl in the API body (below)
OTHER_GROUP_ID = "1e068c0a-8e4e-452a-84f7-142151cccf7f"
OTHER_GROUP = "ndfw-stateless-2"
OPEN1 = "open1-port-security-off"
EGRESS = "egress-tcp443-allowed"
TRACE = "ofproto-trace:"
REPLIES = "priority=50,ct_state=+est-rel+rpl"


def _hop(result, device, host="compute1"):
    (hop,) = [h for h in result.rows
              if h.device == device and h.host == host]
    return hop


def _second_stateless_group(bodies):
    """sl in two stateless groups: the recorded one and a copy of it
    (its own ID and name) holding no rule, as a group reads whose rules
    were all deleted.
    """
    (name,) = [n for n in bodies if n.startswith("security-group-")]
    group = copy.deepcopy(bodies[name]["security_group"])
    group.update(id=OTHER_GROUP_ID, name=OTHER_GROUP,
                 security_group_rules=[])
    bodies[f"security-group-{OTHER_GROUP_ID}.json"] = {
        "security_group": group}
    bodies["port.json"]["port"]["security_groups"].append(OTHER_GROUP_ID)


def _remedy(groups):
    return (f"Port {SL_PORT}'s group(s) {groups} are stateless, but the "
            "openvswitch firewall driver on compute1 tracks connections "
            "anyway (Neutron's openvswitch driver does not implement "
            "stateless groups): replies get through without a rule of "
            "their own, more than the API allows. Use the iptables_hybrid "
            "or OVN driver where stateless filtering matters, or give the "
            "group the rules a stateful one would need.")


def test_a_tracked_stateless_group_is_one_whole_finding_and_hop():
    # the recording as taken: Neutron's driver tracks sl's connections,
    # one reply flow in table 72 and one in 82 (_check_stateless mutants
    # 47: the subject, 49, 53: the group, 54: host and port, lost from
    # the remedy, 58, 59: the summary's words, 62: the hop's kind, 64:
    # its detail, 76: the second flow's table for the first's, 77, 78:
    # the detail's words)
    result = lab.run(SL_TCP22, packet=None)
    assert result.exit_code == exitcodes.OK
    (found,) = result.findings
    assert (found.code, str(found.severity), found.subject) == (
        TRACKED, "WARNING", f"compute1:{SL_PORT}:stateless")
    assert found.summary == (
        f"port {SL_PORT}'s group(s) {SL_GROUP} are stateless, but the "
        "openvswitch firewall on compute1 tracks its connections and "
        "accepts their replies without a rule (2 reply flow(s) in tables "
        "72/82)")
    assert found.remedy == _remedy(SL_GROUP)
    assert _hop(result, "stateless") == Hop(
        "compute1", "stateless", "ovs-firewall", "tracked",
        f"stateless group(s) {SL_GROUP}: replies accepted by conntrack "
        "(table 72 priority 50 ct_state=+est-rel+rpl)", Status.WARN)


def test_two_tracked_stateless_groups_are_named_apart():
    # the API body edited in one place: sl in a second, empty, stateless
    # group (_check_stateless mutant 26: the names joined by "XX, XX")
    result = lab.run(SL_TCP22, packet=None,
                     edit_api=_second_stateless_group)
    names = f"{SL_GROUP}, {OTHER_GROUP}"
    (found,) = result.findings
    assert found.code == TRACKED
    assert found.summary.startswith(
        f"port {SL_PORT}'s group(s) {names} are stateless, ")
    assert found.remedy == _remedy(names)
    assert _hop(result, "stateless").detail == (
        f"stateless group(s) {names}: replies accepted by conntrack "
        "(table 72 priority 50 ct_state=+est-rel+rpl)")


def test_two_untracked_stateless_groups_are_one_whole_hop(tmp_path):
    # the port's conntrack reply flows taken out of both rules tables, as
    # a driver that honoured the flag would leave them, and sl in a
    # second stateless group in the API body (_check_stateless mutants
    # 26: the names' separator, 32: the hop's kind, 34: its detail, 35:
    # its status)
    result = lab.run(SL_TCP22, tmp_path, {T72: lab.drop(REPLIES),
                                          T82: lab.drop(REPLIES)},
                     packet=None, edit_api=_second_stateless_group)
    assert result.findings == ()
    assert result.exit_code == exitcodes.OK
    assert _hop(result, "stateless") == Hop(
        "compute1", "stateless", "ovs-firewall", "untracked",
        f"stateless group(s) {SL_GROUP}, {OTHER_GROUP}: no conntrack "
        "reply flow", Status.OK)


def test_an_unfiltered_ports_verdict_is_table_60s_flow():
    # the recording as taken: open1 (port security off) goes from table
    # 60 to the normal switching, through no firewall table; the deciding
    # flow is the last one it met (_deciding mutants 8: none, 10: the
    # second step's, 11: the one before the last)
    result = lab.run(OPEN1)
    host = result.host_verdict
    assert (host.decision, host.decided_by, host.detail) == (
        "allow", "table 60: priority 1",
        "ofproto/trace on br-int: tables 0 -> 58 -> 59 -> 60")
    assert _hop(result, "verdict").detail == (
        "decided by table 60: priority 1; ofproto/trace on br-int: tables "
        "0 -> 58 -> 59 -> 60")


def _table_miss(text):
    """The recorded trace as ofproto/trace prints it when br-int's table
    0 has no flow for the packet (its flows flushed, as after an Open
    vSwitch restart before the agent puts them back): the first pass's
    flow and bridge header kept, its tables replaced by the miss, its
    megaflow kept.
    """
    lines = text.splitlines()
    rule = lines.index("----------------")
    megaflow = next(x for x in lines if x.startswith("Megaflow: "))
    return "\n".join(lines[:rule + 1] + [
        " 0. No match.", "    drop", "", "Final flow: unchanged",
        megaflow, "Datapath actions: drop"]) + "\n"


def test_a_trace_that_matches_no_flow_of_br_int_is_a_denial(tmp_path):
    # the egress tcp 443 case's trace edited as above: no step on br-int
    # (verdict_of_trace mutants 4: no decision, 5, 12: a deciding flow
    # named, 7, 11: the detail lost, 8, 9, 10: the fields shifted)
    result = lab.run(EGRESS, tmp_path, {TRACE: _table_miss})
    host = result.host_verdict
    assert (host.decision, host.decided_by, host.detail) == (
        "deny", "", "ofproto/trace never reached br-int")
    assert result.exit_code == exitcodes.ERROR_FINDING
    (found,) = result.findings
    assert found.code == "NETDIAG_FW_VERDICT_DISAGREE"
    assert found.summary.endswith(", compute1 says deny ()")
    data = result.to_dict()
    assert (data["host_verdict"], data["host_decided_by"],
            data["host_detail"]) == (
        "deny", "", "ofproto/trace never reached br-int")
    assert _hop(result, "verdict") == Hop(
        "compute1", "verdict", "host-verdict", "deny",
        "decided by -; ofproto/trace never reached br-int", Status.ERROR)


# -- whole reports of edited recordings ---------------------------------

STORED = lab.LAB.parents[1] / "reports" / "fw-ovs-sweep"
DENIED = "ingress-tcp22-denied"        # vxlan1, ofport 5, zone 2
V6A = "ipv6-v6a-icmp6-from-member"     # v6a, ofport 32, zone 14
T60 = "flows:br-int:table=60"
T71_5, T82_5 = "flows:br-int:table=71,reg5=5", "flows:br-int:table=82,reg5=5"
T71_32 = "flows:br-int:table=71,reg5=32"
T72_5 = "flows:br-int:table=72,reg5=5"
T72_32 = "flows:br-int:table=72,reg5=32"
T82_32 = "flows:br-int:table=82,reg5=32"
MEMBERS_5 = "flows:br-int:table=82,reg6=2"
MEMBERS_32 = "flows:br-int:table=82,reg6=14"
VXLAN1 = lab.VXLAN1
TCP8080_RULE = "1c3df5ce-6f66-4b1a-94bf-e826c6cd11ed"
TCP_ANY_RULE = "1c3df5ce-6f66-4b1a-94bf-e826c6cd11ee"   # added below


def _range(rule_id, low, high):
    """An API edit: rule ``rule_id``'s port range made low-high."""
    def edit(bodies):
        for name, body in bodies.items():
            if name.startswith("security-group-"):
                for rule in body["security_group"]["security_group_rules"]:
                    if rule["id"] == rule_id:
                        rule.update(port_range_min=low, port_range_max=high)
    return edit


def _also(old, new):
    """An edit: after each line holding ``old``, a copy with ``new``."""
    def change(text):
        assert old in text, old
        return "".join(
            line + (line.replace(old, new) if old in line else "")
            for line in text.splitlines(keepends=True))
    return change


def _tcp_any_port_rule_too(bodies):
    """A second rule in v6a's group: the tcp 8080 rule for any port."""
    for name, body in bodies.items():
        if name.startswith("security-group-"):
            rules = body["security_group"]["security_group_rules"]
            (rule,) = [r for r in rules if r["id"] == TCP8080_RULE]
            rules.append(dict(rule, id=TCP_ANY_RULE, port_range_min=None,
                              port_range_max=None))


def _member_pair_with_prefix(bodies):
    """v6a's allowed address pair, as its remote group's member list
    carries it, written with its prefix: 2001:db8:21::250/64.
    """
    (name,) = [n for n in bodies if n.startswith("ports-of-")]
    (pair,) = [p for p in bodies[name]["ports"]
               if p["allowed_address_pairs"]][0]["allowed_address_pairs"]
    pair["ip_address"] = "2001:db8:21::250/64"


# name: (case, {recorded command (prefix): edit}, API body edit or None),
# each a single fault: one recorded answer or API field edited in one
# place (several lines when the edit's text is on each of them)
EDITS = {
    # an interface carries another port's iface-id (one digit off)
    "interface-of-another-port": (DENIED, {"ovs-interfaces": lab.replace(
        f'["iface-id","{VXLAN1}"]', f'["iface-id","{VXLAN1[:-1]}7"]')},
        None),
    # the port's interface could not be added: ofport -1
    "interface-ofport-minus-one": (DENIED, {"ovs-interfaces": lab.replace(
        '"tap142e0e0c-2c","",5,', '"tap142e0e0c-2c","",-1,')}, None),
    "table-60-flow-gone": (DENIED, {T60: lab.drop(
        "priority=100,in_port=5 ")}, None),
    "table-60-to-table-73": (DENIED, {T60: lab.replace(
        "load:0x2->NXM_NX_REG6[],resubmit(,71)",
        "load:0x2->NXM_NX_REG6[],resubmit(,73)")}, None),
    "table-60-to-table-72": (DENIED, {T60: lab.replace(
        "load:0x2->NXM_NX_REG6[],resubmit(,71)",
        "load:0x2->NXM_NX_REG6[],resubmit(,72)")}, None),
    # the port's resubmit names an in_port too: resubmit(5,71), which this
    # release does not read as a firewall table (an unknown layout)
    "table-60-resubmit-with-a-port": (DENIED, {T60: lab.replace(
        "load:0x2->NXM_NX_REG6[],resubmit(,71)",
        "load:0x2->NXM_NX_REG6[],resubmit(5,71)")}, None),
    # the port's resubmit goes on to tables 72 and 74, not 71
    "table-60-to-two-other-tables": (DENIED, {T60: lab.replace(
        "load:0x2->NXM_NX_REG6[],resubmit(,71)",
        "load:0x2->NXM_NX_REG6[],resubmit(,72),resubmit(,74)")}, None),
    # open1 (port security off, ofport 8) has no table 60 flow
    "unfiltered-port-without-a-table-60-flow": (OPEN1, {T60: lab.drop(
        "priority=100,in_port=8 ")}, None),
    # the Port row holding the tap's Interface named otherwise: its tag is
    # not found, so the members' flows (keyed by the local VLAN) are not
    # read, and the members are not compared (nothing else changes)
    "port-row-of-another-name": (DENIED, {"ovs-ports": lab.replace(
        '"tap142e0e0c-2c",["uuid","4b3a8bb3-',
        '"tap142e0e0c-2d",["uuid","4b3a8bb3-')}, None),
    "table-60-loads-no-zone": (DENIED, {T60: lab.replace(
        "load:0x5->NXM_NX_REG5[],load:0x2->NXM_NX_REG6[],resubmit(,71)",
        "load:0x5->NXM_NX_REG5[],resubmit(,71)")}, None),
    # zone 3 for the port's tag 2: the members' flows (read by tag) are
    # not the zone's, so they are not compared
    "table-60-zone-of-another-vlan": (DENIED, {T60: lab.replace(
        "load:0x5->NXM_NX_REG5[],load:0x2->NXM_NX_REG6[],resubmit(,71)",
        "load:0x5->NXM_NX_REG5[],load:0x3->NXM_NX_REG6[],resubmit(,71)")},
        None),
    "ip-source-of-another-address": (DENIED, {T71_5: lab.replace(
        "nw_src=198.18.17.51 actions=ct(", "nw_src=198.18.17.99 actions=ct(")},
        None),
    "arp-source-of-another-address": (DENIED, {T71_5: lab.replace(
        "arp_spa=198.18.17.51 ", "arp_spa=198.18.17.99 ")}, None),
    "link-local-source-with-another-mac": (DENIED, {T71_5: lab.replace(
        "priority=65,ipv6,reg5=0x5,in_port=5,dl_src=fa:16:3e:b7:78:ce,",
        "priority=65,ipv6,reg5=0x5,in_port=5,dl_src=fa:16:3e:b7:78:cf,")},
        None),
    # every table 71 flow of the port written for another MAC (one
    # digit off), as after a MAC change the agent has not caught up with
    "anti-spoofing-flows-of-another-mac": (DENIED, {T71_5: lab.replace(
        "dl_src=fa:16:3e:b7:78:ce,", "dl_src=fa:16:3e:b7:78:cf,")}, None),
    "dhcp-offers-sent-on": (DENIED, {T71_5: lab.replace(
        "tp_src=67,tp_dst=68 actions=resubmit(,93)",
        "tp_src=67,tp_dst=68 actions=resubmit(,73)")}, None),
    "icmp-rule-flow-narrowed": (DENIED, {T82_5: lab.replace(
        "priority=75,ct_state=+new-est,icmp,reg5=0x5 actions",
        "priority=75,ct_state=+new-est,icmp,reg5=0x5,nw_src=198.18.0.0/15 "
        "actions")}, None),
    "icmp-rule-flows-below-the-rules": (DENIED, {T82_5: lab.replace(
        "priority=75,", "priority=69,")}, None),
    "egress-ipv6-rule-flow-gone": (DENIED, {T72_5: lab.drop(
        "priority=74,ct_state=+new-est,ipv6,reg5=0x5 ")}, None),
    "member-readdressed": (DENIED, {MEMBERS_5: lab.replace(
        "nw_src=198.18.16.16 ", "nw_src=198.18.99.9 ")}, None),
    "accept-flow-of-another-conjunction": (DENIED, {T82_5: lab.replace(
        "conj_id=17,ct_state=+new-est,ip,", "conj_id=18,ct_state=+new-est,ip,")},
        None),
    "conjunction-flow-gone": (DENIED, {T82_5: lab.drop(
        "ct_state=+new-est,ip,reg5=0x5 actions=conjunction(17,2/2)")}, None),
    "address-pair-source-of-another-address": (V6A, {T71_32: lab.replace(
        "ipv6_src=2001:db8:21::250 actions=ct(",
        "ipv6_src=2001:db8:21::251 actions=ct(")}, None),
    "ipv6-member-readdressed": (V6A, {MEMBERS_32: lab.replace(
        "ipv6_src=2001:db8:21::25e ", "ipv6_src=2001:db8:21::25f ")}, None),
    # the members 198.18.17.x of the vxlan1 port's remote group all
    # re-addressed to 198.18.71.x in their flows (both conjunctions)
    "members-of-one-subnet-readdressed": (DENIED, {MEMBERS_5: lab.replace(
        "nw_src=198.18.17.", "nw_src=198.18.71.")}, None),
    # the API's member list of v6a's remote group (v6a itself) with its
    # address pair written with its prefix: the flows are for ::250 alone
    "member-pair-with-its-prefix": (V6A, {}, _member_pair_with_prefix),
    # the +new-est flow of v6a's egress tcp6 rule (to anywhere) matches
    # ipv6_dst=2001:db8::/64 too
    "egress-rule-flow-narrowed-to-a-destination": (V6A, {T72_32: lab.replace(
        "priority=77,ct_state=+new-est,tcp6,reg5=0x20 actions",
        "priority=77,ct_state=+new-est,tcp6,reg5=0x20,"
        "ipv6_dst=2001:db8::/64 actions")}, None),
    # the port's +new-est flow of the member rule feeds the +est
    # conjunction (16) as well as its own (17): the rule is judged by the
    # conjunction whose members are the group's, so nothing changes
    "new-flow-feeds-another-conjunction-too": (DENIED, {T82_5: lab.replace(
        "ct_state=+new-est,ip,reg5=0x5 actions=conjunction(17,2/2)",
        "ct_state=+new-est,ip,reg5=0x5 actions=conjunction(16,2/2),"
        "conjunction(17,2/2)")}, None),
    # the +new-est flow of the tcp 8080 rule written at priority 78, above
    # the rules' 70-77
    "rule-flow-at-priority-78": (V6A, {T82_32: lab.replace(
        "priority=77,ct_state=+new-est,tcp,reg5=0x20,",
        "priority=78,ct_state=+new-est,tcp,reg5=0x20,")}, None),
    # the tcp 8080 rule made 8080-8081 in the API, and its flows as
    # Neutron writes such a range: each flow also for tp_dst=8081
    "rule-range-in-two-flows": (
        V6A, {T82_32: _also("tp_dst=8080 ", "tp_dst=8081 ")},
        _range(TCP8080_RULE, 8080, 8081)),
    # the same, the second flows for 8082 instead: 8081 missing
    "rule-range-in-two-flows-one-for-another-port": (
        V6A, {T82_32: _also("tp_dst=8080 ", "tp_dst=8082 ")},
        _range(TCP8080_RULE, 8080, 8081)),
    # a second API rule with the tcp 8080 rule's match for any port, and
    # its flows (the 8080 ones without tp_dst) after them: both rules
    # share the flows' key
    "rule-of-the-same-match-for-any-port": (
        V6A, {T82_32: _also(",tp_dst=8080 ", " ")}, _tcp_any_port_rule_too),
    # the API's tcp 8080 rule made 8080-8081; the flows still say 8080
    "rule-range-wider-than-its-flows": (
        V6A, {}, _range(TCP8080_RULE, 8080, 8081)),
}


UNCHANGED = {"new-flow-feeds-another-conjunction-too",
             "port-row-of-another-name"}


def _doc(result):
    return json.loads(json.dumps(result.to_dict(long=True)))


@pytest.mark.parametrize("case", sorted(p.name for p in lab.LAB.iterdir()))
def test_whole_report_of_a_recorded_case(case):
    # the recordings as taken, with their recorded question: every row
    # (with its evidence), finding and verdict, as stored
    reports.check(_doc(lab.run(case)), STORED / "recorded" / f"{case}.json")


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_whole_report_of_an_edited_case(edit, tmp_path):
    case, edits, edit_api = EDITS[edit]
    healthy = _doc(lab.run(case, packet=None))
    doc = reports.delta(_doc(lab.run(case, tmp_path, edits, packet=None,
                                     edit_api=edit_api)), healthy)
    assert reports.changed(doc) == (edit not in UNCHANGED)
    reports.check(doc, STORED / "edited" / f"{edit}.json")


# -- the same check in port trace (whole firewall tables read) ----------

TRACED = lab.LAB.parent / "trace" / "vxlan1"  # vxlan1 traced, ofport 5
# name: (recorded command on compute1, old text, new text), one edit
TRACE_EDITS = {
    "as-recorded": None,
    # one member of the +new-est conjunction re-addressed (the members'
    # flows are keyed by the zone, register 6)
    "member-readdressed": (
        "flows:br-int:table=82", "ct_state=+new-est,ip,reg6=0x2,"
        "nw_src=198.18.19.10 ", "ct_state=+new-est,ip,reg6=0x2,"
        "nw_src=198.18.99.9 "),
}


@pytest.mark.parametrize("edit", sorted(TRACE_EDITS))
def test_the_firewall_of_a_traced_port(edit, tmp_path):
    # the trace's firewall row (with its evidence) and every finding
    capture = EditedCapture(TRACED, tmp_path)
    if TRACE_EDITS[edit]:
        capture.replace("compute1", *TRACE_EDITS[edit])
    trace = api.trace_from_capture(str(capture)).to_dict(long=True)
    doc = json.loads(json.dumps({
        "exit_code": trace["exit_code"], "findings": trace["findings"],
        "firewall": [h for h in trace["hops"] if h["kind"] == "firewall"]}))
    reports.check(doc, STORED / "trace" / f"{edit}.json")


def test_an_integration_bridge_of_another_name(tmp_path):
    # the vxlan1 case as a host whose agent names its integration bridge
    # br-vm (the agent's integration_bridge option) would answer it: the
    # recording with "br-int" renamed in every command and answer, and in
    # the agent's configuration in the API (_all_flows mutant 9: the
    # port's flows read from br-int whatever the bridge)
    target = tmp_path / DENIED
    shutil.copytree(lab.LAB / DENIED / "host", target)
    path = target / "hosts" / "compute1.json"
    path.write_text(path.read_text().replace("br-int", "br-vm"))

    def rename(bodies):
        for agent in bodies["agents.json"]["agents"]:
            if agent["configurations"].get("integration_bridge"):
                agent["configurations"]["integration_bridge"] = "br-vm"
    result = check.check_intent(
        lab.intent(DENIED, rename), packet=lab.question(DENIED),
        inventory=Inventory(), transport=replay.ReplayTransport(str(target)))
    assert json.dumps(_doc(result)) == json.dumps(
        _doc(lab.run(DENIED))).replace("br-int", "br-vm")
