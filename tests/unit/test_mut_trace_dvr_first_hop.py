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

"""port trace of a distributed router's port (the DVR lab recording) when
the API says compute1's agent integrates into another bridge than the one
its ports are on: every port it checks there, the instance's and the
router's first hop (qr-) alike, is judged against the agent's bridge.

The whole ``--long -f json`` document is compared with the one stored under
tests/fixtures/reports/router-edits/ (a delta against the healthy report);
rewrite with ``NETDIAG_WRITE_REPORTS=1`` after a deliberate change.
"""

import json
import pathlib

from osc_netdiag.v1 import port as port_cmd
from tests.unit.edited import EditedCapture
from tests.unit import helpers
from tests.unit.mutation import reports

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
NAME = "dvr-lab-distributed-router-healthy"
HEALTHY = FIXTURES / "scenarios" / NAME
STORED = FIXTURES / "reports" / "router-edits" / NAME


def _run(capture):
    code, app = helpers.run_command(port_cmd.TracePort, "--from-capture",
                                    str(capture), "-f", "json", "--long")
    doc = json.loads(app.stdout.getvalue())
    assert doc["exit_code"] == code
    return code, doc


def test_ports_are_judged_against_the_agents_integration_bridge(tmp_path):
    capture = EditedCapture(HEALTHY, tmp_path)
    capture.edit_context(lambda d: d["ovs_agents"]["compute1"][
        "configurations"].update(integration_bridge="br-int2"))
    code, doc = _run(capture)
    # 8 as well: the flows of br-int2 were never recorded
    assert code == 12
    missing = sorted(f["summary"].split()[0] for f in doc["findings"]
                     if f["code"] == "NETDIAG_OVS_PORT_MISSING" and
                     f["summary"].endswith(" is on br-int, not on br-int2"))
    # the instance's tap, the router's first hop (qr-) and its floating IP
    # port (fg-) on compute1: names read off the recording by hand
    assert missing == ["fg-1c137009-37", "qr-d8dfbf75-d2", "tap3f47abfe-90"]
    reports.check(reports.delta(doc, _run(HEALTHY)[1]),
                  STORED / "compute1-integration-bridge-elsewhere.json")
