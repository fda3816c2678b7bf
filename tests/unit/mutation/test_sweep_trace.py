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

"""port trace and a distributed router's floating-IP side: the rows,
findings and evidence an operator reads, exactly.

Each test copies a real recording (the DVR lab's ``dvr-lab-*``) and edits
it in one place, named in the test. The values were read off the
recordings by hand: router 5e7a3540-..., compute1 holds the floating IP
198.19.0.54 of 198.18.18.78, rfp- has 169.254.88.134/31 and table 16 goes
via 169.254.88.135.
"""

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.models import Evidence
from osc_netdiag.models import Status
from tests.unit.edited import EditedCapture
from tests.unit.mutation.test_dvr_fip_binding_rows import _findings
from tests.unit.mutation.test_dvr_fip_binding_rows import _not_ok
from tests.unit.mutation.test_dvr_fip_binding_rows import QROUTER
from tests.unit.mutation.test_dvr_fip_binding_rows import RESTART
from tests.unit.mutation.test_dvr_fip_binding_rows import RFP
from tests.unit.test_trace_dvr import _link
from tests.unit.test_trace_dvr import _route
from tests.unit.test_trace_dvr import Dvr
from tests.unit.test_trace_dvr import FIP_SCENARIO
from tests.unit.test_trace_faults import SCENARIOS
from tests.unit.test_trace_faults import trace_of

ERROR_FINDING = exitcodes.ERROR_FINDING
IP_NS = f"ip netns exec {QROUTER} /usr/sbin/ip"
FPR = "fpr-5e7a3540-6"
FIP_NS = "fip-444b6602-936b-4010-b6ae-c4801dc28c9b"


@pytest.fixture
def fip(tmp_path):
    return Dvr(FIP_SCENARIO, tmp_path)


def _rfp_addresses(fip, change):
    fip.edit(fip.host, f"ns-addr:{fip.qrouter}",
             lambda links: change(_link(links, fip.rfp)["addr_info"]))
    return fip.trace()


def _link_wrong(own):
    """The two rows and findings of an rfp- without its /31: its own, and
    table 16's route, whose next hop can then not be judged right.
    """
    table = (f"table 16 of 198.18.18.78 has default via 169.254.88.135 dev "
             f"{RFP}, expected default via <fpr- address> dev {RFP}")
    rows = [("compute1", RFP, "fip-link", "wrong", own, Status.ERROR),
            ("compute1", "from 198.18.18.78", "fip-link", "wrong", table,
             Status.ERROR)]
    findings = [
        ("NETDIAG_DVR_FIP_LINK_WRONG", f"compute1:{RFP}",
         f"in {QROUTER} on compute1, {own}",
         f"In {QROUTER} on compute1, {own}: the floating IP's traffic cannot "
         f"cross the rfp-/fpr- link. {RESTART}"),
        ("NETDIAG_DVR_FIP_LINK_WRONG", "compute1:from 198.18.18.78",
         f"in {QROUTER} on compute1, {table}",
         f"In {QROUTER} on compute1, {table}: the floating IP's traffic "
         f"cannot cross the rfp-/fpr- link. {RESTART}")]
    return rows, findings


def test_rfp_without_an_ipv4_address_says_so(fip):
    # rfp- in qrouter- keeps only its IPv6 link-local address (ip -j addr
    # edited in one place: its inet entry removed)
    # kills dvr_fip _addresses mutants 5, 6 and 7 ("no IPv4 address"
    # spelled otherwise) and _link_wrong 29 (the table row's evidence lost)
    trace = _rfp_addresses(fip, lambda info: info.remove(next(
        a for a in info if a["family"] == "inet")))
    rows, findings = _link_wrong(
        f"{RFP} has no IPv4 address, not one address of a /31 (the "
        "rfp-/fpr- pair)")
    assert _not_ok(trace) == rows
    assert _findings(trace) == findings
    [own, table] = [h for h in trace.hops if h.status is Status.ERROR]
    assert own.evidence == ()
    assert table.evidence == (
        Evidence("compute1", f"{IP_NS} -j rule show",
                 ("from 198.18.18.78 lookup 16",)),
        Evidence("compute1", f"{IP_NS} -j route show table all",
                 (f"default via 169.254.88.135 dev {RFP} table 16",)))
    assert trace.exit_code == ERROR_FINDING


