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

"""ML2/OVS tunnel segments (VXLAN, GRE, Geneve) on one host: br-tun's
tunnel-ID to local-VLAN flow, the flood flow and the tunnel ports to
the peers the API expects.
"""

from osc_netdiag.backends.ml2_ovs.topology import check_patch_pair
from osc_netdiag.backends.ml2_ovs.topology import counters
from osc_netdiag.backends.ml2_ovs.topology import int_value
from osc_netdiag.backends.ml2_ovs.topology import interfaces_of_bridge
from osc_netdiag.backends.ml2_ovs.topology import loaded_tun_id
from osc_netdiag.backends.ml2_ovs.topology import ovs_evidence
from osc_netdiag.backends.ml2_ovs.topology import topology_with_bridge
from osc_netdiag.backends.ml2_ovs.topology import TUNNEL_BRIDGE
from osc_netdiag.backends.ml2_ovs.vlan import judge_to_local_vlan
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.models import Status
from osc_netdiag import probes


def tunnel_peers(context, host):
    """Hosts that must have a tunnel from ``host`` for this network."""
    hosts = set(context.network_hosts)
    hosts.update(a.host for a in context.dhcp_serving_agents())
    if context.router is not None:
        hosts.update(a.host for a in context.router.l3_agents)
    hosts.discard(host)
    peers = []
    for peer in sorted(hosts):
        agent = context.ovs_agents.get(peer)
        if agent is not None and agent.tunneling_ip:
            peers.append((peer, agent.tunneling_ip))
    return peers


def tunnel_hops(report, view, agent, network, segment, lvid, context,
                inbound):
    host = view.host
    int_br = agent.integration_bridge if agent else "br-int"
    topo = topology_with_bridge(report, view, TUNNEL_BRIDGE,
                                f"{TUNNEL_BRIDGE} does not exist on {host}",
                                "")
    if topo is None:
        return
    flood_ports = set()
    steps = [
        lambda: check_patch_pair(report, view, topo, int_br, TUNNEL_BRIDGE,
                                 ("patch-tun", "patch-int")),
        lambda: _tun_to_lv_flow(report, view, segment, lvid),
        lambda: flood_ports.update(_flood_flow(report, view, segment, lvid,
                                               context)),
        lambda: _tunnel_ports(report, view, topo, segment, lvid, context,
                              flood_ports),
    ]
    if inbound:
        # From the wire in: tunnel port, tun_id -> VLAN, then patch; the
        # flood flow is still read before the tunnel ports are judged.
        steps = [steps[2], steps[3], steps[1], steps[0]]
    for step in steps:
        step()


def _tun_to_lv_flow(report, view, segment, lvid):
    host = view.host
    seg = segment.segmentation_id
    probe = probes.dump_flows(TUNNEL_BRIDGE, f"tun_id={hex(seg)}")
    device = f"{TUNNEL_BRIDGE} tun_id={hex(seg)}"
    try:
        flows = view.read(probe)
    except Unreadable as exc:
        report.skipped(host, device, "flow", exc)
        return
    candidates = [f for f in flows if f.actions_named("mod_vlan_vid")
                  and int_value(f.match_get("tun_id")) == seg]
    table = f"table={candidates[0].table} " if candidates else ""
    judge_to_local_vlan(
       report, view, probe, flows, candidates, device, lvid,
       matched=f"{table}tun_id={hex(seg)}",
       missing=("NETDIAG_OVS_NO_TUNNEL_TRANSLATION",
                f"no flow on {TUNNEL_BRIDGE} maps tunnel ID {hex(seg)} "
                f"to local VLAN {lvid} on {host}", dict(seg=hex(seg))),
       mismatch=f"{TUNNEL_BRIDGE} maps tunnel ID {hex(seg)}")


# Neutron's FLOOD_TO_TUN table; the Operations Guide's older layout used 21.
FLOOD_TABLES = (22, 21)


