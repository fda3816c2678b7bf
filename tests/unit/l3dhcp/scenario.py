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

"""Replay the lab captures in tests/fixtures/l3dhcp/scenarios.

Each scenario holds the API context the check resolved (context.json) and
what the hosts answered (hosts/<host>.json), recorded with --save-capture
from the lab. A fault is made by editing one command's real output in a
temporary copy, so the rest of the host stays as recorded.
"""

import json
import pathlib
import shutil

from osc_netdiag.inventory import Inventory
from osc_netdiag.l3dhcp import dhcp
from osc_netdiag.l3dhcp import floatingip
from osc_netdiag.l3dhcp import router
from osc_netdiag.transport import replay

SCENARIOS = (pathlib.Path(__file__).resolve().parents[2] / "fixtures" /
             "l3dhcp" / "scenarios")


def load_context(name):
    data = json.loads((SCENARIOS / name / "context.json").read_text())
    if name.startswith(("dhcp", "dns")):
        return dhcp.DhcpContext.from_json(data)
    if name.startswith("router"):
        return router.RouterContext.from_json(data)
    return floatingip.states_from_json(data)


def copy_capture(name, tmp_path, edit=None):
    """A copy of the scenario; ``edit(command_dict)`` may change results."""
    target = tmp_path / name
    shutil.copytree(SCENARIOS / name, target)
    if edit is not None:
        for path in (target / "hosts").glob("*.json"):
            data = json.loads(path.read_text())
            for command in data["commands"]:
                edit(command)
            path.write_text(json.dumps(data))
    return target


def options(capture_dir):
    return dict(inventory=Inventory(),
                transport=replay.ReplayTransport(str(capture_dir)))
