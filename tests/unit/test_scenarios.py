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

"""Replay scenarios recorded from the real lab (tools/record_scenarios).

Each directory holds the API context and every command's real output of one
`port trace --save-capture` run: healthy, or with one fault injected on a
lab host. Replaying them offline checks the diagnosis end to end (parsers,
hop evaluation, findings, exit codes) without the lab.
"""

import json
import pathlib

import pytest

from osc_netdiag import api
from osc_netdiag import exitcodes
from tests.unit import helpers

SCENARIOS = pathlib.Path(__file__).parents[1] / "fixtures" / "scenarios"

# scenario: (exit code, finding code, host of the ERROR hop, kind of it)
BROKEN = {
    "vlan-tag-missing": (4, "NETDIAG_OVS_TAG_MISSING", "compute1",
                         "ovs-port"),
    "vlan-ingress-flow-missing": (4, "NETDIAG_OVS_NO_INGRESS_TRANSLATION",
                                  "compute1", "flow"),
    "vlan-egress-flow-missing": (4, "NETDIAG_OVS_NO_EGRESS_TRANSLATION",
                                 "compute1", "flow"),
    "vxlan-patch-peer-wrong": (4, "NETDIAG_OVS_PATCH_PEER", "compute1",
                               "patch"),
    "vlan-tap-down": (4, "NETDIAG_TAP_DOWN", "compute1", "tap"),
    "vxlan-tunnel-to-network-node-missing": (4, "NETDIAG_TUNNEL_MISSING",
                                             "compute1", "tunnel"),
    "vlan-qrouter-missing": (4, "NETDIAG_ROUTER_NAMESPACE_MISSING",
                             "network1", "namespace"),
    "vlan-dnsmasq-killed": (4, "NETDIAG_DHCP_DNSMASQ_NOT_RUNNING",
                            "network1", "dhcp-server"),
    # DVR lab: the egress translation lives in br-eth1's table 2
    "dvr-lab-vlan-egress-flow-missing": (
        4, "NETDIAG_OVS_NO_EGRESS_TRANSLATION", "compute1", "flow"),
}


def replay(name):
    return api.trace_from_capture(str(SCENARIOS / name))


@pytest.mark.parametrize("name", ["vlan-healthy", "vxlan-healthy",
                                  "dvr-lab-vlan-healthy",
                                  "dvr-lab-distributed-router-healthy"])
def test_healthy_paths(name):
    trace = replay(name)
    assert trace.exit_code == exitcodes.OK
    assert [h for h in trace.hops if h.status != "OK"] == []
    assert trace.findings == ()
    hosts = {h.host for h in trace.hops}
    assert {"api", "compute1", "network1"} <= hosts
    assert trace.round_trips == 2          # one per host


def test_vlan_healthy_hops_in_path_order():
    kinds = [(h.host, h.kind) for h in replay("vlan-healthy").hops]
    compute = [k for host, k in kinds if host == "compute1"]
    assert compute == ["tap", "ovs-port", "flow", "patch", "flow", "nic"]
    network = [k for host, k in kinds if host == "network1"]
    # wire inwards: NIC, egress flow, patch, ingress flow, then the ports
    assert network[:4] == ["nic", "flow", "patch", "flow"]
    for kind in ("namespace", "dhcp-port", "dhcp-server", "router-port",
                 "gateway-port", "route"):
        assert kind in network


def test_vxlan_healthy_checks_tunnels_against_agents():
    trace = replay("vxlan-healthy")
    tunnels = [h for h in trace.hops if h.kind == "tunnel"
               and h.host == "compute1"]
    assert any("to network1" in h.detail for h in tunnels)
    assert all("in the flood flow" in h.detail for h in tunnels)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_hop_is_named(name):
    exit_code, code, host, kind = BROKEN[name]
    trace = replay(name)
    assert trace.exit_code == exit_code
    # one fault, one finding, one hop that is not OK
    assert [f.code for f in trace.findings] == [code]
    assert [(h.host, h.kind, str(h.status)) for h in trace.hops
            if h.status != "OK"] == [(host, kind, "ERROR")]
    finding = next(f for f in trace.findings if f.code == code)
    assert finding.remedy and "<" not in finding.remedy


