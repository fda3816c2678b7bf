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

"""The openvswitch firewall driver's base flows and host verdict: exact
subjects, remedies and details on the dual-stack port ``v6a`` replayed from
the lab (``lab_cases``, recorded by tools/record_firewall_cases). Each
fault edits one recorded flow in one place, said at the edit, leaving it
present but wrong.

Written against surviving mutants of ``backends.ml2_ovs.fw_ovs_base`` and
``fw_ovs_verdict`` (named in the comments), each of which one of these
tests fails.
"""

from osc_netdiag import exitcodes
from tests.unit.firewall import lab_cases as lab
from tests.unit.firewall.test_ovs_ipv6_stateless import FOREIGN6
from tests.unit.firewall.test_ovs_ipv6_stateless import MEMBER
from tests.unit.firewall.test_ovs_ipv6_stateless import OFPORT
from tests.unit.firewall.test_ovs_ipv6_stateless import REG5
from tests.unit.firewall.test_ovs_ipv6_stateless import SPOOFED6
from tests.unit.firewall.test_ovs_ipv6_stateless import T71
from tests.unit.firewall.test_ovs_ipv6_stateless import T81
from tests.unit.firewall.test_ovs_ipv6_stateless import V6A_ADDRESS

V4_ADDRESS = "198.18.21.75"     # v6a's IPv4 fixed IP, as recorded


def _port(case=MEMBER):
    return lab.bodies(case)["port.json"]["port"]["id"]


def test_nd_findings_carry_their_subject_and_address(tmp_path):
    # the neighbour advertisement flow of the port's IPv6 address
    # rewritten to another address (_check_nd mutants 29: the missing
    # finding's subject lost, 74: the stale finding's remedy without its
    # address)
    port = _port()
    result = lab.run(MEMBER, tmp_path, {T71: lab.replace(
        f"icmp_type=136,nd_target={V6A_ADDRESS} ",
        f"icmp_type=136,nd_target={FOREIGN6} ")}, packet=None)
    missing, stale = sorted(result.findings, key=lambda f: f.code)
    assert missing.code == "NETDIAG_FW_OF_ND_MISSING"
    assert missing.subject == f"compute1:{port}:nd:{V6A_ADDRESS}"
    assert stale.code == "NETDIAG_FW_OF_ND_STALE"
    assert stale.subject == f"compute1:{port}:nd:{FOREIGN6}"
    assert stale.remedy.startswith(
        f"compute1 lets port {port} answer IPv6 neighbour discovery for "
        f"{FOREIGN6}, which is neither a fixed IP nor an allowed address "
        "pair in the API ")


def test_dhcp_requests_sent_to_the_drop_table_are_missing(tmp_path):
    # the port's DHCP request flow from its IPv4 address sends to table 93
    # (dropped) instead of 73: present, with the right priority, and wrong
    # (_egress_key mutant 41: any priority-80 flow taken for an accepting
    # one)
    port = _port()
    result = lab.run(MEMBER, tmp_path, {T71: lab.replace(
        f"nw_src={V4_ADDRESS},tp_src=68,tp_dst=67 actions=resubmit(,73)",
        f"nw_src={V4_ADDRESS},tp_src=68,tp_dst=67 actions=resubmit(,93)")},
        packet=None)
    assert result.exit_code == exitcodes.ERROR_FINDING
    (found,) = result.findings
    assert found.code == "NETDIAG_FW_OF_DHCP_CLIENT_MISSING"
    assert found.subject == f"compute1:{port}:dhcp-client:{V4_ADDRESS}"


def test_dhcp_replies_let_in_below_their_priority_are_missing(tmp_path):
    # the flow letting DHCP replies reach the port written at priority 65
    # instead of 95: present, output to the port, and wrong (_ingress_key
    # mutant 23: any flow with tp_src=67 taken for it)
    port = _port()
    result = lab.run(MEMBER, tmp_path, {T81: lab.replace(
        f"priority=95,udp,reg5={REG5},tp_src=67,tp_dst=68 "
        f"actions=output:{OFPORT}",
        f"priority=65,udp,reg5={REG5},tp_src=67,tp_dst=68 "
        f"actions=output:{OFPORT}")}, packet=None)
    assert result.exit_code == exitcodes.ERROR_FINDING
    (found,) = result.findings
    assert found.code == "NETDIAG_FW_OF_INGRESS_BASE_MISSING"
    assert found.summary == (f"table 81 on compute1 does not let DHCP "
                             f"replies reach port {port}")


def test_a_spoofed_source_is_explained_in_the_verdicts_detail():
    # (verdict_of_trace mutant 50: the explanation's text)
    verdict = lab.run(SPOOFED6).host_verdict
    assert verdict.detail == (
        "anti-spoofing: no table 71 flow lets the port send from this "
        "source; ofproto/trace on br-int: tables 0 -> 58 -> 59 -> 60 -> 71 "
        "-> 93")
