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

"""The segment map's rows and findings: one row per segment a host
carries, then what is wrong host-wide (shared local VLANs, unknown
segments).
"""

from osc_netdiag.backends.ml2_ovs.map_flows import TUNNEL_BRIDGE
from osc_netdiag.backends.ml2_ovs.map_host import MapRow
from osc_netdiag.backends.ml2_ovs import topology
from osc_netdiag.models import Status


def _packets(translations):
    if not translations:
        return None
    return sum(t.flow.n_packets for t in translations)


def segment_row(report, hmap, context, segment, carries):
    host = hmap.host
    network = context.network
    agent = hmap.agent
    seg_id = segment.segmentation_id
    tags = hmap.port_tags(network.id, segment)
    if segment.is_tunnel:
        bridge = TUNNEL_BRIDGE
        tun_in = hmap.tun_in.get(segment.network_type)
        ingress = None if tun_in is None else \
            [t for t in tun_in if t.segmentation_id == seg_id]
        if hmap.tun_out is None:
            egress = flood = None
        else:
            flood_all, ucast_all = hmap.tun_out
            flood = None if flood_all is None else \
                [t for t in flood_all if t.segmentation_id == seg_id]
            ucast = [t for t in ucast_all or () if t.segmentation_id == seg_id]
            egress = None if flood is None else flood + ucast
        read_ok = ingress is not None and flood is not None
    else:
        bridge = agent.bridge_mappings.get(segment.physical_network)
        ingress = None if hmap.vlan_in is None else \
            [t for physnet, t in hmap.vlan_in
             if physnet == segment.physical_network
             and t.segmentation_id == seg_id]
        out = hmap.vlan_out.get(bridge)
        egress = None if out is None else \
            [t for t in out if t.segmentation_id == seg_id]
        flood = None
        read_ok = ingress is not None and egress is not None
    in_lvids = sorted({t.lvid for t in ingress or ()})
    out_lvids = sorted({t.lvid for t in (flood if segment.is_tunnel
                                         else egress) or ()})
    lvid = (tags or in_lvids or out_lvids or [None])[0]
    problems, status = [], Status.OK
    subject = f"{host}:{bridge}"
    desc = segment.describe()
    if not read_ok:
        status = Status.SKIP
        problems.append("flows not read: " + "; ".join(
            f"{e.probe.name}: {e.status}" for e in hmap.unreadable) if
            hmap.unreadable else f"{bridge} does not exist or is not "
            f"patched to {hmap.int_br}")
        if not hmap.unreadable and carries:
            report.find("NETDIAG_OVS_BRIDGE_MISSING", subject,
                        f"{bridge} ({desc}) is missing or not patched to "
                        f"{hmap.int_br} on {host}", host=host, bridge=bridge)
            status = Status.ERROR
    else:
        missing = [side for side, items in (("ingress", ingress),
                                            ("egress", flood if
                                             segment.is_tunnel else egress))
                   if not items]
        if missing == ["egress"] and segment.is_tunnel and carries and \
                not _tunnel_peers(context, hmap, segment):
            # Alone on the tunnel network: no peer, so no flood flow.
            problems.append(f"no flood flow: no other host carries it, "
                            f"broadcasts stay on {host}")
            report.find("NETDIAG_TUNNEL_NO_PEERS", subject,
                        f"no other host carries {desc}: broadcasts of "
                        f"{network.name or network.id} stay on {host}",
                        host=host, segment=desc)
        elif missing and carries:
            status = Status.ERROR
            problems.append(f"no {' and no '.join(missing)} translation")
            report.find("NETDIAG_VLANMAP_NO_TRANSLATION", subject,
                        f"{host} has ports of {network.name or network.id} "
                        f"but no {' and no '.join(missing)} translation for "
                        f"{desc}", host=host, network=network.id,
                        segment=desc)
        elif missing and (ingress or egress):
            status = Status.WARN
            problems.append(f"no {' and no '.join(missing)} translation")
        elif missing:
            problems.append("not wired on this host (no ports)")
        flow_lvids = sorted(set(in_lvids) | set(out_lvids))
        expected = tags[0] if len(tags) == 1 else None
        wrong = [v for v in flow_lvids if v != lvid] if lvid is not None \
            else []
        if len(tags) > 1:
            wrong = tags[1:] + wrong
        if wrong:
            status = Status.ERROR
            problems.append(f"local VLAN {lvid} vs {sorted(set(wrong))} in "
                            f"{'port tags' if len(tags) > 1 else 'flows'}")
            report.find("NETDIAG_VLANMAP_VLAN_MISMATCH", subject,
                        f"on {host}, {desc} is translated to local VLAN(s) "
                        f"{flow_lvids or '-'} but the network's ports carry "
                        f"tag(s) {tags or '-'}", host=host,
                        expected=expected if expected is not None else lvid)
        if segment.is_tunnel and flood and carries:
            status = _check_flood(report, hmap, context, segment, flood,
                                  problems, status)
    if status == Status.OK and not problems:
        problems.append("ports tagged " + ",".join(map(str, tags))
                        if tags else "no ports on this host")
    return MapRow(
        host=host, bridge=bridge or f"(no bridge for "
        f"{segment.physical_network})",
        network_type=segment.network_type, segmentation_id=seg_id,
        local_vlan=lvid,
        ingress="; ".join(t.text for t in ingress or ()),
        ingress_packets=_packets(ingress),
        egress="; ".join(t.text for t in egress or ()),
        egress_packets=_packets(egress),
        status=status, detail="; ".join(problems))