def test_network_node_unreachable_keeps_compute_hops():
    trace = replay("vlan-network-node-unreachable")
    assert trace.exit_code == exitcodes.UNREADABLE
    assert [f.code for f in trace.findings] == ["NETDIAG_HOST_UNREADABLE"]
    compute = [h for h in trace.hops if h.host == "compute1"]
    assert compute and all(h.status == "OK" for h in compute)
    skipped = [h for h in trace.hops if h.host == "network1"]
    assert [h.status for h in skipped] == ["SKIP"]
    assert {h.host: h.status for h in trace.hosts}["network1"] == "unreachable"


def test_flow_hops_carry_packet_counters():
    trace = replay("vlan-healthy")
    flows = [h for h in trace.hops if h.kind == "flow"]
    assert flows and all("n_packets=" in h.detail for h in flows)


def test_from_capture_through_the_command():
    from osc_netdiag.v1 import port as port_cmd
    code, app = helpers.run_command(
        port_cmd.TracePort,
        "--from-capture", str(SCENARIOS / "vlan-egress-flow-missing"),
        "-f", "json", "--long")
    assert code == 4
    doc = json.loads(app.stdout.getvalue())
    assert set(doc) >= {"port_id", "exit_code", "hops", "findings", "hosts"}
    assert doc["exit_code"] == 4
    bad = [h for h in doc["hops"] if h["status"] == "ERROR"]
    assert bad[0]["evidence"][0]["command"].startswith("ovs-ofctl dump-flows")


def test_table_output_lists_findings():
    from osc_netdiag.v1 import port as port_cmd
    code, app = helpers.run_command(
        port_cmd.TracePort, "--from-capture", str(SCENARIOS / "vlan-tap-down"))
    assert code == 4
    out = app.stdout.getvalue()
    assert "Findings:" in out and "NETDIAG_TAP_DOWN" in out


def test_dvr_lab_reads_the_egress_translation_in_table_2():
    """OVS agents with enable_distributed_routing: Neutron's physical
    bridges translate local VLAN -> segment in table 2.
    """
    egress = [h for h in replay("dvr-lab-vlan-healthy").hops
              if h.kind == "flow" and h.device.startswith("br-eth1 ")]
    assert {h.device for h in egress} == {"br-eth1 table=2"}
    assert all("mod_vlan_vid:2113" in h.detail for h in egress)
    broken = replay("dvr-lab-vlan-egress-flow-missing")
    [hop] = [h for h in broken.hops if h.status != "OK"]
    assert (hop.host, hop.device) == ("compute1", "br-eth1 table=2")


def test_dvr_lab_distributed_router_gateway_in_snat_namespace():
    """A port behind a distributed router without a floating IP.

    qg- and the default route in snat-<router> on the SNAT host
    (network1); the network node's qrouter- is not on its path.
    """
    trace = replay("dvr-lab-dvr2-snat-healthy")
    network = [(h.kind, h.device) for h in trace.hops
               if h.host == "network1"]
    spaces = [d for k, d in network if k == "namespace"]
    assert not any(d.startswith("qrouter-") for d in spaces)
    snat = [d for d in spaces if d.startswith("snat-")]
    assert len(snat) == 1
    kinds = [k for k, _d in network]
    assert kinds.index("gateway-port") > kinds.index("namespace")
    gateway = [h for h in trace.hops if h.kind == "gateway-port"]
    assert len(gateway) == 1 and snat[0] in gateway[0].detail


def test_ingress_translation_missing_is_named():
    # the BROKEN table's code, named in an assert as every code must be
    trace = replay("vlan-ingress-flow-missing")
    assert [f.code for f in trace.findings] == ["NETDIAG_OVS_NO_INGRESS_TRANSLATION"]
