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

"""A stand-in for the SDK connection that answers from API bodies captured
from the lab (tests/fixtures/firewall/api/): GET /ports/<id>,
GET /security-groups/<id>, GET /ports?security_groups=<id>. The SDK's own
resource classes are built from the raw bodies, so the attribute names
the resolver reads are the SDK's, not this file's."""

import copy
import json
import pathlib

from openstack.network.v2 import port as sdk_port
from openstack.network.v2 import security_group as sdk_group

API = pathlib.Path(__file__).parents[2] / "fixtures" / "firewall" / "api"


def body(name):
    return json.loads((API / name).read_text())


class FakeNetwork:
    def __init__(self, ports, groups, members):
        self._ports = {p["id"]: p for p in ports}
        self._groups = {g["id"]: g for g in groups}
        self._members = members         # group ID -> [port body]
        self.calls = []

    def find_port(self, ref, ignore_missing=True):
        self.calls.append(("find_port", ref))
        raw = self._ports.get(ref)
        return sdk_port.Port.existing(**raw) if raw else None

    def ports(self, **query):
        self.calls.append(("ports", tuple(sorted(query))))
        if "security_group_ids" in query:
            (group_id,) = query["security_group_ids"]
            return [sdk_port.Port.existing(**p)
                    for p in self._members.get(group_id, ())]
        return [sdk_port.Port.existing(**p) for p in self._ports.values()
                if all(p.get(k) == v for k, v in query.items())]

    def agents(self, **query):
        self.calls.append(("agents", tuple(sorted(query))))
        return []

    def get_security_group(self, group_id):
        self.calls.append(("get_security_group", group_id))
        return sdk_group.SecurityGroup.existing(**self._groups[group_id])


class FakeConnection:
    def __init__(self, network):
        self.network = network


def lab_connection(edit_port=None, edit_group=None):
    """The lab's vxlan1 port in the default group, as captured.

    The ``edit_*`` callables change a copy of a body (a fault injected
    into a real capture).
    """
    port = copy.deepcopy(body("port-vxlan1.json")["port"])
    group = copy.deepcopy(body("security-group-default.json")
                          ["security_group"])
    members = copy.deepcopy(body("ports-of-default.json")["ports"])
    if edit_port:
        edit_port(port)
    if edit_group:
        edit_group(group)
    return FakeConnection(FakeNetwork(
        [port] + [m for m in members if m["id"] != port["id"]], [group],
        {group["id"]: members}))
