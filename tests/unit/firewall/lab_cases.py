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

"""``port firewall`` cases recorded on the lab (tests/fixtures/firewall/
lab/<case>/): the API bodies the resolver read (``api/``), the question
asked (``question.json``) and everything the port's host answered
(``host/hosts/<host>.json``, the recording transport's format). A case
is replayed through the real command path: the SDK resources built from
the bodies, the host read through the replay transport.
"""

import copy
import json
import pathlib
import shutil

from openstack.network.v2 import agent as sdk_agent
from openstack.network.v2 import port as sdk_port
from openstack.network.v2 import security_group as sdk_group

from osc_netdiag import api
from osc_netdiag.firewall import check
from osc_netdiag.inventory import Inventory
from osc_netdiag.resolve import secgroups
from osc_netdiag.transport import replay

LAB = pathlib.Path(__file__).parents[2] / "fixtures" / "firewall" / "lab"
VXLAN1 = "142e0e0c-2cc5-45ec-94ed-77725476eb86"
OPEN1 = "0d828ae7-9b06-43f5-a5b9-1f3c98437791"


class CaseNetwork:
    """The SDK's network proxy, answering from a case's API bodies."""

    def __init__(self, bodies):
        self.bodies = bodies

    def find_port(self, ref, ignore_missing=True):
        port = self.bodies["port.json"]["port"]
        return sdk_port.Port.existing(**port) if ref == port["id"] else None

    def ports(self, **query):
        (group_id,) = query["security_group_ids"]
        return [sdk_port.Port.existing(**p) for p in
                self.bodies[f"ports-of-{group_id}.json"]["ports"]]

    def get_security_group(self, group_id):
        return sdk_group.SecurityGroup.existing(
            **self.bodies[f"security-group-{group_id}.json"]
            ["security_group"])

    def agents(self, **query):
        return [sdk_agent.Agent.existing(**a)
                for a in self.bodies["agents.json"]["agents"]]


class CaseConnection:
    def __init__(self, bodies):
        self.network = CaseNetwork(bodies)


def bodies(case):
    return {p.name: json.loads(p.read_text())
            for p in sorted((LAB / case / "api").glob("*.json"))}


def intent(case, edit=None):
    """The case's intent; ``edit(bodies)`` changes the API bodies first."""
    data = copy.deepcopy(bodies(case))
    if edit:
        edit(data)
    port = data["port.json"]["port"]["id"]
    return secgroups.find_intent(CaseConnection(data), port)[1]


def question(case):
    path = LAB / case / "question.json"
    if not path.exists():
        return None
    return api.firewall_packet(**json.loads(path.read_text()))


def host_dir(case, tmp_path=None, edits=None):
    """The case's recorded host answers.

    ``edits``: {command name or prefix: function(stdout) -> stdout}
    applied to a copy in tmp_path.
    """
    source = LAB / case / "host"
    if not edits:
        return source
    target = tmp_path / case
    shutil.copytree(source, target)
    path = target / "hosts" / "compute1.json"
    data = json.loads(path.read_text())
    for prefix, change in edits.items():
        hits = [c for c in data["commands"] if c["name"].startswith(prefix)]
        assert hits, f"no recorded command {prefix!r} in {case}"
        for command in hits:
            command["stdout"] = change(command["stdout"])
    path.write_text(json.dumps(data))
    return target


def run(case, tmp_path=None, edits=None, packet="recorded", edit_api=None):
    """port firewall on a recorded case, replayed."""
    if packet == "recorded":
        packet = question(case)
    folder = str(host_dir(case, tmp_path, edits))
    return check.check_intent(
        intent(case, edit_api), packet=packet, inventory=Inventory(),
        transport=replay.ReplayTransport(folder))


def drop(*needles):
    """An edit removing the lines that hold every one of ``needles``."""
    def change(text):
        return "".join(line for line in text.splitlines(keepends=True)
                       if not all(n in line for n in needles))
    return change


def replace(old, new):
    def change(text):
        assert old in text, old
        return text.replace(old, new)
    return change


def recorded_stdout(case, prefix):
    data = json.loads((LAB / case / "host" / "hosts" /
                       "compute1.json").read_text())
    return next(c["stdout"] for c in data["commands"]
                if c["name"].startswith(prefix))
