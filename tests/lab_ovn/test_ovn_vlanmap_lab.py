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

"""``network vlan-map`` of the OVN lab's networks: healthy, then a bridge
mapping removed on a host with ports of the VLAN network.
"""

import pytest

from tests.lab_ovn.conftest import netdiag
from tests.lab_ovn import ovn_faults as faults

pytestmark = pytest.mark.lab


@pytest.mark.parametrize("network", ["vlan", "geneve"])
def test_healthy_networks(ovn_lab, network):
    code, doc = netdiag("network", "vlan-map", "--all",
                        ovn_lab["networks"][network]["id"])
    assert (code, doc["findings"]) == (0, [])
    assert {r["status"] for r in doc["rows"]} == {"OK"}


def test_removed_bridge_mapping(ovn_lab, fault):
    fault(faults.fault_remove_bridge_mapping, "vlan2")
    code, doc = netdiag("network", "vlan-map",
                        ovn_lab["networks"]["vlan"]["id"])
    assert code == 4
    assert [f["code"] for f in doc["findings"]] == [
        "NETDIAG_OVN_BRIDGE_MAPPING_MISSING"]
    assert doc["findings"][0]["subject"] == "compute2:physnet1"
