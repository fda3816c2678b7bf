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

"""port trace (ML2/OVS), second look: the network node's rows and findings
an operator reads, exactly, on real recordings edited where each test says.
"""

from osc_netdiag import exitcodes
from tests.unit.mutation.test_l2_second_look import _rename
from tests.unit.mutation.test_l2_second_look import rows_of
from tests.unit.mutation.test_sweep_l2_paths import bad_rows
from tests.unit.mutation.test_sweep_l2_paths import findings
from tests.unit.test_trace_faults import trace_of
from tests.unit.test_trace_faults import vlan  # noqa: F401 (a fixture)
from tests.unit.test_trace_faults import vxlan  # noqa: F401 (a fixture)

OK, ERROR_FINDING = exitcodes.OK, exitcodes.ERROR_FINDING
QROUTER = "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d"
QG = "qg-4ed7e451-34"

# vlan-healthy's network1 after its DHCP hops: the router's side, as
# recorded (qr- on br-int, then qrouter-, qg- and the external bridge)
VLAN_ROUTER_ROWS = [
    ("qr-12cf768b-a6", "ovs-port", "tag 2", "on br-int, ofport 21, local "
     "VLAN 2, iface-id and attached-mac match the port", "OK"),
    (QROUTER, "namespace", "present", "", "OK"),
    ("qr-12cf768b-a6", "router-port", "UP",
     f"in {QROUTER}: 198.18.16.1/24", "OK"),
    (QG, "gateway-port", "UP",
     f"in {QROUTER}: 198.19.0.56/24, 198.19.0.43/32", "OK"),
    ("default route", "route", "present", f"via 198.19.0.1 dev {QG}", "OK"),
    (QG, "ovs-port", "tag 8", "on br-int, ofport 23, local VLAN 8, "
     "iface-id and attached-mac match the port", "OK"),
    ("br-int table=0", "flow", "present",
     "in_port=int-br-ex,untagged -> mod_vlan_vid:8 (n_packets=0)", "OK"),
    ("int-br-ex<->phy-br-ex", "patch", "peered", "br-int <-> br-ex", "OK"),
    ("br-ex table=0", "flow", "present",
     "in_port=phy-br-ex,dl_vlan=8 -> strip_vlan (n_packets=5)", "OK"),
    ("eth3", "nic", "UP", "in br-ex, ofport 1, mtu 1500, UP", "OK")]


def test_qdhcp_namespace_missing_on_the_network_node(vlan):  # noqa: F811
    # network1's "ip netns" output: the network's qdhcp- namespace renamed
    # qdhcp-other (one place), as if the agent had lost it: the finding is
    # the DHCP namespace's, its DHCP port is not looked for in it, dnsmasq
    # and the router are judged as recorded
    # kills trace _dhcp_hops mutants 30, 37 and 38 (the finding's code
    # None or spelled otherwise)
    net = vlan.context()["network"]["id"]
    qdhcp = f"qdhcp-{net}"
    vlan.replace("network1", "netns", f'{{"name":"{qdhcp}","id":',
                 '{"name":"qdhcp-other","id":')
    trace = trace_of(vlan)
    assert findings(trace) == [(
        "NETDIAG_DHCP_NAMESPACE_MISSING", "ERROR", f"network1:{qdhcp}",
        f"namespace {qdhcp} does not exist on network1",
        f"Restart neutron-dhcp-agent on network1; it re-creates {qdhcp}.")]
    assert bad_rows(trace) == [
        ("network1", qdhcp, "namespace", "absent",
         "ip netns does not list it", "ERROR")]
    assert rows_of(trace, "network1")[4:] == [
        ("tap0ca4aaaf-71", "ovs-port", "tag 2", "on br-int, ofport 6, local "
         "VLAN 2, iface-id and attached-mac match the port", "OK"),
        (qdhcp, "namespace", "absent", "ip netns does not list it", "ERROR"),
        ("dnsmasq", "dhcp-server", "running", "pid 6007", "OK"),
    ] + VLAN_ROUTER_ROWS
    assert trace.exit_code == ERROR_FINDING


def test_router_host_serving_no_dhcp_judges_the_tunnel_itself(vxlan):  # noqa: F811
    # the API context: DHCP off on the port's subnet (one field): network1
    # is then on the path as the router's host only, so the router's qr-
    # port is the first to need br-tun's translation there, judged from
    # the wire in with the tunnel peers the API lists (compute1, compute2)
    # kills trace _router_hops mutant 20 (the API context not handed to
    # the qr- port's translation: no tunnel peers can be listed)
    def dhcp_off(data):
        for subnet in data["subnets"]:
            subnet["enable_dhcp"] = False
    vxlan.edit_context(dhcp_off)
    trace = trace_of(vxlan)
    net = vxlan.context()["network"]["id"]
    assert findings(trace) == []
    assert bad_rows(trace) == [
        ("api", net, "dhcp", "disabled", "DHCP is off on the port's subnets: "
         "no qdhcp- namespace or dnsmasq serves this port", "SKIP")]
    assert rows_of(trace, "network1")[:7] == [
        ("br-tun table=22", "flow", "present", "dl_vlan=3 -> tun_id 0x50f, "
         "2 tunnel output(s) (n_packets=30)", "OK"),
        ("vxlan-c612010b", "tunnel", "present", "to compute1 remote_ip="
         "198.18.1.11 local_ip=198.18.1.13, ofport 2, in the flood flow",
         "OK"),
        ("vxlan-c612010c", "tunnel", "present", "to compute2 remote_ip="
         "198.18.1.12 local_ip=198.18.1.13, ofport 4, in the flood flow",
         "OK"),
        ("br-tun tun_id=0x50f", "flow", "present",
         "table=4 tun_id=0x50f -> mod_vlan_vid:3 (n_packets=64)", "OK"),
        ("patch-tun<->patch-int", "patch", "peered", "br-int <-> br-tun",
         "OK"),
        ("qr-9b515daf-d3", "ovs-port", "tag 3", "on br-int, ofport 22, local "
         "VLAN 3, iface-id and attached-mac match the port", "OK"),
        (QROUTER, "namespace", "present", "", "OK")]
    assert trace.exit_code == OK


def test_qg_on_the_agents_own_integration_bridge(vlan):  # noqa: F811
    # network1 set up with its integration bridge named br-int2 ([ovs]
    # integration_bridge): every "br-int" of network1's recording (Bridge,
    # Port and Interface rows, the probes' names and argv) and of its
    # agent's reported configuration renamed br-int2 (see _rename): qg- on
    # br-int2 is the agent's integration port, healthy, as on br-int
    # kills trace _external_hops mutant 64 (qg-'s port judged without the
    # agent: br-int expected, qg- reported on the wrong bridge)
    _rename(vlan, "network1", [("br-int", "br-int2")])
    trace = trace_of(vlan)
    assert (findings(trace), bad_rows(trace)) == ([], [])
    assert rows_of(trace, "network1")[8:] == [
        tuple(cell.replace("br-int", "br-int2") if isinstance(cell, str)
              else cell for cell in row) for row in VLAN_ROUTER_ROWS]
    assert trace.exit_code == OK
