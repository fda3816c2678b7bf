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

"""Reading ML2/OVS translation flows for the segment map: which flow of
br-int, a physical bridge or br-tun maps a segment to a local VLAN or
back, and how to print it.
"""

import dataclasses

from osc_netdiag.backends.ml2_ovs import topology


TUNNEL_BRIDGE = topology.TUNNEL_BRIDGE


# Neutron's br-tun tables (ovs agent common/constants.py).
TUN_TO_LV_TABLES = {"gre": 3, "vxlan": 4, "geneve": 6}


UCAST_TO_TUN = 20


FLOOD_TO_TUN = 22


FLAT_UNTAGGED = "0x0000/0x1fff"


def int_or_none(text):
    try:
        return int(str(text), 0)
    except (TypeError, ValueError):
        return None


def port_name(topo, bridge, value):
    """A flow's in_port/output value as a port name (SSH prints numbers)."""
    if value is None:
        return None
    value = value.strip('"')
    if not value.isdigit():
        return value
    for port in topo.ports_of_bridge(bridge):
        for iface in topo.interfaces_of_port(port.name):
            if iface.ofport == int(value):
                return iface.name
    return value


def flow_text(topo, bridge, flow):
    """A flow without its statistics, ports by name: what an operator greps."""
    match = ",".join(
        name if value is None else
        f"{name}={port_name(topo, bridge, value) if name == 'in_port' else value}"
        for name, value in flow.match)
    actions = ",".join(_action_text(topo, bridge, flow, a)
                       for a in flow.actions)
    return f"{bridge} table={flow.table} {match} actions={actions}".replace(
        f"table={flow.table}  ", f"table={flow.table} ")


def _action_text(topo, bridge, flow, action):
    if action.name == "output":
        return f"output:{port_name(topo, bridge, action.arg)}"
    # resubmit(,58), learn(...): keep the form ovs-ofctl printed.
    if action.arg is not None and f"{action.name}({action.arg})" in flow.text:
        return f"{action.name}({action.arg})"
    return str(action)


@dataclasses.dataclass(frozen=True)
class Translation:
    """One flow that maps a segment to a local VLAN or back."""
    bridge: str
    segmentation_id: object        # int, or None for flat
    lvid: int
    flow: object                   # parsers.ofctl.Flow
    text: str
    outputs: tuple = ()            # flood flows: the tunnel ports (names)


def ingress_vlan_flows(topo, int_br, flows, patch_to_physnet):
    """br-int table 0: in_port=int-br-X,dl_vlan=S|untagged -> mod_vlan_vid:L.

    Returns (physnet, Translation) pairs; segmentation_id None is flat.
    """
    found = []
    for flow in flows:
        patch = port_name(topo, int_br, flow.match_get("in_port"))
        physnet = patch_to_physnet.get(patch)
        mods = flow.actions_named("mod_vlan_vid")
        if physnet is None or not mods:
            continue
        dl_vlan = flow.match_get("dl_vlan")
        if dl_vlan is not None:
            seg = int_or_none(dl_vlan)
        elif flow.match_get("vlan_tci") == FLAT_UNTAGGED:
            seg = None
        else:
            continue
        found.append((physnet, Translation(
            int_br, seg, int_or_none(mods[0].arg), flow,
            flow_text(topo, int_br, flow))))
    return found


def egress_vlan_flows(topo, phys_br, flows, phy_patch):
    """Physical bridge table 0 (2 with DVR): in_port=phy-br-X,dl_vlan=L ->
    VLAN S or strip_vlan (flat).
    """
    found = []
    for flow in flows:
        if port_name(topo, phys_br, flow.match_get("in_port")) != phy_patch:
            continue
        lvid = int_or_none(flow.match_get("dl_vlan"))
        if lvid is None:
            continue
        mods = flow.actions_named("mod_vlan_vid")
        if mods:
            seg = int_or_none(mods[0].arg)
        elif flow.actions_named("strip_vlan") or flow.actions_named("pop_vlan"):
            seg = None
        else:
            continue
        found.append(Translation(phys_br, seg, lvid, flow,
                                 flow_text(topo, phys_br, flow)))
    return found


def tunnel_ingress_flows(topo, flows):
    """br-tun tunnel table: tun_id=S -> mod_vlan_vid:L."""
    found = []
    for flow in flows:
        seg = int_or_none(flow.match_get("tun_id"))
        mods = flow.actions_named("mod_vlan_vid")
        if seg is None or not mods:
            continue
        found.append(Translation(TUNNEL_BRIDGE, seg,
                                 int_or_none(mods[0].arg), flow,
                                 flow_text(topo, TUNNEL_BRIDGE, flow)))
    return found


def tunnel_egress_flows(topo, flows):
    """br-tun flood/unicast tables: dl_vlan=L -> tun_id S, output:tunnels."""
    found = []
    for flow in flows:
        seg = topology.loaded_tun_id(flow)
        lvid = int_or_none(flow.match_get("dl_vlan"))
        if lvid is None:
            tci = flow.match_get("vlan_tci") or ""
            value, _, mask = tci.partition("/")
            if mask and int_or_none(mask) == 0x0fff:
                lvid = int_or_none(value)
        if seg is None or lvid is None:
            continue
        outputs = tuple(port_name(topo, TUNNEL_BRIDGE, a.arg)
                        for a in flow.actions_named("output") if a.arg)
        found.append(Translation(TUNNEL_BRIDGE, seg, lvid, flow,
                                 flow_text(topo, TUNNEL_BRIDGE, flow),
                                 outputs))
    return found
