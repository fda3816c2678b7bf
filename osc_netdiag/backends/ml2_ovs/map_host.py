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

"""One host's segment map: its OVS topology, patch pairs and translation
flows, read once, and the rows they give.
"""

import dataclasses

from osc_netdiag.backends.ml2_ovs.map_flows import egress_vlan_flows
from osc_netdiag.backends.ml2_ovs.map_flows import FLOOD_TO_TUN
from osc_netdiag.backends.ml2_ovs.map_flows import ingress_vlan_flows
from osc_netdiag.backends.ml2_ovs.map_flows import int_or_none
from osc_netdiag.backends.ml2_ovs.map_flows import TUN_TO_LV_TABLES
from osc_netdiag.backends.ml2_ovs.map_flows import TUNNEL_BRIDGE
from osc_netdiag.backends.ml2_ovs.map_flows import tunnel_egress_flows
from osc_netdiag.backends.ml2_ovs.map_flows import tunnel_ingress_flows
from osc_netdiag.backends.ml2_ovs.map_flows import UCAST_TO_TUN
from osc_netdiag.backends.ml2_ovs import topology
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag import probes


def bridges_to_read(agent):
    """(physical bridges, tunnel types) whose flows a host's map needs."""
    if agent is None:
        return [], []
    phys = []
    for bridge in sorted(set(agent.bridge_mappings.values())):
        try:
            phys.append(names.checked_device(bridge))
        except UnsafeNameError:
            continue
    return phys, [t for t in agent.tunnel_types if t in TUN_TO_LV_TABLES]


@dataclasses.dataclass(frozen=True)
class MapRow:
    host: str
    bridge: str
    network_type: str
    segmentation_id: object
    local_vlan: object
    ingress: str
    ingress_packets: object
    egress: str
    egress_packets: object
    status: Status
    detail: str

    def row(self):
        return (self.host, self.bridge, self.network_type,
                "-" if self.segmentation_id is None else self.segmentation_id,
                "-" if self.local_vlan is None else self.local_vlan,
                self.ingress or "-",
                "-" if self.ingress_packets is None else self.ingress_packets,
                self.egress or "-",
                "-" if self.egress_packets is None else self.egress_packets,
                str(self.status), self.detail)

    def to_dict(self):
        data = dataclasses.asdict(self)
        data["status"] = str(self.status)
        return data


class HostMap:
    """Everything one host's flows say, read once, for every row."""

    def __init__(self, view, agent):
        self.view = view
        self.host = view.host
        self.agent = agent
        self.int_br = agent.integration_bridge if agent else "br-int"
        self.topo = topology.topology(view)
        self.unreadable = []
        self.patch_to_physnet, self.phy_patch = {}, {}
        for physnet, bridge in (agent.bridge_mappings.items() if agent
                                else ()):
            int_patch, phy_patch = topology.patch_pair(self.topo, self.int_br,
                                                       bridge)
            if int_patch is not None:
                self.patch_to_physnet[int_patch.name] = physnet
                self.phy_patch[bridge] = phy_patch.name
        self.vlan_in = self._read(
            probes.dump_flows(self.int_br, "table=0"),
            lambda flows: ingress_vlan_flows(self.topo, self.int_br, flows,
                                             self.patch_to_physnet))
        phys, tunnel_types = bridges_to_read(agent)
        self.vlan_out = {}
        for bridge in phys:
            if self.topo.bridge(bridge) is None or bridge not in self.phy_patch:
                continue
            self.vlan_out[bridge] = self._read(
                probes.dump_flows(
                    bridge, f"table={topology.phys_translation_table(agent)}"),
                lambda flows, b=bridge: egress_vlan_flows(
                    self.topo, b, flows, self.phy_patch[b]))
        self.tun_in, self.tun_out = {}, None
        if tunnel_types and self.topo.bridge(TUNNEL_BRIDGE) is not None:
            for ttype in tunnel_types:
                self.tun_in[ttype] = self._read(
                    probes.dump_flows(TUNNEL_BRIDGE,
                                      f"table={TUN_TO_LV_TABLES[ttype]}"),
                    lambda flows: tunnel_ingress_flows(self.topo, flows))
            flood = self._read(
                probes.dump_flows(TUNNEL_BRIDGE, f"table={FLOOD_TO_TUN}"),
                lambda flows: tunnel_egress_flows(self.topo, flows))
            ucast = self._read(
                probes.dump_flows(TUNNEL_BRIDGE, f"table={UCAST_TO_TUN}"),
                lambda flows: tunnel_egress_flows(self.topo, flows))
            self.tun_out = (flood, ucast)

    def _read(self, probe, extract):
        try:
            return extract(self.view.read(probe))
        except Unreadable as exc:
            self.unreadable.append(exc)
            return None

    def port_tags(self, network_id, segment=None):
        """Local VLAN tags of the network's ports on the integration bridge
        (the agent writes net_uuid, network_type and segmentation_id into
        Port other_config); with ``segment``, only ports wired to it.
        """
        tags = set()
        for port in self.topo.ports:
            other = port.other_config or {}
            bridge = self.topo.bridge_of_port(port.name)
            if other.get("net_uuid") != network_id or port.tag is None \
                    or port.tag == topology.DEAD_VLAN or bridge is None \
                    or bridge.name != self.int_br:
                continue
            if segment is not None and not _wired_to(other, segment):
                continue
            tags.add(port.tag)
        return sorted(tags)

    def tunnel_ports(self, ttype):
        return {i.options.get("remote_ip"): i
                for port in self.topo.ports_of_bridge(TUNNEL_BRIDGE)
                for i in self.topo.interfaces_of_port(port.name)
                if i.type == ttype}

    def lvid_owners(self):
        """local VLAN -> the segments translated to it on this host."""
        owners = {}
        for physnet, t in self.vlan_in or ():
            kind = "vlan" if t.segmentation_id is not None else "flat"
            owners.setdefault(t.lvid, set()).add((kind, physnet,
                                                  t.segmentation_id))
        for ttype, items in self.tun_in.items():
            for t in items or ():
                owners.setdefault(t.lvid, set()).add((ttype, None,
                                                      t.segmentation_id))
        return owners


def _wired_to(other_config, segment):
    """Does a port's other_config name ``segment`` (or no segment at all)?"""
    net_type = other_config.get("network_type")
    seg_id = int_or_none(other_config.get("segmentation_id"))
    if net_type is not None and net_type != segment.network_type:
        return False
    return seg_id is None or segment.segmentation_id is None or \
        seg_id == segment.segmentation_id
