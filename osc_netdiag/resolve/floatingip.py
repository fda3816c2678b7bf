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

"""What ``floatingip check`` learns from the API: the associated floating
IPs (of a project, or one) and their ports (only the resolve layer talks
to the API).
"""

import dataclasses

from osc_netdiag import context as ctx_mod
from osc_netdiag.errors import ResolveError
from osc_netdiag import resolve


@dataclasses.dataclass(frozen=True)
class FipState:
    id: str
    address: str
    port_id: str
    port: object                  # PortInfo, or None when the port is gone


def states_to_json(states):
    return [dataclasses.asdict(s) for s in states]


def states_from_json(data):
    return tuple(FipState(id=s["id"], address=s["address"],
                          port_id=s["port_id"],
                          port=ctx_mod.port_from_json(s["port"]))
                 for s in data)


def resolve_context(conn, project=None, floating_ip=None):
    """Associated floating IPs (of a project, or one) with their ports."""
    net_api = conn.network
    query = {"project_id": project} if project else {}
    if floating_ip:
        fip = net_api.find_ip(floating_ip, ignore_missing=True)
        if fip is None:
            raise ResolveError("not-found",
                               f"No floating IP found for '{floating_ip}'")
        fips = [fip]
    else:
        fips = list(net_api.ips(**query))
    states = []
    for fip in fips:
        if not fip.port_id:
            continue
        port = net_api.find_port(fip.port_id, ignore_missing=True)
        states.append(FipState(fip.id, fip.floating_ip_address, fip.port_id,
                               resolve.port_info(port) if port else None))
    return tuple(sorted(states, key=lambda s: s.address))
