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

"""The remedy of a network no DHCP agent hosts names the network.

The lab's vlan-healthy recording with its API context edited in one place
(no DHCP agent, no DHCP port), as in test_trace_api_faults.py; that test
asserts the code, this one the whole finding an operator reads.
"""

import pytest

from tests.unit.edited import EditedCapture
from tests.unit.test_trace_faults import SCENARIOS
from tests.unit.test_trace_faults import trace_of

NETWORK = "3e2b7484-02f6-43f9-98e7-87a1ff51eff8"    # the recorded vlan net


@pytest.fixture
def vlan(tmp_path):
    return EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)


def test_unhosted_dhcp_remedy_names_the_network(vlan):
    vlan.edit_context(lambda d: d.update(dhcp_agents=[], dhcp_ports=[]))
    (finding,) = trace_of(vlan).findings
    assert (finding.code, finding.subject) == ("NETDIAG_DHCP_NOT_HOSTED", NETWORK)
    assert finding.summary == ("DHCP is enabled on the subnet but no DHCP "
                               f"agent hosts network {NETWORK}")
    assert finding.remedy == ("No DHCP agent hosts the network: openstack "
                              "network agent add network --dhcp <agent> "
                              f"{NETWORK}.")
