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

"""Survivors of the whole mutation sweep of host check and of port
capture's points (``backends.ml2_ovs.hostcheck``, ``capture_points``),
each killed on a real recording edited in the one place its comment says:
the exact points, NIC, rows and findings an operator reads.
"""

import dataclasses

from osc_netdiag.backends.ml2_ovs import capture_points
from osc_netdiag import context as ctx_mod
from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from osc_netdiag.taps import Point
from osc_netdiag.taps import Tap
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.replay import ReplayTransport
from tests.unit.edited import EditedCapture
from tests.unit.mutation.test_capture_point_taps import _points
from tests.unit.mutation.test_capture_point_taps import MAC
from tests.unit.mutation.test_capture_point_taps import NIC
from tests.unit.mutation.test_capture_point_taps import ROUTER_AND_DHCP
from tests.unit.mutation.test_capture_point_taps import SCENARIOS
from tests.unit.mutation.test_capture_point_taps import TAP
from tests.unit.mutation import test_host_edit_reports as host_edits
from tests.unit.test_hostcheck_faults import check as host_check
from tests.unit.test_hostcheck_faults import FIXTURES as HOSTCHECK
from tests.unit.test_hostcheck_faults import VXLAN_TO_NETWORK1

# -- capture points ----------------------------------------------------------

DVR = "dvr-lab-distributed-router-healthy"
# the networks hosted on network1 in tests/fixtures/hostcheck/healthy
NETWORKS = ("3e2b7484-02f6-43f9-98e7-87a1ff51eff8",
            "71ad6b9d-4f87-4d0a-b1aa-7f00ba686a0b")
DVR_ROUTER = "5e7a3540-66f9-42f6-bba7-e858c212b4fa"
DVR_QR = Point("qr", "compute1", (Tap(
    device="qr-d8dfbf75-d2", netns=f"qrouter-{DVR_ROUTER}"),))
DVR_QG = Point("qg", "network1", (Tap(
    device="qg-f94bbb6d-c0", netns=f"snat-{DVR_ROUTER}"),))


def _router_points(points):
    return [p for p in points if p.label in ("qr", "qg")]


def test_distributed_router_points():
    # dvr-lab-distributed-router-healthy as recorded: qr- in the qrouter-
    # namespace on the instance's own host, qg- in snat- on the host the
    # gateway port is bound to
    # kills _distributed_router_points mutants 12 and 14 (qr's tap without
    # its device) and all_points mutant 79 (the router's points replacing
    # the others)
    points = _points(name=DVR)
    assert _router_points(points) == [DVR_QR, DVR_QG]
    assert [p.label for p in points] == [
        "tap", "patch", "nic", "qr", "qg", "dhcp"]


def test_distributed_router_without_gateway_has_no_qg_point():
    # context: the router's gateway_port null (a distributed router with
    # no external gateway set: only its interfaces route, on each host)
    # kills _distributed_router_points mutant 19 (``or``: the gateway's
    # binding host read from None)
    def no_gateway(data):
        data["router"]["gateway_port"] = None
    assert _router_points(_points(no_gateway, DVR)) == [DVR_QR]


def test_distributed_router_gateway_not_bound_has_no_qg_point():
    # context: the gateway port's binding_host "" (no dvr_snat agent took
    # the router's SNAT part: the port is unbound)
    # kills _distributed_router_points mutant 19 too (a qg point on no host)
    def unbound(data):
        data["router"]["gateway_port"]["binding_host"] = ""
    assert _router_points(_points(unbound, DVR)) == [DVR_QR]


def test_no_patch_nor_nic_point_without_a_segment():
    # context: the network's segments [] (the API showed no provider
    # attributes): neither the physnet's bridge nor the tunnel is known
    # kills _patch_taps mutant 9 (segments[0] of an empty list)
    def no_segments(data):
        data["network"]["segments"] = []
    assert _points(no_segments) == (TAP,) + ROUTER_AND_DHCP


