"""ML2/OVS layer-2 hops on one host: the OVS port and the VLAN/tunnel
translation between the network's segment and the host's local VLAN.

Each function reads probes through a HostView, appends hops and findings to
a Report, and never talks to a host itself.
"""

from osc_netdiag import names
from osc_netdiag import probes
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.models import Status
from osc_netdiag.parsers import ovs_vsctl

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
    from what the host's OVS agent reports about itself."""
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


def ovs_evidence(view, *lines):
    return view.evidence(probes.ovs_interfaces(), lines)


def _interfaces_of_bridge(topo, bridge):
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


def _int_value(text):
    try:
        return int(str(text), 0)
    except (TypeError, ValueError):
        return None


def loaded_tun_id(flow):
    """The tunnel ID a flow sets (``load:0x50f->NXM_NX_TUN_ID[]`` or
    ``set_field:0x50f->tun_id``), else None."""
    for action in flow.actions:
        if action.arg and action.name in ("load", "set_field"):
            value, _, dest = action.arg.partition("->")
            if dest in ("NXM_NX_TUN_ID[]", "tun_id"):
                return _int_value(value)
    return None


def _counters(flow):
    return f"n_packets={flow.n_packets}"


def choose_segment(network, port_other_config, agent):
    """The segment the port is wired to on this host.

    Port other_config (written by the agent) names it; otherwise take the
    first segment this host can carry (a mapped physnet or a tunnel type).
    """
    seg_id = _int_value(port_other_config.get("segmentation_id"))
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
            _int_value(seg_text) != segment.segmentation_id:
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
        _tunnel_hops(report, view, agent, network, segment, lvid, context,
                     inbound)
    elif segment.network_type in ("vlan", "flat"):
        _vlan_hops(report, view, agent, segment, lvid, inbound)


def _patch_pair(topo, int_br, other_br):
    """The patch interfaces joining int_br and other_br, as Neutron made them.

    Found by peer rather than by name, since Neutron hashes names that would
    be longer than 15 characters.
    """
    for _port, iface in _interfaces_of_bridge(topo, int_br):
        if iface.type != "patch":
            continue
        peer_name = iface.options.get("peer")
        if peer_name and bridge_name_of(topo, peer_name) == other_br:
            return iface, topo.interface(peer_name)
    return None, None


def _check_patch_pair(report, view, topo, int_br, other_br, default_names):
    host = view.host
    int_iface, other_iface = _patch_pair(topo, int_br, other_br)
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


def _vlan_hops(report, view, agent, segment, lvid, inbound):
    host = view.host
    int_br = agent.integration_bridge if agent else "br-int"
    physnet = segment.physical_network
    phys_br = (agent.bridge_mappings if agent else {}).get(physnet)
    if phys_br is None:
        report.find("NETDIAG_OVS_NO_MAPPING", f"{host}:{physnet}",
                    f"no bridge_mappings entry for {physnet} on {host}",
                    host=host, physnet=physnet)
        report.hop(host, f"physnet {physnet}", "bridge-mapping", "absent",
                   "the agent reports no bridge for this physical network",
                   Status.ERROR)
        return
    try:
        topo = topology(view)
    except Unreadable as exc:
        report.skipped(host, phys_br, "bridge", exc)
        return
    if topo.bridge(phys_br) is None:
        report.find("NETDIAG_OVS_BRIDGE_MISSING", f"{host}:{phys_br}",
                    f"bridge {phys_br} ({physnet}) does not exist on {host}",
                    host=host, bridge=phys_br)
        report.hop(host, phys_br, "bridge", "absent",
                   f"bridge_mappings {physnet}:{phys_br}", Status.ERROR,
                   [ovs_evidence(view)])
        return
    steps = [
        lambda: _ingress_flow(report, view, topo, int_br, phys_br, segment,
                              lvid),
        lambda: _check_patch_pair(report, view, topo, int_br, phys_br,
                                  names.patch_names(phys_br)),
        lambda: _egress_flow(report, view, topo, phys_br, segment, lvid,
                             phys_translation_table(agent)),
        lambda: check_physical_nics(report, view, topo, phys_br),
    ]
    for step in (reversed(steps) if inbound else steps):
        step()


