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

"""What ``dhcp check`` (and ``dns check``) learn from the API: the
network, its subnets, DHCP agents and ports, and the instance's console
log when a port is checked (Nova: the resolve layer's one other
service).
"""

import dataclasses

from osc_netdiag import context as ctx_mod
from osc_netdiag.errors import ResolveError
from osc_netdiag import resolve
from osc_netdiag.resolve import binding


@dataclasses.dataclass(frozen=True)
class SubnetInfo:
    id: str
    cidr: str
    ip_version: int
    enable_dhcp: bool


@dataclasses.dataclass(frozen=True)
class DhcpContext:
    network_id: str
    network_name: str
    subnets: tuple                  # of SubnetInfo
    agents: tuple                   # of context.Agent (DHCP agents)
    dhcp_ports: tuple               # of PortInfo (network:dhcp)
    ports: tuple                    # of PortInfo (all other ports)
    port: object = None             # PortInfo of the checked port, or None
    console: object = None          # console log text, or None
    console_skip: str = ""          # why the console log was not read
    bindings: tuple = ()            # binding.BindingFacts of failed ports

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        port = ctx_mod.port_from_json
        return cls(
            network_id=data["network_id"], network_name=data["network_name"],
            subnets=tuple(SubnetInfo(**s) for s in data["subnets"]),
            agents=tuple(ctx_mod.agent_from_json(a) for a in data["agents"]),
            dhcp_ports=tuple(port(p) for p in data["dhcp_ports"]),
            ports=tuple(port(p) for p in data["ports"]),
            port=port(data["port"]), console=data["console"],
            console_skip=data["console_skip"],
            bindings=tuple(binding.BindingFacts.from_json(b)
                           for b in data.get("bindings", ())))

    @property
    def dhcp_subnets(self):
        return [s for s in self.subnets if s.enable_dhcp]

    @property
    def hosts(self):
        return sorted({a.host for a in self.agents})


def _console(conn, port):
    """(text, why not) of the instance's console log, Nova permitting."""
    if port is None:
        return None, "no port given"
    if not port.device_owner.startswith("compute:") or not port.device_id:
        return None, f"port is not an instance's ({port.device_owner or '-'})"
    try:
        if not conn.has_service("compute"):
            return None, "no compute service (Nova) in the catalogue"
        output = conn.compute.get_server_console_output(port.device_id,
                                                        length=400)
    except Exception as exc:            # Nova down, server gone, policy
        return None, f"console log not readable: {exc}"
    return (output or {}).get("output", ""), ""


def resolve_context(conn, ref, console=True):
    """<port | network> -> DhcpContext (a network name/ID first)."""
    net_api = conn.network
    port = None
    sdk_net = net_api.find_network(ref, ignore_missing=True)
    if sdk_net is None:
        try:
            sdk_port = resolve.find_port(conn, ref)
        except ResolveError as exc:
            raise ResolveError("not-found", f"No network or port found for "
                               f"'{ref}' ({exc})") from None
        port = resolve.port_info(sdk_port)
        sdk_net = net_api.get_network(sdk_port.network_id)
    subnets = tuple(SubnetInfo(s.id, s.cidr, int(s.ip_version),
                               bool(s.is_dhcp_enabled))
                    for s in net_api.subnets(network_id=sdk_net.id))
    all_ports = [resolve.port_info(p)
                 for p in net_api.ports(network_id=sdk_net.id)]
    console, why = _console(conn, port) if console else (None, "")
    dhcp_ports = tuple(p for p in all_ports
                       if p.device_owner == "network:dhcp")
    return DhcpContext(
        network_id=sdk_net.id, network_name=sdk_net.name or "",
        subnets=subnets,
        agents=tuple(resolve.agent_info(a) for a in
                     net_api.network_hosting_dhcp_agents(sdk_net.id)),
        dhcp_ports=dhcp_ports,
        ports=tuple(p for p in all_ports
                    if p.device_owner != "network:dhcp"),
        port=port, console=console, console_skip=why,
        bindings=binding.failed_bindings(net_api, dhcp_ports + (port,)))