def test_tunnel_patch_point_without_an_agent_is_on_br_int():
    # vxlan-healthy, context: no Open vSwitch agent on compute1 in the API:
    # the patch point stays on br-int (Neutron's default integration
    # bridge) and br-tun
    # kills _patch_taps mutants 5 and 6 (the default bridge's name)
    def no_agent(data):
        data["ovs_agents"]["compute9"] = data["ovs_agents"].pop("compute1")
    [patch] = [p for p in _points(no_agent, "vxlan-healthy")
               if p.label == "patch"]
    assert patch == Point("patch", "compute1", (
        Tap(bridge="br-int", port="patch-tun"),
        Tap(bridge="br-tun", all_ports=True, sender="fa:16:3e:75:62:49")))


def test_gre_nic_filter_selects_gre_packets():
    # gre-healthy as recorded: a GRE segment's frames leave compute1 inside
    # GRE
    # kills tunnel_filter mutants 11 and 12 (GRE not recognised) and 13
    # and 14 (the filter's text)
    [nic] = [p for p in _points(name="gre-healthy") if p.label == "nic"]
    assert nic.taps == (Tap(nic=True, bpf="proto gre"),)


def test_flat_network_taps_carry_no_vlan():
    # context: the segment's network_type vlan -> flat (segmentation_id
    # left as recorded; a flat segment has none, and no tap may use it)
    # kills _patch_taps mutant 36 and all_points mutant 72 (``or True``:
    # the VLAN taken whatever the type)
    def flat(data):
        data["network"]["segments"][0]["network_type"] = "flat"
    points = {p.label: p for p in _points(flat)}
    assert points["patch"].taps == (
        Tap(bridge="br-int", port="int-br-eth1"),
        Tap(bridge="br-eth1", all_ports=True, sender=MAC))
    assert points["nic"].taps == (Tap(nic=True),)


def test_port_without_a_router_has_no_router_points():
    # context: router null (the port's subnet on no router)
    # kills all_points mutant 77 (``or``: router.distributed read on None)
    def no_router(data):
        data["router"] = None
    assert _points(no_router) == (TAP, _patch(), NIC,
                                  ROUTER_AND_DHCP[2])


def test_ha_router_points_on_the_active_agent_first():
    # context: the router made HA (two edits: "ha" true, and its one L3
    # agent on network1 listed after a copy of it on compute2): compute2's
    # agent standby, first in the API's list; network1's active
    # kills all_points mutants 90 and 92-96 (the hosting agents' order)
    def ha(data):
        router = data["router"]
        router["ha"] = True
        [active] = router["l3_agents"]
        standby = dict(active, host="compute2", ha_state="standby")
        router["l3_agents"] = [standby, dict(active, ha_state="active")]
    qr, qg = ROUTER_AND_DHCP[:2]
    assert _router_points(_points(ha)) == [
        qr, qg, dataclasses.replace(qr, host="compute2"),
        dataclasses.replace(qg, host="compute2")]


def test_one_dhcp_point_with_two_dhcp_agents():
    # context: a second DHCP agent hosting the network, on compute2, with
    # its DHCP port bound there (two edits: the agent, and a copy of the
    # DHCP port with another id): the first agent's port is the point
    # kills all_points mutant 128 (the first two agents)
    def two(data):
        [agent] = data["dhcp_agents"]
        data["dhcp_agents"].append(dict(agent, host="compute2"))
        [port] = data["dhcp_ports"]
        data["dhcp_ports"].append(dict(
            port, binding_host="compute2",
            id="0ca4aaaf-716e-4b68-87eb-2004ff2ea11f"))
    assert [p for p in _points(two) if p.label == "dhcp"] == [
        ROUTER_AND_DHCP[2]]


def _patch():
    return Point("patch", "compute1", (
        Tap(bridge="br-int", port="int-br-eth1"),
        Tap(bridge="br-eth1", all_ports=True, sender=MAC, vlan=2113)))


def _nic(scenario, tmp_path, host_edit=None, context_edit=None):
    capture = EditedCapture(SCENARIOS / scenario, tmp_path)
    if host_edit is not None:
        capture.replace("compute1", *host_edit)
    if context_edit is not None:
        capture.edit_context(context_edit)
    context = ctx_mod.PortContext.from_json(capture.context())
    target = HostTarget("compute1", "compute1")
    session = ReplayTransport(str(capture)).open(target)
    results = session.run(capture_points.nic_commands())
    return capture_points.find_nic(context, "compute1", target, results)


