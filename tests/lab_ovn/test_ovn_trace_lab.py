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

"""``port trace`` of ML2/OVN ports on the real OVN lab: healthy ports exit
0; each fault of the issue is caught with its code and exit bit 4; the
trace changes nothing in the OVN databases.
"""

import pytest

from tests.lab_ovn.conftest import trace
from tests.lab_ovn import ovn_faults as faults

pytestmark = pytest.mark.lab


def codes(doc):
    return sorted(f["code"] for f in doc["findings"])


@pytest.mark.parametrize("name", ["vlan1", "vlan2", "geneve1", "geneve2"])
def test_healthy_ports(ovn_lab, name):
    code, doc = trace(ovn_lab, name)
    assert (code, codes(doc)) == (0, [])
    kinds = {h["kind"] for h in doc["hops"]}
    assert {"ovn-nb-lsp", "ovn-sb-binding", "ovn-controller", "ovn-iface",
            "ovn-metadata", "ovn-gateway"} <= kinds


@pytest.mark.parametrize("fault_fn,name,code", [
    (faults.fault_stop_ovn_controller, "geneve1",
     "NETDIAG_OVN_CONTROLLER_DOWN"),
    (faults.fault_clear_iface_id, "geneve2", "NETDIAG_OVN_PORT_UNBOUND"),
    (faults.fault_remove_bridge_mapping, "vlan2",
     "NETDIAG_OVN_BRIDGE_MAPPING_MISSING"),
    (faults.fault_delete_metadata_namespace, "vlan1",
     "NETDIAG_OVN_METADATA_MISSING"),
    (faults.fault_stale_duplicate_chassis, "geneve1",
     "NETDIAG_OVN_CHASSIS_DUPLICATE"),
    (faults.fault_delete_switch_port, "geneve2", "NETDIAG_OVN_LSP_MISSING"),
    (faults.fault_wrong_port_security, "vlan2", "NETDIAG_OVN_TRACE_DROP"),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_each_fault_is_caught(ovn_lab, fault, fault_fn, name, code):
    fault(fault_fn, name)
    exit_code, doc = trace(ovn_lab, name)
    assert exit_code == 4
    assert code in codes(doc)


# what a read-only trace must leave as it found it
SNAPSHOT = [("ovn-nbctl", t) for t in ("Logical_Switch", "Logical_Switch_Port",
                                       "Logical_Router_Port", "HA_Chassis_Group",
                                       "HA_Chassis", "ACL")] + \
    [("ovn-sbctl", t) for t in ("Chassis", "Encap", "Port_Binding")]


def snapshot():
    return {(client, table): faults.lab_exec(
        faults.DB_HOST, client, "--format=json", "list", table).stdout
        for client, table in SNAPSHOT}


def test_trace_changes_nothing_in_the_databases(ovn_lab):
    before = snapshot()
    for name in ("vlan1", "geneve1"):
        assert trace(ovn_lab, name)[0] == 0
    assert snapshot() == before