def _flood_flow(report, view, segment, lvid, context=None):
    """Returns the set of ports (names or numbers) the flood flow outputs to."""
    host = view.host
    for table in FLOOD_TABLES:
        probe = probes.dump_flows(TUNNEL_BRIDGE, f"table={table}")
        try:
            flows = view.read(probe)
        except Unreadable as exc:
            if table == FLOOD_TABLES[0]:
                report.skipped(host, f"{TUNNEL_BRIDGE} table={table}",
                               "flow", exc)
                return set()
            continue
        for flow in flows:
            if int_value(flow.match_get("dl_vlan")) != lvid:
                continue
            outputs = {a.arg.strip('"') for a in flow.actions_named("output")
                       if a.arg}
            evidence = [view.evidence(probe, [flow.text])]
            loaded = loaded_tun_id(flow)
            if loaded is not None and loaded != segment.segmentation_id:
                # Present but wrong: the broadcasts leave on another VNI.
                report.find("NETDIAG_OVS_NO_FLOOD_FLOW",
                            f"{host}:{TUNNEL_BRIDGE}",
                            f"the flood flow for local VLAN {lvid} on "
                            f"{TUNNEL_BRIDGE} on {host} sets tunnel ID "
                            f"{hex(loaded)}, not "
                            f"{hex(segment.segmentation_id)}",
                            host=host, lvid=lvid)
                report.hop(host, f"{TUNNEL_BRIDGE} table={table}", "flow",
                           "wrong", f"dl_vlan={lvid} -> tun_id {hex(loaded)}"
                           f", expected {hex(segment.segmentation_id)} "
                           f"({counters(flow)})", Status.ERROR, evidence)
                return set()
            report.hop(host, f"{TUNNEL_BRIDGE} table={table}", "flow",
                       "present",
                       f"dl_vlan={lvid} -> tun_id {hex(segment.segmentation_id)}"
                       f", {len(outputs)} tunnel output(s) "
                       f"({counters(flow)})", Status.OK, evidence)
            return outputs
        if table == FLOOD_TABLES[0] and flows:
            break
    if context is not None and not tunnel_peers(context, host):
        # No peer: the agent installs no flood flow, and needs none.
        report.find("NETDIAG_TUNNEL_NO_PEERS", f"{host}:{TUNNEL_BRIDGE}",
                    f"no other host carries {segment.describe()}: "
                    f"broadcasts of local VLAN {lvid} stay on {host}",
                    host=host, segment=segment.describe())
        report.hop(host, f"{TUNNEL_BRIDGE} table={FLOOD_TABLES[0]}", "flow",
                   "none", f"dl_vlan={lvid}: no flood flow, no peer to "
                   "flood to", Status.OK)
        return set()
    report.find("NETDIAG_OVS_NO_FLOOD_FLOW", f"{host}:{TUNNEL_BRIDGE}",
                f"no flood flow for local VLAN {lvid} on {TUNNEL_BRIDGE} "
                f"on {host}", host=host, lvid=lvid)
    report.hop(host, f"{TUNNEL_BRIDGE} table={FLOOD_TABLES[0]}", "flow",
               "absent", f"dl_vlan={lvid} -> output to tunnels missing",
               Status.ERROR)
    return set()


def _tunnel_ports(report, view, topo, segment, lvid, context, flood_ports):
    host = view.host
    tunnels = [iface for _port, iface in
               interfaces_of_bridge(topo, TUNNEL_BRIDGE)
               if iface.type in ("vxlan", "gre", "geneve")]
    for peer, remote_ip in tunnel_peers(context, host):
        matching = [t for t in tunnels
                    if t.options.get("remote_ip") == remote_ip
                    and t.type == segment.network_type]
        if not matching:
            report.find("NETDIAG_TUNNEL_MISSING", f"{host}->{peer}",
                        f"no {segment.network_type} port on {TUNNEL_BRIDGE} "
                        f"of {host} reaches {peer} ({remote_ip})",
                        host=host, peer=peer, remote_ip=remote_ip,
                        tunnel_type=segment.network_type)
            report.hop(host, f"{segment.network_type} to {peer}", "tunnel",
                       "absent", f"remote_ip={remote_ip} not found on "
                       f"{TUNNEL_BRIDGE}", Status.ERROR,
                       [ovs_evidence(view, *(f"{t.name}: {t.options}"
                                             for t in tunnels))])
            continue
        tunnel = matching[0]
        evidence = [ovs_evidence(view, f"{tunnel.name}: type={tunnel.type} "
                                 f"options={tunnel.options} "
                                 f"ofport={tunnel.ofport}")]
        flooded = (tunnel.name in flood_ports
                   or str(tunnel.ofport) in flood_ports)
        detail = (f"to {peer} remote_ip={remote_ip} "
                  f"local_ip={tunnel.options.get('local_ip', '-')}, "
                  f"ofport {tunnel.ofport}")
        if tunnel.ofport is None or tunnel.ofport < 0 or tunnel.error:
            report.find("NETDIAG_OVS_PORT_OFPORT", f"{host}:{tunnel.name}",
                        f"tunnel port {tunnel.name} on {host} is not usable",
                        host=host, error=tunnel.error or "ofport -1")
            report.hop(host, tunnel.name, "tunnel", "error", detail,
                       Status.ERROR, evidence)
        elif flood_ports and not flooded:
            report.find("NETDIAG_TUNNEL_NOT_FLOODED", f"{host}:{tunnel.name}",
                        f"the flood flow for VLAN {lvid} on {host} does not "
                        f"output to {tunnel.name} ({peer})", host=host,
                        peer=peer, lvid=lvid)
            report.hop(host, tunnel.name, "tunnel", "not flooded", detail,
                       Status.ERROR, evidence)
        else:
            report.hop(host, tunnel.name, "tunnel", "present",
                       detail + (", in the flood flow" if flooded else ""),
                       Status.OK, evidence)
