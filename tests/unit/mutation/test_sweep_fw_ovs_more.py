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

"""Where the sweep of the mutants found them unasserted: the firewall hop
of a trace for an iptables_hybrid port (the driver's name in the row, the
intent handed to the hybrid judge, the evidence of a remote group without
a name), and a legacy router's NAT rows (a rule that matches in all but
one fragment, an IPv6 gateway address, the rows of a missing rule).

The firewall tests replay the recorded firewall scenario
``hybrid-vxlan2-icmp-allowed`` (compute2), the router tests the recorded
router scenario (l3dhcp ``router``, network1), each edited in one place
where a test says so.
"""

import dataclasses
import json
import pathlib
import types

from osc_netdiag.backends.ml2_ovs import fw_hop
from osc_netdiag.checks.engine import HostView
from osc_netdiag.checks.engine import Report
from osc_netdiag.models import Evidence
from osc_netdiag.models import Status
from osc_netdiag import secgroups
from osc_netdiag.transport import replay
from tests.unit.l3dhcp import scenario
from tests.unit.l3dhcp.test_dhcp_faults import replace_in
from tests.unit.l3dhcp.test_router_faults import check as router_check
from tests.unit.l3dhcp.test_router_faults import FIP
from tests.unit.l3dhcp.test_router_faults import FIXED
from tests.unit.l3dhcp.test_router_faults import UPSTREAM

HYBRID = pathlib.Path(__file__).parents[2] / "fixtures" / "firewall" / \
    "scenarios" / "hybrid-vxlan2-icmp-allowed"
GROUP = "438e40ab-b36e-419b-ad13-2c3d4fcc2595"
POLICY = ("in: IPv4 any from group default (8 addresses); IPv4 icmp from "
          "0.0.0.0/0; IPv6 any from group default (0 addresses)")


def _hybrid_hop(edit=None):
    """The trace's firewall rows and findings for the recorded hybrid port;
    ``edit(intent)`` changes the API intent (JSON) first.
    """
    data = json.loads((HYBRID / "context.json").read_text())
    if edit:
        edit(data["intent"])
    host = json.loads((HYBRID / "hosts" / "compute2.json").read_text())
    view = HostView("compute2", types.SimpleNamespace(
        error=None, results=[replay.result_from_dict(c)
                             for c in host["commands"]]), [])
    report = Report()
    fw_hop.check(report, types.SimpleNamespace(
        firewall=secgroups.intent_from_json(data["intent"])), view)
    return ([(h.host, h.device, h.kind, h.state, h.detail, h.status,
              h.evidence) for h in report.hops], report.findings)


def test_a_hybrid_ports_firewall_row():
    # kills fw_hop _driver mutants 4 and 5 (the driver's name in the row)
    # and _judge mutant 14 (the hybrid judge given no intent)
    assert _hybrid_hop() == ([(
        "compute2", "firewall", "firewall", "in sync",
        "iptables_hybrid; " + POLICY, Status.OK,
        (Evidence("api", f"openstack security group show {GROUP}",
                  ("name default",)),))], [])


def test_a_remote_group_without_a_name():
    # the port's security group renamed "default" -> "" (Neutron allows
    # an empty name): the row's evidence says "name -"
    # kills fw_hop _group_evidence mutant 20 (the "-" of no name)
    def unnamed(intent):
        intent["security_groups"][0]["name"] = ""
    rows, findings = _hybrid_hop(unnamed)
    assert [row[6] for row in rows] == [(
        Evidence("api", f"openstack security group show {GROUP}",
                 ("name -",)),)]
    assert findings == []


NS = "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d"
SAVE = f"ip netns exec {NS} /usr/sbin/iptables-save -t nat"
FIP_ID = "826b6ea2-912f-42f7-a326-c894943e92b7"
GW_SNAT = ("-A neutron-l3-agent-snat -o qg-4ed7e451-34 -j SNAT --to-source "
           "198.19.0.56 --random-fully")
DNAT = (f"-A neutron-l3-agent-PREROUTING -d {FIP}/32 -j DNAT "
        f"--to-destination {FIXED}")
FLOAT_SNAT = (f"-A neutron-l3-agent-float-snat -s {FIXED}/32 -j SNAT "
              f"--to-source {FIP} --random-fully")


