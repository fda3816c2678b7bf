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

"""port trace when the physnet's bridge is gone from a compute host, on the
vlan-healthy recording (compute1 maps physnet1 to br-eth1) edited in one
place: the finding and row as an operator reads them.
"""

import pathlib

from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.edited import EditedCapture
from tests.unit.test_trace_faults import trace_of

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"


def test_missing_physnet_bridge_remedy_names_the_bridge(tmp_path):
    # ovs-bridges: br-eth1's Bridge row renamed br-eth9
    # kills topology topology_with_bridge mutant 25 (bridge= dropped: the
    # remedy says "Create <bridge>")
    capture = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)
    capture.replace("compute1", "ovs-bridges", '"br-eth1"', '"br-eth9"')
    trace = trace_of(capture)
    assert [(f.code, f.subject, f.summary, f.remedy)
            for f in trace.findings] == [(
                "NETDIAG_OVS_BRIDGE_MISSING", "compute1:br-eth1",
                "bridge br-eth1 (physnet1) does not exist on compute1",
                "Create br-eth1 (ovs-vsctl add-br) and restart "
                "neutron-openvswitch-agent on compute1; check "
                "bridge_mappings.")]
    assert [(h.host, h.device, h.kind, h.state, h.detail, h.status)
            for h in trace.hops if h.status is not Status.OK] == [(
                "compute1", "br-eth1", "bridge", "absent",
                "bridge_mappings physnet1:br-eth1", Status.ERROR)]
    assert trace.exit_code == exitcodes.ERROR_FINDING