def test_rfp_with_two_ipv4_addresses_lists_both(fip):
    # rfp- in qrouter- has a second IPv4 address, a /24, ahead of its /31
    # (ip -j addr edited in one place: 169.254.88.136/24 inserted first)
    # kills dvr_fip _addresses mutant 3 (the addresses joined by "XX, XX")
    trace = _rfp_addresses(fip, lambda info: info.insert(0, dict(
        info[0], local="169.254.88.136", prefixlen=24)))
    rows, findings = _link_wrong(
        f"{RFP} has 169.254.88.136/24, 169.254.88.134/31, not one address "
        "of a /31 (the rfp-/fpr- pair)")
    # fip- is then judged against rfp-'s first IPv4 address
    found = f"via 169.254.88.134 dev {FPR}"
    assert _not_ok(trace) == rows + [(
        "compute1", "198.19.0.54", "fip-route", "wrong",
        f"{found}; expected via 169.254.88.136 dev {FPR}", Status.ERROR)]
    assert _findings(trace)[:2] == findings
    assert [f.code for f in trace.findings[2:]] == [
        "NETDIAG_DVR_FIP_ROUTE_WRONG"]
    assert trace.exit_code == ERROR_FINDING


def test_floating_ip_route_without_a_next_hop(fip):
    # fip-'s route to the floating IP has no gateway, only dev fpr- (ip -j
    # route edited in one place: its "gateway" removed)
    fip.edit(fip.host, f"ns-route-all:{fip.fip_ns}",
             lambda routes: _route(routes, dst="198.19.0.54").pop("gateway"))
    trace = fip.trace()
    found, expected = f"via - dev {FPR}", f"via 169.254.88.134 dev {FPR}"
    assert _not_ok(trace) == [(
        "compute1", "198.19.0.54", "fip-route", "wrong",
        f"{found}; expected {expected}", Status.ERROR)]
    assert _findings(trace) == [(
        "NETDIAG_DVR_FIP_ROUTE_WRONG", "compute1:198.19.0.54",
        f"{FIP_NS} on compute1 routes 198.19.0.54 {found}, expected "
        f"{expected}",
        f"{FIP_NS} on compute1 does not route 198.19.0.54 {expected} "
        f"({found}): fg- answers ARP for a floating IP only through that "
        f"route (proxy ARP). {RESTART}")]
    [row] = [h for h in trace.hops if h.status is Status.ERROR]
    assert row.evidence == (Evidence(
        "compute1", f"ip netns exec {FIP_NS} /usr/sbin/ip -j route show "
        "table all", (f"198.19.0.54 {found}",)),)
    assert trace.exit_code == ERROR_FINDING


def test_fixed_ip_table_without_a_default_route(fip):
    # table 16's default route (via fpr-) moved to table 17 (ip -j route in
    # qrouter- edited in one field)
    fip.edit(fip.host, f"ns-route-all:{fip.qrouter}",
             lambda routes: _route(routes, table="16").update(table="17"))
    trace = fip.trace()
    what = ("table 16 of 198.18.18.78 has no default route, expected "
            f"default via 169.254.88.135 dev {RFP}")
    assert _not_ok(trace) == [("compute1", "from 198.18.18.78", "fip-link",
                               "wrong", what, Status.ERROR)]
    assert _findings(trace) == [(
        "NETDIAG_DVR_FIP_LINK_WRONG", "compute1:from 198.18.18.78",
        f"in {QROUTER} on compute1, {what}",
        f"In {QROUTER} on compute1, {what}: the floating IP's traffic "
        f"cannot cross the rfp-/fpr- link. {RESTART}")]
    [row] = [h for h in trace.hops if h.status is Status.ERROR]
    assert row.evidence == (
        Evidence("compute1", f"{IP_NS} -j rule show",
                 ("from 198.18.18.78 lookup 16",)),
        Evidence("compute1", f"{IP_NS} -j route show table all", ()))
    assert trace.exit_code == ERROR_FINDING


def test_router_without_an_l3_agent_names_the_router(tmp_path):
    # vlan-healthy's API context: the router's L3 agents emptied (the
    # edit of test_trace_api_faults)
    capture = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)
    capture.edit_context(lambda d: d["router"].update(l3_agents=[]))
    router = capture.context()["router"]["id"]
    trace = trace_of(capture)
    assert _findings(trace) == [(
        "NETDIAG_ROUTER_NOT_HOSTED", router,
        f"no L3 agent hosts router {router}",
        f"No L3 agent hosts router {router}: openstack network agent add "
        f"router --l3 <agent> {router}.")]
    assert trace.exit_code == ERROR_FINDING