def _present(device, text):
    return ("network1", device, "present", text, Status.OK,
            (Evidence("network1", SAVE, (text,)),))


def _absent(device, expected):
    return ("network1", device, "absent", f"expected {expected}",
            Status.ERROR, (Evidence("network1", SAVE, ()),))


def _nat(result):
    return [(r.host, r.device, r.state, r.detail, r.status, r.evidence)
            for r in result.rows if r.kind == "nat-rule"]


def _missing(result):
    return [(f.code, f.subject, f.summary, f.remedy)
            for f in result.findings]


def _remedy(expected):
    return (f"The nat table of the router namespace on network1 lacks "
            f"'{expected}': restart neutron-l3-agent on network1 (it "
            f"rebuilds the router's iptables); if it stays missing, check "
            f"the agent's log for {FIP_ID}.")


def test_a_dnat_rule_of_another_floating_ip(tmp_path):
    # nat table: PREROUTING's DNAT to the fixed IP matches -d 198.19.0.44,
    # not the floating IP 198.19.0.43 (the OUTPUT chain's copy still does)
    # kills nat check_nat mutant 81 (-d not matched), 66 and 67 (the
    # expected text of a router without an rfp-), _nat_row 69 (the ERROR
    # row's evidence)
    expected = f"-d {FIP}/32 -j DNAT --to-destination {FIXED}"
    result = router_check(tmp_path, replace_in(
        "ns-iptables", f"-A neutron-l3-agent-PREROUTING -d {FIP}/32",
        "-A neutron-l3-agent-PREROUTING -d 198.19.0.44/32"))
    assert _nat(result) == [
        _present("SNAT 198.19.0.56", GW_SNAT),
        _absent(f"DNAT {FIP}", expected),
        _present(f"SNAT {FIXED}", FLOAT_SNAT)]
    assert _missing(result) == [(
        "NETDIAG_ROUTER_NAT_RULE_MISSING", f"network1:DNAT {FIP}",
        f"no '{expected}' rule in the router namespace's nat table on "
        "network1", _remedy(expected))]


def test_a_float_snat_rule_of_another_fixed_ip(tmp_path):
    # nat table: float-snat's SNAT to the floating IP matches -s
    # 198.18.16.93, not the fixed IP 198.18.16.39
    # kills nat check_nat mutant 100 (-s not matched) and 139 (the
    # floating IP's ID in the remedy)
    expected = f"-s {FIXED}/32 -j SNAT --to-source {FIP}"
    result = router_check(tmp_path, replace_in(
        "ns-iptables", f"-A neutron-l3-agent-float-snat -s {FIXED}/32",
        "-A neutron-l3-agent-float-snat -s 198.18.16.93/32"))
    assert _nat(result) == [
        _present("SNAT 198.19.0.56", GW_SNAT),
        _present(f"DNAT {FIP}", DNAT),
        _absent(f"SNAT {FIXED}", expected)]
    assert _missing(result) == [(
        "NETDIAG_ROUTER_NAT_RULE_MISSING", f"network1:SNAT {FIXED}",
        f"no '{expected}' rule in the router namespace's nat table on "
        "network1", _remedy(expected))]


def test_an_ipv6_gateway_address_listed_first_has_no_nat(tmp_path):
    # the API context: the gateway port gets an IPv6 fixed IP, listed
    # before its IPv4 one (a dual-stack external network); the recording's
    # qg- lacks that address (a finding of its own), no NAT is expected
    # for it, and the IPv4 address's SNAT is still checked
    # kills nat check_nat mutant 20 (IPv6 taken for NAT) and 22 (the loop
    # left at the IPv6 address)
    context = scenario.load_context("router")
    gateway = dataclasses.replace(context.gateway, fixed_ips=(
        ("6a3c1e1e-5b1b-4c4e-9a52-0d3c2f0e5a11", "2001:db8::56"),)
        + tuple(context.gateway.fixed_ips))
    result = router_check(tmp_path, context=dataclasses.replace(
        context, gateway_ips=(UPSTREAM,), gateway=gateway))
    assert _nat(result) == [
        _present("SNAT 198.19.0.56", GW_SNAT),
        _present(f"DNAT {FIP}", DNAT),
        _present(f"SNAT {FIXED}", FLOAT_SNAT)]
    assert [f.code for f in result.findings] == [
        "NETDIAG_ROUTER_DEVICE_BROKEN"]
