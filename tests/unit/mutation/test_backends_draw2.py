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

"""Survivors of a fresh mutation draw in the linux checks, port trace and
host check, each killed on a real recording edited as the test's comment
says (in one place, but for the one test that says it needs two); the whole
row or finding an operator reads.
"""

import dataclasses
import json
import pathlib
import types

from osc_netdiag.backends.ml2_ovs import capture_points
from osc_netdiag.backends.ml2_ovs import fw_hop
from osc_netdiag.checks.engine import Report
from osc_netdiag import context as ctx_mod
from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from osc_netdiag import secgroups
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.replay import ReplayTransport
from tests.unit.edited import EditedCapture
from tests.unit.firewall.test_firewall_capture import SCENARIOS as FW
from tests.unit.l3dhcp.test_dhcp_faults import replace_in
from tests.unit.l3dhcp.test_router_faults import check as router_check
from tests.unit.l3dhcp.test_router_faults import FIP
from tests.unit.l3dhcp.test_router_faults import scenario
from tests.unit.l3dhcp.test_router_faults import UPSTREAM
from tests.unit.mutation import test_hybrid_plug as hybrid
from tests.unit.test_hostcheck_faults import check as host_check
from tests.unit.test_hostcheck_faults import FIXTURES as HOSTCHECK
from tests.unit.test_trace_dvr import _link
from tests.unit.test_trace_dvr import Dvr
from tests.unit.test_trace_dvr import FIP_SCENARIO
from tests.unit.test_trace_faults import trace_of

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"


def test_qvb_in_no_bridge_row():
    # ip -d -j addr show (captures/ip-d-j-addr--host.out), made healthy as
    # test_hybrid_plug does, then qvb's "master" removed: qvb in no bridge
    # kills devices _veth_hop mutants 36 (the words "no bridge") and 53
    # (the row's host)
    def edit(links):
        hybrid.healthy(links)
        del links[hybrid.QVB]["master"]
    assert hybrid.hops(hybrid.run(edit))[2] == (
        "compute1", hybrid.QVB, "veth", "wrong",
        f"in no bridge, peer {hybrid.QVO}, MTU 1500; in no bridge, "
        f"not {hybrid.QBR}", "ERROR")


def test_standby_router_without_a_float_snat_rule(tmp_path):
    # router recording (l3dhcp/scenarios/router), its API context made HA
    # with network1's L3 agent standby; nat table: float-snat's
    # --to-source 198.19.0.43 -> .44. A standby copy's missing rule is
    # shown, not judged (SKIP)
    # kills nat _nat_row mutant 33 (the row's kind left out)
    context = scenario.load_context("router")
    context = dataclasses.replace(
        context, gateway_ips=(UPSTREAM,), ha=True,
        agents=tuple(dataclasses.replace(a, ha_state="standby")
                     for a in context.agents))
    result = router_check(tmp_path, replace_in(
        "ns-iptables", f"-j SNAT --to-source {FIP} ",
        "-j SNAT --to-source 198.19.0.44 "), context=context)
    assert [(r.host, r.device, r.state, r.detail, r.status)
            for r in result.rows if r.kind == "nat-rule"][2] == (
        "network1", "SNAT 198.18.16.39", "absent",
        "standby: -s 198.18.16.39/32 -j SNAT --to-source 198.19.0.43",
        Status.SKIP)
    assert [f.code for f in result.findings] == ["NETDIAG_ROUTER_HA_STATE"]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_host_without_ovs_agent_row(tmp_path):
    # context: compute1's Open vSwitch agent removed from the agent list
    # kills hostcheck evaluate_host mutant 58 (the row's words)
    healthy = EditedCapture(HOSTCHECK / "healthy", tmp_path)
    healthy.edit_context(lambda d: d["ovs_agents"].pop("compute1"))
    result = host_check(healthy)
    assert [(r.device, r.state, r.detail, r.status) for r in result.rows
            if r.host == "compute1" and r.kind == "agent"] == [
        ("Open vSwitch agent", "absent", "not in the API's agent list",
         Status.ERROR)]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_rfp_admin_down(tmp_path):
    # dvr-lab-distributed-router-healthy: ip -j addr in qrouter- on
    # compute1: rfp-'s flags lose UP and LOWER_UP, its operstate DOWN (as
    # "ip link set rfp- down" leaves it)
    # kills dvr_fip check mutant 16 (rfp-'s finding code)
    fip = Dvr(FIP_SCENARIO, tmp_path)

    def change(links):
        link = _link(links, fip.rfp)
        link.update(flags=["BROADCAST", "MULTICAST"], operstate="DOWN")
    fip.edit(fip.host, f"ns-addr:{fip.qrouter}", change)
    trace = fip.trace()
    assert [(f.code, f.subject, f.summary) for f in trace.findings] == [(
        "NETDIAG_DVR_DEVICE_BROKEN", f"compute1:{fip.rfp}",
        f"{fip.rfp} in {fip.qrouter} on compute1: DOWN (admin down)")]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_qr_with_another_mac_row(tmp_path):
    # dvr-lab-distributed-router-healthy: qr- in qrouter- carries
    # fa:16:3e:00:00:01, not the interface port's MAC
    # kills trace_dvr _check_qr_mac mutant 25 (the row's device)
    fip = Dvr(FIP_SCENARIO, tmp_path)
    fip.edit(fip.host, f"ns-addr:{fip.qrouter}",
             lambda links: _link(links, fip.qr).update(
                 address="fa:16:3e:00:00:01"))
    trace = fip.trace()
    mac = fip.router["interface_port"]["mac"]
    assert [(h.host, h.device, h.state, h.detail, h.status)
            for h in trace.hops if h.kind == "router-mac"] == [
        ("compute1", fip.qr, "wrong", f"fa:16:3e:00:00:01, expected {mac}",
         Status.ERROR)]