def _ingress_flow(report, view, topo, int_br, phys_br, segment, lvid):
    host = view.host
    int_patch, _phy_patch = _patch_pair(topo, int_br, phys_br)
    int_patch_name = int_patch.name if int_patch else \
        names.patch_names(phys_br)[0]
    if segment.network_type == "vlan":
        probe = probes.dump_flows(int_br,
                                  f"table=0,dl_vlan={segment.segmentation_id}")
        wanted = f"dl_vlan={segment.segmentation_id}"
    else:
        probe = probes.dump_flows(int_br, "table=0")
        wanted = "untagged"
    device = f"{int_br} table=0"
    try:
        flows = view.read(probe)
    except Unreadable as exc:
        report.skipped(host, device, "flow", exc)
        return
    candidates = []
    for flow in flows:
        if not flow_port_matches(topo, flow.match_get("in_port"),
                                 int_patch_name):
            continue
        if segment.network_type == "flat" and \
                flow.match_get("dl_vlan") not in (None, "0xffff"):
            continue
        if flow.actions_named("mod_vlan_vid"):
            candidates.append(flow)
    _judge_to_local_vlan(
        report, view, probe, flows, candidates, device, lvid,
        matched=f"in_port={int_patch_name},{wanted}",
        missing=("NETDIAG_OVS_NO_INGRESS_TRANSLATION",
                 f"no flow on {int_br} maps {segment.describe()} "
                 f"({wanted} from {int_patch_name}) to local VLAN {lvid}",
                 dict(bridge=int_br)),
        mismatch=f"{int_br} maps {segment.describe()}")


def _judge_to_local_vlan(report, view, probe, flows, candidates, device,
                         lvid, matched, missing, mismatch):
    """One hop for a flow that must rewrite ``matched`` to the local VLAN:
    absent (missing = code, summary, remedy values), wrong VLAN, or present.
    """
    host = view.host
    evidence = [view.evidence(probe, [f.text for f in flows])]
    if not candidates:
        code, summary, values = missing
        report.find(code, f"{host}:{device.split()[0]}", summary, host=host,
                    **values)
        report.hop(host, device, "flow", "absent",
                   f"{matched} -> mod_vlan_vid:{lvid} missing", Status.ERROR,
                   evidence)
        return
    flow = candidates[0]
    got = _int_value(flow.actions_named("mod_vlan_vid")[0].arg)
    if got != lvid:
        report.find("NETDIAG_OVS_VLAN_MISMATCH", f"{host}:{device.split()[0]}",
                    f"{mismatch} to VLAN {got}, but the port's tag is {lvid}",
                    host=host)
        report.hop(host, device, "flow", "wrong",
                   f"table={flow.table} {matched} -> mod_vlan_vid:{got}, port "
                   f"tag {lvid} ({_counters(flow)})", Status.ERROR, evidence)
        return
    report.hop(host, device, "flow", "present",
               f"{matched} -> mod_vlan_vid:{lvid} ({_counters(flow)})",
               Status.OK, evidence)


def _egress_flow(report, view, topo, phys_br, segment, lvid, table):
    host = view.host
    _int_patch, phy_patch = _patch_pair(topo, "br-int", phys_br)
    phy_patch_name = phy_patch.name if phy_patch else \
        names.patch_names(phys_br)[1]
    probe = probes.dump_flows(phys_br, f"table={table}")
    device = f"{phys_br} table={table}"
    try:
        flows = view.read(probe)
    except Unreadable as exc:
        report.skipped(host, device, "flow", exc)
        return
    if segment.network_type == "vlan":
        expected = f"mod_vlan_vid:{segment.segmentation_id}"
    else:
        expected = "strip_vlan"
    match = None
    for flow in flows:
        if not flow_port_matches(topo, flow.match_get("in_port"),
                                 phy_patch_name):
            continue
        if _int_value(flow.match_get("dl_vlan")) != lvid:
            continue
        if segment.network_type == "vlan":
            mods = flow.actions_named("mod_vlan_vid")
            if mods and _int_value(mods[0].arg) == segment.segmentation_id:
                match = flow
        elif flow.actions_named("strip_vlan") or flow.actions_named("pop_vlan"):
            match = flow
    evidence = [view.evidence(probe, [f.text for f in flows])]
    if match is None:
        report.find("NETDIAG_OVS_NO_EGRESS_TRANSLATION", f"{host}:{phys_br}",
                    f"no flow on {phys_br} maps local VLAN {lvid} to "
                    f"{segment.describe()}", host=host, bridge=phys_br,
                    lvid=lvid)
        report.hop(host, device, "flow", "absent",
                   f"in_port={phy_patch_name},dl_vlan={lvid} -> {expected} "
                   "missing", Status.ERROR, evidence)
        return
    report.hop(host, device, "flow", "present",
               f"in_port={phy_patch_name},dl_vlan={lvid} -> {expected} "
               f"({_counters(match)})", Status.OK, evidence)


def _link_state(view, device):
    from osc_netdiag.linux.devices import find_link
    return find_link(view, device)


