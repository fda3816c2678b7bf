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

"""Linux devices (``linux.devices``), second look: port trace vlan-healthy
(router qrouter-7e9218af-... on network1, its interface qr-12cf768b-a6
198.18.16.1/24), its namespace's ``ip -j addr`` edited in the one place
each test names, and dvr-lab-dvr2-snat-healthy (a hybrid-plugged port on
compute2) with the host's ``ip addr`` failed; the findings and rows an
operator reads asserted exactly (a row's evidence too).
"""

import pathlib

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.models import Evidence
from osc_netdiag.models import Status
from tests.unit.edited import EditedCapture
from tests.unit.mutation.test_probe_fault_reports import _break
from tests.unit.mutation.test_probe_fault_reports import STDERR
from tests.unit.mutation.test_sweep_l2_paths import bad_rows
from tests.unit.mutation.test_sweep_l2_paths import findings
from tests.unit.test_trace_faults import trace_of

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"
QROUTER = "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d"
QR = "qr-12cf768b-a6"
ADDR = f"ns-addr:{QROUTER}"


@pytest.fixture
def vlan(tmp_path):
    return EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)


def router_port_rows(trace):
    return [(h.host, h.device, h.state, h.detail, h.status, h.evidence)
            for h in trace.hops if h.kind == "router-port"]


def test_router_port_lists_its_global_ipv6_address(vlan):
    # ns-addr:qrouter-... on network1: qr-12cf768b-a6's link-local address
    # fe80::f816:3eff:fe7b:348e (scope link) -> 2001:db8:16::1 (scope
    # global), as on a dual-stack subnet: the row lists it after the IPv4
    # address (link-local ones are left out)
    # kills linux.devices check_ns_device mutants 59 and 60 (IPv6 addresses
    # left out of the row: "XXinet6XX", "INET6")
    vlan.replace("network1", ADDR,
                 '"local":"fe80::f816:3eff:fe7b:348e","prefixlen":64,'
                 '"scope":"link"',
                 '"local":"2001:db8:16::1","prefixlen":64,"scope":"global"')
    trace = trace_of(vlan)
    assert (findings(trace), bad_rows(trace)) == ([], [])
    assert [row[:5] for row in router_port_rows(trace)] == [(
        "network1", QR, "UP",
        f"in {QROUTER}: 198.18.16.1/24, 2001:db8:16::1/64", Status.OK)]
    assert trace.exit_code == exitcodes.OK


def test_missing_router_port_row_shows_the_namespace_listing(vlan):
    # ns-addr:qrouter-... on network1: the device qr-12cf768b-a6 renamed
    # qr-ffffffff-ff (another port's device, not the router interface's);
    # the absent row's evidence is the namespace's address listing
    # kills linux.devices check_ns_device mutant 45 (the absent row without
    # its evidence)
    vlan.replace("network1", ADDR, f'"ifname":"{QR}"',
                 '"ifname":"qr-ffffffff-ff"')
    trace = trace_of(vlan)
    assert findings(trace) == [(
        "NETDIAG_ROUTER_DEVICE_BROKEN", "ERROR", f"network1:{QR}",
        f"{QR} is missing from {QROUTER} on network1",
        f"Restart neutron-l3-agent on network1 so it re-plugs {QR}.")]
    assert router_port_rows(trace) == [(
        "network1", QR, "absent", f"not in {QROUTER}", Status.ERROR,
        (Evidence(host="network1", command=(
            f"ip netns exec {QROUTER} /usr/sbin/ip -d -j addr show")),))]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_gateway_port_missing_two_addresses_names_both(vlan):
    # context: the router's gateway port on a dual-stack external network
    # (a second fixed IP, 2001:db8:19::38); ns-addr:qrouter-... on network1:
    # qg-4ed7e451-34's address 198.19.0.56 -> 198.19.0.57 (present but
    # wrong), so both of the port's addresses are missing from the device
    # kills linux.devices check_ns_device mutant 82 (the missing addresses
    # joined by "XX, XX")
    qg = "qg-4ed7e451-34"
    vlan.edit_context(lambda d: d["router"]["gateway_port"]["fixed_ips"]
                      .append(["0b1f3c2e-7d5a-4e8b-9c61-2f4a8d3e5b70",
                               "2001:db8:19::38"]))
    vlan.replace("network1", ADDR, '"local":"198.19.0.56"',
                 '"local":"198.19.0.57"')
    trace = trace_of(vlan)
    missing = "missing 198.19.0.56, 2001:db8:19::38"
    assert findings(trace) == [(
        "NETDIAG_ROUTER_DEVICE_BROKEN", "ERROR", f"network1:{qg}",
        f"{qg} in {QROUTER} on network1: {missing}",
        f"Restart neutron-l3-agent on network1 so it re-plugs {qg}.")]
    assert bad_rows(trace) == [(
        "network1", qg, "gateway-port", "broken",
        f"in {QROUTER}: 198.19.0.57/24, 198.19.0.43/32; {missing}",
        "ERROR")]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_unreadable_devices_of_a_hybrid_port_still_check_its_qvo(tmp_path):
    # dvr-lab-dvr2-snat-healthy: the traced port (tap40c87dd6-93 on
    # compute2) is hybrid plugged; compute2's "ip -d -j addr show" failed
    # (exit status 1, as test_probe_fault_reports injects it). The tap is
    # not checked, and the OVS port checked is the qvo end in br-int
    # kills linux.devices check_instance_device mutant 19 (the tap's name
    # returned instead of qvo's: "not a port of any bridge")
    capture = EditedCapture(SCENARIOS / "dvr-lab-dvr2-snat-healthy",
                            tmp_path)
    _break("failed", capture, "compute2", "ip-addr")
    trace = trace_of(capture)
    tap, error = "tap40c87dd6-93", f"error, exit 1: {STDERR.strip()}"
    assert findings(trace) == [(
        "NETDIAG_COMMAND_FAILED", "WARNING", f"compute2:{tap}",
        f"could not read 'ip -d -j addr show' on compute2: {error}; not "
        f"checked: tap {tap}",
        "Run 'ip -d -j addr show' on compute2 by hand and fix what it says; "
        f"until it succeeds the tap {tap} hop (and those that depend on it) "
        "is not checked.")]
    assert bad_rows(trace) == [(
        "compute2", tap, "tap", "error", f"not checked: {error}", "SKIP")]
    assert [(h.device, h.kind, h.state) for h in trace.hops
            if h.host == "compute2"][:2] == [
        (tap, "tap", "error"), ("qvo40c87dd6-93", "ovs-port", "tag 3")]
    assert trace.exit_code == exitcodes.UNREADABLE


