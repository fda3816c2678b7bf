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

"""Why a host alone on a VLAN network still needs its NIC, as the finding
says it, on the single-node recording (single-vlan-healthy: aio1, br-eth1
with no NIC, subnet 198.18.16.0/24 whose gateway .1 is the router's port)
with one field of the API context edited.
"""

import pathlib

from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.edited import EditedCapture
from tests.unit.test_trace_faults import trace_of

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"


def test_gateway_off_the_host_is_the_reason_given(tmp_path):
    # context: the subnet's gateway_ip .1 -> .254, no router port's (a
    # physical router on the provider network would answer there)
    # kills layout physical_path_needed mutant 37 (the reason's text)
    capture = EditedCapture(SCENARIOS / "single-vlan-healthy", tmp_path)
    capture.edit_context(
        lambda d: d["subnets"][0].update(gateway_ip="198.18.16.254"))
    trace = trace_of(capture)
    assert [(f.code, f.subject, f.summary) for f in trace.findings] == [(
        "NETDIAG_PHYS_NIC_MISSING", "aio1:br-eth1",
        "br-eth1 on aio1 has no physical interface, and subnet "
        "198.18.16.0/24's gateway 198.18.16.254 is not a Neutron router "
        "port")]
    assert [(h.host, h.device, h.kind, h.state, h.detail, h.status)
            for h in trace.hops if h.status is not Status.OK] == [(
                "aio1", "br-eth1", "nic", "absent",
                "no physical port in the bridge", Status.ERROR)]
    assert trace.exit_code == exitcodes.ERROR_FINDING
