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

"""port firewall on the openvswitch driver, replayed from the lab.

Healthy cases are the recordings as taken; each fault edits one recorded
answer in one place (said at the edit) and must be caught with its code
and exit 4, while configuration facts (a packet no rule allows, port
security off, nothing allowed in) answer with exit 0.
"""

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.firewall import dispatch
from tests.unit.firewall import lab_cases as lab

DENIED = "ingress-tcp22-denied"
ICMP = "ingress-icmp-allowed"
T60 = "flows:br-int:table=60"
T71 = "flows:br-int:table=71,reg5=5"
T82 = "flows:br-int:table=82,reg5=5"
MEMBERS_82 = "flows:br-int:table=82,reg6=2"
TRACE = "ofproto-trace:"
ICMP_RULE = "85a380fa-85c1-49d9-9437-134e3dad573a"
MEMBER_RULE = "2fa1fdd9-ac8d-4e05-afb2-04261aa2b246"


def codes(result):
    return sorted(f.code for f in result.findings)


@pytest.mark.parametrize("case, api_says, host_says, api_rule, host_flow", [
    (DENIED, "deny", "deny", "",
     "table 82: ct_state=-est,reg5=0x5, priority 40"),
    (ICMP, "allow", "allow", ICMP_RULE,
     "table 82: ct_state=+new-est,icmp,reg5=0x5, priority 75"),
    ("egress-tcp443-allowed", "allow", "allow",
     "bbc5f276-ea23-4afb-8cfe-98ba4c7738e0",
     "table 72: ct_state=+new-est,ip,reg5=0x5, priority 74"),
    ("ingress-member-tcp22", "allow", "allow", MEMBER_RULE,
     "table 82: conj_id=17,ct_state=+new-est,ip,reg5=0x5, priority 70"),
    ("ingress-tcp22-established", "allow", "allow",
     "conntrack: reply of an allowed connection (stateful group)",
     "table 82: ct_state=+est-rel+rpl,ct_zone=2,ct_mark=0,reg5=0x5, "
     "priority 50"),
    ("ingress-ipv6-icmp-denied", "deny", "deny", "",
     "table 82: ct_state=-est,reg5=0x5, priority 40"),
])
def test_the_recorded_questions_are_answered_alike(case, api_says, host_says,
                                                   api_rule, host_flow):
    result = lab.run(case)
    assert result.exit_code == exitcodes.OK
    assert codes(result) == []
    assert (result.api_verdict.decision, result.api_verdict.decided_by) == \
        (api_says, api_rule)
    assert (result.host_verdict.decision,
            result.host_verdict.decided_by) == (host_says, host_flow)
    doc = result.to_dict()
    assert (doc["api_verdict"], doc["host_verdict"], doc["agree"]) == \
        (api_says, host_says, True)
    assert doc["driver"] == "openvswitch"
    rows = [r for r in result.rows if r.host == "compute1"]
    assert rows and all(str(r.status) == "OK" for r in rows)


def test_a_denied_packet_is_said_with_what_would_allow_it():
    result = lab.run(DENIED)
    assert "no rule of default allows ingress IPv4 tcp port 22 from " \
           "203.0.113.5 (new)" in result.api_verdict.detail
    assert "82 -> 93" in result.host_verdict.detail


def test_port_security_off_is_a_fact_not_an_error():
    result = lab.run("open1-port-security-off")
    assert result.exit_code == exitcodes.OK
    assert codes(result) == ["NETDIAG_FW_PORT_SECURITY_OFF"]
    assert result.inbound == "port security off: everything allowed in"
    assert (result.api_verdict.decision,
            result.host_verdict.decision) == ("allow", "allow")
    (port_row,) = [r for r in result.rows if r.kind == "ovs-firewall"]
    assert port_row.state == "unfiltered"


