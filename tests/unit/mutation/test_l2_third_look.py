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

"""The ML2/OVS layer-2 checks, third look (OVS port, topology, bindings):
port traces of real recordings, each edited where the comment says, with
the findings (code, severity, subject, summary, remedy) and the rows an
operator reads asserted exactly.
"""

import pathlib

import pytest

from osc_netdiag import exitcodes
from tests.unit.edited import EditedCapture
from tests.unit.mutation.test_sweep_l2_paths import bad_rows
from tests.unit.mutation.test_sweep_l2_paths import findings
from tests.unit.test_trace_faults import trace_of

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"
OK, ERROR_FINDING = exitcodes.OK, exitcodes.ERROR_FINDING
TAP = "tapc5f2011d-5a"
INGRESS = "flows:br-int:table=0,dl_vlan=2113"


@pytest.fixture
def vlan(tmp_path):
    return EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)


# -- the ingress translation flow keyed on another port (topology) ------------

@pytest.mark.parametrize("match", [
    # the flow keyed on ofport 3 (compute1's tap) instead of 1 (int-br-eth1):
    # kills topology flow_port_matches mutants 6 (any other name matches),
    # 10 and 11 (any in_port matches once the patch port has an ofport)
    "in_port=3,dl_vlan=2113",
    # the flow without in_port: a flow the agent never writes (it keys every
    # translation on the patch port), not the one from int-br-eth1
    # kills topology flow_port_matches mutant 2 (no in_port counted as the
    # patch port)
    "dl_vlan=2113",
])
def test_ingress_flow_from_another_port_is_missing(vlan, match):
    # flows:br-int:table=0,dl_vlan=2113 on compute1: the translation flow's
    # match in_port=1,dl_vlan=2113 -> ``match``
    vlan.replace("compute1", INGRESS, "in_port=1,dl_vlan=2113", match)
    trace = trace_of(vlan)
    assert findings(trace) == [(
        "NETDIAG_OVS_NO_INGRESS_TRANSLATION", "ERROR", "compute1:br-int",
        "no flow on br-int maps vlan 2113 on physnet1 (dl_vlan=2113 from "
        "int-br-eth1) to local VLAN 1",
        "Restart neutron-openvswitch-agent on compute1: it re-installs the "
        "flows of br-int. If the flow stays missing, check bridge_mappings "
        "and the agent's log.")]
    assert bad_rows(trace) == [(
        "compute1", "br-int table=0", "flow", "absent",
        "in_port=int-br-eth1,dl_vlan=2113 -> mod_vlan_vid:1 missing",
        "ERROR")]
    assert trace.exit_code == ERROR_FINDING
