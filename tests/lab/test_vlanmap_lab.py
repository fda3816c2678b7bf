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

"""network vlan-map against the real lab: healthy, read-only, faults."""

import json

import pytest

from tests.lab import conftest as lab_faults
from tests.lab.test_hostcheck_lab import codes
from tests.lab.test_hostcheck_lab import netdiag

pytestmark = pytest.mark.lab


def vlan_map(scenario, *args):
    return netdiag("vlanmap", scenario, "network", "vlan-map", *args)


def rows_of(doc, host):
    return [r for r in doc["rows"] if r["host"] == host]


def test_vlan_network_healthy(lab):
    net = lab["networks"]["vlan"]
    rc, doc = vlan_map("vlan-healthy", net["name"])
    assert rc == 0, json.dumps(doc, indent=1)
    assert doc["findings"] == []
    assert sorted(r["host"] for r in doc["rows"]) == sorted(lab["hosts"])
    for row in doc["rows"]:
        assert row["status"] == "OK"
        assert row["segmentation_id"] == net["segmentation_id"]
        assert row["bridge"] == "br-eth1"
        lvid = row["local_vlan"]
        assert f"dl_vlan={net['segmentation_id']} actions=mod_vlan_vid:" \
            f"{lvid}," in row["ingress"]
        assert f"dl_vlan={lvid} actions=mod_vlan_vid:" \
            f"{net['segmentation_id']}" in row["egress"]


def test_vxlan_network_healthy_on_all_hosts(lab):
    net = lab["networks"]["vxlan"]
    rc, doc = vlan_map("vxlan-healthy", net["id"], "--all-hosts")
    assert rc == 0, json.dumps(doc, indent=1)
    assert doc["findings"] == []
    for row in doc["rows"]:
        assert row["status"] == "OK" and row["bridge"] == "br-tun"
        assert f"tun_id={hex(net['segmentation_id'])}" in row["ingress"]
        # the flood flow outputs to a tunnel port towards both other hosts
        # (learned unicast flows of table 20 may follow it)
        [flood] = [f for f in row["egress"].split("; ")
                   if f.startswith("br-tun table=22 ")]
        assert flood.count("output:vxlan-") == 2


def test_flat_network_on_all_hosts(lab):
    rc, doc = vlan_map("flat-all-hosts", lab["networks"]["external"]["name"],
                       "--all-hosts")
    assert rc == 0, json.dumps(doc, indent=1)
    by_host = {r["host"]: r for r in doc["rows"]}
    assert by_host["network1"]["status"] == "OK"
    assert "vlan_tci=0x0000/0x1fff" in by_host["network1"]["ingress"]
    assert "strip_vlan" in by_host["network1"]["egress"]
    # DVR: the computes reach 'public' too (br-ex, for their fip- ports)
    for host in ("compute1", "compute2"):
        assert by_host[host]["status"] == "OK"
        assert by_host[host]["bridge"] == "br-ex"
        assert "strip_vlan" in by_host[host]["egress"]


def test_vlan_map_is_read_only(lab):
    before = {h: lab_faults.snapshot(h) for h in lab["hosts"]}
    rc, _ = vlan_map("read-only", lab["networks"]["vlan"]["id"],
                     "--all-hosts")
    rc2, _ = vlan_map("read-only-vxlan", lab["networks"]["vxlan"]["id"])
    after = {h: lab_faults.snapshot(h) for h in lab["hosts"]}
    assert (rc, rc2) == (0, 0)
    assert before == after


def test_fault_ingress_flow_deleted(lab):
    net = lab["networks"]["vlan"]
    restore = lab_faults.fault_delete_ingress_flow(lab, "compute2",
                                                   net["segmentation_id"])
    try:
        rc, doc = vlan_map("ingress-deleted", net["id"])
    finally:
        restore()
    assert rc == 4, json.dumps(doc, indent=1)
    assert codes(doc) == {"NETDIAG_VLANMAP_NO_TRANSLATION"}
    [finding] = doc["findings"]
    assert finding["subject"] == "compute2:br-eth1"
    assert "no ingress translation" in finding["summary"]
    assert [r["status"] for r in rows_of(doc, "compute2")] == ["ERROR"]
    assert {r["status"] for r in rows_of(doc, "compute1")} == {"OK"}


def test_fault_tunnel_port_removed(lab):
    net = lab["networks"]["vxlan"]
    restore = lab_faults.fault_delete_tunnel(lab, "compute1", "network1")
    try:
        rc, doc = vlan_map("tunnel-removed", net["id"])
    finally:
        restore()
    assert rc == 4, json.dumps(doc, indent=1)
    flood = [f for f in doc["findings"]
             if f["code"] == "NETDIAG_VLANMAP_FLOOD_MISSING_TUNNEL"]
    assert [f["subject"] for f in flood] == ["compute1->network1"]
    assert codes(doc, "ERROR") == {"NETDIAG_VLANMAP_FLOOD_MISSING_TUNNEL"}


def test_fault_two_networks_on_one_local_vlan(lab, fault):
    """Move the VXLAN instance's port onto the VLAN network's local VLAN.

    The Open vSwitch agent is held still meanwhile: it would rewire the
    port within seconds and race the read (a skip used to hide exactly
    that; now the fault is certain to be in place when vlan-map reads).
    """
    host = "compute1"
    vlan_tag = lab_faults.lab_exec(
        host, "ovs-vsctl", "--timeout=10", "get", "Port",
        lab["instances"]["vlan1"]["tap"], "tag").stdout.strip()
    with lab_faults.agent_paused(host):
        with fault(lab_faults.fault_wrong_tag, "vxlan1", vlan_tag):
            rc, doc = vlan_map("shared-local-vlan",
                               lab["networks"]["vxlan"]["id"])
    assert rc == 4, json.dumps(doc, indent=1)
    assert codes(doc, "ERROR") == {"NETDIAG_VLANMAP_SHARED_LOCAL_VLAN",
                                   "NETDIAG_VLANMAP_VLAN_MISMATCH"}
    shared = [f for f in doc["findings"]
              if f["code"] == "NETDIAG_VLANMAP_SHARED_LOCAL_VLAN"]
    assert [f["subject"] for f in shared] == [f"{host}:{vlan_tag}"]