def test_physnet_bridge_without_a_system_port_has_no_nic(tmp_path):
    # vlan-healthy, compute1's ovs-vsctl list Interface: eth1 (br-eth1's
    # NIC) of type "" -> "internal" (added as an OVS internal port): br-eth1
    # holds no system port, only internal and patch ones. port capture then
    # says "no physical NIC found for the segment" (capture.evaluate)
    # kills _system_ports mutant 3 (``or``: the internal eth1 or the patch
    # phy-br-eth1 taken for the NIC) and find_nic mutant 53 (nics[0] of an
    # empty list: "list index out of range" in the finding)
    assert _nic("vlan-healthy", tmp_path, (
        "ovs-interfaces", '"eth1","",1', '"eth1","internal",1')) is None


def test_tunnel_bridge_without_a_system_port_has_no_nic(tmp_path):
    # vxlan-healthy, compute1's ovs-vsctl list Interface: eth2 (the NIC of
    # br-phy, whose internal port holds the tunneling_ip) of type "" ->
    # "internal": br-phy holds no system port
    # kills find_nic mutant 41 (nics[0] of an empty list) and
    # _system_ports mutant 3 on this path (the internal eth2 taken)
    assert _nic("vxlan-healthy", tmp_path, (
        "ovs-interfaces", '"eth2","",1', '"eth2","internal",1')) is None


def test_no_nic_without_an_agent_on_the_host(tmp_path):
    # vlan-healthy, context: the API has no Open vSwitch agent on compute1
    # (its key moved to a host that does not exist): no bridge_mappings to
    # find the physnet's bridge by, so no NIC (the NIC point is still
    # planned: it needs a segment only)
    # kills find_nic mutant 21 (``and``: the agent's mappings read from
    # None, "'NoneType' object has no attribute ..." in the finding)
    def no_agent(data):
        data["ovs_agents"]["compute9"] = data["ovs_agents"].pop("compute1")
    assert _nic("vlan-healthy", tmp_path, context_edit=no_agent) is None


# -- host check --------------------------------------------------------------

def test_patch_pairs_after_a_mapped_bridge_of_an_unsafe_name(tmp_path):
    # tests/fixtures/hostcheck/healthy, two edits: compute1's ovs-vsctl
    # list Bridge names br-phy "br+phy" (Linux and OVS accept a "+" in a
    # device name; the product's allow-list does not), and the agent's
    # bridge_mappings gain physnet0: br+phy. No patch names are derived for
    # it (it sorts before br-eth1); br-eth1's pair is still checked
    # kills check_patches mutant 19 (``break``: the mappings after it
    # skipped)
    capture = EditedCapture(HOSTCHECK / "healthy", tmp_path)
    capture.replace("compute1", "ovs-bridges", '"br-phy",["set"',
                    '"br+phy",["set"')
    capture.edit_context(lambda d: d["ovs_agents"]["compute1"][
        "configurations"]["bridge_mappings"].update(physnet0="br+phy"))
    result = host_check(capture)
    assert [(r.device, r.state, r.detail, r.status) for r in result.rows
            if r.host == "compute1" and r.kind == "patch"] == [
        ("patch-tun<->patch-int", "peered", "br-int <-> br-tun", Status.OK),
        ("int-br-eth1<->phy-br-eth1", "peered", "br-int <-> br-eth1",
         Status.OK)]