def test_the_hosts_verdict_differing_from_the_api_is_exit_4(tmp_path):
    # the icmp question's trace replaced by the tcp 22 one (dropped in
    # table 93): the host now drops what the API allows
    denied = lab.recorded_stdout(DENIED, TRACE)
    result = lab.run(ICMP, tmp_path, {TRACE: lambda _text: denied})
    assert result.exit_code == exitcodes.ERROR_FINDING
    assert codes(result) == ["NETDIAG_FW_VERDICT_DISAGREE"]
    assert result.to_dict()["agree"] is False


def test_a_rule_whose_flows_are_gone(tmp_path):
    # the icmp rule's two flows deleted from table 82
    result = lab.run(ICMP, tmp_path, {T82: lab.drop("priority=75,")},
                     packet=None)
    assert result.exit_code == exitcodes.ERROR_FINDING
    assert codes(result) == ["NETDIAG_FW_OF_RULE_MISSING"]
    assert ICMP_RULE in result.findings[0].subject
    missing = [r for r in result.rows if r.device == ICMP_RULE
               and r.host == "compute1"]
    assert [r.state for r in missing] == ["missing"]


def test_a_flow_no_rule_explains(tmp_path):
    # the icmp rule's new-connection flow rewritten to admit tcp 22 too:
    # present, and wrong
    line = [x for x in lab.recorded_stdout(ICMP, T82).splitlines()
            if "priority=75,ct_state=+new-est,icmp" in x][0]
    extra = line.replace("priority=75,ct_state=+new-est,icmp",
                         "priority=77,ct_state=+new-est,tcp") \
        .replace("reg5=0x5", "reg5=0x5,tp_dst=22")
    result = lab.run(ICMP, tmp_path,
                     {T82: lambda text: text + extra + "\n"}, packet=None)
    assert codes(result) == ["NETDIAG_FW_OF_RULE_EXTRA"]
    assert "tp_dst=22" in result.findings[0].summary
    # a warning: an extra allow is reported, it does not fail the port
    assert result.exit_code == exitcodes.OK


def test_the_port_not_sent_through_the_firewall(tmp_path):
    # table 60 takes the port's traffic straight to table 73, as for an
    # unfiltered port, while the API says port security is on
    result = lab.run(DENIED, tmp_path, {T60: lab.replace(
        "load:0x2->NXM_NX_REG6[],resubmit(,71)",
        "load:0x2->NXM_NX_REG6[],resubmit(,73)")}, packet=None)
    assert result.exit_code == exitcodes.ERROR_FINDING
    assert codes(result) == ["NETDIAG_FW_OF_PORT_NOT_WIRED"]


def test_another_neutron_table_layout_is_said_not_guessed(tmp_path):
    result = lab.run(DENIED, tmp_path, {T60: lab.replace(
        "load:0x2->NXM_NX_REG6[],resubmit(,71)",
        "load:0x2->NXM_NX_REG6[],resubmit(,171)")}, packet=None)
    assert codes(result) == ["NETDIAG_FW_OF_TABLES_UNKNOWN"]
    assert result.exit_code == exitcodes.OK


def test_an_anti_spoofing_flow_that_allows_another_address(tmp_path):
    # the port's IP anti-spoofing flow rewritten to another source
    result = lab.run(DENIED, tmp_path, {T71: lab.replace(
        "nw_src=198.18.17.51 actions=ct(", "nw_src=198.18.17.99 actions=ct(")},
        packet=None)
    assert codes(result) == ["NETDIAG_FW_OF_SPOOF_MISSING",
                             "NETDIAG_FW_OF_SPOOF_STALE"]
    assert result.exit_code == exitcodes.ERROR_FINDING
    stale = [f for f in result.findings
             if f.code == "NETDIAG_FW_OF_SPOOF_STALE"][0]
    assert "198.18.17.99" in stale.summary


