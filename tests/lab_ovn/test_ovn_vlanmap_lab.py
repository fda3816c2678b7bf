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
