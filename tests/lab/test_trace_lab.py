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

"""port trace against the real lab: real Neutron, OVS, namespaces, sshd.

Each fault is injected on a lab host with tools/lab exec, the trace is run
exactly as an operator runs it (the openstack CLI, openstacksdk, SSH), and
the lab is restored before the next test.
"""

import json
import os
import pathlib
import subprocess

import pytest

from tests.lab import conftest as lab_faults

pytestmark = pytest.mark.lab

ROOT = pathlib.Path(__file__).parents[2]


def trace(port_id, *extra):
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(ROOT / ".lab" /
                                                     "clouds.yaml"))
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "openstack"), "--os-cloud",
         "netdiag-lab", "netdiag", "port", "trace", port_id, "-f", "json",
         *extra], capture_output=True, text=True, env=env, timeout=120)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def hops_of(doc, host=None, kind=None):
    return [h for h in doc["hops"]
            if (host is None or h["host"] == host)
            and (kind is None or h["kind"] == kind)]


def codes(doc):
    return {f["code"] for f in doc["findings"]}


def assert_all_ok(doc):
    bad = [h for h in doc["hops"] if h["status"] != "OK"]
    assert bad == [], json.dumps(doc, indent=1)


def test_vlan_port_trace_is_healthy(lab):
    inst = lab["instances"]["vlan1"]
    rc, doc = trace(inst["port_id"])
    assert rc == 0, json.dumps(doc, indent=1)
    assert_all_ok(doc)
    assert doc["findings"] == []
    compute = hops_of(doc, "compute1")
    devices = [h["device"] for h in compute]
    assert inst["tap"] in devices
    flows = [h["detail"] for h in hops_of(doc, "compute1", "flow")]
    assert any("dl_vlan=2113 -> mod_vlan_vid:" in d for d in flows)
    assert any("mod_vlan_vid:2113" in d for d in flows)
    assert any(h["device"].startswith("eth1") for h in
               hops_of(doc, "compute1", "nic"))
    spaces = [h["device"] for h in hops_of(doc, "network1", "namespace")]
    assert "qdhcp-" + lab["networks"]["vlan"]["id"] in spaces
    assert "qrouter-" + lab["router"]["id"] in spaces
    assert hops_of(doc, "network1", "dhcp-server")
    assert hops_of(doc, "network1", "gateway-port")
    assert all(h["status"] == "ok" for h in doc["hosts"])


def test_vxlan_port_trace_is_healthy(lab):
    inst = lab["instances"]["vxlan1"]
    seg = lab["networks"]["vxlan"]["segmentation_id"]
    rc, doc = trace(inst["port_id"])
    assert rc == 0, json.dumps(doc, indent=1)
    assert_all_ok(doc)
    flows = [h["detail"] for h in hops_of(doc, "compute1", "flow")]
    assert any(f"tun_id={hex(seg)} -> mod_vlan_vid:" in d for d in flows)
    tunnels = hops_of(doc, "compute1", "tunnel")
    assert any("network1" in h["detail"] for h in tunnels)
    assert "qdhcp-" + lab["networks"]["vxlan"]["id"] in [
        h["device"] for h in hops_of(doc, "network1", "namespace")]


def test_long_adds_evidence(lab):
    rc, doc = trace(lab["instances"]["vlan1"]["port_id"], "--long")
    assert rc == 0
    flow_hops = [h for h in doc["hops"] if h["kind"] == "flow"]
    assert all(h["evidence"] for h in flow_hops)
    assert any("ovs-ofctl dump-flows" in e["command"]
               for h in flow_hops for e in h["evidence"])


def test_trace_is_read_only(lab):
    before = {h: lab_faults.snapshot(h) for h in lab["hosts"]}
    rc, _doc = trace(lab["instances"]["vlan1"]["port_id"])
    rc2, _doc = trace(lab["instances"]["vxlan1"]["port_id"])
    after = {h: lab_faults.snapshot(h) for h in lab["hosts"]}
    assert (rc, rc2) == (0, 0)
    assert before == after


