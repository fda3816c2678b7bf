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

"""ML2/OVS's ``network vlan-map`` on one host: which probes to run, and the
rows and findings of what the flows say.

Reads through a HostView the OVS lists and a few whole flow tables (br-int
table 0, each physical bridge's translation table (0, or 2 with DVR),
br-tun's tunnel, unicast and flood tables): small tables, and they are what
tells two networks sharing a local VLAN or a segmentation ID the API does
not know. Produces MapRows and findings; never talks to a host itself.
"""

from osc_netdiag.backends.ml2_ovs.map_flows import FLOOD_TO_TUN
from osc_netdiag.backends.ml2_ovs.map_flows import TUN_TO_LV_TABLES
from osc_netdiag.backends.ml2_ovs.map_flows import TUNNEL_BRIDGE
from osc_netdiag.backends.ml2_ovs.map_flows import UCAST_TO_TUN
from osc_netdiag.backends.ml2_ovs.map_host import bridges_to_read
from osc_netdiag.backends.ml2_ovs.map_host import HostMap
from osc_netdiag.backends.ml2_ovs.map_host import MapRow
from osc_netdiag.backends.ml2_ovs.map_rows import check_host_wide
from osc_netdiag.backends.ml2_ovs.map_rows import segment_row
from osc_netdiag.backends.ml2_ovs import topology
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.models import Status
from osc_netdiag import probes


def host_probes(agent):
    int_br = agent.integration_bridge if agent else "br-int"
    items = [probes.ovs_bridges(), probes.ovs_ports(), probes.ovs_interfaces(),
             probes.dump_flows(int_br, "table=0")]
    phys, tunnel_types = bridges_to_read(agent)
    table = topology.phys_translation_table(agent)
    items += [probes.dump_flows(bridge, f"table={table}") for bridge in phys]
    if tunnel_types:
        items += [probes.dump_flows(TUNNEL_BRIDGE,
                                    f"table={TUN_TO_LV_TABLES[t]}")
                  for t in tunnel_types]
        items += [probes.dump_flows(TUNNEL_BRIDGE, f"table={UCAST_TO_TUN}"),
                  probes.dump_flows(TUNNEL_BRIDGE, f"table={FLOOD_TO_TUN}")]
    return items


def plan(context):
    return {host: host_probes(context.ovs_agents.get(host))
            for host in context.hosts}


def evaluate_host(report, view, context, rows):
    host = view.host
    if report.host_unreadable(view):
        rows.append(MapRow(host, "-", "-", None, None, "", None, "", None,
                           Status.SKIP, view.error.message))
        return
    agent = context.ovs_agents.get(host)
    network = context.network
    carries = host in context.port_hosts
    if agent is None:
        report.find("NETDIAG_AGENT_MISSING", f"{host}:Open vSwitch agent",
                    f"no Open vSwitch agent is registered for {host}",
                    agent_type="Open vSwitch agent", host=host)
        rows.append(MapRow(host, "-", "-", None, None, "", None, "", None,
                           Status.ERROR, "no Open vSwitch agent"))
        return
    try:
        hmap = HostMap(view, agent)
    except Unreadable as exc:
        report.skipped(host, "ovs-vsctl", "bridge", exc)
        rows.append(MapRow(host, "-", "-", None, None, "", None, "", None,
                           Status.SKIP, exc.message))
        return
    for exc in hmap.unreadable:
        report.skipped(host, exc.probe.name, "flow", exc)
    carried = [s for s in network.segments
               if (s.is_tunnel and s.network_type in agent.tunnel_types)
               or (not s.is_tunnel and
                   s.physical_network in agent.bridge_mappings)]
    if not carried:
        if carries:
            physnets = ",".join(s.physical_network or s.network_type
                                for s in network.segments)
            report.find("NETDIAG_OVS_NO_MAPPING", f"{host}:{physnets}",
                        f"{host} has ports of {network.name or network.id} "
                        f"but can carry none of its segments", host=host,
                        physnet=physnets)
            rows.append(MapRow(host, "-", "-", None, None, "", None, "",
                               None, Status.ERROR,
                               "no bridge_mappings or tunnel_types entry for "
                               "any segment"))
        else:
            rows.append(MapRow(host, "-", "-", None, None, "", None, "",
                               None, Status.SKIP,
                               "cannot carry the network (no "
                               "bridge_mappings or tunnel_types entry)"))
        return
    # A multi-segment network is wired to one segment per host: when the
    # ports name theirs, the others are not expected to be translated.
    wired = [s for s in carried if hmap.port_tags(network.id, s)]
    lvids = set()
    for segment in carried:
        expected = carries and (not wired or segment in wired)
        row = segment_row(report, hmap, context, segment, expected)
        rows.append(row)
        if row.local_vlan is not None:
            lvids.add(row.local_vlan)
    check_host_wide(report, hmap, context, lvids)
