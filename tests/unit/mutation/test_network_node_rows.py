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

"""port trace's rows on network1 in the vlan-healthy recording, each with
one real command output (or one field of the API context) edited as its
comment says: the DHCP port's tap, the flat external network's ingress
flow, an HA router's standby copy's default route.

Recorded on network1: qdhcp-3e2b7484-...'s tap0ca4aaaf-71 holds
198.18.16.10/24; br-int table 0 maps VLAN 2113 from int-br-eth1 (ofport 1)
to local VLAN 2 and the untagged frames of the flat external network from
int-br-ex (ofport 2) to 8; qrouter-7e9218af-...'s default route leaves by
qg-4ed7e451-34.
"""

import pathlib

from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.edited import EditedCapture
from tests.unit.test_mut_trace_router import _ha
from tests.unit.test_trace_faults import trace_of

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"
QDHCP = "qdhcp-3e2b7484-02f6-43f9-98e7-87a1ff51eff8"


def _trace(tmp_path, edit, context_edit=None):
    capture = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)
    if context_edit is not None:
        capture.edit_context(context_edit)
    capture.replace("network1", *edit)
    return trace_of(capture)


def _rows(trace, kind):
    return [(h.device, h.state, h.detail, h.status) for h in trace.hops
            if h.host == "network1" and h.kind == kind]


def test_dhcp_tap_with_another_address(tmp_path):
    # ip -j addr in qdhcp-: the tap's 198.18.16.10 -> .11
    # kills trace _dhcp_hops mutant 57 (the finding's code misspelt)
    trace = _trace(tmp_path, (f"ns-addr:{QDHCP}", '"local":"198.18.16.10"',
                              '"local":"198.18.16.11"'))
    assert [(f.code, f.subject, f.summary) for f in trace.findings] == [(
        "NETDIAG_DHCP_TAP_BROKEN", "network1:tap0ca4aaaf-71",
        f"tap0ca4aaaf-71 in {QDHCP} on network1: missing 198.18.16.10")]
    assert _rows(trace, "dhcp-port") == [(
        "tap0ca4aaaf-71", "broken",
        f"in {QDHCP}: 198.18.16.11/24; missing 198.18.16.10", Status.ERROR)]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_flat_ingress_ignores_a_vlan_flow_of_the_same_patch(tmp_path):
    # flows:br-int:table=0 (the whole table, read for the flat network):
    # the VLAN 2113 flow comes from int-br-ex (ofport 2) instead of
    # int-br-eth1, as a VLAN network of the external physnet's would. It
    # comes first, and is not the flat network's translation
    # kills vlan _ingress_flow mutant 63 (dl_vlan not read: the VLAN flow
    # judged as the flat network's, to local VLAN 2 instead of 8)
    trace = _trace(tmp_path, (
        "flows:br-int:table=0",
        "priority=3,in_port=1,dl_vlan=2113 actions=mod_vlan_vid:2",
        "priority=3,in_port=2,dl_vlan=2113 actions=mod_vlan_vid:2"))
    assert trace.findings == ()
    assert [r for r in _rows(trace, "flow") if "int-br-ex" in r[2]] == [(
        "br-int table=0", "present",
        "in_port=int-br-ex,untagged -> mod_vlan_vid:8 (n_packets=0)",
        Status.OK)]
    assert trace.exit_code == exitcodes.OK


def test_standby_copy_with_a_wrong_default_route_is_skipped(tmp_path):
    # context: the router is HA, network1's copy standby; ip route in
    # qrouter-: the default route leaves by qr-12cf768b-a6, not qg-. A
    # standby copy's route is shown, not judged (SKIP)
    # kills nat check_routes mutant 146 (the row's status left out)
    trace = _trace(tmp_path, (
        "ns-route:qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d",
        '"gateway":"198.19.0.1","dev":"qg-4ed7e451-34"',
        '"gateway":"198.19.0.1","dev":"qr-12cf768b-a6"'), _ha("standby"))
    assert _rows(trace, "route") == [(
        "default route", "wrong",
        "standby: leaves through qr-12cf768b-a6, expected qg-4ed7e451-34",
        Status.SKIP)]
    assert [f.code for f in trace.findings] == ["NETDIAG_ROUTER_HA_STATE"]
