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

"""The openvswitch firewall's port check, on flows recorded in the lab
(``lab_cases``, and the port trace of vxlan1) with one recorded flow or
API field edited in one place, said at the edit, leaving it present but
wrong.

Written against surviving mutants of ``backends.ml2_ovs.fw_ovs_check``,
``fw_ovs_flows`` and ``fw_ovs_base`` (named in the comments), each of which
one of these tests fails.
"""

import json
import shutil

from osc_netdiag import api
from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.firewall import lab_cases as lab
from tests.unit.firewall.test_ovs_ipv6_stateless import MEMBER
from tests.unit.firewall.test_ovs_ipv6_stateless import T71
from tests.unit.firewall.test_ovs_ipv6_stateless import V6A_ADDRESS
from tests.unit.firewall.test_port_firewall_openvswitch import DENIED
from tests.unit.firewall.test_port_firewall_openvswitch import T60
from tests.unit.firewall.test_port_firewall_openvswitch import T71 as T71_5
from tests.unit.firewall.test_trace_firewall_hop import TRACE
from tests.unit.mutation.test_fw_ovs_values import DENIED_PORT

T72 = "flows:br-int:table=72,reg5="
T82 = "flows:br-int:table=82,reg5="
V6A_MAC = "fa:16:3e:11:6e:6f"     # v6a's MAC, as recorded


def _port(case=MEMBER):
    return lab.bodies(case)["port.json"]["port"]["id"]


def _rule_ids(case, **match):
    """The IDs of the case's API rules whose fields are ``match``."""
    found = []
    for name, body in lab.bodies(case).items():
        if name.startswith("security-group-"):
            for rule in body["security_group"]["security_group_rules"]:
                if all(rule.get(k) == v for k, v in match.items()):
                    found.append(rule["id"])
    return found


def _hop(result, device):
    (hop,) = [h for h in result.rows if h.device == device]
    return hop


def test_dhcp_offers_sent_on_to_the_rules_are_not_dropped(tmp_path):
    # the port's flow for DHCP server replies it sends resubmits to table
    # 73 instead of 93 (the drop table): present, and wrong
    # (_check_spoofing mutant 71: the problem's text in the hop's detail)
    result = lab.run(DENIED, tmp_path, {T71_5: lab.replace(
        "tp_src=67,tp_dst=68 actions=resubmit(,93)",
        "tp_src=67,tp_dst=68 actions=resubmit(,73)")}, packet=None)
    assert result.exit_code == exitcodes.ERROR_FINDING
    (found,) = result.findings
    assert (found.code, found.subject) == (
        "NETDIAG_FW_OF_DHCP_SPOOF_MISSING", f"compute1:{DENIED_PORT}")
    hop = _hop(result, "anti-spoofing")
    assert (hop.state, hop.status) == ("wrong", Status.ERROR)
    assert hop.detail == (
        "2 source(s) allowed: 198.18.17.51 (fa:16:3e:b7:78:ce), "
        "fe80::f816:3eff:feb7:78ce (fa:16:3e:b7:78:ce); "
        "DHCP offers from the port not dropped")


def test_a_port_sent_to_an_unknown_table_names_the_expected_one(tmp_path):
    # table 60 sends the port to table 72 instead of 71 (check_wired
    # mutants 107: the expected table, 113: the host and port, lost from
    # the remedy)
    result = lab.run(DENIED, tmp_path, {T60: lab.replace(
        "load:0x2->NXM_NX_REG6[],resubmit(,71)",
        "load:0x2->NXM_NX_REG6[],resubmit(,72)")}, packet=None)
    (found,) = result.findings
    assert (found.code, found.subject) == (
        "NETDIAG_FW_OF_TABLES_UNKNOWN", f"compute1:{DENIED_PORT}")
    assert found.remedy == (
        f"compute1 sends port {DENIED_PORT}'s traffic to table 72, not to "
        "table 71 that this release knows as the firewall's first table: "
        "the agent's Neutron uses other table numbers; the flows were not "
        "compared.")


def test_a_rule_flow_for_another_port_is_missing(tmp_path):
    # the ingress tcp 22 rule's flows of v6a (IPv6, from 2001:db8:21::/64)
    # match port 23 instead: present, and wrong (flow_key mutant 69: the
    # flow's port not read, any port taken)
    (rule,) = _rule_ids(MEMBER, direction="ingress", ethertype="IPv6",
                        port_range_min=22)
    result = lab.run(MEMBER, tmp_path, {T82: lab.replace(
        "ipv6_src=2001:db8:21::/64,tp_dst=22 ",
        "ipv6_src=2001:db8:21::/64,tp_dst=23 ")}, packet=None)
    (found,) = result.findings
    assert (found.code, found.subject) == (
        "NETDIAG_FW_OF_RULE_MISSING", f"compute1:{_port()}:{rule}")


def test_an_egress_rule_flow_narrowed_to_an_ipv6_destination(tmp_path):
    # the +new-est flow of v6a's egress tcp6 rule (to anywhere) matches
    # ipv6_dst=2001:db8::/64 too: present, and wrong (flow_key mutant 12:
    # an egress flow's IPv6 destination not read)
    (rule,) = _rule_ids(MEMBER, direction="egress", ethertype="IPv6",
                        protocol="tcp")
    result = lab.run(MEMBER, tmp_path, {T72: lab.replace(
        "priority=77,ct_state=+new-est,tcp6,reg5=0x20 actions",
        "priority=77,ct_state=+new-est,tcp6,reg5=0x20,"
        "ipv6_dst=2001:db8::/64 actions")}, packet=None)
    port = _port()
    extra, missing = sorted(result.findings, key=lambda f: f.code)
    assert (missing.code, missing.subject) == (
        "NETDIAG_FW_OF_RULE_MISSING", f"compute1:{port}:{rule}")
    assert extra.code == "NETDIAG_FW_OF_RULE_EXTRA"
    assert "ipv6_dst=2001:db8::/64" in extra.subject