def test_tunnel_port_without_a_remote_ip_is_stale(tmp_path):
    # tests/fixtures/hostcheck/healthy, compute1's ovs-vsctl list
    # Interface: vxlan-c612010d's options lose remote_ip (a vxlan port
    # added by hand without one, next to vxlan-c612010c to compute2): it
    # points at no agent, and no vxlan port reaches network1
    # kills check_tunnels mutants 24 and 26 (the tunnels sorted as tuples:
    # None against compute2's address raises TypeError)
    capture = EditedCapture(HOSTCHECK / "healthy", tmp_path)
    capture.replace("compute1", "ovs-interfaces",
                    VXLAN_TO_NETWORK1,
                    VXLAN_TO_NETWORK1.replace(',["remote_ip","198.18.1.13"]',
                                              ""))
    result = host_check(capture)
    assert [(r.device, r.state, r.detail, r.status) for r in result.rows
            if r.host == "compute1" and r.kind == "tunnel"] == [
        ("gre-c612010c", "present",
         "to compute2 remote_ip=198.18.1.12 local_ip=198.18.1.11", Status.OK),
        ("gre-c612010d", "present",
         "to network1 remote_ip=198.18.1.13 local_ip=198.18.1.11", Status.OK),
        ("vxlan-c612010c", "present",
         "to compute2 remote_ip=198.18.1.12 local_ip=198.18.1.11", Status.OK),
        ("vxlan-c612010d", "stale", "remote_ip=None: no such agent",
         Status.WARN),
        ("vxlan to network1", "absent",
         "remote_ip=198.18.1.13 not found on br-tun", Status.ERROR)]
    assert [(f.code, f.subject, f.summary) for f in result.findings
            if f.code != "NETDIAG_HOST_EXTRA_BRIDGE"] == [
        ("NETDIAG_HOST_TUNNEL_STALE", "compute1:vxlan-c612010d",
         "vxlan port vxlan-c612010d on compute1 points at None, which is "
         "no agent's tunneling_ip"),
        ("NETDIAG_TUNNEL_MISSING", "compute1->network1",
         "no vxlan port on br-tun of compute1 reaches network1 "
         "(198.18.1.13)")]
    assert result.exit_code == exitcodes.ERROR_FINDING


def _agents(**tunneling_ips):
    def edit(data):
        for host, address in tunneling_ips.items():
            data["ovs_agents"][host]["configurations"][
                "tunneling_ip"] = address
    return edit


def _missing(result, host):
    return [(f.subject, f.summary) for f in result.findings
            if f.code == "NETDIAG_TUNNEL_MISSING"
            and f.subject.startswith(f"{host}->")]


def test_missing_tunnels_in_the_order_of_the_peers_names(tmp_path):
    # tests/fixtures/hostcheck/healthy, context: compute2's tunneling_ip
    # 198.18.1.12 -> .14 and network1's .13 -> .10 (both peers re-addressed;
    # one edit of the API's agent list): compute1's ports point at the old
    # addresses, and no port reaches either new one. The rows and findings
    # go by peer name, not by address
    # kills check_tunnels mutants 193 and 195 (the peers sorted by address)
    capture = EditedCapture(HOSTCHECK / "healthy", tmp_path)
    capture.edit_context(_agents(compute2="198.18.1.14",
                                 network1="198.18.1.10"))
    assert _missing(host_check(capture), "compute1") == [
        ("compute1->compute2", "no vxlan port on br-tun of compute1 reaches "
         "compute2 (198.18.1.14)"),
        ("compute1->compute2", "no gre port on br-tun of compute1 reaches "
         "compute2 (198.18.1.14)"),
        ("compute1->network1", "no vxlan port on br-tun of compute1 reaches "
         "network1 (198.18.1.10)"),
        ("compute1->network1", "no gre port on br-tun of compute1 reaches "
         "network1 (198.18.1.10)")]


def test_l2population_reports_only_the_tunnels_a_network_needs(tmp_path):
    # tests/fixtures/hostcheck/healthy, context (one edit of the API view,
    # three fields): network1's tunneling_ip .13 -> .10 (no port reaches
    # it), l2_population on for compute1 and compute2, and tunnel_needs
    # saying compute1 shares a GRE network with network1 (compute2 none)
    # kills check_tunnels mutants 189 and 191 (no needs for compute2: None)
    # and 209 (``break``: gre skipped after the unneeded vxlan)
    def edit(data):
        _agents(network1="198.18.1.10")(data)
        for host in ("compute1", "compute2"):
            data["ovs_agents"][host]["configurations"]["l2_population"] = True
        data["tunnel_needs"] = {"compute1": {"gre": ["network1"]}}
    capture = EditedCapture(HOSTCHECK / "healthy", tmp_path)
    capture.edit_context(edit)
    result = host_check(capture)
    assert _missing(result, "compute1") == [
        ("compute1->network1", "no gre port on br-tun of compute1 reaches "
         "network1 (198.18.1.10)")]
    assert _missing(result, "compute2") == []


