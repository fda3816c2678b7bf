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

"""--show-commands' -f json document takes -c and --sort-column as any
document does (osc_netdiag.v1.scripting), on the plan of a recorded
port trace."""

import json

import pytest

from osc_netdiag.v1 import port as port_cmd
from tests.unit.helpers import run_command
from tests.unit.test_show_commands import no_network  # noqa: F401
from tests.unit.test_show_commands import recorded_trace  # noqa: F401


@pytest.mark.usefixtures("no_network", "recorded_trace")
def test_c_and_sort_column_shape_the_plan_document():
    code, app = run_command(port_cmd.TracePort, "some-port",
                            "--show-commands", "-f", "json",
                            "-c", "commands", "-c", "exit_code",
                            "--sort-column", "host", "--sort-descending")
    document = json.loads(app.stdout.getvalue())
    hosts = [c["host"] for c in document["commands"]]
    assert code == 0
    assert sorted(document) == ["commands", "exit_code"]
    assert hosts == sorted(hosts, reverse=True)
    assert hosts[0] == "network1" and hosts[-1] == "compute1"