def _expect_error(lab, instance, code, host, restore):
    try:
        rc, doc = trace(lab["instances"][instance]["port_id"])
    finally:
        restore()
    assert code in codes(doc), json.dumps(doc, indent=1)
    assert rc == 4, rc
    errors = [h for h in doc["hops"] if h["status"] == "ERROR"]
    assert errors and all(h["host"] in (host, "api") for h in errors), errors
    return doc


def test_fault_tag_cleared(lab):
    restore = lab_faults.fault_clear_tag(lab, "vlan1")
    doc = _expect_error(lab, "vlan1", "NETDIAG_OVS_TAG_MISSING", "compute1",
                        restore)
    bad, = [h for h in doc["hops"] if h["status"] == "ERROR"]
    assert bad["kind"] == "ovs-port"
    assert bad["device"] == lab["instances"]["vlan1"]["tap"]


def test_fault_egress_flow_deleted(lab):
    restore = lab_faults.fault_delete_egress_flow(lab, "compute1", 2113)
    doc = _expect_error(lab, "vlan1", "NETDIAG_OVS_NO_EGRESS_TRANSLATION",
                        "compute1", restore)
    bad, = [h for h in doc["hops"] if h["status"] == "ERROR"]
    assert bad["device"].startswith("br-eth1")


def test_fault_patch_peer_broken(lab):
    # The fault breaks br-tun's patch-int: the VXLAN port's path crosses it.
    restore = lab_faults.fault_break_patch_peer(lab, "compute1")
    doc = _expect_error(lab, "vxlan1", "NETDIAG_OVS_PATCH_PEER", "compute1",
                        restore)
    assert any(h["kind"] == "patch" and h["status"] == "ERROR"
               for h in doc["hops"])


def test_fault_qrouter_namespace_deleted(lab):
    restore = lab_faults.fault_delete_qrouter(lab)
    doc = _expect_error(lab, "vlan1", "NETDIAG_ROUTER_NAMESPACE_MISSING",
                        "network1", restore)
    assert any(h["device"] == "qrouter-" + lab["router"]["id"]
               and h["status"] == "ERROR" for h in doc["hops"])


def test_fault_dnsmasq_killed(lab):
    restore = lab_faults.fault_kill_dnsmasq(lab)
    _expect_error(lab, "vlan1", "NETDIAG_DHCP_DNSMASQ_NOT_RUNNING",
                  "network1", restore)


def test_fault_sshd_stopped_on_network_node(lab):
    restore = lab_faults.fault_stop_sshd(lab, "network1")
    try:
        rc, doc = trace(lab["instances"]["vlan1"]["port_id"])
    finally:
        restore()
    assert rc == 8, rc
    hosts = {h["host"]: h["status"] for h in doc["hosts"]}
    assert hosts["network1"] == "unreachable"
    assert hosts["compute1"] == "ok"
    compute = hops_of(doc, "compute1")
    assert compute and all(h["status"] == "OK" for h in compute)
    assert "NETDIAG_HOST_UNREADABLE" in codes(doc)


def test_local_runs_this_hosts_probes_without_ssh(lab):
    """Run on compute1 itself with --local: its probes need no sshd there,
    the network node is still read over SSH.
    """
    port = lab["instances"]["vlan1"]["port_id"]
    restore = lab_faults.fault_stop_sshd(lab, "compute1")
    try:
        proc = lab_faults.lab_exec(
            "compute1", "env",
            "OS_CLIENT_CONFIG_FILE=%s" % (ROOT / ".lab" / "clouds.yaml"),
            str(ROOT / ".venv" / "bin" / "openstack"), "--os-cloud",
            "netdiag-lab", "netdiag", "port", "trace", port, "--local",
            "compute1", "-f", "json", check=False, timeout=120)
    finally:
        restore()
    doc = json.loads(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {h["host"]: h["status"] for h in doc["hosts"]} == {
        "compute1": "ok", "network1": "ok"}
    assert_all_ok(doc)