def _tunnel_rows(result):
    return [(r.device, r.state, r.detail, r.status) for r in result.rows
            if r.host == "compute1" and r.kind == "tunnel"]


def test_tunnel_port_without_a_local_ip(tmp_path):
    # tests/fixtures/hostcheck/healthy, compute1's ovs-vsctl list
    # Interface: vxlan-c612010c's options lose local_ip (OVS then uses the
    # route's source address): nothing to compare, the row shows "-"
    # kills check_tunnels mutant 138 (the "-" for no local_ip)
    capture = EditedCapture(HOSTCHECK / "healthy", tmp_path)
    capture.replace("compute1", "ovs-interfaces",
                    '["local_ip","198.18.1.11"],["out_key","flow"],'
                    '["remote_ip","198.18.1.12"]]],["map",[]],["set",[]],'
                    '"up","up","46:eb',
                    '["out_key","flow"],'
                    '["remote_ip","198.18.1.12"]]],["map",[]],["set",[]],'
                    '"up","up","46:eb')
    assert _tunnel_rows(host_check(capture))[2] == (
        "vxlan-c612010c", "present",
        "to compute2 remote_ip=198.18.1.12 local_ip=-", Status.OK)


def test_tunnel_row_with_two_problems(tmp_path):
    # tests/fixtures/hostcheck/healthy, context: compute1's agent with
    # tunnel_types [vxlan] (not gre) and tunneling_ip 198.18.1.77 (one edit
    # of its configuration, two fields): its gre port to compute2 has both
    # problems, joined by "; "
    # kills check_tunnels mutant 161 (the problems' separator)
    def edit(data):
        data["ovs_agents"]["compute1"]["configurations"].update(
            tunnel_types=["vxlan"], tunneling_ip="198.18.1.77")
    capture = EditedCapture(HOSTCHECK / "healthy", tmp_path)
    capture.edit_context(edit)
    assert _tunnel_rows(host_check(capture))[0] == (
        "gre-c612010c", "wrong",
        "to compute2 remote_ip=198.18.1.12 local_ip=198.18.1.11; gre is not "
        "in the agent's tunnel_types; local_ip 198.18.1.11 != 198.18.1.77",
        Status.ERROR)


def test_bond_member_without_ofport(tmp_path):
    # tests/fixtures/hostcheck/healthy, compute1's ovs-vsctl (two edits):
    # the Port row of eth1 named bond1 (eth1 a member of a bond port, whose
    # name is not the interface's), and eth1's ofport 1 -> -1: the row
    # names no bridge
    # kills check_ofports mutants 44 and 45 (the "-" for no bridge)
    capture = EditedCapture(HOSTCHECK / "healthy", tmp_path)
    capture.replace("compute1", "ovs-ports", '"eth1",["uuid"',
                    '"bond1",["uuid"')
    capture.replace("compute1", "ovs-interfaces", '"eth1","",1,',
                    '"eth1","",-1,')
    result = host_check(capture)
    assert [(r.device, r.state, r.detail, r.status) for r in result.rows
            if r.host == "compute1" and r.kind == "ofport"] == [
        ("eth1", "-1", "on -: ofport -1", Status.ERROR)]


def test_interface_row_keeps_its_evidence(tmp_path):
    # tests/fixtures/hostcheck/healthy as recorded: eth0's row (OK) with
    # the line of ip addr it was read from
    # kills check_interfaces mutant 96 (the OK row without evidence)
    result = host_check(EditedCapture(HOSTCHECK / "healthy", tmp_path))
    [row] = [r for r in result.rows
             if r.host == "compute1" and r.device == "eth0"]
    assert row.to_dict(long=True)["evidence"] == [{
        "host": "compute1", "command": "ip -d -j addr show",
        "lines": ("eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> state UP",)}]


