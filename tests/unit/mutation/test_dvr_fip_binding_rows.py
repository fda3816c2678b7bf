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

"""Every field of the rows and findings a distributed router's faults and a
failed binding give: the hop's kind, state, detail and status, the finding's
summary and remedy, exactly as an operator reads them.

The DVR recordings (``dvr-lab-*``) and the single-node VLAN recording are
copied and edited in one place each, named in the test. The expected texts
were read off the recordings by hand (router 5e7a3540-..., compute1 holds
the floating IP, rfp- has 169.254.88.134/31 and table 16 goes via
169.254.88.135; dvr2's subnet 198.18.18.0/24 has its rule to table
3323073025, whose default route is the sg- port 198.18.18.77).
"""

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.edited import EditedCapture
from tests.unit.test_single_node_scenarios import GATEWAY_PORT
from tests.unit.test_single_node_scenarios import SCENARIOS
from tests.unit.test_trace_dvr import _link
from tests.unit.test_trace_dvr import _route
from tests.unit.test_trace_dvr import Dvr
from tests.unit.test_trace_dvr import FIP_SCENARIO
from tests.unit.test_trace_dvr import SNAT_SCENARIO
from tests.unit.test_trace_faults import trace_of

ERROR_FINDING = exitcodes.ERROR_FINDING
QROUTER = "qrouter-5e7a3540-66f9-42f6-bba7-e858c212b4fa"
FIP_NS = "fip-444b6602-936b-4010-b6ae-c4801dc28c9b"
RFP = "rfp-5e7a3540-6"
QR = "qr-d8dfbf75-d2"
RESTART = ("restart neutron-l3-agent on compute1 (it rebuilds the router "
           "there).")


@pytest.fixture
def fip(tmp_path):
    return Dvr(FIP_SCENARIO, tmp_path)


@pytest.fixture
def snat(tmp_path):
    return Dvr(SNAT_SCENARIO, tmp_path)


def _not_ok(trace):
    return [(h.host, h.device, h.kind, h.state, h.detail, h.status)
            for h in trace.hops if h.status is not Status.OK]


def _findings(trace):
    return [(f.code, f.subject, f.summary, f.remedy) for f in trace.findings]


def test_missing_agent_gateway_row_and_remedy_name_the_host(fip):
    # the API's floatingip_agent_gateway port of compute1 is bound to
    # compute9 instead (context edited in one field)
    # kills linux.fip check_agent_gateway mutants 11 (host= dropped: the
    # remedy says "<host>"), 19 (status None) and 22 (the hop's kind left
    # out, so every later field shifts by one)
    def change(data):
        for port in data["router"]["agent_gateways"]:
            if port["binding_host"] == "compute1":
                port["binding_host"] = "compute9"
    fip.capture.edit_context(change)
    trace = fip.trace()
    summary = ("no floatingip_agent_gateway port on "
               "444b6602-936b-4010-b6ae-c4801dc28c9b is bound to compute1")
    assert _findings(trace) == [(
        "NETDIAG_DVR_NO_AGENT_GATEWAY", f"compute1:{FIP_NS}", summary,
        "Neutron has no floatingip_agent_gateway port on "
        "444b6602-936b-4010-b6ae-c4801dc28c9b for compute1, so its fip- "
        "namespace has no fg- and no way out: restart neutron-l3-agent on "
        "compute1 (it rebuilds the router there) and check the server log if "
        "it stays missing.")]
    assert _not_ok(trace) == [(
        "compute1", "fg-", "fip-gateway-port", "absent",
        "the API has no floatingip_agent_gateway port for this host",
        Status.ERROR)]
    assert trace.exit_code == ERROR_FINDING


def test_rfp_without_a_pair_address_gives_two_error_rows(fip):
    # rfp-'s address in qrouter- is a /24, not the /31 of the rfp-/fpr-
    # pair (ip -j addr edited in one field: prefixlen 31 -> 24)
    # kills dvr_fip _link_wrong mutant 21 (the rows' status None)
    fip.edit(fip.host, f"ns-addr:{fip.qrouter}",
             lambda links: next(
                 a for a in _link(links, fip.rfp)["addr_info"]
                 if a["family"] == "inet").update(prefixlen=24))
    trace = fip.trace()
    own = (f"{RFP} has 169.254.88.134/24, not one address of a /31 (the "
           "rfp-/fpr- pair)")
    table = (f"table 16 of 198.18.18.78 has default via 169.254.88.135 dev "
             f"{RFP}, expected default via <fpr- address> dev {RFP}")
    assert _not_ok(trace) == [
        ("compute1", RFP, "fip-link", "wrong", own, Status.ERROR),
        ("compute1", "from 198.18.18.78", "fip-link", "wrong", table,
         Status.ERROR)]
    assert _findings(trace) == [
        ("NETDIAG_DVR_FIP_LINK_WRONG", f"compute1:{RFP}",
         f"in {QROUTER} on compute1, {own}",
         f"In {QROUTER} on compute1, {own}: the floating IP's traffic cannot "
         f"cross the rfp-/fpr- link. {RESTART}"),
        ("NETDIAG_DVR_FIP_LINK_WRONG", "compute1:from 198.18.18.78",
         f"in {QROUTER} on compute1, {table}",
         f"In {QROUTER} on compute1, {table}: the floating IP's traffic "
         f"cannot cross the rfp-/fpr- link. {RESTART}")]
    assert trace.exit_code == ERROR_FINDING


