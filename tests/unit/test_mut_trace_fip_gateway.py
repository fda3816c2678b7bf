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

"""port trace of a distributed router's port with a floating IP (the DVR
lab recording): on the port's host the trace also checks the floating IP
agent gateway port (fg-) and its external network's way out, and says why
that way out is needed, from the API's view of the external network.

compute1's ``ovs-vsctl list Interface`` is edited in one place: eth3, the
physical port of br-ex (the external network "public"'s bridge), is
recorded with type "internal" instead of "" (a system interface), so br-ex
has a port but no physical NIC.
"""

import json
import pathlib

from osc_netdiag.v1 import port as port_cmd
from tests.unit.edited import EditedCapture
from tests.unit import helpers

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "scenarios"
HEALTHY = FIXTURES / "dvr-lab-distributed-router-healthy"


def test_the_fip_gateways_missing_nic_is_needed_by_the_external_network(
        tmp_path):
    capture = EditedCapture(HEALTHY, tmp_path)
    capture.replace("compute1", "ovs-interfaces", '"eth3","",1,',
                    '"eth3","internal",1,')
    code, app = helpers.run_command(port_cmd.TracePort, "--from-capture",
                                    str(capture), "-f", "json", "--long")
    doc = json.loads(app.stdout.getvalue())
    assert code == doc["exit_code"] == 4
    [finding] = doc["findings"]
    assert (finding["code"], finding["subject"], finding["summary"]) == (
        "NETDIAG_PHYS_NIC_MISSING", "compute1:br-ex",
        "br-ex on compute1 has no physical interface, and public is an "
        "external network: its gateway is off the host")
    [hop] = [h for h in doc["hops"] if h["status"] != "OK"]
    assert (hop["host"], hop["device"], hop["kind"], hop["state"],
            hop["status"]) == ("compute1", "br-ex", "nic", "absent", "ERROR")
