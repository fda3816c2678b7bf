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

"""GRE, the Networking Guide's own tunnel example, on the real lab.

gre-net carries gre1 (compute1) and gre2 (compute2); its DHCP port and the
legacy router's interface live on network1. The OVS agents open ``gre-<n>``
ports on br-tun (l2population: to every host with a port of the network)
and translate ``tun_id=<segmentation id>`` in br-tun's table 3. The
userspace datapath carries GRE the way it carries VXLAN.

Each check runs the command exactly as an operator does; each fault removes
one ``gre-`` port and restores it before the test ends.
"""

import json

import pytest

from tests.lab import conftest as lab_faults
from tests.lab.test_hostcheck_lab import codes
from tests.lab.test_hostcheck_lab import netdiag
from tests.lab.test_trace_lab import assert_all_ok
from tests.lab.test_trace_lab import hops_of
from tests.lab.test_trace_lab import trace

pytestmark = pytest.mark.lab


def gre_ports(host):
    """{remote_ip: name} of the host's GRE ports on br-tun, read off OVS."""
    rows = json.loads(lab_faults.lab_exec(
        host, "ovs-vsctl", "--timeout=10", "--format=json",
        "--columns=name,options", "find", "Interface",
        "type=gre").stdout)["data"]
    return {dict(options[1])["remote_ip"]: name for name, options in rows}


def test_gre_network_built_and_traffic_proven(lab):
    net = lab["networks"]["gre"]
    assert net["network_type"] == "gre"
    assert net["cidr"] == "198.18.19.0/24"
    assert {n: lab["instances"][n]["host"] for n in ("gre1", "gre2")} == {
        "gre1": "compute1", "gre2": "compute2"}
    conn = lab["connectivity"]
    for key in ("gre1-dhcp", "gre2-dhcp", "gre1-gateway", "gre2-gateway",
                "gre2-gre1", "gre1-vxlan1"):
        assert conn.get(key) is True, (key, conn)


@pytest.mark.parametrize("host", ["compute1", "compute2", "network1"])
def test_gre_ports_to_both_peers(lab, host):
    # every host has a port of gre-net, so l2population opens both tunnels
    peers = {i["tunnel_ip"] for h, i in lab["hosts"].items() if h != host}
    ports = gre_ports(host)
    assert set(ports) == peers, ports
    assert all(name.startswith("gre-") for name in ports.values())


def test_gre2_pings_gre1_now(lab):
    cp = lab_faults.vm_exec(lab, "gre2", "ping", "-n", "-c", "2", "-W", "2",
                            lab["instances"]["gre1"]["ip"])
    assert cp.returncode == 0, cp.stdout + cp.stderr


def test_port_trace_gre_is_healthy(lab):
    inst = lab["instances"]["gre1"]
    seg = lab["networks"]["gre"]["segmentation_id"]
    rc, doc = trace(inst["port_id"])
    assert rc == 0, json.dumps(doc, indent=1)
    assert_all_ok(doc)
    assert doc["findings"] == []
    flows = [h["detail"] for h in hops_of(doc, "compute1", "flow")]
    # br-tun's table 3 (GRE_TUN_TO_LV): VXLAN's would be table 4
    assert any(d.startswith(f"table=3 tun_id={hex(seg)} -> mod_vlan_vid:")
               for d in flows), flows
    assert any(f"-> tun_id {hex(seg)}" in d for d in flows), flows
    tunnels = hops_of(doc, "compute1", "tunnel")
    names = gre_ports("compute1")
    assert sorted(h["device"] for h in tunnels) == sorted(names.values())
    assert all(h["detail"].endswith(", in the flood flow") for h in tunnels)
    assert {h["detail"].split()[1] for h in tunnels} == {"compute2",
                                                         "network1"}
    spaces = [h["device"] for h in hops_of(doc, "network1", "namespace")]
    assert "qdhcp-" + lab["networks"]["gre"]["id"] in spaces
    assert "qrouter-" + lab["router"]["id"] in spaces