def test_fip_route_via_another_address_remedy(tmp_path):
    # dvr-lab-distributed-router-healthy: ip -j addr in qrouter-: rfp-'s
    # address moved to 169.254.90.2 (test_trace_dvr's edit); fip-'s route
    # to the floating IP no longer goes via it
    # kills dvr_fip _check_fip_routes mutant 70 (the host in the remedy)
    fip = Dvr(FIP_SCENARIO, tmp_path)

    def change(links):
        addr = next(a for a in _link(links, fip.rfp)["addr_info"]
                    if a["family"] == "inet")
        addr["local"] = "169.254.90.2"
    fip.edit(fip.host, f"ns-addr:{fip.qrouter}", change)
    trace = fip.trace()
    address = fip.router["floating_ips"][0]["address"]
    assert [f.remedy for f in trace.findings
            if f.code == "NETDIAG_DVR_FIP_ROUTE_WRONG"] == [
        f"{fip.fip_ns} on compute1 does not route {address} via "
        f"169.254.90.2 dev {fip.fpr} (via 169.254.88.134 dev {fip.fpr}): "
        "fg- answers ARP for a floating IP only through that route (proxy "
        "ARP). restart neutron-l3-agent on compute1 (it rebuilds the router "
        "there)."]


def test_nic_holding_the_tunnel_address_outside_ovs(tmp_path):
    # vxlan-healthy, compute1's ip -j addr: br-phy (the OVS internal port
    # holding the tunneling_ip 198.18.1.11) renamed eth7, a device in no
    # OVS bridge as with the kernel datapath: eth7 is the NIC itself
    # kills capture_points find_nic mutant 34 (the device's name)
    capture = EditedCapture(SCENARIOS / "vxlan-healthy", tmp_path)
    capture.replace("compute1", "ip-addr", '"ifname":"br-phy"',
                    '"ifname":"eth7"')
    context = ctx_mod.PortContext.from_json(capture.context())
    target = HostTarget("compute1", "compute1")
    session = ReplayTransport(str(capture)).open(target)
    results = session.run(capture_points.nic_commands())
    assert capture_points.find_nic(context, "compute1", target,
                                   results) == "eth7"


def test_noop_firewall_row():
    # firewall/openvswitch-vxlan1-tcp22-denied's API intent with
    # port_filter false (security groups off in the binding): the noop
    # driver, nothing read on the host
    # kills fw_hop check mutant 15 (the row's state)
    data = json.loads((FW / "openvswitch-vxlan1-tcp22-denied" /
                       "context.json").read_text())
    data["intent"]["port_filter"] = False
    report = Report()
    fw_hop.check(report, types.SimpleNamespace(
        firewall=secgroups.intent_from_json(data["intent"])),
        types.SimpleNamespace(host="compute1"))
    assert [(h.host, h.device, h.kind, h.state, h.detail, h.status)
            for h in report.hops] == [(
                "compute1", "firewall", "firewall", "not filtered",
                "noop; no firewall on the binding: everything allowed in",
                Status.OK)]
    assert report.findings == []


