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

"""GRE (the Networking Guide's own tunnel example) on runs recorded from the
real lab's gre-net: ``port trace`` (tools/record_scenarios), ``network
vlan-map`` and ``host check`` (tests/lab/test_gre_lab.py with
NETDIAG_RECORD_FIXTURES), healthy and with one ``gre-`` port removed from
compute1's br-tun.

gre-net is segmentation id 84 (0x54); gre1 is on compute1, gre2 on
compute2, DHCP and the legacy router on network1. The Open vSwitch agent
reads GRE in br-tun's table 3 (VXLAN's is 4) and names its ports
``gre-<tunnel IP in hex>``.
"""

import pathlib

from osc_netdiag import api
from osc_netdiag import exitcodes
from osc_netdiag import hostcheck
from osc_netdiag.models import Status
from osc_netdiag import vlanmap
from tests.unit.helpers import codes
# the recorded API context and its replay, as host check's own tests read them
from tests.unit.test_hostcheck import context_of
from tests.unit.test_hostcheck import with_context

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
SEG = 84
# the lab's tunnel IPs, as the agent names its ports after them
GRE_PORT = {"compute1": "gre-c612010b", "compute2": "gre-c612010c",
            "network1": "gre-c612010d"}


def trace(name):
    return api.trace_from_capture(str(FIXTURES / "scenarios" / name))


def not_ok(result_hops):
    return [(h.host, h.kind, h.device, str(h.status)) for h in result_hops
            if str(h.status) != "OK"]


def test_trace_healthy_gre_path():
    result = trace("gre-healthy")
    assert (result.exit_code, result.findings, not_ok(result.hops)) == (
        exitcodes.OK, (), [])
    assert result.round_trips == 2          # compute1 and network1
    [port] = [h for h in result.hops if h.kind == "neutron-port"]
    assert "on gre-net (gre 84)" in port.detail
    flows = [(h.host, h.device, h.detail.split(" (")[0])
             for h in result.hops if h.kind == "flow"
             and h.device.startswith("br-tun")]
    assert flows == [
        ("compute1", "br-tun tun_id=0x54", "table=3 tun_id=0x54 -> "
         "mod_vlan_vid:3"),
        ("compute1", "br-tun table=22", "dl_vlan=3 -> tun_id 0x54, 2 tunnel "
         "output(s)"),
        ("network1", "br-tun table=22", "dl_vlan=4 -> tun_id 0x54, 2 tunnel "
         "output(s)"),
        ("network1", "br-tun tun_id=0x54", "table=3 tun_id=0x54 -> "
         "mod_vlan_vid:4"),
    ]
    tunnels = [(h.host, h.device) for h in result.hops if h.kind == "tunnel"]
    assert tunnels == [
        ("compute1", GRE_PORT["compute2"]), ("compute1", GRE_PORT["network1"]),
        ("network1", GRE_PORT["compute1"]), ("network1", GRE_PORT["compute2"])]
    assert all(h.detail.endswith(", in the flood flow")
               for h in result.hops if h.kind == "tunnel")


def test_trace_removed_gre_port():
    result = trace("gre-tunnel-to-network-node-missing")
    assert result.exit_code == exitcodes.ERROR_FINDING
    [finding] = result.findings
    assert (finding.code, finding.subject) == ("NETDIAG_TUNNEL_MISSING",
                                               "compute1->network1")
    assert finding.summary == ("no gre port on br-tun of compute1 reaches "
                               "network1 (198.18.1.13)")
    assert not_ok(result.hops) == [("compute1", "tunnel", "gre to network1",
                                    "ERROR")]


def vlan_map(name):
    return vlanmap.map_from_capture(str(FIXTURES / "vlanmap" / name))


def test_vlan_map_healthy_gre_network():
    result = vlan_map("gre-healthy")
    assert result.exit_code == exitcodes.OK and result.findings == ()
    assert sorted(r.host for r in result.rows) == ["compute1", "compute2",
                                                   "network1"]
    for row in result.rows:
        assert (row.status, row.bridge, row.network_type,
                row.segmentation_id) == (Status.OK, "br-tun", "gre", SEG)
        assert row.ingress == (f"br-tun table=3 tun_id=0x54 actions="
                               f"mod_vlan_vid:{row.local_vlan},resubmit(,9)")
        [flood] = [f for f in row.egress.split("; ")
                   if f.startswith("br-tun table=22 ")]
        others = sorted(p for h, p in GRE_PORT.items() if h != row.host)
        assert sorted(flood.split(",output:")[1:]) == others, flood


def test_vlan_map_removed_gre_port():
    result = vlan_map("gre-tunnel-removed")
    assert result.exit_code == exitcodes.ERROR_FINDING
    assert codes(result) == ["NETDIAG_VLANMAP_FLOOD_MISSING_TUNNEL"]
    assert result.findings[0].subject == "compute1->network1"
    assert result.findings[0].summary.endswith(
        "does not reach network1 (198.18.1.13): no tunnel port")
    assert {r.host: r.status for r in result.rows} == {
        "compute1": Status.ERROR, "compute2": Status.OK,
        "network1": Status.OK}


def host_check(name):
    return hostcheck.check_from_capture(str(FIXTURES / "hostcheck" / name))


def tunnel_rows(result):
    return sorted((r.host, r.device, str(r.status)) for r in result.rows
                  if r.kind == "tunnel")


def test_host_check_healthy_gre_ports():
    result = host_check("gre-healthy")
    assert result.exit_code == exitcodes.OK
    assert codes(result) == ["NETDIAG_HOST_EXTRA_BRIDGE"] * 3
    gre = [t for t in tunnel_rows(result) if t[1].startswith("gre-")]
    # l2population: every host has a port of gre-net, so both peers
    assert gre == sorted((host, GRE_PORT[peer], "OK")
                         for host in GRE_PORT for peer in GRE_PORT
                         if peer != host)


def test_host_check_removed_gre_port():
    result = host_check("gre-tunnel-removed")
    assert result.exit_code == exitcodes.ERROR_FINDING
    assert codes(result, "ERROR") == ["NETDIAG_TUNNEL_MISSING"]
    [missing] = [f for f in result.findings
                 if f.code == "NETDIAG_TUNNEL_MISSING"]
    assert missing.subject == "compute1->compute2"
    assert missing.summary == ("no gre port on br-tun of compute1 reaches "
                               "compute2 (198.18.1.12)")
    # the VXLAN port to the same peer is still there and OK
    assert tunnel_rows(result) == [
        ("compute1", "gre to compute2", "ERROR"),
        ("compute1", GRE_PORT["network1"], "OK"),
        ("compute1", "vxlan-c612010c", "OK"),
        ("compute1", "vxlan-c612010d", "OK")]


def test_host_check_gre_port_not_needed_without_a_shared_gre_network():
    """l2population opens a GRE tunnel only to a host sharing a GRE
    network: the same removed port is no finding when the API says
    compute2 has no port of one (the recording, its context changed).
    """
    context = context_of("gre-tunnel-removed")
    needs = {h: dict(v) for h, v in context.tunnel_needs.items()}
    assert needs["compute1"]["gre"] == ("compute2", "network1")
    needs["compute1"]["gre"] = ("network1",)
    result = with_context("gre-tunnel-removed", tunnel_needs=needs)
    assert result.exit_code == exitcodes.OK
    assert codes(result) == ["NETDIAG_HOST_EXTRA_BRIDGE"]
