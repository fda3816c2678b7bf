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

"""ML2/OVN: the port's chassis's answer for the packets of :mod:`.logical`.

``ovs-appctl ofproto/trace br-int FLOW`` computes where the chassis's
OpenFlow tables (what ovn-controller made of the logical flows) send the
same ping, without sending it. Its flow needs the port's OpenFlow port
number, so it is asked in a second round trip, once br-int's interfaces
are read. The first place where the two answers part is the finding: the
logical pipeline delivers and the host sends nowhere (a table's flows
missing on the chassis), sends it through a tunnel to another chassis
than the destination port's, or sends what the logical pipeline drops.
"""

import re

from osc_netdiag.backends.ml2_ovn import logical
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.models import Status
from osc_netdiag import probes
from osc_netdiag import probes_ovn

INT_BRIDGE = "br-int"
# tnl_push(...,ipv4(src=A,dst=B,...),...): a geneve packet to B
_TUNNEL = re.compile(r"tnl_push\(.*?ipv4\(src=[0-9.]+,dst=([0-9.]+)")


def _ofport(context, view):
    try:
        rows = view.read(probes.ovs_interfaces())
    except Unreadable:
        return None
    iface = next((i for i in rows if i.iface_id == context.port.id), None)
    if iface is None or not isinstance(iface.ofport, int) or iface.ofport < 1:
        return None
    return iface.ofport


def trace_probe(context, packet, ofport):
    """ofproto/trace of ``packet`` entering br-int from the port."""
    ip, _subnet = logical._source(context)
    flow = (f"icmp,in_port={int(ofport)},dl_src={context.port.mac},"
            f"dl_dst={packet.dst_mac},nw_src={ip},nw_dst={packet.dst_ip},"
            f"nw_ttl=64,icmp_type=8,icmp_code=0")
    return probes.ofproto_trace(INT_BRIDGE, flow)


def follow_up(context, views):
    """The second round trip: {port's host: ofproto/trace probes}; an
    empty list when the port number is not known (nothing to ask, but
    --show-commands then says a later phase depends on the answers).
    """
    host = context.port.binding_host
    view = views.get(host)
    traced = [p for p in logical.packets(context) if p.probe is not None]
    if view is None or not traced:
        return {}
    ofport = _ofport(context, view)
    if ofport is None:
        return {host: []}
    return {host: [trace_probe(context, p, ofport) for p in traced]}


def host_answer(trace):
    """(tunnel destinations, local output?) of the last pass: where the
    chassis finally sends the packet.
    """
    actions = trace.passes[-1].datapath_actions
    tunnels = tuple(_TUNNEL.findall(actions))
    depth, top, word = 0, [], ""
    for char in actions + ",":
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            top.append(word.strip())
            word = ""
            continue
        if depth == 0 and char not in "()":
            word += char
    local = any(item.isdigit() for item in top)
    return tunnels, local


def _ends(trace):
    """Where the chassis's path ends: its last table, as a step."""
    steps = trace.passes[-1].steps
    return steps[-1].describe() if steps else "no table"


def _chassis_of(seen, db_view, port_id):
    """The Chassis holding ``port_id`` (the destination), or None."""
    try:
        rows = db_view.read(probes_ovn.ovn_find("ovn-sb-pb", port_id))
    except Unreadable:
        return None
    if not rows or not rows[0].chassis:
        return None
    return next((c for c in seen.chassis if c.uuid == rows[0].chassis), None)


def _encap_ips(seen, chassis):
    encaps = {e.uuid: e for e in seen.encaps}
    return {encaps[u].ip for u in chassis.encaps if u in encaps}


def _expected(context, answer, seen, db_view):
    """What the host should do with a packet the logical pipeline
    delivered: ("local", None), ("tunnel", chassis) or ("any", None).
    """
    port, dest = context.port, context.destination
    if answer.packet.kind == "gateway":
        return "local", None          # the router answers on the chassis
    if dest is None or not dest.port_id:
        return "any", None
    chassis = _chassis_of(seen, db_view, dest.port_id)
    if chassis is None:
        return "any", None
    if chassis.hostname == port.binding_host:
        return "local", chassis
    return "tunnel", chassis


def _dropped_over_there(context, answer, seen, db_view, tunnels):
    """A drop in an egress pipeline happens on the chassis of the port
    the packet goes out by (the destination's ACLs are enforced there):
    the port's own chassis rightly tunnels it to that chassis.
    """
    stage = answer.trace.drop_stage
    if stage is None or stage.pipeline != "egress" or not tunnels:
        return False
    want, chassis = _expected(context, answer, seen, db_view)
    return want == "tunnel" and bool(_encap_ips(seen, chassis) & set(tunnels))


def _parts(context, answer, seen, db_view, tunnels, local):
    """Why the host's answer parts from the logical one, or None."""
    if not answer.delivered_to:
        if _dropped_over_there(context, answer, seen, db_view, tunnels):
            return None
        if tunnels or local:
            return "the logical pipeline drops it, the chassis sends it on"
        return None
    if not tunnels and not local:
        return "the logical pipeline delivers it, the chassis sends it nowhere"
    want, chassis = _expected(context, answer, seen, db_view)
    if want == "local" and tunnels and not local:
        return (f"the destination is on {context.port.binding_host}, the "
                f"chassis tunnels it to {', '.join(tunnels)}")
    if want == "tunnel":
        ips = _encap_ips(seen, chassis)
        same_overlay = any(s.is_tunnel for s in context.network.segments) \
            and context.destination.network_name in (context.network.name,
                                                     context.network.id)
        if tunnels and not ips & set(tunnels):
            return (f"the destination is on {chassis.hostname} "
                    f"({', '.join(sorted(ips)) or '-'}), the chassis "
                    f"tunnels it to {', '.join(tunnels)}")
        if not tunnels and same_overlay:
            return (f"the destination is on {chassis.hostname} over "
                    "geneve, the chassis sends it to no tunnel")
    return None


def evaluate(report, context, view, answers, seen, db_view):
    """One ``ovn-host-trace`` hop per packet the logical pipeline
    answered, on the port's chassis.
    """
    ofport = _ofport(context, view)
    if ofport is None:
        return
    for answer in answers:
        packet = answer.packet
        probe = trace_probe(context, packet, ofport)
        try:
            trace = view.read(probe)
        except Unreadable as exc:
            report.skipped(view.host, packet.device, "ovn-host-trace", exc)
            continue
        tunnels, local = host_answer(trace)
        said = ", ".join(f"geneve to {ip}" for ip in tunnels)
        said = said or ("a port of this chassis" if local else "nowhere")
        part = _parts(context, answer, seen, db_view, tunnels, local)
        if part is None and not answer.delivered_to and tunnels:
            said += " (the logical pipeline drops it there, in its egress)"
        if part is not None:
            report.find("NETDIAG_OVN_HOST_PARTS",
                        f"{view.host}:{packet.device}",
                        f"{view.host}: for a {packet.device} from port "
                        f"{context.port.id}, {part} (its path ends at "
                        f"{_ends(trace)} of {INT_BRIDGE})",
                        host=view.host, port=context.port.id,
                        bridge=INT_BRIDGE)
        report.hop(view.host, packet.device, "ovn-host-trace",
                   "parts" if part else "agrees",
                   f"{INT_BRIDGE} sends it to {said}; ends at "
                   f"{_ends(trace)}",
                   Status.ERROR if part else Status.OK,
                   [view.evidence(probe)])
