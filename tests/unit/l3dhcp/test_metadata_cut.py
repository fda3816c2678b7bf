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

"""The agent's config lines cut short (a lost connection) are unreadable
output, never a different value: ``enable_isolated_metadata = tr`` is not
"false".
"""

from osc_netdiag.checks.engine import Report
from osc_netdiag.l3dhcp import metadata
from osc_netdiag import models

from tests.unit.l3dhcp.test_metadata import ISOLATED_FLAGS
from tests.unit.l3dhcp.test_metadata import real_answers
from tests.unit.l3dhcp.test_metadata import view


def test_config_lines_cut_inside_a_value_are_a_skip():
    # The real grep of the lab's dhcp_agent.ini (enable_isolated_metadata =
    # true), cut inside its first value: what a dropped stream leaves.
    cut = ISOLATED_FLAGS[:ISOLATED_FLAGS.index("true") + 2]
    assert cut == "enable_isolated_metadata = tr"
    report = Report()
    metadata.check(report, view(real_answers(cut)), "qdhcp-x", "tapx", None)
    assert report.findings == []
    [hop] = report.hops
    assert hop.status == models.Status.SKIP
    assert hop.state != "not configured"