def test_subnet_rule_of_another_prefix_length_is_no_rule(snat):
    # the subnet's rule in qrouter- on compute2 covers a /25, not the
    # subnet's /24 (ip -j rule edited in one field: srclen 24 -> 25): no
    # rule is the subnet's, said as such (not read as a table)
    # kills trace_dvr _check_snat_route mutant 26 (the table looked up
    # whether or not a rule was found: AttributeError on None)
    snat.edit(snat.host, f"ns-rule:{snat.qrouter}",
              lambda rules: _route(rules, src="198.18.18.1").update(
                  srclen=25))
    trace = snat.trace()
    expected = f"198.18.18.77 dev {QR}"
    assert [(h.host, h.device, h.kind, h.state, h.detail, h.status)
            for h in trace.hops if h.kind == "snat-route"] == [(
                "compute2", "198.18.18.0/24 -> snat", "snat-route", "wrong",
                f"no rule for the subnet; expected default via {expected}",
                Status.ERROR)]
    assert [(f.code, f.subject, f.summary) for f in trace.findings] == [(
        "NETDIAG_DVR_SNAT_ROUTE_WRONG", "compute2:198.18.18.0/24",
        f"{QROUTER} on compute2 routes 198.18.18.0/24 no rule for the "
        f"subnet, expected default via {expected}")]
    assert trace.exit_code == ERROR_FINDING


def test_missing_fixed_ip_rule_remedy_names_the_namespace(fip):
    # the rule to table 16 names another source than the fixed IP
    # 198.18.18.78 (ip -j rule edited in one field: src -> 198.18.18.254)
    # kills dvr_fip _check_rule mutant 16 (namespace= dropped: the remedy
    # says "<namespace>")
    fip.edit(fip.host, f"ns-rule:{fip.qrouter}",
             lambda rules: _route(rules, src="198.18.18.78").update(
                 src="198.18.18.254"))
    trace = fip.trace()
    assert _findings(trace) == [(
        "NETDIAG_DVR_FIP_RULE_MISSING", "compute1:from 198.18.18.78",
        f"{QROUTER} on compute1 has no rule from 198.18.18.78",
        f"{QROUTER} on compute1 has no 'ip rule from 198.18.18.78': traffic "
        "of the instance does not leave through its floating IP "
        f"198.19.0.54. {RESTART}")]
    assert _not_ok(trace) == [(
        "compute1", "from 198.18.18.78", "fip-rule", "absent",
        "expected from 198.18.18.78 lookup <table> (floating IP "
        "198.19.0.54)", Status.ERROR)]
    assert trace.exit_code == ERROR_FINDING


def test_mac_rewrite_to_the_router_mac_is_an_error_row(snat):
    # br-tun table 1 on compute2 rewrites the qr- MAC fa:16:3e:6f:70:9d to
    # itself, not to the host's DVR MAC fa:16:3f:e4:08:25 (dump-flows
    # edited in one place)
    # kills trace_dvr _check_mac_rewrite mutant 87 (the row's status None)
    mac = "fa:16:3e:6f:70:9d"
    snat.capture.replace(snat.host, "flows:br-tun:table=1",
                         "mod_dl_src:fa:16:3f:e4:08:25", f"mod_dl_src:{mac}")
    trace = snat.trace()
    assert _not_ok(trace) == [(
        "compute2", "br-tun table=1", "dvr-mac", "absent",
        f"expected dl_vlan=3,dl_src={mac} -> mod_dl_src:<host DVR MAC>",
        Status.ERROR)]
    assert _findings(trace) == [(
        "NETDIAG_DVR_MAC_REWRITE_WRONG", "compute2:br-tun:dvr-mac",
        f"br-tun table 1 on compute2 has no rewrite of {mac} to the host's "
        "DVR MAC on local VLAN 3",
        f"br-tun on compute2 does not rewrite the router port's MAC {mac} to "
        "the host's DVR MAC on local VLAN 3 (table 1): routed packets leave "
        "compute2 with the gateway MAC every DVR host shares. Restart "
        "neutron-openvswitch-agent on compute2.")]
    assert trace.exit_code == ERROR_FINDING


@pytest.fixture
def vlan(tmp_path):
    return EditedCapture(SCENARIOS / "single-vlan-healthy", tmp_path)


def _failed_gateway(vlan, **agent):
    """The router's gateway port as the API shows a failed binding
    (vif_type binding_failed, status DOWN), aio1's agent edited by
    ``agent``; the finding's summary.
    """
    def change(data):
        data["router"]["gateway_port"].update(vif_type="binding_failed",
                                              status="DOWN")
        data["ovs_agents"]["aio1"].update(agent)
    vlan.edit_context(change)
    trace = trace_of(vlan)
    [failed] = [f for f in trace.findings
                if f.code == "NETDIAG_PORT_BINDING_FAILED"]
    assert ("api", GATEWAY_PORT, "binding", "binding_failed",
            Status.ERROR) in [(h.host, h.device, h.kind, h.state, h.status)
                              for h in trace.hops]
    return failed.summary


def test_binding_cause_when_the_agent_is_disabled(vlan):
    # alive but administratively down: said "disabled", not "dead"
    # kills binding binding_causes mutant 14 ('DISABLED')
    assert _failed_gateway(vlan, admin_state_up=False) == (
        f"the router gateway port {GATEWAY_PORT} on aio1 could not be bound: "
        "binding:vif_type binding_failed, status DOWN; likely: the Open "
        "vSwitch agent on aio1 is disabled")


def test_binding_cause_when_the_agent_looks_able(vlan):
    # the agent is up and maps the external network's physnet: the cause
    # is in the server's log, named with the port
    # kills binding binding_causes mutant 31 (the text around the log's
    # message changed)
    assert _failed_gateway(vlan) == (
        f"the router gateway port {GATEWAY_PORT} on aio1 could not be bound: "
        "binding:vif_type binding_failed, status DOWN; likely: the agent on "
        "aio1 looks able to bind it: see neutron-server's log for 'Failed "
        f"to bind port' {GATEWAY_PORT}")
