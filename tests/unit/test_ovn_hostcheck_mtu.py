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

"""``host check`` on ML2/OVN: each chassis's encap device against the
largest overlay network bound there plus geneve's overhead, replayed from
real recordings of the OVN lab (hostcheck-healthy, and
hostcheck-encap-mtu-lowered: compute2's br-phy lowered to 1400 through
its mtu_request, the lab fault).
"""

import json
import pathlib

from osc_netdiag import context as ctx
from osc_netdiag import exitcodes
from osc_netdiag.transport import replay as replay_mod
from osc_netdiag.v1 import host as host_cmd
from tests.unit import helpers

SCENARIOS = pathlib.Path(__file__).parents[1] / "fixtures" / "ovn" / "scenarios"


def replay(directory):
    code, app = helpers.run_command(host_cmd.CheckHost, "--from-capture",
                                    str(directory), "-f", "json")
    out = app.stdout.getvalue()
    return code, (json.loads(out) if out else None)


def mtu_rows(doc):
    return {r["host"]: r for r in doc["rows"] if r["kind"] == "ovn-underlay-mtu"}


def test_the_context_keeps_each_chassis_s_largest_overlay_network():
    context = ctx.HostCheckContext.from_json(replay_mod.load_json(
        str(SCENARIOS / "hostcheck-healthy"), "context"))
    # geneve1 on compute1, geneve2 on compute2; network1 has no port of
    # geneve-net bound to it
    assert context.overlay_mtus == {"compute1": [1442, "geneve-net"],
                                    "compute2": [1442, "geneve-net"]}


def test_healthy_encap_devices():
    code, doc = replay(SCENARIOS / "hostcheck-healthy")
    assert (code, doc["findings"]) == (exitcodes.OK, [])
    rows = mtu_rows(doc)
    assert sorted(rows) == ["compute1", "compute2"]
    assert rows["compute2"]["detail"] == (
        "encap 198.18.1.12: MTU 1500, network geneve-net MTU 1442 + 58 = 1500")
    assert rows["compute2"]["status"] == "OK"


def test_lowered_encap_mtu_on_one_chassis():
    code, doc = replay(SCENARIOS / "hostcheck-encap-mtu-lowered")
    assert code == exitcodes.ERROR_FINDING == 4
    assert [(f["code"], f["subject"]) for f in doc["findings"]] == [
        ("NETDIAG_OVN_MTU_TOO_SMALL", "compute2:br-phy")]
    assert doc["findings"][0]["summary"] == (
        "compute2: br-phy (198.18.1.12) has MTU 1400; network geneve-net "
        "(MTU 1442) needs 1500 over geneve")
    rows = mtu_rows(doc)
    assert (rows["compute2"]["state"], rows["compute2"]["status"]) == \
        ("1400", "ERROR")
    assert rows["compute1"]["status"] == "OK"


def test_an_older_recording_without_overlay_mtus_checks_none():
    # captures made before the field existed replay without the check
    data = replay_mod.load_json(str(SCENARIOS / "hostcheck-healthy"),
                                "context")
    data.pop("overlay_mtus")
    assert ctx.HostCheckContext.from_json(data).overlay_mtus == {}
