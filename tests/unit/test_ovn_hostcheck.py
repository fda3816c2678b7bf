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

"""``host check`` of ML2/OVN chassis, replayed from real recordings of the
OVN lab (tests/fixtures/ovn/scenarios/hostcheck-*, made by
tools/record_ovn_scenarios with ``host check --all``); codes the lab
faults do not produce come from the healthy recording edited in one
place.
"""

import json
import pathlib
import shutil

from osc_netdiag import exitcodes
from osc_netdiag.v1 import host as host_cmd
from tests.unit import helpers

SCENARIOS = pathlib.Path(__file__).parents[1] / "fixtures" / "ovn" / "scenarios"


def replay(directory):
    code, app = helpers.run_command(host_cmd.CheckHost, "--from-capture",
                                    str(directory), "-f", "json")
    out = app.stdout.getvalue()
    return code, (json.loads(out) if out else None)


def codes(doc):
    return sorted(f["code"] for f in doc["findings"])


def edited(tmp_path, host, probe, edit):
    target = tmp_path / "c"
    shutil.copytree(SCENARIOS / "hostcheck-healthy", target)
    path = target / "hosts" / f"{host}.json"
    data = json.loads(path.read_text())
    hits = [c for c in data["commands"] if c["name"] == probe]
    assert len(hits) == 1, probe
    before = hits[0]["stdout"]
    hits[0]["stdout"] = edit(before)
    assert hits[0]["stdout"] != before, "the edit changed nothing"
    path.write_text(json.dumps(data))
    return target


def test_healthy_chassis():
    code, doc = replay(SCENARIOS / "hostcheck-healthy")
    assert code == exitcodes.OK == 0
    assert doc["findings"] == []
    checks = {(r["host"], r["kind"]) for r in doc["rows"]}
    for host in ("compute1", "compute2", "network1"):
        assert {(host, "ovn-controller"), (host, "ovn-chassis"),
                (host, "ovn-identity"), (host, "ovn-encap"),
                (host, "ovn-tunnel"), (host, "ovn-bridge-mapping")} <= checks
    gateway = [r for r in doc["rows"] if r["kind"] == "ovn-identity"
               and r["host"] == "network1"]
    assert gateway[0]["state"] == "gateway chassis"


def test_stopped_ovn_controller():
    code, doc = replay(SCENARIOS / "hostcheck-controller-stopped")
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_CONTROLLER_DOWN"]


def test_removed_bridge_mapping_of_a_used_physnet():
    code, doc = replay(SCENARIOS / "hostcheck-bridge-mapping-removed")
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_BRIDGE_MAPPING_MISSING"]
    assert doc["findings"][0]["subject"] == "compute1:physnet1"


def test_stale_duplicate_chassis():
    code, doc = replay(SCENARIOS / "hostcheck-stale-duplicate-chassis")
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_CHASSIS_DUPLICATE"]
    assert "ovn-sbctl chassis-del compute1-old-system-id" in \
        doc["findings"][0]["remedy"]


def test_hostname_against_the_neutron_host(tmp_path):
    d = edited(tmp_path, "compute2", "ovs-system-ids",
               lambda t: t.replace('["hostname","compute2"]',
                                   '["hostname","compute2.example"]'))
    code, doc = replay(d)
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_HOSTNAME_MISMATCH"]


def test_encap_ip_against_the_southbound_chassis(tmp_path):
    d = edited(tmp_path, "compute2", "ovs-system-ids",
               lambda t: t.replace('["ovn-encap-ip","198.18.1.12"]',
                                   '["ovn-encap-ip","198.18.1.42"]'))
    code, doc = replay(d)
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_ENCAP_MISMATCH"]


def test_tunnel_to_every_other_chassis(tmp_path):
    d = edited(tmp_path, "network1", "ovs-interfaces",
               lambda t: t.replace('"remote_ip","198.18.1.11"',
                                   '"remote_ip","198.18.1.77"'))
    code, doc = replay(d)
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_TUNNEL_MISSING"]
    assert doc["findings"][0]["subject"] == "network1:compute1"