def test_an_any_protocol_rule_flow_narrowed_to_one_protocol(tmp_path):
    # the +new-est flow of v6a's egress IPv4 rule (any protocol) matches
    # nw_proto=47 (GRE) too, as OVS prints a protocol it has no name for:
    # present, and wrong (_token mutant 5: the protocol number not read)
    (rule,) = _rule_ids(MEMBER, direction="egress", ethertype="IPv4")
    result = lab.run(MEMBER, tmp_path, {T72: lab.replace(
        "priority=74,ct_state=+new-est,ip,reg5=0x20 actions",
        "priority=74,ct_state=+new-est,ip,reg5=0x20,nw_proto=47 actions")},
        packet=None)
    port = _port()
    extra, missing = sorted(result.findings, key=lambda f: f.code)
    assert (missing.code, missing.subject) == (
        "NETDIAG_FW_OF_RULE_MISSING", f"compute1:{port}:{rule}")
    assert extra.code == "NETDIAG_FW_OF_RULE_EXTRA"
    assert "nw_proto=47" in extra.subject


def test_router_advertisements_sent_on_are_not_dropped(tmp_path):
    # the port's flow for router advertisements it sends resubmits to
    # table 73 instead of 93: present, and wrong (_check_dhcp_ra mutant
    # 80: the finding's subject lost)
    result = lab.run(MEMBER, tmp_path, {T71: lab.replace(
        "icmp_type=134 actions=resubmit(,93)",
        "icmp_type=134 actions=resubmit(,73)")}, packet=None)
    (found,) = result.findings
    assert (found.code, found.subject) == (
        "NETDIAG_FW_OF_RA_SPOOF_MISSING", f"compute1:{_port()}:ra")


def test_nd_flows_of_another_mac_name_the_ports_mac(tmp_path):
    # the router solicitation flow from v6a's global address written with
    # another source MAC: present, and wrong (_check_nd mutant 32: the MAC
    # lost from the remedy)
    port = _port()
    result = lab.run(MEMBER, tmp_path, {T71: lab.replace(
        f"dl_src={V6A_MAC},ipv6_src={V6A_ADDRESS},icmp_type=133 ",
        f"dl_src=fa:16:3e:11:6e:70,ipv6_src={V6A_ADDRESS},icmp_type=133 ")},
        packet=None)
    (found,) = [f for f in result.findings
                if f.code == "NETDIAG_FW_OF_ND_MISSING"]
    assert found.remedy.startswith(
        f"Port {port}'s IPv6 neighbour discovery for {V6A_ADDRESS} (MAC "
        f"{V6A_MAC}) lacks ICMPv6 type 133 on compute1: ")


def test_a_traced_port_whose_table_60_flow_loads_no_zone(tmp_path):
    # port trace of the lab's vxlan1 port (whole firewall tables read),
    # its table 60 flow without its load into register 6 (the zone):
    # present, and wrong (_all_flows mutant 27: every flow of the tables
    # taken as the port's once a zone is known, and the register 6 of
    # other ports' flows compared with hex(None) when none is)
    target = tmp_path / "vxlan1"
    shutil.copytree(TRACE, target)
    context = json.loads((target / "context.json").read_text())
    path = target / "hosts" / "compute1.json"
    data = json.loads(path.read_text())
    (command,) = [c for c in data["commands"]
                  if c["name"] == "flows:br-int:table=60"]
    lines = command["stdout"].splitlines(keepends=True)
    mac = context["port"]["mac"]
    reg5 = next(x for x in lines if f"dl_dst={mac}" in x).split(
        "load:")[1].split("->")[0]
    (entry,) = [i for i, x in enumerate(lines)
                if "priority=100,in_port=" in x and
                f"load:{reg5}->NXM_NX_REG5[]" in x]
    zone = lines[entry].split("NXM_NX_REG5[],")[1].split("resubmit")[0]
    assert zone.endswith("->NXM_NX_REG6[],"), zone
    lines[entry] = lines[entry].replace(zone, "")
    command["stdout"] = "".join(lines)
    path.write_text(json.dumps(data))
    trace = api.trace_from_capture(str(target))
    (hop,) = [h for h in trace.hops if h.kind == "firewall"]
    assert (hop.host, hop.state, str(hop.status)) == ("compute1", "in sync",
                                                      "OK")
    assert trace.exit_code == exitcodes.OK


def test_an_address_pair_written_with_its_prefix(tmp_path):
    # v6a's allowed address pair 2001:db8:21::250 written in the API body
    # as 2001:db8:21::250/64, a prefix with host bits: the recorded flows
    # are for the address alone, so the prefix's network is missing and
    # the address stale (_net mutant 5: such a pair refused with
    # ValueError)
    def widen(bodies):
        (pair,) = bodies["port.json"]["port"]["allowed_address_pairs"]
        pair["ip_address"] = "2001:db8:21::250/64"
    result = lab.run(MEMBER, tmp_path, packet=None, edit_api=widen)
    nd = sorted(f.subject for f in result.findings
                if f.code.startswith("NETDIAG_FW_OF_ND_"))
    port = _port()
    assert nd == [f"compute1:{port}:nd:2001:db8:21::/64",
                  f"compute1:{port}:nd:2001:db8:21::250"]
    assert result.exit_code == exitcodes.ERROR_FINDING
