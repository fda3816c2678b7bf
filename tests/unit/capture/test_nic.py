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

"""The NIC point's device, read from real host outputs recorded on the lab
(the replay scenarios of ``port trace``).
"""

import json
import pathlib

import pytest

from osc_netdiag.backends.ml2_ovs import capture_points as nic
from osc_netdiag import context as ctx_mod
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.replay import ReplayTransport

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"


@pytest.mark.parametrize("scenario,expected", [
    ("vlan-healthy", "eth1"),        # system port of br-eth1 (physnet1)
    ("vxlan-healthy", "eth2"),       # tunneling_ip on br-phy -> its NIC
])
def test_nic_of_the_compute_host(scenario, expected):
    directory = SCENARIOS / scenario
    context = ctx_mod.PortContext.from_json(
        json.loads((directory / "context.json").read_text()))
    host = context.port.binding_host
    target = HostTarget(host, host)
    session = ReplayTransport(str(directory)).open(target)
    results = session.run(nic.nic_commands())
    assert nic.find_nic(context, host, target, results) == expected
