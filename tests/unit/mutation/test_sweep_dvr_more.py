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

"""A distributed router's SNAT side and first hop, every field as an
operator reads it (second pass).

``dvr-lab-dvr2-snat-healthy`` (dvr2 on compute2, no floating IP; its SNAT
side snat-5e7a3540-... on network1, qg-f94bbb6d-c0 198.19.0.26 with the
default route via 198.19.0.1) is copied and edited in the one place each
test names (its API context, for the HA and integration-bridge cases);
the last test plans from ``dvr-lab-vlan-healthy``'s API context, edited
as it says. The expected texts were read off the recordings by hand.
"""

import json

import pytest

from osc_netdiag.backends.ml2_ovs.trace import plan as trace_plan
from osc_netdiag import context as ctx_mod
from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.test_trace_dvr import Dvr
from tests.unit.test_trace_dvr import SCENARIOS
from tests.unit.test_trace_dvr import SNAT_SCENARIO

ROUTER = "5e7a3540-66f9-42f6-bba7-e858c212b4fa"
SNAT_NS = f"snat-{ROUTER}"
QROUTER = f"qrouter-{ROUTER}"
QG = "qg-f94bbb6d-c0"
QR = "qr-d8dfbf75-d2"


@pytest.fixture
def snat(tmp_path):
    return Dvr(SNAT_SCENARIO, tmp_path)


def _findings(trace):
    return [(f.code, f.subject, f.summary, f.remedy) for f in trace.findings]


def _not_ok(trace):
    return [(h.host, h.device, h.kind, h.state, h.detail, h.status)
            for h in trace.hops if h.status is not Status.OK]


def _snat_routes(snat, change):
    snat.edit("network1", f"ns-route:{SNAT_NS}", change)


def test_snat_side_without_its_default_route(snat):
    # network1's snat- has no default route left (the recorded one
    # removed): an active SNAT side says so as an ERROR naming the
    # external gateway (kills snat_hops 86: "active" passed as None, which
    # hides the finding, and 94: the gateways left out, which turns it
    # into NETDIAG_ROUTER_NO_GATEWAY_IP)
    _snat_routes(snat, lambda routes: routes.__setitem__(
        slice(None), [r for r in routes if r["dst"] != "default"]))
    trace = snat.trace()
    assert _findings(trace) == [(
        "NETDIAG_ROUTER_NO_DEFAULT_ROUTE", f"network1:{SNAT_NS}",
        f"{SNAT_NS} on network1 has no default route, but the external "
        "subnet's gateway is 198.19.0.1: no traffic of the router leaves "
        "the external subnet",
        f"{SNAT_NS} on network1 has no default route although the external "
        "subnet's gateway is 198.19.0.1: restart neutron-l3-agent on "
        "network1 (it re-applies the gateway) and check its log for the "
        "router.")]
    assert _not_ok(trace) == [(
        "network1", "default route", "route", "absent",
        "expected via 198.19.0.1", Status.ERROR)]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_snat_side_default_route_via_the_wrong_hop_and_device(snat):
    # the default route of snat- edited to go via 198.19.0.9 dev sg-x:
    # both problems are named (kills snat_hops 87: qg- not passed, so the
    # device is not compared; 94: no gateways, so the next hop is not
    # compared; 86: None for "active", a standby SKIP row instead)
    def change(routes):
        [default] = [r for r in routes if r["dst"] == "default"]
        default["gateway"], default["dev"] = "198.19.0.9", "sg-x"
    _snat_routes(snat, change)
    trace = snat.trace()
    problems = (f"leaves through sg-x, expected {QG}; via 198.19.0.9, the "
                "external subnet's gateway is 198.19.0.1")
    assert _findings(trace) == [(
        "NETDIAG_ROUTER_DEFAULT_ROUTE_WRONG", f"network1:{SNAT_NS}",
        f"the default route of {SNAT_NS} on network1 is wrong: {problems}",
        f"The default route of {SNAT_NS} on network1 goes via 198.19.0.9 "
        "dev sg-x, not the external subnet's gateway 198.19.0.1: restart "
        "neutron-l3-agent on network1 (it re-applies the gateway); if it "
        "comes back wrong, check the subnet's gateway_ip.")]
    assert _not_ok(trace) == [(
        "network1", "default route", "route", "wrong",
        f"via 198.19.0.9 dev sg-x; {problems}", Status.ERROR)]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_snat_rule_to_another_address_names_the_router(snat):
    # the SNAT rule of qg- in snat-'s nat table edited to --to-source
    # 198.19.0.27: the remedy names the router whose agent log to read
    # (kills snat_hops 107: the router's id passed as None)
    snat.capture.replace(
        "network1", f"ns-iptables:{SNAT_NS}",
        f"-o {QG} -j SNAT --to-source 198.19.0.26",
        f"-o {QG} -j SNAT --to-source 198.19.0.27")
    trace = snat.trace()
    rule = f"-o {QG} -j SNAT --to-source 198.19.0.26"
    assert _findings(trace) == [(
        "NETDIAG_ROUTER_NAT_RULE_MISSING", "network1:SNAT 198.19.0.26",
        f"no '{rule}' rule in the router namespace's nat table on network1",
        f"The nat table of the router namespace on network1 lacks '{rule}': "
        "restart neutron-l3-agent on network1 (it rebuilds the router's "
        "iptables); if it stays missing, check the agent's log for "
        f"{ROUTER}.")]
    assert _not_ok(trace) == [(
        "network1", "SNAT 198.19.0.26", "nat-rule", "absent",
        f"expected {rule}", Status.ERROR)]


