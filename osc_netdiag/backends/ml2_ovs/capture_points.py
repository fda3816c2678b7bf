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

"""ML2/OVS capture points: where along a port's path ``port capture`` can
read its frames, and which NIC the port's traffic leaves a host by.

The patch point: Open vSwitch never mirrors a packet as it is output to a
patch port, and mirrors it entering through one only when its translation
starts there, i.e. after recirculation (see
:mod:`osc_netdiag.capture.mirror`). So the point has two taps. br-int's
patch port shows wire-to-instance frames when br-int recirculates them
(conntrack of the openvswitch firewall). The peer bridge (br-tun,
br-<physnet>) is mirrored on all its ports, keeping the frames the port
sent: instance-to-wire frames that crossed the patch and leave that bridge
for its NIC or tunnel ports (tagged with the segment's VLAN on a VLAN
network).

The NIC is read from the host (one read-only batch on the capture's own
connection, before the capture starts).
"""

from osc_netdiag.backends.ml2_ovs import topology
from osc_netdiag.checks.engine import HostView
from osc_netdiag import names
from osc_netdiag import probes
from osc_netdiag import taps
from osc_netdiag.taps import Point
from osc_netdiag.taps import Tap
from osc_netdiag.transport.pool import HostOutcome

# Path order, instance outwards.
POINTS = ("tap", "qvb", "qvo", "patch", "nic", "qr", "qg", "dhcp")
DEFAULT_POINTS = ("tap", "patch", "nic", "qr")


def _patch_taps(context, agent):
    int_br = names.checked_device(agent.integration_bridge if agent
                                  else "br-int")
    segment = context.network.segments[0] if context.network.segments \
        else None
    if segment is None:
        return ()
    sender = taps.checked_mac(context.port.mac)
    if segment.is_tunnel:
        return (Tap(bridge=int_br, port="patch-tun"),
                Tap(bridge=topology.TUNNEL_BRIDGE, all_ports=True,
                    sender=sender))
    phys_br = (agent.bridge_mappings if agent else {}).get(
        segment.physical_network)
    if phys_br is None:
        return ()
    int_side, _ = names.patch_names(phys_br)
    vlan = int(segment.segmentation_id) \
        if segment.network_type == "vlan" \
        else None
    return (Tap(bridge=int_br, port=int_side),
            Tap(bridge=names.checked_device(phys_br), all_ports=True,
                sender=sender, vlan=vlan))


def tunnel_filter(segment):
    """At a tunnel NIC the port's frames are inside UDP/GRE: select the
    segment's tunnel packets (by VNI for VXLAN); the timeline reads the
    inner frame. None for VLAN/flat (the user's filter applies).
    """
    if segment.network_type == "vxlan":
        return f"udp port 4789 and udp[12:4] >> 8 = {int(segment.segmentation_id)}"
    if segment.network_type == "geneve":
        return "udp port 6081"
    if segment.network_type == "gre":
        return "proto gre"
    return None


def _distributed_router_points(router, compute):
    """A distributed router routes on the instance's own host (qr- in the
    qrouter- namespace there); its gateway, for SNAT, is qg- in
    snat-<router> on the host its gateway port is bound to.
    """
    points = []
    if router.interface_port is not None:
        points.append(Point("qr", compute, (Tap(
            device=names.qr_device(router.interface_port.id),
            netns=names.qrouter_namespace(router.id)),)))
    gateway = router.gateway_port
    if gateway is not None and gateway.binding_host:
        points.append(Point("qg", gateway.binding_host, (Tap(
            device=names.qg_device(gateway.id),
            netns=names.snat_namespace(router.id)),)))
    return points


def all_points(context):
    """Every point this port's path offers, in path order."""
    port = context.port
    compute = port.binding_host
    agent = context.ovs_agents.get(compute)
    found = [Point("tap", compute, (Tap(device=names.tap_device(port.id)),))]
    if port.hybrid_plug:
        found.append(Point("qvb", compute,
                           (Tap(device=names.qvb_device(port.id)),)))
        found.append(Point("qvo", compute,
                           (Tap(device=names.qvo_device(port.id)),)))
    patch = _patch_taps(context, agent)
    if patch:
        found.append(Point("patch", compute, patch))
    if context.network.segments:
        segment = context.network.segments[0]
        found.append(Point("nic", compute, (Tap(
            nic=True, bpf=tunnel_filter(segment),
            vlan=segment.segmentation_id
            if segment.network_type == "vlan" else None),)))
    router = context.router
    if router is not None and router.distributed:
        found += _distributed_router_points(router, compute)
    elif router is not None:
        ns = names.qrouter_namespace(router.id)
        # Every agent hosting the router: for an HA router the standby's
        # devices exist too, and packets there mean traffic goes to the
        # wrong node. The active one first, as the path goes.
        hosting = sorted(router.l3_agents,
                         key=lambda a: (a.ha_state != "active", a.host))
        for agent in hosting:
            if router.interface_port is not None:
                found.append(Point("qr", agent.host, (Tap(
                    device=names.qr_device(router.interface_port.id),
                    netns=ns),)))
            if router.gateway_port is not None:
                found.append(Point("qg", agent.host, (Tap(
                    device=names.qg_device(router.gateway_port.id),
                    netns=ns),)))
    dhcp_ports = {p.binding_host: p for p in context.dhcp_ports}
    for agent in context.dhcp_agents[:1]:
        dhcp_port = dhcp_ports.get(agent.host)
        if dhcp_port is not None:
            found.append(Point("dhcp", agent.host, (Tap(
                device=names.dhcp_tap_device(dhcp_port.id),
                netns=names.qdhcp_namespace(context.network.id)),)))
    return tuple(found)


# -- the NIC ------------------------------------------------------------------

PROBES = (probes.ip_addr, probes.ovs_bridges, probes.ovs_ports,
          probes.ovs_interfaces)
_SYSTEM_TYPES = ("", "system", "dpdk", "afxdp")


def nic_commands():
    """The read-only batch find_nic reads, run before the capture."""
    return [make().command for make in PROBES]


def _system_ports(topo, bridge):
    return [iface.name for port in topo.ports_of_bridge(bridge)
            for iface in topo.interfaces_of_port(port.name)
            if iface.type in _SYSTEM_TYPES and iface.name != bridge]


def find_nic(context, host, target, results):
    """The NIC device name on ``host``, or None; raises Unreadable.

    VLAN/flat: the system port(s) of the bridge that bridge_mappings names
    for the segment's physical network. Tunnels: the device holding the
    agent's tunneling_ip; when that device is an OVS bridge or internal
    port (the userspace datapath), its bridge's system port.
    """
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
