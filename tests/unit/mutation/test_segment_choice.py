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

"""Which segment a port is judged on when its OVS Port row names none of
the network's: the vxlan-healthy recording (tapa5bfc8b1-af on compute1,
VNI 1295) with the port's other_config edited in one place and the API
context without compute1's agent.
"""

import pathlib

from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.edited import EditedCapture
from tests.unit.test_trace_faults import trace_of

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"


def test_port_wired_elsewhere_on_a_host_without_agent(tmp_path):
    # ovs-ports: the tap's other_config segmentation_id 1295 -> 1296 (it
    # names no segment of the network); context: the API lists no Open
    # vSwitch agent on compute1 (its entry keyed by another host). The
    # network's tunnel segment is taken, and both faults are said
    # kills topology choose_segment mutant 17 (the agent's tunnel_types
    # read when there is no agent)
    capture = EditedCapture(SCENARIOS / "vxlan-healthy", tmp_path)
    capture.edit_context(lambda d: d["ovs_agents"].update(
        compute9=d["ovs_agents"].pop("compute1")))
    capture.replace("compute1", "ovs-ports", '["segmentation_id","1295"]',
                    '["segmentation_id","1296"]')
    trace = trace_of(capture)
    assert [(f.code, f.subject, f.summary) for f in trace.findings] == [
        ("NETDIAG_AGENT_MISSING", "compute1",
         "no Open vSwitch agent is registered on compute1"),
        ("NETDIAG_OVS_NET_MISMATCH", "compute1:tapa5bfc8b1-af",
         "tapa5bfc8b1-af is wired for segmentation ID 1296")]
    assert [(h.device, h.state, h.detail, h.status) for h in trace.hops
            if h.host == "compute1" and h.kind == "ovs-port"] == [(
                "tapa5bfc8b1-af", "wrong", "on br-int, ofport 4, local VLAN "
                "2; segmentation_id 1296", Status.ERROR)]
    assert trace.exit_code == exitcodes.ERROR_FINDING
