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

"""Texts of two rows read off real outputs: a router device in its
namespace with two faults at once (the real ``ip -d -j addr`` of a qrouter-
whose qg- lost its carrier, tests/fixtures/captures/ip-j-addr--qrouter.out),
and the API row of a port without fixed IPs (vlan-healthy's context with
the port's fixed_ips emptied).
"""

import pathlib
import types

from osc_netdiag.checks.engine import HostView
from osc_netdiag.checks.engine import Report
from osc_netdiag.linux import devices
from osc_netdiag.models import Status
from osc_netdiag import probes
from osc_netdiag.transport.base import CommandResult
from tests.unit.edited import EditedCapture
from tests.unit.test_trace_faults import trace_of

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
NS = "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d"
QG = "qg-c4d5e6f7-08"


def test_device_down_and_without_its_address_gives_both_problems():
    # the capture as recorded: qg- UP but NO-CARRIER (LOWERLAYERDOWN) with
    # 198.18.20.10/24 and .11/32; the API's addresses: .10 and .12 (the
    # port's second address edited), so .12 is missing as well
    # kills devices check_ns_device mutant 98 (the problems joined by
    # "XX; XX" in the finding)
    probe = probes.netns_addr(NS)
    out = (FIXTURES / "captures" / "ip-j-addr--qrouter.out").read_text()
    view = HostView("network1", types.SimpleNamespace(
        error=None, results=[CommandResult(probe.name, probe.argv, out, "",
                                           0)]), [probe])
    report = Report()
    link = devices.check_ns_device(report, view, NS, QG,
                                   ["198.18.20.10", "198.18.20.12"],
                                   "NETDIAG_ROUTER_DEVICE_BROKEN",
                                   "gateway-port")
    assert link.ifname == QG
    problems = "LOWERLAYERDOWN; missing 198.18.20.12"
    assert [(f.code, f.subject, f.summary) for f in report.findings] == [(
        "NETDIAG_ROUTER_DEVICE_BROKEN", f"network1:{QG}",
        f"{QG} in {NS} on network1: {problems}")]
    assert [(h.device, h.kind, h.state, h.detail, h.status)
            for h in report.hops] == [(
                QG, "gateway-port", "broken",
                f"in {NS}: 198.18.20.10/24, 198.18.20.11/32; {problems}",
                Status.ERROR)]


def test_port_without_fixed_ips_is_said_so(tmp_path):
    # context: the traced port's fixed_ips [] (a port on the network with
    # no address, as Neutron allows)
    # kills trace _api_hops mutant 37 ("no ip")
    capture = EditedCapture(FIXTURES / "scenarios" / "vlan-healthy",
                            tmp_path)
    capture.edit_context(lambda d: d["port"].update(fixed_ips=[]))
    trace = trace_of(capture)
    [row] = [h for h in trace.hops if h.kind == "neutron-port"]
    assert (row.host, row.device, row.state, row.detail, row.status) == (
        "api", "c5f2011d-5a44-4c56-9283-39926459378a", "ACTIVE",
        "no IP fa:16:3e:b9:d1:75 on vlan-net (vlan 2113 on physnet1); bound "
        "to compute1 vif ovs (direct plug: openvswitch or noop firewall)",
        Status.OK)