def test_an_allowed_address_pair_without_its_anti_spoofing(tmp_path):
    # the API body edited: a VIP added to the port as an allowed address
    # pair that the host (recorded before) has no flow for
    def add_vip(bodies):
        bodies["port.json"]["port"]["allowed_address_pairs"] = [
            {"ip_address": "198.18.17.250", "mac_address":
             "fa:16:3e:b7:78:ce"}]
    result = lab.run(DENIED, packet=None, edit_api=add_vip)
    # its DHCP request flow is missing with it (table 71 has one per
    # source address)
    assert codes(result) == ["NETDIAG_FW_OF_DHCP_CLIENT_MISSING",
                             "NETDIAG_FW_OF_SPOOF_MISSING"]
    (spoof,) = [f for f in result.findings
                if f.code == "NETDIAG_FW_OF_SPOOF_MISSING"]
    assert "198.18.17.250 (allowed address pair" in spoof.summary
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_dhcp_offers_from_the_port_not_dropped(tmp_path):
    result = lab.run(DENIED, tmp_path,
                     {T71: lab.drop("tp_src=67,tp_dst=68 actions=resubmit(,93)")},
                     packet=None)
    assert codes(result) == ["NETDIAG_FW_OF_DHCP_SPOOF_MISSING"]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_a_remote_group_member_missing_and_one_stale(tmp_path):
    # one member's conjunction flows re-addressed: 198.18.16.16 gone,
    # 198.18.99.9 admitted
    result = lab.run(DENIED, tmp_path, {MEMBERS_82: lab.replace(
        "nw_src=198.18.16.16 ", "nw_src=198.18.99.9 ")}, packet=None)
    assert codes(result)[1:] == ["NETDIAG_FW_OF_REMOTE_MEMBER_STALE"]
    assert codes(result) == ["NETDIAG_FW_OF_REMOTE_MEMBER_MISSING",
                             "NETDIAG_FW_OF_REMOTE_MEMBER_STALE"]
    assert result.exit_code == exitcodes.ERROR_FINDING
    row = [r for r in result.rows if r.device == MEMBER_RULE
           and r.host == "compute1"][0]
    assert "member 198.18.16.16 missing" in row.detail


def test_nothing_allowed_in_is_said_plainly():
    def only_egress(bodies):
        for name, body in bodies.items():
            if name.startswith("security-group-"):
                group = body["security_group"]
                group["security_group_rules"] = [
                    r for r in group["security_group_rules"]
                    if r["direction"] == "egress"]
    result = lab.run(DENIED, packet=None, edit_api=only_egress)
    assert "NETDIAG_FW_NOTHING_IN" in codes(result)
    assert result.inbound.startswith("nothing allowed in (no ingress rule "
                                     "in default)")


def test_a_driver_this_build_cannot_read(monkeypatch):
    monkeypatch.setattr(dispatch, "fw_hybrid", None)

    def hybrid(bodies):
        bodies["port.json"]["port"]["binding:vif_details"][
            "ovs_hybrid_plug"] = True
    result = lab.run(DENIED, edit_api=hybrid)
    assert codes(result) == ["NETDIAG_FW_DRIVER_UNREAD"]
    assert result.driver == "iptables_hybrid"
    assert result.host_verdict is None
    assert result.exit_code == exitcodes.OK


def test_an_iptables_hybrid_port_goes_to_its_driver():
    # the lab's vxlan2 on compute2 (hybrid plugged, a VIP as an allowed
    # address pair), recorded: the dispatch reads the binding and runs
    # the iptables_hybrid view through the same session
    result = lab.run("hybrid-vxlan2-icmp-allowed")
    assert result.driver == "iptables_hybrid"
    assert result.exit_code == exitcodes.OK
    assert codes(result) == []
    assert (result.api_verdict.decision,
            result.host_verdict.decision) == ("allow", "allow")
    assert result.host_verdict.decided_by == \
        "-A neutron-openvswi-i59fe82a5-3 -p icmp -j RETURN"
    assert {r.kind for r in result.rows if r.host == "compute2"} >= {
        "iptables-rule", "ipset", "host-verdict"}
