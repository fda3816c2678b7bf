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

"""The physical NICs of a VLAN segment's bridge, second look: port traces
of real recordings, each edited where the comment says, with the NIC rows
(evidence included, what ``--long`` and JSON show) and the findings an
operator reads asserted exactly.
"""

import json
import pathlib

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.models import Evidence
from tests.unit.edited import EditedCapture
from tests.unit.mutation.test_probe_fault_reports import STDERR
from tests.unit.mutation.test_sweep_l2_paths import findings
from tests.unit.mutation.test_sweep_l2_paths import TAP
from tests.unit.test_trace_faults import trace_of

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"
IP_ADDR = "ip -d -j addr show"
OVS_INTERFACES = ("ovs-vsctl --timeout=5 --format=json --columns=_uuid,name,"
                  "type,ofport,options,external_ids,error,admin_state,"
                  "link_state,mac_in_use,mtu list Interface")
# eth1 of vlan-healthy's compute1 as ip addr shows it
ETH1_LINK = ("eth1: <BROADCAST,MULTICAST,PROMISC,UP,LOWER_UP> mtu 1500 state "
             "UP master - kind veth")


@pytest.fixture
def vlan(tmp_path):
    return EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)


def nic_rows(trace, host):
    return [(h.device, h.state, h.detail, str(h.status), h.evidence)
            for h in trace.hops if h.host == host and h.kind == "nic"]


# -- eth1 in an OVS bond with a second NIC (check_physical_nics) --------------

ETH1_PORT = ('["uuid","578c81fc-8d84-4d60-821f-b5c06c0b61f3"],"eth1",'
             '["uuid","b500499d-869e-4d79-b689-a6c09a5fc1d6"]')
ETH1_IFACE = '[["uuid","b500499d-869e-4d79-b689-a6c09a5fc1d6"],"eth1",'
ETH5_UUID = "0c8e5d1a-5d2b-4c0e-9a51-3f6c2d7e9b15"


def _bond(capture):
    # compute1's br-eth1 NIC eth1 made one of the two members of an OVS
    # bond, as "ovs-vsctl add-bond br-eth1 bond0 eth5 eth1" leaves it:
    # ovs-ports: eth1's Port row named bond0, with the Interface eth5
    # before eth1; ovs-interfaces: eth5's row (a copy of eth1's with its
    # own UUID, name, ofport 4 and MAC) added before eth1's. compute1 has
    # no device eth5 (ip addr is as recorded).
    capture.replace("compute1", "ovs-ports", ETH1_PORT, ETH1_PORT.replace(
        '"eth1",["uuid",', f'"bond0",["set",[["uuid","{ETH5_UUID}"],["uuid",')
        + "]]")
    capture.replace("compute1", "ovs-interfaces", ETH1_IFACE,
                    f'[["uuid","{ETH5_UUID}"],"eth5","",4,["map",[]],'
                    '["map",[]],["set",[]],"up","up","26:94:34:83:54:9c",'
                    f'1500],{ETH1_IFACE}')


def test_bond_member_that_is_no_device(vlan):
    # the bond (see _bond): eth5 is no device on compute1, eth1 is
    # checked after it all the same (its own row, UP), and the missing
    # member's row carries the ip addr it was looked for in
    # kills vlan check_physical_nics mutants 146 (the loop ends at the
    # missing member) and 141 (its row without evidence)
    _bond(vlan)
    trace = trace_of(vlan)
    assert findings(trace) == [(
        "NETDIAG_PHYS_NIC_MISSING", "ERROR", "compute1:eth5",
        "eth5 is a port of br-eth1 but not a device on compute1",
        "Add the physical interface to br-eth1 on compute1 (ovs-vsctl "
        "add-port br-eth1 <nic>).")]
    assert nic_rows(trace, "compute1") == [
        ("eth5", "absent", "port of br-eth1; no such device", "ERROR",
         (Evidence("compute1", IP_ADDR, ()),)),
        ("eth1", "UP", "in br-eth1, ofport 1, mtu 1500, UP", "OK",
         (Evidence("compute1", IP_ADDR, (ETH1_LINK,)),))]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_bond_members_when_ip_addr_failed(vlan):
    # the bond (see _bond), and compute1's ip addr failed (its recorded
    # exit status 1 and a stderr, as in test_probe_fault_reports): each
    # member is a row not checked, with its own warning
    # kills vlan check_physical_nics mutant 113 (the loop ends at the
    # first member not read)
    _bond(vlan)
    path = vlan.path / "hosts" / "compute1.json"
    data = json.loads(path.read_text())
    [record] = [c for c in data["commands"] if c["name"] == "ip-addr"]
    record.update(exit_status="1", stderr=STDERR)
    path.write_text(json.dumps(data))
    trace = trace_of(vlan)
    said = f"error, exit 1: {STDERR.strip()}"
    assert [f for f in findings(trace) if f[2] != f"compute1:{TAP}"] == [(
        "NETDIAG_COMMAND_FAILED", "WARNING", f"compute1:{nic}",
        f"could not read '{IP_ADDR}' on compute1: {said}; not checked: "
        f"nic {nic}",
        f"Run '{IP_ADDR}' on compute1 by hand and fix what it says; until "
        f"it succeeds the nic {nic} hop (and those that depend on it) is "
        "not checked.") for nic in ("eth5", "eth1")]
    assert nic_rows(trace, "compute1") == [
        (nic, "error", f"not checked: {said}", "SKIP", ())
        for nic in ("eth5", "eth1")]
    assert trace.exit_code == exitcodes.UNREADABLE


# -- the evidence of the other NIC rows (check_physical_nics) -----------------

def test_nic_without_an_ofport_row_shows_its_link(vlan):
    # ovs-interfaces: compute1's eth1 ofport 1 -> empty (the edit of
    # test_l2_second_look's test_physical_nic_without_an_ofport_is_down):
    # the DOWN row shows the kernel's view of eth1, which is up
    # kills vlan check_physical_nics mutant 198 (the row without evidence)
    vlan.replace("compute1", "ovs-interfaces", '"eth1","",1,',
                 '"eth1","",["set",[]],')
    trace = trace_of(vlan)
    assert nic_rows(trace, "compute1") == [
        ("eth1", "DOWN", "in br-eth1, ofport None, mtu 1500, UP", "ERROR",
         (Evidence("compute1", IP_ADDR, (ETH1_LINK,)),))]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_bridge_without_a_nic_row_shows_the_interfaces_read(tmp_path):
    # single-vlan-healthy (aio1 alone on physnet1, br-eth1 with no NIC),
    # its API context edited as in test_alone_on_the_physnet: the subnet's
    # gateway_ip .1 -> .254, no router port's, so a physical router must
    # answer and the missing NIC is an error; the row names the Interface
    # table it was read from
    # kills vlan check_physical_nics mutant 90 (the row without evidence)
    capture = EditedCapture(SCENARIOS / "single-vlan-healthy", tmp_path)
    capture.edit_context(
        lambda d: d["subnets"][0].update(gateway_ip="198.18.16.254"))
    trace = trace_of(capture)
    assert nic_rows(trace, "aio1")[0] == (
        "br-eth1", "absent", "no physical port in the bridge", "ERROR",
        (Evidence("aio1", OVS_INTERFACES, ()),))
    assert trace.exit_code == exitcodes.ERROR_FINDING