def test_dead_agent_with_no_connected_controller(tmp_path):
    # tests/fixtures/hostcheck/healthy, two edits: the API reports
    # compute1's Open vSwitch agent not alive, and compute1's ovs-vsctl
    # list Controller shows every controller disconnected (the edit of
    # test_host_edit_reports' all-controllers-disconnected)
    # kills check_agent mutants 76 and 77 (the words "no bridge")
    command, *pairs = host_edits.EDITS["all-controllers-disconnected"]
    capture = EditedCapture(HOSTCHECK / "healthy", tmp_path)
    for old, new in zip(pairs[::2], pairs[1::2]):
        capture.replace("compute1", command, old, new)
    capture.edit_context(lambda d: d["ovs_agents"]["compute1"].update(
        alive=False))
    assert [(r.device, r.state, r.detail, r.status)
            for r in host_check(capture).rows
            if r.host == "compute1" and r.kind == "agent"] == [
        ("Open vSwitch agent", "dead", "controller connected on no bridge",
         Status.ERROR)]


def test_dhcp_namespace_of_a_network_hosted_elsewhere(tmp_path):
    # tests/fixtures/hostcheck/healthy, context: network1 hosts no network
    # (hosted_networks network1 []): its qdhcp- namespaces belong to
    # networks that exist, hosted elsewhere
    # kills check_namespaces mutants 44-47 (the qdhcp- prefix, the kind)
    # and 126 (``break``: the qdhcp- prefix never reached)
    capture = EditedCapture(HOSTCHECK / "healthy", tmp_path)
    capture.edit_context(lambda d: d["hosted_networks"].update(network1=[]))
    result = host_check(capture)
    assert [(f.subject, f.summary) for f in result.findings
            if f.code == "NETDIAG_HOST_NAMESPACE_NOT_HOSTED"] == [
        (f"network1:qdhcp-{net}", f"qdhcp-{net} on network1: the network "
         "exists but is not hosted here") for net in NETWORKS]
    assert [(r.device, r.state, r.detail, r.status) for r in result.rows
            if r.host == "network1" and r.device.startswith("qdhcp-")] == [
        (f"qdhcp-{net}", "not hosted", f"network {net} is hosted elsewhere",
         Status.WARN) for net in NETWORKS]
    # and the not-hosted rows' evidence
    assert [r.to_dict(long=True)["evidence"] for r in result.rows
            if r.host == "network1" and r.device.startswith("qdhcp-")] == [
        [{"host": "network1", "command": "ip -j netns list",
          "lines": (f"qdhcp-{net}",)}] for net in NETWORKS]


def test_distributed_router_namespace_on_a_dvr_snat_host(tmp_path):
    # tests/fixtures/hostcheck/dvr-lab-healthy, context: network1 (L3
    # agent in dvr_snat mode) hosts no router in the API: the distributed
    # router's qrouter- namespace is there as on every host it serves
    # kills check_namespaces mutants 60 and 61 (dvr_snat not taken for a
    # DVR host)
    capture = EditedCapture(HOSTCHECK / "dvr-lab-healthy", tmp_path)
    capture.edit_context(lambda d: d["hosted_routers"].update(network1=[]))
    result = host_check(capture)
    router = "2f5fd90d-a026-43c8-bac1-15cde919c499"
    # kills check_namespaces mutant 147 too (the row without evidence)
    assert [(r.state, r.detail, r.status, r.to_dict(long=True)["evidence"])
            for r in result.rows if r.host == "network1"
            and r.device == f"qrouter-{router}"] == [
        ("present", f"distributed router {router} (on every host it "
         "serves a port on)", Status.OK,
         [{"host": "network1", "command": "ip -j netns list",
           "lines": (f"qrouter-{router}",)}])]


def test_agent_missing_finding(tmp_path):
    # tests/fixtures/hostcheck/healthy, context: compute1's Open vSwitch
    # agent removed from the API's agent list (test_hostcheck_faults' edit)
    # kills evaluate_host mutants 29-32, 36 and 37 (the finding's subject,
    # summary and the remedy's agent type and host)
    capture = EditedCapture(HOSTCHECK / "healthy", tmp_path)
    capture.edit_context(lambda d: d["ovs_agents"].pop("compute1"))
    assert [(f.subject, f.summary, f.remedy)
            for f in host_check(capture).findings
            if f.code == "NETDIAG_AGENT_MISSING"] == [(
                "compute1:Open vSwitch agent",
                "no Open vSwitch agent is registered for compute1",
                "No Open vSwitch agent is registered for compute1: the port "
                "cannot be wired there. Check the agent's 'host' option "
                "matches the binding host.")]


