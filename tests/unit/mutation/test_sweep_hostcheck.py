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

"""Survivors of the whole mutation sweep of host check and of port
capture's points (``backends.ml2_ovs.hostcheck``, ``capture_points``),
each killed on a real recording edited in the one place its comment says:
the exact points, NIC, rows and findings an operator reads.
"""

from osc_netdiag.backends.ml2_ovs import capture_points
from osc_netdiag import context as ctx_mod
from osc_netdiag.taps import Point
from osc_netdiag.taps import Tap
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.replay import ReplayTransport
from tests.unit.edited import EditedCapture
from tests.unit.mutation.test_capture_point_taps import _points
from tests.unit.mutation.test_capture_point_taps import SCENARIOS

# -- capture points ----------------------------------------------------------

DVR = "dvr-lab-distributed-router-healthy"
DVR_ROUTER = "5e7a3540-66f9-42f6-bba7-e858c212b4fa"
DVR_QR = Point("qr", "compute1", (Tap(
    device="qr-d8dfbf75-d2", netns=f"qrouter-{DVR_ROUTER}"),))
DVR_QG = Point("qg", "network1", (Tap(
    device="qg-f94bbb6d-c0", netns=f"snat-{DVR_ROUTER}"),))


def _router_points(points):
    return [p for p in points if p.label in ("qr", "qg")]


def test_distributed_router_points():
    # dvr-lab-distributed-router-healthy as recorded: qr- in the qrouter-
    # namespace on the instance's own host, qg- in snat- on the host the
    # gateway port is bound to
    # kills _distributed_router_points mutants 12 and 14 (qr's tap without
    # its device)
    assert _router_points(_points(name=DVR)) == [DVR_QR, DVR_QG]


def test_distributed_router_without_gateway_has_no_qg_point():
    # context: the router's gateway_port null (a distributed router with
    # no external gateway set: only its interfaces route, on each host)
    # kills _distributed_router_points mutant 19 (``or``: the gateway's
    # binding host read from None)
    def no_gateway(data):
        data["router"]["gateway_port"] = None
    assert _router_points(_points(no_gateway, DVR)) == [DVR_QR]


def test_distributed_router_gateway_not_bound_has_no_qg_point():
    # context: the gateway port's binding_host "" (no dvr_snat agent took
    # the router's SNAT part: the port is unbound)
    # kills _distributed_router_points mutant 19 too (a qg point on no host)
    def unbound(data):
        data["router"]["gateway_port"]["binding_host"] = ""
    assert _router_points(_points(unbound, DVR)) == [DVR_QR]


def _nic(scenario, tmp_path, host_edit=None, context_edit=None):
    capture = EditedCapture(SCENARIOS / scenario, tmp_path)
    if host_edit is not None:
        capture.replace("compute1", *host_edit)
    if context_edit is not None:
        capture.edit_context(context_edit)
    context = ctx_mod.PortContext.from_json(capture.context())
    target = HostTarget("compute1", "compute1")
    session = ReplayTransport(str(capture)).open(target)
    results = session.run(capture_points.nic_commands())
    return capture_points.find_nic(context, "compute1", target, results)


def test_physnet_bridge_without_a_system_port_has_no_nic(tmp_path):
    # vlan-healthy, compute1's ovs-vsctl list Interface: eth1 (br-eth1's
    # NIC) of type "" -> "internal" (added as an OVS internal port): br-eth1
    # holds no system port, only internal and patch ones. port capture then
    # says "no physical NIC found for the segment" (capture.evaluate)
    # kills _system_ports mutant 3 (``or``: the internal eth1 or the patch
    # phy-br-eth1 taken for the NIC) and find_nic mutant 53 (nics[0] of an
    # empty list: "list index out of range" in the finding)
    assert _nic("vlan-healthy", tmp_path, (
        "ovs-interfaces", '"eth1","",1', '"eth1","internal",1')) is None


def test_tunnel_bridge_without_a_system_port_has_no_nic(tmp_path):
    # vxlan-healthy, compute1's ovs-vsctl list Interface: eth2 (the NIC of
    # br-phy, whose internal port holds the tunneling_ip) of type "" ->
    # "internal": br-phy holds no system port
    # kills find_nic mutant 41 (nics[0] of an empty list) and
    # _system_ports mutant 3 on this path (the internal eth2 taken)
    assert _nic("vxlan-healthy", tmp_path, (
        "ovs-interfaces", '"eth2","",1', '"eth2","internal",1')) is None


def test_no_nic_without_an_agent_on_the_host(tmp_path):
    # vlan-healthy, context: the API has no Open vSwitch agent on compute1
    # (its key moved to a host that does not exist): no bridge_mappings to
    # find the physnet's bridge by, so no NIC (the NIC point is still
    # planned: it needs a segment only)
    # kills find_nic mutant 21 (``and``: the agent's mappings read from
    # None, "'NoneType' object has no attribute ..." in the finding)
    def no_agent(data):
        data["ovs_agents"]["compute9"] = data["ovs_agents"].pop("compute1")
    assert _nic("vlan-healthy", tmp_path, context_edit=no_agent) is None