def test_physical_nic_down_summary(tmp_path):
    # vlan-healthy, compute1's ip -j addr: eth1's operstate UP -> DOWN
    # (test_trace_faults' edit)
    # kills vlan check_physical_nics mutant 174 (the finding's summary)
    capture = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)
    capture.replace("compute1", "ip-addr",
                    '"ifname":"eth1","flags":["BROADCAST","MULTICAST",'
                    '"PROMISC","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue",'
                    '"operstate":"UP"',
                    '"ifname":"eth1","flags":["BROADCAST","MULTICAST",'
                    '"PROMISC","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue",'
                    '"operstate":"DOWN"')
    trace = trace_of(capture)
    assert [(f.code, f.subject, f.summary) for f in trace.findings] == [(
        "NETDIAG_PHYS_NIC_DOWN", "compute1:eth1",
        "eth1 (br-eth1) on compute1 is down")]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_vlan_segment_renumbered_on_a_host_without_agent(tmp_path):
    # vlan-healthy's API context, TWO edits: compute1's Open vSwitch agent
    # removed from the agent list, and the network's VLAN segment 2113 ->
    # 2114, so the OVS port's other_config (segmentation_id 2113) names no
    # segment and the segment is chosen without an agent to say which
    # physnets it maps: the network's first segment is taken
    # kills topology choose_segment mutant 19 (agent.bridge_mappings read
    # with no agent: the trace fails)
    capture = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)

    def edit(data):
        data["ovs_agents"].pop("compute1")
        data["network"]["segments"][0]["segmentation_id"] = 2114
    capture.edit_context(edit)
    trace = trace_of(capture)
    assert [(h.device, h.kind, h.state, h.detail, h.status)
            for h in trace.hops if h.host == "compute1" and
            h.kind in ("ovs-port", "bridge-mapping")] == [
        ("tapc5f2011d-5a", "ovs-port", "wrong",
         "on br-int, ofport 3, local VLAN 1; segmentation_id 2113",
         Status.ERROR),
        ("physnet physnet1", "bridge-mapping", "absent",
         "the agent reports no bridge for this physical network",
         Status.ERROR)]
    assert trace.exit_code == exitcodes.ERROR_FINDING | exitcodes.UNREADABLE


def test_router_namespace_output_without_a_nat_table(tmp_path):
    # router recording (l3dhcp/scenarios/router), iptables-save -t nat in
    # qrouter-: its "*nat" header line -> "*raw", so the output holds no
    # nat table: every NAT rule the router needs is reported missing
    # kills nat _nat_rules mutant 13 (rules read from a table that is not
    # there: the check fails instead)
    result = router_check(tmp_path, replace_in("ns-iptables", "*nat\n",
                                               "*raw\n"))
    assert [(r.device, r.state, r.status) for r in result.rows
            if r.kind == "nat-rule"] == [
        ("SNAT 198.19.0.56", "absent", Status.ERROR),
        (f"DNAT {FIP}", "absent", Status.ERROR),
        ("SNAT 198.18.16.39", "absent", Status.ERROR)]
    assert [f.subject for f in result.findings
            if f.code == "NETDIAG_ROUTER_NAT_RULE_MISSING"] == [
        "network1:SNAT 198.19.0.56", f"network1:DNAT {FIP}",
        "network1:SNAT 198.18.16.39"]
    assert len(result.findings) == 3
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_network_without_dhcp_agent_remedy(tmp_path):
    # vlan-healthy's API context: no DHCP agent hosts the network (its
    # subnet has DHCP on), test_trace_api_faults' edit
    # kills trace evaluate mutant 47 (the network left out of the remedy)
    capture = EditedCapture(SCENARIOS / "vlan-healthy", tmp_path)
    capture.edit_context(lambda d: d.update(dhcp_agents=[], dhcp_ports=[]))
    network = capture.context()["network"]["id"]
    trace = trace_of(capture)
    assert [(f.code, f.subject, f.summary, f.remedy)
            for f in trace.findings] == [(
                "NETDIAG_DHCP_NOT_HOSTED", network,
                "DHCP is enabled on the subnet but no DHCP agent hosts "
                f"network {network}",
                "No DHCP agent hosts the network: openstack network agent "
                f"add network --dhcp <agent> {network}.")]
    assert trace.exit_code == exitcodes.ERROR_FINDING
