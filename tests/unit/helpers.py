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

"""What the command and capture-replay tests share: a stand-in for OSC's
app, running a v1 command the way OSC does, and reading a recorded
capture (tests/fixtures/<check>/<scenario>).
"""

import io
import types

from osc_netdiag.inventory import Inventory
from osc_netdiag.transport import replay


class FakeApp:
    """The parts of OSC's app a netdiag command touches; ``conn`` stands
    for the SDK connection.
    """

    def __init__(self, conn=None):
        self.stdout, self.stderr = io.StringIO(), io.StringIO()
        self.cloud = types.SimpleNamespace(config={})
        self.client_manager = types.SimpleNamespace(
            sdk_connection=conn, setup_auth=lambda: None)
        self.options = types.SimpleNamespace(debug=False)


def run_command(command_class, *argv, conn=None):
    """Parse ``argv`` and run the command as OSC does: (exit code, app)."""
    app = FakeApp(conn)
    command = command_class(app, None)
    args = command.get_parser("openstack netdiag").parse_args(list(argv))
    return command.run(args), app


def codes(result, severity=None):
    """The result's finding codes, sorted; only those of ``severity``
    (e.g. "ERROR") when given.
    """
    return sorted(f.code for f in result.findings
                  if severity is None or str(f.severity) == severity)


def recorded_context(capture_dir, context_class, name):
    """The API context a --save-capture run stored in ``capture_dir``."""
    return context_class.from_json(replay.load_json(str(capture_dir), name))


def replay_context(check, context, capture_dir):
    """Run ``check`` on ``context`` (possibly edited) against what the
    hosts answered in ``capture_dir``.
    """
    return check(context, inventory=Inventory(),
                 transport=replay.ReplayTransport(str(capture_dir)))
