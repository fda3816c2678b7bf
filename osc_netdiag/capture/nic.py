"""Which physical NIC a port's traffic leaves a host by, read from the host.

VLAN/flat: the system port(s) of the bridge that bridge_mappings names for
the segment's physical network. Tunnels: the device holding the agent's
tunneling_ip; when that device is an OVS bridge or internal port (the
userspace datapath), its bridge's system port. One read-only batch on the
capture's own connection, before the capture starts.
"""

from osc_netdiag import names
from osc_netdiag import probes
from osc_netdiag.backends.ml2_ovs import topology
from osc_netdiag.checks.engine import HostView
from osc_netdiag.transport.pool import HostOutcome

PROBES = (probes.ip_addr, probes.ovs_bridges, probes.ovs_ports,
          probes.ovs_interfaces)
_SYSTEM_TYPES = ("", "system", "dpdk", "afxdp")


def read_commands():
    return [make().command for make in PROBES]


def _system_ports(topo, bridge):
    return [iface.name for port in topo.ports_of_bridge(bridge)
            for iface in topo.interfaces_of_port(port.name)
            if iface.type in _SYSTEM_TYPES and iface.name != bridge]


def find(context, host, target, results):
    """The NIC device name on ``host``, or None; raises Unreadable."""
    view = HostView(host, HostOutcome(target, list(results)),
                    [make() for make in PROBES])
    topo = topology.topology(view)
    agent = context.ovs_agents.get(host)
    segment = context.network.segments[0] if context.network.segments \
        else None
    if agent is None or segment is None:
        return None
    if segment.is_tunnel:
        local_ip = agent.tunneling_ip
        for link in view.read(probes.ip_addr()):
            if any(a.local == local_ip for a in link.addresses):
                bridge = topology.bridge_name_of(topo, link.ifname)
                if bridge is None:
                    return names.checked_device(link.ifname)
                nics = _system_ports(topo, bridge)
                return names.checked_device(nics[0]) if nics else None
        return None
    phys_br = agent.bridge_mappings.get(segment.physical_network)
    if phys_br is None:
        return None
    nics = _system_ports(topo, phys_br)
    return names.checked_device(nics[0]) if nics else None
