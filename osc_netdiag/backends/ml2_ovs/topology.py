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

"""ML2/OVS on one host: what its OVS lists say (bridges, ports, patch pairs),
the agent's flow-table layout, and the helpers every ML2/OVS check shares
to read them. Reads through a HostView; never talks to a host itself.
"""

from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.models import Status
from osc_netdiag.parsers import ovs_vsctl
from osc_netdiag import probes


DEAD_VLAN = 4095                      # the agent parks unbound ports here


TUNNEL_BRIDGE = "br-tun"


# The physical bridge's local VLAN -> segment flow (neutron's
# br_phys.provision_local_vlan): table 0, or LOCAL_VLAN_TRANSLATION (2) when
# the agent runs with enable_distributed_routing; table 0 then sends the
# patch port's traffic there through DVR_PROCESS_PHYSICAL (1).
PHYS_TRANSLATION_TABLE = 0


PHYS_TRANSLATION_TABLE_DVR = 2


def phys_translation_table(agent):
    """The table of a physical bridge holding the egress translation,
    from what the host's OVS agent reports about itself.
    """
    if agent is not None and \
            agent.configurations.get("enable_distributed_routing"):
        return PHYS_TRANSLATION_TABLE_DVR
    return PHYS_TRANSLATION_TABLE


def topology(view):
    key = "__topology__"
    if key not in view._parsed:
        view._parsed[key] = ovs_vsctl.build_topology(
            view.read(probes.ovs_bridges()), view.read(probes.ovs_ports()),
            view.read(probes.ovs_interfaces()))
    return view._parsed[key]


def topology_with_bridge(report, view, bridge, summary, detail):
    """The host's OVS topology when ``bridge`` exists on it; else None,
    with the bridge reported missing (ERROR) or the topology unreadable
    (SKIP): a path that needs the bridge stops there.
    """
    host = view.host
    try:
        topo = topology(view)
    except Unreadable as exc:
        report.skipped(host, bridge, "bridge", exc)
        return None
    if topo.bridge(bridge) is None:
        report.find("NETDIAG_OVS_BRIDGE_MISSING", f"{host}:{bridge}", summary,
                    host=host, bridge=bridge)
        report.hop(host, bridge, "bridge", "absent", detail, Status.ERROR,
                   [ovs_evidence(view)])
        return None
    return topo


def ovs_evidence(view, *lines):
    return view.evidence(probes.ovs_interfaces(), lines)


def interfaces_of_bridge(topo, bridge):
    return [(port, iface) for port in topo.ports_of_bridge(bridge)
            for iface in topo.interfaces_of_port(port.name)]


def bridge_name_of(topo, port_name):
    bridge = topo.bridge_of_port(port_name)
    return bridge.name if bridge is not None else None


def flow_port_matches(topo, value, port_name):
    """True if a flow's in_port/output value designates ``port_name``."""
    if value is None:
        return False
    value = value.strip('"')
    if value == port_name:
        return True
    iface = topo.interface(port_name)
    return iface is not None and iface.ofport is not None \
        and value == str(iface.ofport)


def int_value(text):
    try:
        return int(str(text), 0)
    except (TypeError, ValueError):
        return None


def loaded_tun_id(flow):
    """The tunnel ID a flow sets (``load:0x50f->NXM_NX_TUN_ID[]`` or
    ``set_field:0x50f->tun_id``), else None.
    """
    for action in flow.actions:
        if action.arg and action.name in ("load", "set_field"):
            value, _, dest = action.arg.partition("->")
            if dest in ("NXM_NX_TUN_ID[]", "tun_id"):
                return int_value(value)
    return None


def counters(flow):
    return f"n_packets={flow.n_packets}"


def choose_segment(network, port_other_config, agent):
    """The segment the port is wired to on this host.

    Port other_config (written by the agent) names it; otherwise take the
    first segment this host can carry (a mapped physnet or a tunnel type).
    """
    seg_id = int_value(port_other_config.get("segmentation_id"))
    net_type = port_other_config.get("network_type")
    for segment in network.segments:
        if net_type == segment.network_type and \
                (seg_id is None or seg_id == segment.segmentation_id):
            return segment
    for segment in network.segments:
        if segment.is_tunnel and (agent is None or
                                  segment.network_type in agent.tunnel_types):
            return segment
        if not segment.is_tunnel and agent is not None and \
                segment.physical_network in agent.bridge_mappings:
            return segment
    return network.segments[0] if network.segments else None


def patch_pair(topo, int_br, other_br):
    """The patch interfaces joining int_br and other_br, as Neutron made them.

    Found by peer rather than by name, since Neutron hashes names that would
    be longer than 15 characters.
    """
    for _port, iface in interfaces_of_bridge(topo, int_br):
        if iface.type != "patch":
            continue
        peer_name = iface.options.get("peer")
        if peer_name and bridge_name_of(topo, peer_name) == other_br:
            return iface, topo.interface(peer_name)
    return None, None


def check_patch_pair(report, view, topo, int_br, other_br, default_names):
    host = view.host
    int_iface, other_iface = patch_pair(topo, int_br, other_br)
    if int_iface is None:
        # The pair may exist with a broken peer: look the names up directly.
        int_iface = topo.interface(default_names[0])
        other_iface = topo.interface(default_names[1])
    int_name = int_iface.name if int_iface else default_names[0]
    other_name = other_iface.name if other_iface else default_names[1]
    device = f"{int_name}<->{other_name}"
    lines = [f"{i.name}: type={i.type} options={i.options} ofport={i.ofport}"
             for i in (int_iface, other_iface) if i is not None]
    evidence = [ovs_evidence(view, *lines)]
    ok = (int_iface is not None and other_iface is not None
          and int_iface.type == "patch" and other_iface.type == "patch"
          and int_iface.options.get("peer") == other_name
          and other_iface.options.get("peer") == int_name
          and bridge_name_of(topo, int_name) == int_br
          and bridge_name_of(topo, other_name) == other_br)
    if ok:
        report.hop(host, device, "patch", "peered",
                   f"{int_br} <-> {other_br}", Status.OK, evidence)
        return int_iface, other_iface
    state = []
    for iface, name in ((int_iface, int_name), (other_iface, other_name)):
        if iface is None:
            state.append(f"{name} missing")
        else:
            state.append(f"{name} peer={iface.options.get('peer') or '-'}")
    report.find("NETDIAG_OVS_PATCH_PEER", f"{host}:{device}",
                f"patch pair {int_br} <-> {other_br} on {host} is broken: "
                + ", ".join(state), host=host, device=int_name,
                peer=other_name)
    report.hop(host, device, "patch", "broken", ", ".join(state),
               Status.ERROR, evidence)
    return None, None