def test_port_trace_gre_tunnel_removed(lab):
    restore = lab_faults.fault_delete_tunnel(lab, "compute1", "network1",
                                             "gre")
    try:
        rc, doc = trace(lab["instances"]["gre1"]["port_id"])
    finally:
        restore()
    assert rc == 4, json.dumps(doc, indent=1)
    assert [f["code"] for f in doc["findings"]] == ["NETDIAG_TUNNEL_MISSING"]
    [finding] = doc["findings"]
    assert finding["subject"] == "compute1->network1"
    assert finding["summary"].startswith("no gre port on br-tun of compute1")
    bad = [(h["host"], h["kind"], h["device"], h["status"])
           for h in doc["hops"] if h["status"] != "OK"]
    assert bad == [("compute1", "tunnel", "gre to network1", "ERROR")]


def test_vlan_map_gre_healthy_on_all_hosts(lab):
    net = lab["networks"]["gre"]
    rc, doc = netdiag("vlanmap", "gre-healthy", "network", "vlan-map",
                      net["id"], "--all-hosts")
    assert rc == 0, json.dumps(doc, indent=1)
    assert doc["findings"] == []
    assert sorted(r["host"] for r in doc["rows"]) == sorted(lab["hosts"])
    for row in doc["rows"]:
        assert row["status"] == "OK" and row["bridge"] == "br-tun"
        assert row["network_type"] == "gre"
        # GRE's tunnel-to-local-VLAN table is 3 (VXLAN's is 4)
        assert (f"br-tun table=3 tun_id={hex(net['segmentation_id'])} "
                in row["ingress"]), row["ingress"]
        [flood] = [f for f in row["egress"].split("; ")
                   if f.startswith("br-tun table=22 ")]
        assert flood.count("output:gre-") == 2, flood


def test_vlan_map_gre_tunnel_removed(lab):
    net = lab["networks"]["gre"]
    restore = lab_faults.fault_delete_tunnel(lab, "compute1", "network1",
                                             "gre")
    try:
        rc, doc = netdiag("vlanmap", "gre-tunnel-removed", "network",
                          "vlan-map", net["id"])
    finally:
        restore()
    assert rc == 4, json.dumps(doc, indent=1)
    assert codes(doc, "ERROR") == {"NETDIAG_VLANMAP_FLOOD_MISSING_TUNNEL"}
    [flood] = [f for f in doc["findings"]
               if f["code"] == "NETDIAG_VLANMAP_FLOOD_MISSING_TUNNEL"]
    assert flood["subject"] == "compute1->network1"
    assert "no tunnel port" in flood["summary"]


def test_host_check_gre_ports_healthy(lab):
    rc, doc = netdiag("hostcheck", "gre-healthy", "host", "check", "--all")
    assert rc == 0, json.dumps(doc, indent=1)
    assert codes(doc, "ERROR") == set() and codes(doc, "WARNING") == set()
    tunnels = [r for r in doc["rows"] if r["kind"] == "tunnel"]
    gre = [r for r in tunnels if r["device"].startswith("gre-")]
    # l2population: each host shares gre-net with both others
    assert len(gre) == 3 * 2, json.dumps(tunnels, indent=1)
    assert all(r["status"] == "OK" for r in gre)
    for host in lab["hosts"]:
        assert sorted(r["device"] for r in gre if r["host"] == host) == \
            sorted(gre_ports(host).values())


def test_host_check_gre_tunnel_removed(lab):
    restore = lab_faults.fault_delete_tunnel(lab, "compute1", "compute2",
                                             "gre")
    try:
        rc, doc = netdiag("hostcheck", "gre-tunnel-removed", "host", "check",
                          "compute1")
    finally:
        restore()
    assert rc == 4, json.dumps(doc, indent=1)
    assert codes(doc, "ERROR") == {"NETDIAG_TUNNEL_MISSING"}
    [missing] = [f for f in doc["findings"]
                 if f["code"] == "NETDIAG_TUNNEL_MISSING"]
    assert missing["subject"] == "compute1->compute2"
    assert missing["summary"].startswith("no gre port on br-tun of compute1")
    # the VXLAN port to the same peer is untouched and still OK
    vxlan = [r for r in doc["rows"] if r["kind"] == "tunnel"
             and r["device"].startswith("vxlan-")]
    assert len(vxlan) == 2 and all(r["status"] == "OK" for r in vxlan)
