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
and ``fw_ovs_verdict`` (named in the comments), each of which one of
these tests fails.
"""

import copy

from osc_netdiag import exitcodes
from osc_netdiag.models import Hop
from osc_netdiag.models import Status
from tests.unit.firewall import lab_cases as lab
from tests.unit.firewall.test_ovs_ipv6_stateless import SL_TCP22
from tests.unit.firewall.test_ovs_ipv6_stateless import T72
from tests.unit.firewall.test_ovs_ipv6_stateless import T82
from tests.unit.firewall.test_ovs_ipv6_stateless import TRACKED

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
