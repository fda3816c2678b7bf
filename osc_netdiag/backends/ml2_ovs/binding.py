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

"""Ports whose binding failed: ML2 found no mechanism driver that could
bind them on their host, so the agent leaves them on the dead VLAN 4095 and
nothing passes. Judged from the API alone (``binding:vif_type``), with the
likely cause read from the host's agent and the port's network."""

from osc_netdiag.models import Status

BINDING_FAILED = "binding_failed"


def binding_causes(port, network, agent):
    """The likely causes, most specific first, from what the API shows."""
    host = port.binding_host or "-"
    if agent is None:
        return [f"no Open vSwitch agent is registered on {host}"]
    if not agent.alive or not agent.admin_state_up:
        return [f"the Open vSwitch agent on {host} is "
                f"{'dead' if not agent.alive else 'disabled'}"]
    causes = []
    mappings, tunnel_types = agent.bridge_mappings, agent.tunnel_types
    for segment in (network.segments if network else ()):
        if segment.is_tunnel:
            if segment.network_type not in tunnel_types:
                causes.append(f"the agent on {host} has no "
                              f"{segment.network_type} in tunnel_types")
        elif segment.physical_network and \
                segment.physical_network not in mappings:
            causes.append(f"the agent on {host} has no bridge_mappings "
                          f"entry for physical network "
                          f"{segment.physical_network} ({segment.describe()};"
                          f" it maps {', '.join(sorted(mappings)) or 'none'})")
    return causes or [f"the agent on {host} looks able to bind it: see "
                      "neutron-server's log for 'Failed to bind port' "
                      f"{port.id}"]


def check_binding(report, port, role, network, agent, host_label="api"):
    """One ERROR finding and hop when ``port``'s binding failed; returns
    True if so (the port's data path is then not worth reading).
    """
    if port is None or port.vif_type != BINDING_FAILED:
        return False
    host = port.binding_host or "-"
    causes = binding_causes(port, network, agent)
    report.find("NETDIAG_PORT_BINDING_FAILED", port.id,
                f"the {role} port {port.id} on {host} could not be bound: "
                f"binding:vif_type {port.vif_type}, status {port.status}; "
                f"likely: {'; '.join(causes)}",
                port=port.id, host=host, status=port.status,
                causes="; ".join(causes))
    report.hop(host_label, port.id, "binding", BINDING_FAILED,
               f"{role} port on {host}, status {port.status}: "
               + "; ".join(causes), Status.ERROR)
    return True


def check_path_bindings(report, context):
    """The ports a trace passes through besides the instance's own (which
    resolve refuses when unbound): router interface, router gateway and
    DHCP ports.
    """
    router = context.router
    ports = []
    if router is not None:
        ports.append(("router interface", router.interface_port,
                      context.network))
        ports.append(("router gateway", router.gateway_port,
                      router.gateway_network))
    ports += [("DHCP", p, context.network) for p in context.dhcp_ports]
    for role, port, network in ports:
        if port is not None:
            check_binding(report, port, role, network,
                          context.ovs_agents.get(port.binding_host))