def test_tap_without_carrier_and_another_mtu(tmp_path):
    # ip-addr on compute1 (vlan-healthy): the tap tapc5f2011d-5a admin up
    # but without carrier (flags NO-CARRIER and no LOWER_UP, operstate
    # LOWERLAYERDOWN: the instance's end is down) and at MTU 1450 instead of
    # the network's 1500, one device's entry
    # kills linux.devices check_instance_device mutants 67 and 69 (the
    # summary's admin-up suffix " (admin down)" or "XXXX"), 90, 94 and 95
    # (the row's "no carrier" as "admin down", "XXno carrierXX",
    # "NO CARRIER"), 96 and 97 (the MTU note of a down tap reported with no
    # report, an AttributeError, or its subject's host None)
    vlan = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)
    tap = "tapc5f2011d-5a"
    vlan.replace(
        "compute1", "ip-addr",
        f'"ifname":"{tap}","flags":["BROADCAST","MULTICAST","PROMISC","UP",'
        '"LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP"',
        f'"ifname":"{tap}","flags":["NO-CARRIER","BROADCAST","MULTICAST",'
        '"PROMISC","UP"],"mtu":1450,"qdisc":"noqueue",'
        '"operstate":"LOWERLAYERDOWN"')
    trace = trace_of(vlan)
    assert findings(trace) == [
        ("NETDIAG_TAP_DOWN", "ERROR", f"compute1:{tap}",
         f"{tap} on compute1 is LOWERLAYERDOWN",
         f"ip link set {tap} up on compute1, and find out why it went down "
         "(instance shut off? libvirt?)."),
        ("NETDIAG_MTU_MISMATCH", "WARNING", f"compute1:{tap}",
         f"{tap} has MTU 1450, the network 1500",
         "Device MTU 1450 differs from the network's 1500: check the "
         "instance's and the network's MTU (global_physnet_mtu, path_mtu).")]
    assert bad_rows(trace) == [(
        "compute1", tap, "tap", "LOWERLAYERDOWN",
        "no carrier, MTU 1450 != network 1500", "ERROR")]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_missing_tap_row_shows_the_host_listing(tmp_path):
    # ip-addr on compute1 (vlan-healthy): the tap renamed tapffffffff-ff,
    # as in test_linux_second_look; the absent row's evidence is the
    # host's address listing
    # kills linux.devices check_instance_device mutant 47 (the absent row
    # without its evidence)
    vlan = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)
    vlan.replace("compute1", "ip-addr", '"ifname":"tapc5f2011d-5a"',
                 '"ifname":"tapffffffff-ff"')
    trace = trace_of(vlan)
    assert [h.evidence for h in trace.hops if h.kind == "tap"] == [
        (Evidence(host="compute1", command="ip -d -j addr show"),)]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_tap_without_a_kind_is_a_device(tmp_path):
    # ip-addr on compute1 (vlan-healthy): the tap's linkinfo (info_kind
    # veth) removed, as ip prints a device whose driver reports no kind;
    # the row names it "device"
    # kills linux.devices check_instance_device mutants 136 and 137
    # ("XXdeviceXX", "DEVICE")
    vlan = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)
    vlan.replace("compute1", "ip-addr",
                 '"address":"ea:d6:38:3e:f6:c5","broadcast":"ff:ff:ff:ff:ff:'
                 'ff","link_netnsid":1,"promiscuity":1,"allmulti":0,'
                 '"min_mtu":68,"max_mtu":65535,"linkinfo":{"info_kind":'
                 '"veth"},',
                 '"address":"ea:d6:38:3e:f6:c5","broadcast":"ff:ff:ff:ff:ff:'
                 'ff","link_netnsid":1,"promiscuity":1,"allmulti":0,'
                 '"min_mtu":68,"max_mtu":65535,')
    trace = trace_of(vlan)
    assert (findings(trace), bad_rows(trace)) == ([], [])
    assert [(h.state, h.detail) for h in trace.hops if h.kind == "tap"] == [
        ("UP", "device, mac ea:d6:38:3e:f6:c5, MTU 1500")]
    assert trace.exit_code == exitcodes.OK