def test_qr_mac_wrong_names_the_qrouter_namespace(snat):
    # compute2's qr- in qrouter- edited to MAC fa:16:3e:00:00:01 (the
    # port's is fa:16:3e:6f:70:9d): the finding names the namespace
    # (kills first_hop 58: the namespace passed as None)
    def change(links):
        [link] = [lk for lk in links if lk["ifname"] == QR]
        link["address"] = "fa:16:3e:00:00:01"
    snat.edit("compute2", f"ns-addr:{QROUTER}", change)
    trace = snat.trace()
    assert _findings(trace) == [(
        "NETDIAG_DVR_QR_MAC_WRONG", f"compute2:{QR}",
        f"{QR} in {QROUTER} on compute2 has MAC fa:16:3e:00:00:01, the "
        "router interface port d8dfbf75-d231-4c26-b002-40bd835d4e28 has "
        "fa:16:3e:6f:70:9d",
        f"{QR} in {QROUTER} on compute2 has MAC fa:16:3e:00:00:01, the "
        "router interface port's is fa:16:3e:6f:70:9d: instances on "
        "compute2 ARP for the gateway and get an address no flow expects. "
        "restart neutron-l3-agent on compute2 (it rebuilds the router "
        "there).")]
    assert _not_ok(trace) == [(
        "compute2", QR, "router-mac", "wrong",
        "fa:16:3e:00:00:01, expected fa:16:3e:6f:70:9d", Status.ERROR)]


def test_qrouter_rules_unreadable_give_one_skip_row(snat):
    # compute2's ip -j rule in qrouter- failed (exit 1, the stderr
    # iproute2 prints without the right to enter the namespace): one SKIP
    # row and the failed command (kills first_hop 118: the report passed
    # as None, which crashes the trace)
    path = snat.capture.path / "hosts" / "compute2.json"
    data = json.loads(path.read_text())
    [record] = [c for c in data["commands"]
                if c["name"] == f"ns-rule:{QROUTER}"]
    record["exit_status"] = "1"
    record["stderr"] = "RTNETLINK answers: Operation not permitted\n"
    path.write_text(json.dumps(data))
    trace = snat.trace()
    argv = f"ip netns exec {QROUTER} /usr/sbin/ip -j rule show"
    error = "error, exit 1: RTNETLINK answers: Operation not permitted"
    assert _findings(trace) == [(
        "NETDIAG_COMMAND_FAILED", f"compute2:{QROUTER} rules",
        f"could not read '{argv}' on compute2: {error}; not checked: "
        f"route-rule {QROUTER} rules",
        f"Run '{argv}' on compute2 by hand and fix what it says; until it "
        f"succeeds the route-rule {QROUTER} rules hop (and those that "
        "depend on it) is not checked.")]
    assert _not_ok(trace) == [(
        "compute2", f"{QROUTER} rules", "route-rule", "error",
        f"not checked: {error}", Status.SKIP)]
    assert trace.exit_code == exitcodes.UNREADABLE


def test_snat_host_without_dhcp_checks_the_sg_tunnel_inbound(snat):
    # the subnet edited to DHCP disabled (so no DHCP agent or port on
    # network1, one place in the API context): network1's tenant-network
    # translation is then judged for the sg- port alone, its tunnels to
    # both peers included (kills snat_hops 15: the context passed as
    # None, which crashes when the tunnel peers are listed)
    def change(context):
        context["subnets"][0]["enable_dhcp"] = False
        context["dhcp_agents"], context["dhcp_ports"] = [], []
    snat.capture.edit_context(change)
    trace = snat.trace()
    rows = [(h.device, h.kind, h.state, h.detail) for h in trace.hops
            if h.host == "network1"][:6]
    assert rows == [
        ("br-tun table=22", "flow", "present",
         "dl_vlan=4 -> tun_id 0x729, 0 tunnel output(s) (n_packets=0)"),
        ("vxlan-c612010b", "tunnel", "present",
         "to compute1 remote_ip=198.18.1.11 local_ip=198.18.1.13, ofport 2"),
        ("vxlan-c612010c", "tunnel", "present",
         "to compute2 remote_ip=198.18.1.12 local_ip=198.18.1.13, ofport 3"),
        ("br-tun tun_id=0x729", "flow", "present",
         "table=4 tun_id=0x729 -> mod_vlan_vid:4 (n_packets=27)"),
        ("patch-tun<->patch-int", "patch", "peered", "br-int <-> br-tun"),
        ("sg-2e9c7047-a3", "ovs-port", "tag 4",
         "on br-int, ofport 16, local VLAN 4, iface-id and attached-mac "
         "match the port")]
    assert _not_ok(trace) == [(
        "api", "f8c0a5e0-a772-476c-9466-083be770e654", "dhcp", "disabled",
        "DHCP is off on the port's subnets: no qdhcp- namespace or dnsmasq "
        "serves this port", Status.SKIP)]
    assert trace.exit_code == exitcodes.OK


