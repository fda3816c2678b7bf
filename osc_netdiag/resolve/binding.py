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

"""What the API says about a port whose binding failed: its network's
segments and the Open vSwitch agent of its host, so a check can name the
likely cause (only the resolve layer talks to the API)."""

import dataclasses
from typing import Optional

from osc_netdiag import context as ctx
from osc_netdiag import resolve

BINDING_FAILED = "binding_failed"
OVS_AGENT = "Open vSwitch agent"


@dataclasses.dataclass(frozen=True)
class BindingFacts:
    port_id: str
    host: str
    network: ctx.Network
    ovs_agent: Optional[ctx.Agent] = None

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        net = dict(data["network"])
        net["segments"] = tuple(ctx.Segment(**s) for s in net["segments"])
        agent = data.get("ovs_agent")
        return cls(port_id=data["port_id"], host=data["host"],
                   network=ctx.Network(**net),
                   ovs_agent=ctx.Agent(**agent) if agent else None)


def failed_bindings(net_api, ports):
    """BindingFacts of each port in ``ports`` (PortInfo) whose binding
    failed; the others cost no API call.
    """
    found = []
    for port in ports:
        if port is None or port.vif_type != BINDING_FAILED:
            continue
        network = resolve.network_info(net_api.get_network(port.network_id))
        agents = [resolve.agent_info(a) for a in net_api.agents(
            agent_type=OVS_AGENT, host=port.binding_host or "")]
        agent = next((a for a in agents if a.host == port.binding_host),
                     None)
        found.append(BindingFacts(port.id, port.binding_host or "", network,
                                  agent))
    return tuple(found)