def test_absent_namespace_row_names_the_command(tmp_path):
    # tests/fixtures/hostcheck/healthy, network1's ip netns list without
    # the router's qrouter- namespace (test_host_edit_reports' edit): the
    # row's evidence is the command, with no line
    # (the absent row's evidence; the present and stale rows' are asserted
    # below)
    capture = EditedCapture(HOSTCHECK / "healthy", tmp_path)
    capture.replace(*host_edits.OTHER_HOST_EDITS["qrouter-namespace-missing"])
    [row] = [r for r in host_check(capture).rows
             if r.host == "network1" and r.state == "absent"]
    assert (row.device, row.to_dict(long=True)["evidence"]) == (
        "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d",
        [{"host": "network1", "command": "ip -j netns list", "lines": ()}])


def test_distributed_router_namespace_on_a_legacy_host(tmp_path):
    # tests/fixtures/hostcheck/dvr-lab-healthy, context: compute1's L3
    # agent in legacy mode: the distributed router's qrouter- there is not
    # one of a DVR host, and the API hosts the router elsewhere
    # kills check_namespaces mutant 128 (``or``: any distributed router's
    # namespace taken as a DVR host's)
    capture = EditedCapture(HOSTCHECK / "dvr-lab-healthy", tmp_path)
    capture.edit_context(lambda d: d["l3_agents"]["compute1"][
        "configurations"].update(agent_mode="legacy"))
    router = "2f5fd90d-a026-43c8-bac1-15cde919c499"
    assert [(r.device, r.state, r.detail, r.status)
            for r in host_check(capture).rows
            if r.host == "compute1" and r.kind == "namespace"] == [
        (f"qrouter-{router}", "not hosted",
         f"router {router} is hosted elsewhere", Status.WARN)]


def test_dhcp_namespaces_on_a_dvr_snat_host_hosted_elsewhere(tmp_path):
    # tests/fixtures/hostcheck/dvr-lab-healthy, context: network1 (a
    # dvr_snat host) hosts no network: its qdhcp- namespaces are not a
    # distributed router's
    # kills check_namespaces mutant 129 (``or``: every namespace of a DVR
    # host taken for a distributed router's)
    capture = EditedCapture(HOSTCHECK / "dvr-lab-healthy", tmp_path)
    capture.edit_context(lambda d: d["hosted_networks"].update(network1=[]))
    assert [(r.device, r.state, r.detail, r.status)
            for r in host_check(capture).rows
            if r.host == "network1" and r.device.startswith("qdhcp-")] == [
        (f"qdhcp-{net}", "not hosted", f"network {net} is hosted elsewhere",
         Status.WARN)
        for net in ("6a01baef-b797-4893-a391-d8c99e4b645f",
                    "b83f78d3-0fa0-4084-a424-94dad509cd2d",
                    "c31362a6-b143-450c-874a-15e41f08d812")]


def test_present_and_stale_namespace_rows_keep_their_evidence(tmp_path):
    # tests/fixtures/hostcheck/stale-namespace as recorded: network1's
    # hosted namespaces present and a router's left behind (stale), each
    # row with its line of ip netns list
    # kills check_namespaces mutants 89 (the present row without
    # evidence) and 183 (the stale row without evidence)
    capture = EditedCapture(HOSTCHECK / "stale-namespace", tmp_path)
    names = ("qdhcp-3e2b7484-02f6-43f9-98e7-87a1ff51eff8",
             "qdhcp-71ad6b9d-4f87-4d0a-b1aa-7f00ba686a0b",
             "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d",
             "qrouter-99168c90-753b-4541-bbe6-02ae48488b20")
    assert [(r.device, r.state, r.to_dict(long=True)["evidence"])
            for r in host_check(capture).rows
            if r.host == "network1" and r.kind == "namespace"] == [
        (ns, "stale" if ns == names[3] else "present",
         [{"host": "network1", "command": "ip -j netns list",
           "lines": (ns,)}]) for ns in names]