def _sg_rows(trace):
    return [(h.device, h.kind, h.state, h.detail, h.status)
            for h in trace.hops if h.host == "network1"
            and h.device == "sg-2e9c7047-a3"]


def test_sg_port_judged_on_the_snat_agents_integration_bridge(snat):
    # network1's OVS agent edited in the API to report integration_bridge
    # br-int2 (its ports stay on br-int): the sg- port is judged against
    # the agent's bridge, so its row is wrong (kills snat_hops 11: no
    # agent passed, which falls back to br-int and passes it)
    snat.capture.edit_context(lambda c: c["ovs_agents"]["network1"][
        "configurations"].__setitem__("integration_bridge", "br-int2"))
    trace = snat.trace()
    assert _sg_rows(trace)[0] == (
        "sg-2e9c7047-a3", "ovs-port", "wrong",
        "on br-int, ofport 16, local VLAN 4; on br-int, expected br-int2",
        Status.ERROR)
    assert [(f.code, f.subject, f.summary) for f in trace.findings
            if "sg-" in f.summary] == [(
                "NETDIAG_OVS_PORT_MISSING", "network1:br-int2",
                "sg-2e9c7047-a3 is on br-int, not on br-int2")]


def test_standby_snat_side_without_addresses_is_not_broken(snat):
    # The router edited to HA with network1's agent in standby (the API
    # context), and the standby's snat- edited as keepalived leaves it:
    # sg- and qg- without their IPv4 addresses. A standby carries none, so
    # both rows are UP and OK (kills snat_hops 54 and 78: the addresses
    # required of sg- / qg- although the side is standby)
    def ha(context):
        context["router"]["ha"] = True
        context["router"]["l3_agents"][0]["ha_state"] = "standby"
    snat.capture.edit_context(ha)

    def no_v4(links):
        for link in links:
            if link["ifname"].startswith(("sg-", "qg-")):
                link["addr_info"] = [a for a in link["addr_info"]
                                     if a["family"] != "inet"]
    snat.edit("network1", f"ns-addr:{SNAT_NS}", no_v4)
    trace = snat.trace()
    rows = [(h.device, h.kind, h.state, h.detail, h.status)
            for h in trace.hops if h.host == "network1"
            and h.kind in ("snat-port", "gateway-port")]
    assert rows == [
        ("sg-2e9c7047-a3", "snat-port", "UP",
         f"in {SNAT_NS}: no address", Status.OK),
        (QG, "gateway-port", "UP", f"in {SNAT_NS}: no address", Status.OK)]
    assert [f.code for f in trace.findings] == ["NETDIAG_ROUTER_HA_STATE"]


def test_snat_host_plans_the_vlan_translation_of_the_tenant_network():
    # The API context of ``dvr-lab-vlan-healthy`` (VLAN 2113 on physnet1,
    # the router's gateway on network1) edited: the router distributed and
    # the subnet without DHCP, so network1 is on the path only as the SNAT
    # host. Its probes include the tenant VLAN's translation, read with
    # the SNAT host's agent and its bridge_mappings (kills plan 46: no
    # agent passed, so no physnet bridge is known and the VLAN's flows
    # are not read there)
    context = json.loads(
        (SCENARIOS / "dvr-lab-vlan-healthy" / "context.json").read_text())
    context["router"]["distributed"] = True
    context["subnets"][0]["enable_dhcp"] = False
    context["dhcp_agents"], context["dhcp_ports"] = [], []
    planned = trace_plan(ctx_mod.PortContext.from_json(context))
    snat_ns = "snat-6de1dede-f60c-4802-8a5d-1c001949d27d"
    assert [p.name for p in planned["network1"]] == [
        "ip-addr", "ovs-bridges", "ovs-ports", "ovs-interfaces", "netns",
        f"ns-addr:{snat_ns}", f"ns-route:{snat_ns}", f"ns-iptables:{snat_ns}",
        "flows:br-int:table=0,dl_vlan=2113", "flows:br-eth1:table=2",
        "flows:br-int:table=0", "flows:br-ex:table=2"]