def check_physical_nics(report, view, topo, phys_br):
    host = view.host
    nics = [iface for _port, iface in _interfaces_of_bridge(topo, phys_br)
            if iface.type in ("", "system", "dpdk", "afxdp")
            and iface.name != phys_br]
    if not nics:
        report.find("NETDIAG_PHYS_NIC_MISSING", f"{host}:{phys_br}",
                    f"{phys_br} on {host} has no physical interface",
                    host=host, bridge=phys_br)
        report.hop(host, phys_br, "nic", "absent",
                   "no physical port in the bridge", Status.ERROR,
                   [ovs_evidence(view)])
        return
    for iface in nics:
        try:
            link, evidence = _link_state(view, iface.name)
        except Unreadable as exc:
            report.skipped(host, iface.name, "nic", exc)
            continue
        if link is None:
            report.find("NETDIAG_PHYS_NIC_MISSING", f"{host}:{iface.name}",
                        f"{iface.name} is a port of {phys_br} but not a "
                        f"device on {host}", host=host, bridge=phys_br)
            report.hop(host, iface.name, "nic", "absent",
                       f"port of {phys_br}; no such device", Status.ERROR,
                       [evidence])
            continue
        detail = (f"in {phys_br}, ofport {iface.ofport}, mtu {link.mtu}, "
                  f"{link.operstate}")
        if link.admin_up and link.oper_up and (iface.ofport or 0) > 0:
            report.hop(host, iface.name, "nic", "UP", detail, Status.OK,
                       [evidence])
        else:
            report.find("NETDIAG_PHYS_NIC_DOWN", f"{host}:{iface.name}",
                        f"{iface.name} ({phys_br}) on {host} is down",
                        host=host, device=iface.name)
            report.hop(host, iface.name, "nic", "DOWN", detail,
                       Status.ERROR, [evidence])


def tunnel_peers(context, host):
    """Hosts that must have a tunnel from ``host`` for this network."""
    hosts = set(context.network_hosts)
    hosts.update(a.host for a in context.dhcp_agents)
    if context.router is not None:
        hosts.update(a.host for a in context.router.l3_agents)
    hosts.discard(host)
    peers = []
    for peer in sorted(hosts):
        agent = context.ovs_agents.get(peer)
        if agent is not None and agent.tunneling_ip:
            peers.append((peer, agent.tunneling_ip))
    return peers


def _tunnel_hops(report, view, agent, network, segment, lvid, context,
                 inbound):
    host = view.host
    int_br = agent.integration_bridge if agent else "br-int"
    try:
        topo = topology(view)
    except Unreadable as exc:
        report.skipped(host, TUNNEL_BRIDGE, "bridge", exc)
        return
    if topo.bridge(TUNNEL_BRIDGE) is None:
        report.find("NETDIAG_OVS_BRIDGE_MISSING", f"{host}:{TUNNEL_BRIDGE}",
                    f"{TUNNEL_BRIDGE} does not exist on {host}",
                    host=host, bridge=TUNNEL_BRIDGE)
        report.hop(host, TUNNEL_BRIDGE, "bridge", "absent", "",
                   Status.ERROR, [ovs_evidence(view)])
        return
    flood_ports = set()
    steps = [
        lambda: _check_patch_pair(report, view, topo, int_br, TUNNEL_BRIDGE,
                                  ("patch-tun", "patch-int")),
        lambda: _tun_to_lv_flow(report, view, segment, lvid),
        lambda: flood_ports.update(_flood_flow(report, view, segment, lvid)),
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
                  and _int_value(f.match_get("tun_id")) == seg]
    table = f"table={candidates[0].table} " if candidates else ""
    _judge_to_local_vlan(
        report, view, probe, flows, candidates, device, lvid,
        matched=f"{table}tun_id={hex(seg)}",
        missing=("NETDIAG_OVS_NO_TUNNEL_TRANSLATION",
                 f"no flow on {TUNNEL_BRIDGE} maps tunnel ID {hex(seg)} "
                 f"to local VLAN {lvid} on {host}", dict(seg=hex(seg))),
        mismatch=f"{TUNNEL_BRIDGE} maps tunnel ID {hex(seg)}")


# Neutron's FLOOD_TO_TUN table; the Operations Guide's older layout used 21.
FLOOD_TABLES = (22, 21)


def _flood_flow(report, view, segment, lvid):
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
            if _int_value(flow.match_get("dl_vlan")) != lvid:
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
                           f"({_counters(flow)})", Status.ERROR, evidence)
                return set()
            report.hop(host, f"{TUNNEL_BRIDGE} table={table}", "flow",
                       "present",
                       f"dl_vlan={lvid} -> tun_id {hex(segment.segmentation_id)}"
                       f", {len(outputs)} tunnel output(s) "
                       f"({_counters(flow)})", Status.OK, evidence)
            return outputs
        if table == FLOOD_TABLES[0] and flows:
            break
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
               _interfaces_of_bridge(topo, TUNNEL_BRIDGE)
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
                       Status.WARN, evidence)
        else:
            report.hop(host, tunnel.name, "tunnel", "present",
                       detail + (", in the flood flow" if flooded else ""),
                       Status.OK, evidence)