def _tunnel_peers(context, hmap, segment):
    """Other carriers of the network this host could tunnel to."""
    peers = []
    for peer in context.carriers():
        agent = context.ovs_agents.get(peer)
        if peer != hmap.host and agent is not None and agent.tunneling_ip \
                and segment.network_type in agent.tunnel_types:
            peers.append(peer)
    return peers


def _check_flood(report, hmap, context, segment, flood, problems, status):
    """Every other carrier must be among the flood flow's tunnel outputs."""
    host = hmap.host
    outputs = {o for t in flood for o in t.outputs}
    ports = hmap.tunnel_ports(segment.network_type)
    for peer in context.carriers():
        agent = context.ovs_agents.get(peer)
        # A peer sharing this host's tunnel IP cannot be reached through
        # a tunnel at all (host check reports such an address clash).
        if peer == host or agent is None or not agent.tunneling_ip or \
                agent.tunneling_ip == hmap.agent.tunneling_ip or \
                segment.network_type not in agent.tunnel_types:
            continue
        iface = ports.get(agent.tunneling_ip)
        if iface is not None and iface.name in outputs:
            continue
        why = ("no tunnel port" if iface is None
               else f"{iface.name} not in its outputs")
        problems.append(f"flood misses {peer} ({why})")
        report.find("NETDIAG_VLANMAP_FLOOD_MISSING_TUNNEL",
                    f"{host}->{peer}",
                    f"the flood flow of {segment.describe()} on {host} does "
                    f"not reach {peer} ({agent.tunneling_ip}): {why}",
                    host=host, peer=peer, remote_ip=agent.tunneling_ip)
        status = Status.ERROR
    return status


def check_host_wide(report, hmap, context, row_lvids):
    """Local VLANs shared by two networks; segments the API does not know."""
    host = hmap.host
    network = context.network
    owners = hmap.lvid_owners()
    port_nets = {}
    for port in hmap.topo.ports:
        net_uuid = (port.other_config or {}).get("net_uuid")
        if net_uuid and port.tag is not None \
                and port.tag != topology.DEAD_VLAN:
            port_nets.setdefault(port.tag, set()).add(net_uuid)
    for lvid in sorted(row_lvids):
        segs = owners.get(lvid, set())
        nets = port_nets.get(lvid, set())
        if len(segs) > 1 or len(nets) > 1:
            others = sorted(n for n in nets if n != network.id)
            seg_text = ", ".join(
                f"{k} {s if s is not None else ''}".strip() +
                (f" on {p}" if p else "") for k, p, s in sorted(segs, key=str))
            report.find("NETDIAG_VLANMAP_SHARED_LOCAL_VLAN", f"{host}:{lvid}",
                        f"local VLAN {lvid} on {host} carries more than one "
                        f"network: {seg_text or '-'}; ports of "
                        f"{', '.join(sorted(nets)) or '-'}", host=host,
                        lvid=lvid, others=", ".join(others) or "-")
    known = {(t, p if t in ("vlan", "flat") else None, s)
             for t, p, s, _n in context.known_segments}
    for lvid, segs in sorted(owners.items()):
        for kind, physnet, seg in sorted(segs, key=str):
            if (kind, physnet, seg) in known:
                continue
            what = f"{kind} {seg if seg is not None else ''}".strip() + \
                (f" on {physnet}" if physnet else "")
            report.find("NETDIAG_VLANMAP_UNKNOWN_SEGMENT", f"{host}:{what}",
                        f"{host} translates {what} to local VLAN {lvid}, but "
                        f"no network in the API has that segment", host=host,
                        segment=what, lvid=lvid)
