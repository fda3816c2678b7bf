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

"""host check's interface and patch rows on the lab's healthy recording
(tests/fixtures/hostcheck/healthy) edited in one place each: the whole row
and finding an operator reads.

On compute1 br-int is an OVS bridge-internal port (the userspace datapath's
tap device), recorded admin down: ``<BROADCAST,MULTICAST,PROMISC> state
DOWN``; patch-tun (br-tun) and patch-int (br-int) are peered.
"""

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.edited import EditedCapture
from tests.unit.test_hostcheck_faults import check
from tests.unit.test_hostcheck_faults import codes
from tests.unit.test_hostcheck_faults import EXTRA_BRIDGES
from tests.unit.test_hostcheck_faults import FIXTURES


@pytest.fixture
def healthy(tmp_path):
    return EditedCapture(FIXTURES / "healthy", tmp_path)


def _rows(result, kind):
    return [(r.device, r.state, r.detail, r.status) for r in result.rows
            if r.host == "compute1" and r.kind == kind]


def test_bridge_internal_port_up_without_carrier_is_by_design(healthy):
    # ip-addr: br-int's flags gain UP (an operator's "ip link set br-int
    # up"); it still has no carrier (state DOWN). OVS bridge-internal ports
    # are down by design: no finding, the row OK (an ordinary device so is
    # a WARNING: test_hostcheck_faults.test_interface_up_without_carrier)
    # kills check_interfaces mutants 18 and 22 (no port taken as internal)
    healthy.replace("compute1", "ip-addr",
                    '"ifname":"br-int","flags":["BROADCAST","MULTICAST",'
                    '"PROMISC"]',
                    '"ifname":"br-int","flags":["BROADCAST","MULTICAST",'
                    '"PROMISC","UP"]')
    result = check(healthy)
    assert codes(result) == EXTRA_BRIDGES
    assert [r for r in _rows(result, "interface") if r[0] == "br-int"] == [
        ("br-int", "DOWN", "mtu 1450, master -", Status.OK)]
    assert result.exit_code == exitcodes.OK


def test_patch_tun_peered_elsewhere_is_named_by_its_own_name(healthy):
    # ovs-interfaces: patch-tun's options:peer patch-int -> patch-intx, so
    # no patch port of br-int leads to br-tun by its peer: the pair is
    # looked up by Neutron's names and both ends are shown as they are
    # kills check_patches mutant 9 (br-tun's default name misspelt: the
    # row would say that port is missing)
    healthy.replace("compute1", "ovs-interfaces", '["peer","patch-int"]',
                    '["peer","patch-intx"]')
    result = check(healthy)
    broken = "patch-tun peer=patch-intx, patch-int peer=patch-tun"
    assert _rows(result, "patch") == [
        ("patch-tun<->patch-int", "broken", broken, Status.ERROR),
        ("int-br-eth1<->phy-br-eth1", "peered", "br-int <-> br-eth1",
         Status.OK)]
    [finding] = [f for f in result.findings
                 if f.code == "NETDIAG_OVS_PATCH_PEER"]
    assert (finding.subject, finding.summary, finding.remedy) == (
        "compute1:patch-tun<->patch-int",
        f"patch pair br-int <-> br-tun on compute1 is broken: {broken}",
        "Fix the patch pair: ovs-vsctl set Interface patch-tun options:"
        "peer=patch-int (or restart neutron-openvswitch-agent on compute1).")
    assert codes(result) == EXTRA_BRIDGES + ["NETDIAG_OVS_PATCH_PEER"]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_patch_int_under_another_name_is_said_missing(healthy):
    # ovs-interfaces: the Interface row patch-int renamed patch-inx; patch-tun
    # still names patch-int as its peer, which no interface is now
    # kills topology check_patch_pair mutant 85 (the missing end's words)
    healthy.replace("compute1", "ovs-interfaces", '"patch-int","patch"',
                    '"patch-inx","patch"')
    result = check(healthy)
    broken = "patch-tun peer=patch-int, patch-int missing"
    assert _rows(result, "patch")[0] == (
        "patch-tun<->patch-int", "broken", broken, Status.ERROR)
    [finding] = [f for f in result.findings
                 if f.code == "NETDIAG_OVS_PATCH_PEER"]
    assert (finding.subject, finding.summary) == (
        "compute1:patch-tun<->patch-int",
        f"patch pair br-int <-> br-tun on compute1 is broken: {broken}")
    assert result.exit_code == exitcodes.ERROR_FINDING
