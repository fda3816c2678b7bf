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

"""port trace's router hops on network1 (a legacy router, then the same
router made HA in the recorded API context) with the qrouter- namespace's
real ``ip addr`` output edited in one place: an address present but wrong,
which an active router must carry and a standby one need not.

The whole ``--long -f json`` document is compared with the one stored under
tests/fixtures/reports/router-edits/ (a delta against the healthy report:
an unchanged list item is "="); rewrite with ``NETDIAG_WRITE_REPORTS=1``
after a deliberate change of the output and review the diff. Each case
also asserts its finding codes and exit code by hand.
"""

import json
import pathlib

import pytest

from osc_netdiag.v1 import port as port_cmd
from tests.unit.edited import EditedCapture
from tests.unit import helpers
from tests.unit.mutation import reports

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
HEALTHY = FIXTURES / "scenarios" / "vlan-healthy"
STORED = FIXTURES / "reports" / "router-edits" / "vlan-healthy"
QROUTER = "ns-addr:qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d"
# the qr- (198.18.16.1) and qg- (198.19.0.56) addresses as ip -j prints them
QR_ADDR = '"local":"198.18.16.1",'
QG_ADDR = '"local":"198.19.0.56",'
# qg-4ed7e451-34's Port row, a member of br-int's ports, and br-ex's ports
QG_PORT = '["uuid","c6198926-4faa-406f-a282-b8e3edf5f208"]'
BR_EX_PORTS = '"br-ex",["set",['


def _ha(state, *others):
    """network1's L3 agent in ``state``; ``others``: (host, state) of more
    L3 agents, copies of network1's with another host.
    """
    def edit(data):
        router = data["router"]
        router["ha"] = True
        agent = router["l3_agents"][0]
        agent["ha_state"] = state
        for host, other_state in others:
            router["l3_agents"].append(dict(agent, host=host,
                                            ha_state=other_state))
    return edit


# name: (context edit or None, output edit (old, new) of the qrouter-
#        namespace's addresses, or a list of (command, old, new), or None;
#        finding codes, exit code)
CASES = {
    "qr-address-wrong": (
        None, (QR_ADDR, '"local":"198.18.16.9",'),
        ["NETDIAG_ROUTER_DEVICE_BROKEN"], 4),
    "qg-address-wrong": (
        None, (QG_ADDR, '"local":"198.19.0.57",'),
        ["NETDIAG_ROUTER_DEVICE_BROKEN"], 4),
    # an HA router's standby copy carries no addresses: not a fault (the
    # router has no active copy then, which is one)
    "ha-standby-qr-address-wrong": (
        _ha("standby"), (QR_ADDR, '"local":"198.18.16.9",'),
        ["NETDIAG_ROUTER_HA_STATE"], 4),
    "ha-standby-qg-address-wrong": (
        _ha("standby"), (QG_ADDR, '"local":"198.19.0.57",'),
        ["NETDIAG_ROUTER_HA_STATE"], 4),
    # ... but the active one must carry them
    "ha-active-qr-address-wrong": (
        _ha("active"), (QR_ADDR, '"local":"198.18.16.9",'),
        ["NETDIAG_ROUTER_DEVICE_BROKEN"], 4),
    "ha-active-qg-address-wrong": (
        _ha("active"), (QG_ADDR, '"local":"198.19.0.57",'),
        ["NETDIAG_ROUTER_DEVICE_BROKEN"], 4),
    # two edits of network1's Bridge table: qg- moved from br-int to br-ex,
    # the Operations Guide's layout (external_network_bridge): no VLAN
    # translation for it, br-ex's NICs checked instead
    "qg-plugged-into-br-ex": (
        None, [("ovs-bridges", QG_PORT + ",", ""),
               ("ovs-bridges", BR_EX_PORTS, BR_EX_PORTS + QG_PORT + ",")],
        [], 0),
    # two agents claim the active copy (split brain), or one of two does;
    # network2 is not in the recording (no agent there, not read)
    "ha-two-active": (
        _ha("active", ("network2", "active")), None,
        ["NETDIAG_AGENT_MISSING", "NETDIAG_HOST_UNREADABLE",
         "NETDIAG_ROUTER_HA_STATE"], 12),
    "ha-active-and-standby": (
        _ha("active", ("network2", "standby")), None,
        ["NETDIAG_AGENT_MISSING", "NETDIAG_HOST_UNREADABLE"], 12),
}


def _run(capture):
    code, app = helpers.run_command(port_cmd.TracePort, "--from-capture",
                                    str(capture), "-f", "json", "--long")
    doc = json.loads(app.stdout.getvalue())
    assert doc["exit_code"] == code
    return code, doc


@pytest.mark.parametrize("case", sorted(CASES))
def test_router_hops_with_one_edit(case, tmp_path):
    context_edit, output_edit, codes, exit_code = CASES[case]
    capture = EditedCapture(HEALTHY, tmp_path)
    if context_edit is not None:
        capture.edit_context(context_edit)
    if isinstance(output_edit, tuple):
        capture.replace("network1", QROUTER, *output_edit)
    for command, old, new in output_edit or () if isinstance(
            output_edit, list) else ():
        capture.replace("network1", command, old, new)
    code, doc = _run(capture)
    assert code == exit_code
    assert sorted(f["code"] for f in doc["findings"]) == codes
    stored = STORED / f"{case}.json"
    reports.check(reports.delta(doc, _run(HEALTHY)[1]), stored)


def test_two_active_copies_are_named(tmp_path):
    # Hand-written: the finding names the router, the count and both hosts.
    capture = EditedCapture(HEALTHY, tmp_path)
    capture.edit_context(CASES["ha-two-active"][0])
    [finding] = [f for f in _run(capture)[1]["findings"]
                 if f["code"] == "NETDIAG_ROUTER_HA_STATE"]
    assert (finding["code"], finding["subject"], finding["summary"]) == (
        "NETDIAG_ROUTER_HA_STATE", "7e9218af-4b0f-4fff-a748-64f7fa833d1d",
        "HA router 7e9218af-4b0f-4fff-a748-64f7fa833d1d is active on 2 "
        "hosts: network1, network2")
