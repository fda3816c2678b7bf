"""``network vlan-map`` on one host: which flows translate a network's
segments to a local VLAN and back.

Reads through a HostView the OVS lists and a few whole flow tables (br-int
table 0, each physical bridge's translation table (0, or 2 with DVR), br-tun's tunnel, unicast and flood
tables): small tables, and they are what tells two networks sharing a local
VLAN or a segmentation ID the API does not know. Produces MapRows and
findings; never talks to a host itself.
"""

import dataclasses

from osc_netdiag import names
from osc_netdiag import probes
from osc_netdiag.backends import ovs_l2
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag.models import Status

TUNNEL_BRIDGE = ovs_l2.TUNNEL_BRIDGE
# Neutron's br-tun tables (ovs agent common/constants.py).
TUN_TO_LV_TABLES = {"gre": 3, "vxlan": 4, "geneve": 6}
UCAST_TO_TUN = 20
FLOOD_TO_TUN = 22
FLAT_UNTAGGED = "0x0000/0x1fff"


# -- probes -------------------------------------------------------------------

def _bridges_to_read(agent):
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


def host_probes(agent):
    int_br = agent.integration_bridge if agent else "br-int"
    items = [probes.ovs_bridges(), probes.ovs_ports(), probes.ovs_interfaces(),
             probes.dump_flows(int_br, "table=0")]
    phys, tunnel_types = _bridges_to_read(agent)
    table = ovs_l2.phys_translation_table(agent)
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


# -- reading flows ------------------------------------------------------------

def _int(text):
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
            seg = _int(dl_vlan)
        elif flow.match_get("vlan_tci") == FLAT_UNTAGGED:
            seg = None
        else:
            continue
        found.append((physnet, Translation(int_br, seg, _int(mods[0].arg),
                                           flow,
                                           flow_text(topo, int_br, flow))))
    return found


def egress_vlan_flows(topo, phys_br, flows, phy_patch):
    """Physical bridge table 0 (2 with DVR): in_port=phy-br-X,dl_vlan=L ->
    VLAN S or strip_vlan (flat)."""
    found = []
    for flow in flows:
        if port_name(topo, phys_br, flow.match_get("in_port")) != phy_patch:
            continue
        lvid = _int(flow.match_get("dl_vlan"))
        if lvid is None:
            continue
        mods = flow.actions_named("mod_vlan_vid")
        if mods:
            seg = _int(mods[0].arg)
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
        seg = _int(flow.match_get("tun_id"))
        mods = flow.actions_named("mod_vlan_vid")
        if seg is None or not mods:
            continue
        found.append(Translation(TUNNEL_BRIDGE, seg, _int(mods[0].arg), flow,
                                 flow_text(topo, TUNNEL_BRIDGE, flow)))
    return found


def tunnel_egress_flows(topo, flows):
    """br-tun flood/unicast tables: dl_vlan=L -> tun_id S, output:tunnels."""
    found = []
    for flow in flows:
        seg = ovs_l2.loaded_tun_id(flow)
        lvid = _int(flow.match_get("dl_vlan"))
        if lvid is None:
            tci = flow.match_get("vlan_tci") or ""
            value, _, mask = tci.partition("/")
            if mask and _int(mask) == 0x0fff:
                lvid = _int(value)
        if seg is None or lvid is None:
            continue
        outputs = tuple(port_name(topo, TUNNEL_BRIDGE, a.arg)
                        for a in flow.actions_named("output") if a.arg)
        found.append(Translation(TUNNEL_BRIDGE, seg, lvid, flow,
                                 flow_text(topo, TUNNEL_BRIDGE, flow),
                                 outputs))
    return found


# -- one host -----------------------------------------------------------------

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
        self.topo = ovs_l2.topology(view)
        self.unreadable = []
        self.patch_to_physnet, self.phy_patch = {}, {}
        for physnet, bridge in (agent.bridge_mappings.items() if agent
                                else ()):
            int_patch, phy_patch = ovs_l2._patch_pair(self.topo, self.int_br,
                                                      bridge)
            if int_patch is not None:
                self.patch_to_physnet[int_patch.name] = physnet
                self.phy_patch[bridge] = phy_patch.name
        self.vlan_in = self._read(
            probes.dump_flows(self.int_br, "table=0"),
            lambda flows: ingress_vlan_flows(self.topo, self.int_br, flows,
                                             self.patch_to_physnet))
        phys, tunnel_types = _bridges_to_read(agent)
        self.vlan_out = {}
        for bridge in phys:
            if self.topo.bridge(bridge) is None or bridge not in self.phy_patch:
                continue
            self.vlan_out[bridge] = self._read(
                probes.dump_flows(
                    bridge, f"table={ovs_l2.phys_translation_table(agent)}"),
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
        Port other_config); with ``segment``, only ports wired to it."""
        tags = set()
        for port in self.topo.ports:
            other = port.other_config or {}
            bridge = self.topo.bridge_of_port(port.name)
            if other.get("net_uuid") != network_id or port.tag is None \
                    or port.tag == ovs_l2.DEAD_VLAN or bridge is None \
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
    seg_id = _int(other_config.get("segmentation_id"))
    if net_type is not None and net_type != segment.network_type:
        return False
    return seg_id is None or segment.segmentation_id is None or \
        seg_id == segment.segmentation_id


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
        if missing and carries:
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
        if net_uuid and port.tag is not None and port.tag != ovs_l2.DEAD_VLAN:
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
