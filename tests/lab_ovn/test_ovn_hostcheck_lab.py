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

"""``host check`` of the OVN lab's chassis: healthy, then a stopped
ovn-controller, a removed bridge mapping and a stale duplicate chassis,
each caught with its code and exit bit 4.
"""

import pytest

from tests.lab_ovn.conftest import netdiag
from tests.lab_ovn import ovn_faults as faults

pytestmark = pytest.mark.lab


def codes(doc):
    return sorted(f["code"] for f in doc["findings"])


def test_every_chassis_is_healthy(ovn_lab):
    code, doc = netdiag("host", "check", "--all")
    assert (code, codes(doc)) == (0, [])
    assert {r["host"] for r in doc["rows"]} == {"compute1", "compute2",
                                                "network1"}


@pytest.mark.parametrize("fault_fn,name,code", [
    (faults.fault_stop_ovn_controller, "vlan2", "NETDIAG_OVN_CONTROLLER_DOWN"),
    (faults.fault_remove_bridge_mapping, "vlan1",
     "NETDIAG_OVN_BRIDGE_MAPPING_MISSING"),
    (faults.fault_stale_duplicate_chassis, "geneve2",
     "NETDIAG_OVN_CHASSIS_DUPLICATE"),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_each_fault_is_caught(ovn_lab, fault, fault_fn, name, code):
    fault(fault_fn, name)
    host = ovn_lab["instances"][name]["host"]
    exit_code, doc = netdiag("host", "check", host)
    assert exit_code == 4
    assert code in codes(doc)
