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

"""Faults that leave something present but wrong, on the real lab.

The other lab tests remove or kill things. The faults here keep every
device, port, flow, file entry and rule in place with one wrong value (a
VLAN, a segmentation ID, a tunnel address, an IP, a gateway), which is what
a half-applied change or a stale agent leaves behind. Each test checks the
fault is real (traffic stops where it should), then that the commands name
it with its exact finding code and exit code, and restores the lab.
"""

import json

import pytest

from tests.lab import conftest as lab_faults
from tests.lab.test_hostcheck_lab import netdiag
from tests.lab.test_trace_lab import trace

pytestmark = pytest.mark.lab

# Addresses of the lab's own subnets that no host or port has: packets to
# them stay on the lab's links inside its namespaces.
UNUSED_TUNNEL_IP = "198.18.1.99"
UNUSED_EXTERNAL_IP = "198.19.0.99"


def codes(doc, severity=None):
    return {f["code"] for f in doc["findings"]
            if severity is None or f["severity"] == severity}


def not_ok(doc, key="hops"):
    return [(r["host"], r["status"]) for r in doc[key] if r["status"] != "OK"]


def ping(lab, instance, target):
    return lab_faults.vm_exec(lab, instance, "ping", "-n", "-c", "1", "-W",
                              "2", target).returncode


def test_egress_flow_maps_to_wrong_segmentation_id(lab, fault):
    net = lab["networks"]["vlan"]
    seg = net["segmentation_id"]
    with fault(lab_faults.fault_egress_wrong_segment, "compute1", seg,
               seg + 7):
        assert ping(lab, "vlan2", lab["instances"]["vlan1"]["ip"]) != 0
        rc, doc = trace(lab["instances"]["vlan1"]["port_id"])
        vrc, vdoc = netdiag("vlanmap", "egress-wrong-seg", "network",
                            "vlan-map", net["id"])
    assert rc == 4, json.dumps(doc, indent=1)
    assert codes(doc) == {"NETDIAG_OVS_NO_EGRESS_TRANSLATION"}
    [bad] = [h for h in doc["hops"] if h["status"] != "OK"]
    assert (bad["host"], bad["device"], bad["status"]) == (
        "compute1", "br-eth1 table=2", "ERROR")
    assert vrc == 4, json.dumps(vdoc, indent=1)
    assert codes(vdoc) == {"NETDIAG_VLANMAP_NO_TRANSLATION"}
    assert [f["subject"] for f in vdoc["findings"]] == ["compute1:br-eth1"]
    assert ping(lab, "vlan2", lab["instances"]["vlan1"]["ip"]) == 0


def test_ingress_flow_maps_to_wrong_local_vlan(lab, fault):
    net = lab["networks"]["vlan"]
    seg = net["segmentation_id"]
    with fault(lab_faults.fault_ingress_wrong_local_vlan, "compute1", seg,
               3999):
        assert ping(lab, "vlan2", lab["instances"]["vlan1"]["ip"]) != 0
        rc, doc = trace(lab["instances"]["vlan1"]["port_id"])
        vrc, vdoc = netdiag("vlanmap", "ingress-wrong-lvid", "network",
                            "vlan-map", net["id"])
    assert rc == 4, json.dumps(doc, indent=1)
    assert codes(doc) == {"NETDIAG_OVS_VLAN_MISMATCH"}
    assert not_ok(doc) == [("compute1", "ERROR")]
    assert vrc == 4, json.dumps(vdoc, indent=1)
    assert codes(vdoc) == {"NETDIAG_VLANMAP_VLAN_MISMATCH"}


def test_port_tagged_with_another_networks_local_vlan(lab, fault):
    """vlan1's port carries vxlan1's local VLAN: both tags exist, the
    translation flows are intact, only the port's tag is wrong.
    """
    host = "compute1"
    other = lab_faults.lab_exec(host, "ovs-vsctl", "--timeout=10", "get",
                                "Port", lab["instances"]["vxlan1"]["tap"],
                                "tag").stdout.strip()
    with lab_faults.agent_paused(host):
        with fault(lab_faults.fault_wrong_tag, "vlan1", other):
            assert ping(lab, "vlan2", lab["instances"]["vlan1"]["ip"]) != 0
            rc, doc = trace(lab["instances"]["vlan1"]["port_id"])
            vrc, vdoc = netdiag("vlanmap", "wrong-tag", "network",
                                "vlan-map", lab["networks"]["vlan"]["id"])
    assert rc == 4, json.dumps(doc, indent=1)
    assert codes(doc) == {"NETDIAG_OVS_VLAN_MISMATCH",
                          "NETDIAG_OVS_NO_EGRESS_TRANSLATION"}
    assert vrc == 4, json.dumps(vdoc, indent=1)
    assert codes(vdoc) == {"NETDIAG_VLANMAP_VLAN_MISMATCH",
                           "NETDIAG_VLANMAP_SHARED_LOCAL_VLAN"}
    shared = [f["subject"] for f in vdoc["findings"]
              if f["code"] == "NETDIAG_VLANMAP_SHARED_LOCAL_VLAN"]
    assert shared == [f"{host}:{other}"]
    lab_faults.wait_until(
        lambda: ping(lab, "vlan2", lab["instances"]["vlan1"]["ip"]) == 0, 30,
        what="vlan1 answers again")


