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

"""A legacy router's gateway side as router check and port trace report it,
on real recordings edited in one place each (named in each test): the
default route's next hop against the external subnets' gateways, and the
qg- port's OVS row on network1 against the agent's integration bridge.

The router recording (tests/fixtures/l3dhcp/scenarios/router) and the
vlan-healthy trace: qrouter-7e9218af-... on network1, qg-4ed7e451-34 on
br-int (ofport 23, local VLAN 8), default route via 198.19.0.1.
"""

import dataclasses
import pathlib

from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.edited import EditedCapture
from tests.unit.l3dhcp import scenario
from tests.unit.l3dhcp.test_dhcp_faults import replace_in
from tests.unit.l3dhcp.test_router_faults import check
from tests.unit.l3dhcp.test_router_faults import UPSTREAM
from tests.unit.test_trace_faults import trace_of

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"
QROUTER = "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d"
QG = "qg-4ed7e451-34"


def test_wrong_next_hop_names_every_external_gateway(tmp_path):
    # context: the gateway port is on two IPv4 external subnets (gateways
    # 198.19.0.1 and 198.19.8.1); ip route in qrouter-: the default route's
    # gateway .1 -> .254, neither of them
    # kills nat _route_problems mutant 19 (the gateways joined by " OR ")
    context = dataclasses.replace(scenario.load_context("router"),
                                  gateway_ips=(UPSTREAM, "198.19.8.1"))
    result = check(tmp_path, replace_in(
        "ns-route", '"gateway":"198.19.0.1"', '"gateway":"198.19.0.254"'),
        context=context)
    problem = ("via 198.19.0.254, the external subnet's gateway is "
               "198.19.0.1 or 198.19.8.1")
    # and the remedy's expected gateways (check_routes mutant 160: " OR ")
    assert [(f.code, f.summary, f.remedy) for f in result.findings] == [(
        "NETDIAG_ROUTER_DEFAULT_ROUTE_WRONG",
        f"the default route of {QROUTER} on network1 is wrong: {problem}",
        f"The default route of {QROUTER} on network1 goes via 198.19.0.254 "
        f"dev {QG}, not the external subnet's gateway 198.19.0.1 or "
        "198.19.8.1: restart neutron-l3-agent on network1 (it re-applies the "
        "gateway); if it comes back wrong, check the subnet's gateway_ip.")]
    assert [(r.state, r.detail, r.status) for r in result.rows
            if r.kind == "route"] == [
        ("wrong", f"via 198.19.0.254 dev {QG}; {problem}", Status.ERROR)]
    assert result.exit_code == exitcodes.ERROR_FINDING


def _qg_ovs_row(tmp_path, edit):
    capture = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)
    capture.edit_context(edit)
    trace = trace_of(capture)
    return trace, [(h.state, h.detail, h.status) for h in trace.hops
                   if h.host == "network1" and h.device == QG
                   and h.kind == "ovs-port"]


def test_qg_off_the_agents_integration_bridge_is_the_external_layout(
        tmp_path):
    # context: network1's agent integrates into br-int2; qg- is on br-int,
    # another bridge than the agent's: read as the Operations Guide's
    # external bridge layout, with no VLAN translation to check
    # kills trace _external_hops mutant 20 (br-int taken whatever the
    # agent says: qg- judged as an integration bridge port of br-int2)
    def elsewhere(data):
        data["ovs_agents"]["network1"]["configurations"][
            "integration_bridge"] = "br-int2"
    _trace, rows = _qg_ovs_row(tmp_path, elsewhere)
    assert rows == [("ofport 23", "on br-int (external bridge layout of the "
                     "Operations Guide; no VLAN translation)", Status.OK)]


def test_qg_on_br_int_when_the_api_has_no_agent_there(tmp_path):
    # context: the API lists no Open vSwitch agent on network1 (its entry
    # keyed by another host): qg- on br-int is still the integration port
    # kills trace _external_hops mutant 21 (the bridge read from a missing
    # agent)
    def no_agent(data):
        data["ovs_agents"]["network9"] = data["ovs_agents"].pop("network1")
    trace, rows = _qg_ovs_row(tmp_path, no_agent)
    assert rows == [("tag 8", "on br-int, ofport 23, local VLAN 8, iface-id "
                     "and attached-mac match the port", Status.OK)]
    assert "NETDIAG_AGENT_MISSING" in [f.code for f in trace.findings]
