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

"""ML2/OVS layer-2 hops on one host: the OVS port and the VLAN/tunnel
translation between the network's segment and the host's local VLAN.

Each function reads probes through a HostView, appends hops and findings to
a Report, and never talks to a host itself.
"""

from osc_netdiag.backends.ml2_ovs.layout import physical_path_needed
from osc_netdiag.backends.ml2_ovs.topology import bridge_name_of
from osc_netdiag.backends.ml2_ovs.topology import choose_segment
from osc_netdiag.backends.ml2_ovs.topology import DEAD_VLAN
from osc_netdiag.backends.ml2_ovs.topology import int_value
from osc_netdiag.backends.ml2_ovs.topology import ovs_evidence
from osc_netdiag.backends.ml2_ovs.topology import topology
from osc_netdiag.backends.ml2_ovs.tunnel import tunnel_hops
from osc_netdiag.backends.ml2_ovs.vlan import vlan_hops
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.models import Status


def check_ovs_port(report, view, agent, device, port, network):
    """The device's port on the integration bridge; returns (lvid, segment).

    lvid is None when the port has no usable local VLAN.
    """
    host = view.host
    int_br = agent.integration_bridge if agent else "br-int"
    kind = "ovs-port"
    try:
        topo = topology(view)
    except Unreadable as exc:
        report.skipped(host, device, kind, exc)
        return None, None
    iface = topo.interface(device)
    bridge = bridge_name_of(topo, device)
    if iface is None or bridge is None:
        report.find("NETDIAG_OVS_PORT_MISSING", f"{host}:{int_br}",
                    f"{device} is not a port of any bridge on {host}",
                    host=host, bridge=int_br)
        report.hop(host, device, kind, "absent", f"not a port of {int_br}",
                   Status.ERROR, [ovs_evidence(view)])
        return None, None
    ovs_port = topo.port(device)
    lines = [f"Interface {iface.name}: ofport={iface.ofport} "
             f"external_ids={iface.external_ids} error={iface.error}",
             f"Port {ovs_port.name}: tag={ovs_port.tag} "
             f"other_config={ovs_port.other_config}"]
    evidence = [ovs_evidence(view, *lines)]
    problems = []
    if bridge != int_br:
        problems.append(f"on {bridge}, expected {int_br}")
        report.find("NETDIAG_OVS_PORT_MISSING", f"{host}:{int_br}",
                    f"{device} is on {bridge}, not on {int_br}",
                    host=host, bridge=int_br)
    if iface.ofport is None or iface.ofport < 0 or iface.error:
        problems.append(f"ofport {iface.ofport} error {iface.error!r}")
        report.find("NETDIAG_OVS_PORT_OFPORT", f"{host}:{device}",
                    f"OVS has no usable ofport for {device} on {host}",
                    host=host, error=iface.error or "ofport -1")
    iface_id = iface.external_ids.get("iface-id")
    if iface_id != port.id:
        problems.append(f"iface-id {iface_id}")
        report.find("NETDIAG_OVS_IFACE_ID_MISMATCH", f"{host}:{device}",
                    f"{device} has iface-id {iface_id}, expected {port.id}")
    mac = (iface.external_ids.get("attached-mac") or "").lower()
    if port.mac and mac != port.mac:
        problems.append(f"attached-mac {mac or '-'}")
        report.find("NETDIAG_OVS_MAC_MISMATCH", f"{host}:{device}",
                    f"{device} has attached-mac {mac or '-'}, expected "
                    f"{port.mac}")
    lvid = ovs_port.tag
    if lvid is None or lvid == DEAD_VLAN:
        problems.append("no local VLAN tag" if lvid is None
                        else f"dead VLAN {DEAD_VLAN}")
        report.find("NETDIAG_OVS_TAG_MISSING", f"{host}:{device}",
                    f"{device} on {host} has "
                    f"{'no tag' if lvid is None else 'tag 4095 (dead VLAN)'}",
                    host=host)
        lvid = None
    other = ovs_port.other_config or {}
    net_uuid = other.get("net_uuid")
    if net_uuid is not None and net_uuid != network.id:
        problems.append(f"net_uuid {net_uuid}")
        report.find("NETDIAG_OVS_NET_MISMATCH", f"{host}:{device}",
                    f"{device} is wired for network {net_uuid}",
                    found=f"net_uuid={net_uuid}",
                    expected=f"network {network.id}", host=host)
    segment = choose_segment(network, other, agent)
    seg_text = other.get("segmentation_id")
    if segment is not None and seg_text not in (None, "") and \
            segment.segmentation_id is not None and \
            int_value(seg_text) != segment.segmentation_id:
        problems.append(f"segmentation_id {seg_text}")
        report.find("NETDIAG_OVS_NET_MISMATCH", f"{host}:{device}",
                    f"{device} is wired for segmentation ID {seg_text}",
                    found=f"segmentation_id={seg_text}",
                    expected=f"{segment.segmentation_id}", host=host)
    detail = (f"on {bridge}, ofport {iface.ofport}, "
              f"local VLAN {ovs_port.tag if ovs_port.tag is not None else '-'}")
    if problems:
        report.hop(host, device, kind, "wrong", detail + "; " +
                   "; ".join(problems), Status.ERROR, evidence)
    else:
        report.hop(host, device, kind, f"tag {lvid}",
                   detail + ", iface-id and attached-mac match the port",
                   Status.OK, evidence)
    return lvid, segment


def check_translation(report, view, agent, network, segment, lvid,
                      context, inbound=False):
    """Segment <-> local VLAN translation hops on one host.

    ``inbound`` orders the hops from the wire inwards (network nodes).
    """
    if segment is None or lvid is None:
        return
    memo = ("__translated__", network.id, lvid)
    if memo in view._parsed:
        return
    view._parsed[memo] = True
    if segment.is_tunnel:
        tunnel_hops(report, view, agent, network, segment, lvid, context,
                    inbound)
    elif segment.network_type in ("vlan", "flat"):
        vlan_hops(report, view, agent, segment, lvid, inbound,
                  needed=physical_path_needed(context, network, view.host))
