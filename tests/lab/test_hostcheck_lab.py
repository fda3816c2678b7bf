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

"""host check against the real lab: healthy, read-only, and one fault each.

Set NETDIAG_RECORD_FIXTURES=<dir> to store every run's --save-capture under
<dir>/<command>/<scenario> (how tests/fixtures/hostcheck and
tests/fixtures/vlanmap were recorded).
"""

import json
import os
import pathlib
import subprocess
import uuid

import pytest

from tests.lab import conftest as lab_faults

pytestmark = pytest.mark.lab

ROOT = pathlib.Path(__file__).parents[2]
RECORD_DIR = os.environ.get("NETDIAG_RECORD_FIXTURES")


def netdiag(area, scenario, *args):
    """Run ``openstack netdiag ARGS -f json`` as an operator does."""
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(ROOT / ".lab" /
                                                     "clouds.yaml"))
    extra = []
    if RECORD_DIR:
        extra = ["--save-capture", os.path.join(RECORD_DIR, area, scenario)]
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "openstack"), "--os-cloud",
         "netdiag-lab", "netdiag", *args, "-f", "json", *extra],
        capture_output=True, text=True, env=env, timeout=120)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def host_check(scenario, *args):
    return netdiag("hostcheck", scenario, "host", "check", *args)


def codes(doc, severity=None):
    return {f["code"] for f in doc["findings"]
            if severity is None or f["severity"] == severity}


def test_all_hosts_healthy(lab):
    rc, doc = host_check("healthy", "--all")
    assert rc == 0, json.dumps(doc, indent=1)
    assert codes(doc, "ERROR") == set() and codes(doc, "WARNING") == set()
    # the lab's br-phy (tunnel IP of the userspace datapath) is at most INFO
    assert codes(doc) == {"NETDIAG_HOST_EXTRA_BRIDGE"}
    assert sorted({r["host"] for r in doc["rows"]}) == sorted(lab["hosts"])
    tunnels = [r for r in doc["rows"] if r["kind"] == "tunnel"]
    # l2population opens tunnels on demand: every host has ports on a
    # VXLAN network and on the GRE network, so both kinds to both peers
    assert len(tunnels) == 3 * 2 * 2          # 3 hosts, 2 peers, vxlan+gre
    assert sorted(r["device"].split("-")[0] for r in tunnels) == \
        ["gre"] * 6 + ["vxlan"] * 6
    spaces = {r["device"] for r in doc["rows"] if r["kind"] == "namespace"}
    assert "qrouter-" + lab["dvr_router"]["id"] in spaces
    spaces = {r["device"] for r in doc["rows"] if r["kind"] == "namespace"}
    assert "qrouter-" + lab["router"]["id"] in spaces
    assert all(r["status"] == "OK" for r in doc["rows"])


def test_host_check_is_read_only(lab):
    before = {h: lab_faults.snapshot(h) for h in lab["hosts"]}
    rc, _doc = host_check("read-only", "--all")
    after = {h: lab_faults.snapshot(h) for h in lab["hosts"]}
    assert rc == 0
    assert before == after


def test_unknown_host_is_unresolved(lab):
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(ROOT / ".lab" /
                                                     "clouds.yaml"))
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "openstack"), "--os-cloud",
         "netdiag-lab", "netdiag", "host", "check", "compute9"],
        capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "compute9" in proc.stderr


def test_fault_tunnel_port_removed(lab):
    restore = lab_faults.fault_delete_tunnel(lab, "compute1", "compute2")
    try:
        rc, doc = host_check("tunnel-removed", "compute1")
    finally:
        restore()
    assert rc == 4, json.dumps(doc, indent=1)
    missing = [f for f in doc["findings"] if f["code"] ==
               "NETDIAG_TUNNEL_MISSING"]
    assert [f["subject"] for f in missing] == ["compute1->compute2"]
    assert "vxlan" in missing[0]["summary"]


def test_fault_stale_router_namespace(lab):
    ns = f"qrouter-{uuid.uuid4()}"
    lab_faults.lab_exec("network1", "ip", "netns", "add", ns)
    try:
        rc, doc = host_check("stale-namespace", "network1")
    finally:
        lab_faults.lab_exec("network1", "ip", "netns", "delete", ns,
                            check=False)
    assert rc == 0, json.dumps(doc, indent=1)      # a WARNING, not an ERROR
    stale = [f for f in doc["findings"]
             if f["code"] == "NETDIAG_HOST_NAMESPACE_STALE"]
    assert [f["subject"] for f in stale] == [f"network1:{ns}"]
    assert stale[0]["severity"] == "WARNING"


def test_fault_patch_peer_renamed(lab):
    restore = lab_faults.fault_break_patch_peer(lab, "compute2")
    try:
        rc, doc = host_check("patch-peer", "compute2")
    finally:
        restore()
    assert rc == 4, json.dumps(doc, indent=1)
    # a patch port whose peer does not exist also loses its ofport
    assert codes(doc, "ERROR") == {"NETDIAG_OVS_PATCH_PEER",
                                   "NETDIAG_OVS_PORT_OFPORT"}
    broken = {r["kind"]: r for r in doc["rows"] if r["status"] == "ERROR"}
    assert sorted(broken) == ["ofport", "patch"]
    assert "patch-nowhere" in broken["patch"]["detail"]
    assert broken["ofport"]["device"] in ("patch-int", "patch-tun")
