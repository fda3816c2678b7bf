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

"""``network vlan-map`` of ML2/OVN networks, replayed from real
recordings of the OVN lab (tests/fixtures/ovn/scenarios/vlanmap-*, made
by tools/record_ovn_scenarios with ``network vlan-map --all``); one code
from a healthy recording edited in one place.
"""

import json
import pathlib
import shutil

from osc_netdiag.v1 import network as network_cmd
from tests.unit import helpers

SCENARIOS = pathlib.Path(__file__).parents[1] / "fixtures" / "ovn" / "scenarios"


def replay(directory):
    code, app = helpers.run_command(network_cmd.ShowVlanMap, "--from-capture",
                                    str(directory), "-f", "json")
    out = app.stdout.getvalue()
    return code, (json.loads(out) if out else None)


def codes(doc):
    return sorted(f["code"] for f in doc["findings"])


def test_vlan_network_localnet_and_every_chassis_mapping():
    code, doc = replay(SCENARIOS / "vlanmap-vlan-healthy")
    assert (code, codes(doc)) == (0, [])
    rows = [(r["host"], r["bridge"], r["local_vlan"], r["status"])
            for r in doc["rows"]]
    assert rows[0][2:] == (2113, "OK")
    assert rows[0][1].startswith("provnet-")
    assert rows[1:] == [("compute1", "br-eth1", None, "OK"),
                        ("compute2", "br-eth1", None, "OK"),
                        ("network1", "br-eth1", None, "OK")]


def test_geneve_network_shows_its_tunnel_key():
    code, doc = replay(SCENARIOS / "vlanmap-geneve-healthy")
    assert (code, codes(doc)) == (0, [])
    [row] = doc["rows"]
    assert (row["network_type"], row["segmentation_id"], row["local_vlan"],
            row["detail"]) == ("geneve", 63316, 3, "OVN tunnel key 3")


def test_removed_bridge_mapping_on_a_carrying_host():
    code, doc = replay(SCENARIOS / "vlanmap-bridge-mapping-removed")
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_BRIDGE_MAPPING_MISSING"]
    assert doc["findings"][0]["subject"] == "compute1:physnet1"


def test_localnet_tag_against_the_segment(tmp_path):
    # the localnet port's tag edited from 2113 to 2114
    target = tmp_path / "c"
    shutil.copytree(SCENARIOS / "vlanmap-vlan-healthy", target)
    path = target / "hosts" / "network1.json"
    data = json.loads(path.read_text())
    [cmd] = [c for c in data["commands"] if c["name"] == "ovn-nb-localnet"]
    assert ",2113]" in cmd["stdout"]
    cmd["stdout"] = cmd["stdout"].replace(",2113]", ",2114]")
    path.write_text(json.dumps(data))
    code, doc = replay(target)
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_LOCALNET_MISMATCH"]
    assert doc["rows"][0]["local_vlan"] == 2114
