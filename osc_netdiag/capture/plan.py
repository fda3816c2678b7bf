"""Capture points along a port's path, from the PortContext the trace uses.

A point has a stable label (what ``--at`` names) and one or more taps on a
host: a Linux device read directly (in its namespace), or an OVS port read
through a mirror.

The patch point: Open vSwitch never mirrors a packet as it is output to a
patch port, and mirrors it entering through one only when its translation
starts there, i.e. after recirculation (see :mod:`mirror`). So the point
has two taps. br-int's patch port shows wire-to-instance frames when br-int
recirculates them (conntrack of the openvswitch firewall). The peer bridge
(br-tun, br-<physnet>) is mirrored on all its ports, keeping the frames the
port sent: instance-to-wire frames that crossed the patch and leave that
bridge for its NIC or tunnel ports (tagged with the segment's VLAN on a
VLAN network).
"""

import re

import dataclasses

from osc_netdiag import names
from osc_netdiag.backends.ml2_ovs import topology

# Path order, instance outwards.
POINTS = ("tap", "qvb", "qvo", "patch", "nic", "qr", "qg", "dhcp")
DEFAULT_POINTS = ("tap", "patch", "nic", "qr")


@dataclasses.dataclass(frozen=True)
class Tap:
    device: str = None             # a Linux device read directly
    netns: str = None
    bridge: str = None             # or: mirror this OVS port of this bridge
    port: str = None
    nic: bool = False              # the host's NIC for the segment: the
                                   # device is read from the host first
    bpf: str = None                # replaces --filter at this tap
    vlan: int = None               # frames leave tagged: match them too
    all_ports: bool = False        # mirror every port of the bridge
    sender: str = None             # keep only frames from this MAC

    @property
    def mirrored(self):
        return self.bridge is not None

    def describe(self):
        if self.mirrored and self.all_ports:
            sent = f", frames from {self.sender}" if self.sender else ""
            return f"mirror of all ports of {self.bridge}{sent}"
        if self.mirrored:
            return f"mirror of {self.bridge}:{self.port}"
        if self.device is None:
            return "the segment's NIC (read from the host)"
        where = f" in {self.netns}" if self.netns else ""
        return f"{self.device}{where}"


@dataclasses.dataclass(frozen=True)
class Point:
    label: str
    host: str
    taps: tuple                    # of Tap

    @property
    def mirrored(self):
        return any(t.mirrored for t in self.taps)

    def describe(self):
        return ", ".join(t.describe() for t in self.taps)


_MAC_RE = re.compile(r"^[0-9a-f]{2}(?::[0-9a-f]{2}){5}\Z")


def checked_mac(mac):
    if not isinstance(mac, str) or not _MAC_RE.match(mac.lower()):
        raise ValueError(f"not a MAC address: {mac!r}")
    return mac.lower()


def _patch_taps(context, agent):
    int_br = names.checked_device(agent.integration_bridge if agent
                                  else "br-int")
    segment = context.network.segments[0] if context.network.segments \
        else None
    if segment is None:
        return ()
    sender = checked_mac(context.port.mac)
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
    inner frame. None for VLAN/flat (the user's filter applies)."""
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
    snat-<router> on the host its gateway port is bound to."""
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


def select(context, labels=None):
    """The points named by ``--at`` (default: the main ones), path order.

    Raises ValueError for a label this port's path does not have.
    """
    available = all_points(context)
    wanted = tuple(labels) if labels else DEFAULT_POINTS
    unknown = [w for w in wanted if w not in POINTS]
    if unknown:
        raise ValueError(f"unknown capture point(s): {', '.join(unknown)} "
                         f"(choose from {', '.join(POINTS)})")
    chosen = tuple(p for p in available if p.label in wanted)
    if labels:
        missing = [w for w in wanted if w not in {p.label for p in chosen}]
        if missing:
            raise ValueError(
                f"this port's path has no {', '.join(missing)} point "
                f"(it has: {', '.join(p.label for p in available)})")
    return chosen