def test_tunnel_port_points_at_wrong_remote_ip(lab, fault):
    peer_ip = lab["hosts"]["network1"]["tunnel_ip"]
    # The agent leaves a tunnel port's options alone (it is not paused:
    # a paused agent is also a disconnected OpenFlow controller, which
    # host check rightly reports).
    with fault(lab_faults.fault_tunnel_wrong_remote, "compute1", "network1",
               UNUSED_TUNNEL_IP):
        assert ping(lab, "vxlan1", lab["networks"]["vxlan"]
                    ["gateway_ip"]) != 0
        rc, doc = trace(lab["instances"]["vxlan1"]["port_id"])
        hrc, hdoc = netdiag("hostcheck", "wrong-remote", "host", "check",
                            "compute1")
    assert rc == 4, json.dumps(doc, indent=1)
    assert codes(doc) == {"NETDIAG_TUNNEL_MISSING"}
    [finding] = doc["findings"]
    assert finding["subject"] == "compute1->network1"
    assert peer_ip in finding["summary"]
    assert hrc == 4, json.dumps(hdoc, indent=1)
    assert codes(hdoc, "ERROR") == {"NETDIAG_TUNNEL_MISSING"}
    stale = [f for f in hdoc["findings"]
             if f["code"] == "NETDIAG_HOST_TUNNEL_STALE"]
    assert len(stale) == 1 and UNUSED_TUNNEL_IP in stale[0]["summary"]


def test_dhcp_hosts_entry_with_wrong_ip(lab, fault):
    inst = lab["instances"]["vlan1"]
    net = lab["networks"]["vlan"]
    with fault(lab_faults.fault_hosts_entry_wrong_ip, net["id"], inst["mac"],
               "198.18.16.250"):
        rc, doc = netdiag("l3dhcp", "hosts-wrong-ip", "dhcp", "check",
                          inst["port_id"])
    assert rc == 4, json.dumps(doc, indent=1)
    assert codes(doc, "ERROR") == {"NETDIAG_DHCP_HOST_ENTRY_MISSING"}
    [row] = [r for r in doc["rows"] if r["kind"] == "dhcp-host"]
    assert row["status"] == "ERROR"
    [finding] = [f for f in doc["findings"] if f["severity"] == "ERROR"]
    assert "198.18.16.250" in finding["summary"]
    assert inst["ip"] in finding["summary"]


def test_floating_ip_dnat_to_wrong_address(lab, fault):
    fip = lab["floating_ip"]["address"]
    with fault(lab_faults.fault_dnat_wrong_address,
               lab["instances"]["vlan2"]["ip"]):
        rc, doc = netdiag("l3dhcp", "dnat-wrong", "router", "check",
                          lab["router"]["id"])
    assert rc == 4, json.dumps(doc, indent=1)
    assert codes(doc) == {"NETDIAG_ROUTER_NAT_RULE_MISSING"}
    assert not_ok(doc, "rows") == [("network1", "ERROR")]
    [finding] = doc["findings"]
    assert finding["subject"] == f"network1:DNAT {fip}"
    assert lab["instances"]["vlan1"]["ip"] in finding["summary"]


def test_router_default_route_via_wrong_gateway(lab, fault):
    with fault(lab_faults.fault_default_route_wrong_gateway,
               UNUSED_EXTERNAL_IP):
        rc, doc = netdiag("l3dhcp", "route-wrong-gw", "router", "check",
                          lab["router"]["id"])
        trc, tdoc = trace(lab["instances"]["vlan1"]["port_id"])
    assert rc == 4, json.dumps(doc, indent=1)
    assert codes(doc) == {"NETDIAG_ROUTER_DEFAULT_ROUTE_WRONG"}
    [row] = [r for r in doc["rows"] if r["status"] != "OK"]
    assert (row["host"], row["status"]) == ("network1", "ERROR")
    assert UNUSED_EXTERNAL_IP in row["detail"]
    assert trc == 4, json.dumps(tdoc, indent=1)
    assert codes(tdoc) == {"NETDIAG_ROUTER_DEFAULT_ROUTE_WRONG"}
