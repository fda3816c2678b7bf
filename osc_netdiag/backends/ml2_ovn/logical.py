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

"""ML2/OVN: the packets a port trace follows through OVN's logical
pipeline (``ovn-trace`` on the database host).

Two pings at most: to the port's router on its subnet (its gateway), and
with ``port trace --to IP`` to that address. The answer of each is a hop:
delivered to which logical port, or dropped at which stage; the ACLs met
on the way are named by the security group and rule Neutron wrote them
for. :mod:`.hostpath` asks the port's chassis the same question.
"""

import dataclasses
import re
from typing import Optional

from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.models import Status
from osc_netdiag import probes_ovn

ACL_STAGES = ("ls_in_acl", "ls_out_acl")
# Neutron's port groups: pg_<security group ID, "-" as "_">, and the one
# that drops what no rule allows
_PORT_GROUP = re.compile(r"@pg_([0-9a-f]{8}(?:_[0-9a-f]{4}){3}_[0-9a-f]{12})")
DROP_GROUP = "neutron_pg_drop"
# northd puts an ACL's logical flow this much above the ACL's priority
ACL_PRIORITY_OFFSET = 1000


@dataclasses.dataclass(frozen=True)
class Packet:
    kind: str                 # "gateway" or "destination"
    dst_ip: str
    dst_mac: Optional[str]    # None: no next hop known (not traced)
    what: str                 # how the hop names the destination
    probe: object = None      # the ovn-trace Probe (None when not traced)

    @property
    def device(self):
        return f"ping {self.dst_ip}"


@dataclasses.dataclass(frozen=True)
class Answer:
    """What the logical pipeline did with a packet."""
    packet: Packet
    trace: object             # parsers.ovn_trace.LogicalTrace
    delivered_to: tuple       # the logical ports it leaves by, as named


def _source(context):
    """(IPv4 address, subnet) of the port, or (None, None)."""
    for subnet_id, ip in context.port.fixed_ips:
        subnet = next((s for s in context.subnets if s.id == subnet_id),
                      None)
        if subnet is not None and "." in ip:
            return ip, subnet
    return None, None


def _probe(context, dst_mac, dst_ip):
    ip, _subnet = _source(context)
    port = context.port
    return probes_ovn.ovn_trace_ping(port.network_id, port.id, port.mac, ip,
                                     dst_mac, dst_ip)


def gateway_packet(context):
    """The ping to the router's address on the port's subnet, or None."""
    router = context.router
    ip, subnet = _source(context)
    if router is None or router.interface_port is None or ip is None or \
            not subnet.gateway_ip or "." not in subnet.gateway_ip:
        return None
    mac = router.interface_port.mac
    return Packet("gateway", subnet.gateway_ip, mac,
                  f"router {router.name or router.id}",
                  _probe(context, mac, subnet.gateway_ip))


def destination_packet(context):
    """The ping of ``port trace --to``, or None without one."""
    dest = context.destination
    if dest is None:
        return None
    what = dest.ip
    if dest.port_id:
        what += (f" (port {dest.port_name or dest.port_id} on "
                 f"{dest.network_name or '-'})")
    ip, _subnet = _source(context)
    if dest.mac is None or ip is None:
        return Packet("destination", dest.ip, None, what)
    return Packet("destination", dest.ip, dest.mac, what,
                  _probe(context, dest.mac, dest.ip))


def packets(context):
    return [p for p in (gateway_packet(context), destination_packet(context))
            if p is not None]


def db_probes(context):
    """What the database host reads for the packets: their traces, the
    ACLs (to name them), the destination port's binding (its chassis).
    """
    traced = [p.probe for p in packets(context) if p.probe is not None]
    if not traced:
        return []
    found = traced + [probes_ovn.ovn_list("ovn-nb-acls")]
    dest = context.destination
    if dest is not None and dest.port_id:
        found.append(probes_ovn.ovn_find("ovn-sb-pb", dest.port_id))
    return found


# -- naming: ACLs by security group and rule, ports by Neutron object --

def _groups(context):
    """(rule ID -> (group ID, name), group ID -> name) of the traced
    port's security groups and the destination port's.
    """
    rules, names = {}, {}
    intent = context.firewall
    for group in getattr(intent, "security_groups", ()) or ():
        names[group.id] = group.name or group.id
        for rule in group.rules:
            rules[rule.id] = (group.id, group.name or group.id)
    dest = context.destination
    for rule_id, (group_id, name) in (dest.rule_groups.items()
                                      if dest is not None else ()):
        rules[rule_id] = (group_id, name or group_id)
        names[group_id] = name or group_id
    return rules, names


def _side_groups(context, side, reply):
    """The security groups judging ``side`` of the ping: the traced
    port's on the way out, the destination port's on the way in (the
    traced port's again for the reply of its router, ``reply``).
    """
    if side == "egress" or reply:
        groups = [g.name or g.id for g in
                  getattr(context.firewall, "security_groups", ()) or ()]
        owner = "the port's security groups"
        if reply and side != "egress":
            owner = "the port's security groups (the reply to it)"
    else:
        dest = context.destination
        groups = sorted({name or group_id for group_id, name in
                         (dest.rule_groups.values() if dest else ())})
        owner = "the destination port's security groups"
    return f"{owner} ({', '.join(groups)})" if groups else owner


def acl_of(stage, acls):
    """The ACL whose logical flow ``stage`` is, or None (a flow of
    northd's own, such as its default allow).
    """
    direction = "from-lport" if stage.name == "ls_in_acl" else "to-lport"
    for acl in acls:
        if acl.direction == direction and \
                acl.priority + ACL_PRIORITY_OFFSET == stage.priority and \
                (stage.match == acl.match or
                 stage.match.endswith(f"({acl.match})")):
            return acl
    return None


def acl_label(stage, acls, context, reply=False):
    """The Neutron object behind an ACL stage, or None; ``reply``: the
    packet is the router's answer coming back to the port (the gateway
    ping), whose own groups judge its way in.
    """
    rules, names = _groups(context)
    acl = acl_of(stage, acls or ())
    side = "egress" if stage.name == "ls_in_acl" else "ingress"
    if acl is not None and acl.rule_id:
        group_id, name = rules.get(acl.rule_id, (None, None))
        if name is None:
            group = _PORT_GROUP.search(acl.match)
            group_id = group.group(1).replace("_", "-") if group else None
            name = names.get(group_id, group_id or "?")
        return f"security group {name} rule {acl.rule_id} ({side})"
    if f"@{DROP_GROUP}" in stage.match:
        return (f"Neutron's drop ACL ({side}: no rule of "
                f"{_side_groups(context, side, reply)} allows it)")
    group = _PORT_GROUP.search(stage.match)
    if group is not None:
        group_id = group.group(1).replace("_", "-")
        return f"security group {names.get(group_id, group_id)} ({side})"
    return None


def port_label(name, context):
    """A logical port as ovn-trace names it (the Neutron port's name, or
    its ID's first 6 digits), in Neutron's terms.
    """
    router = context.router
    known = [(context.port, "port")]
    if router is not None:
        rname = f"router {router.name or router.id}"
        known += [(router.interface_port, rname + " on "
                   + (context.network.name or context.network.id)),
                  (router.gateway_port, rname + " gateway")]
    dest = context.destination
    bare = name[4:] if name.startswith("lrp-") else name
    for port, label in known:
        if port is not None and bare and (bare == port.name or
                                          port.id.startswith(bare)):
            return label if label != "port" else \
                f"port {port.name or port.id}"
    if dest is not None and dest.port_id and bare and \
            (bare == dest.port_name or dest.port_id.startswith(bare)):
        return f"port {dest.port_name or dest.port_id}"
    if name.startswith("provnet-"):
        return f"the provider network ({name})"
    return name


# -- the logical answer of each packet --

def evaluate(report, context, view):
    """One ``ovn-logical`` hop per packet; returns the Answers."""
    answers = []
    acls = None
    for packet in packets(context):
        if packet.probe is None:
            report.hop(view.host, packet.device, "ovn-logical", "not traced",
                       f"to {packet.what}: no next hop (no port of "
                       f"{context.network.name or context.network.id} "
                       f"holds it, and no router of the port's subnet "
                       f"leads beyond it)",
                       Status.SKIP)
            continue
        if acls is None:
            acls = _acls(view)
        answer = _one(report, context, view, packet, acls)
        if answer is not None:
            answers.append(answer)
    return answers


def _acls(view):
    try:
        return view.read(probes_ovn.ovn_list("ovn-nb-acls"))
    except Unreadable:
        return ()             # the ACLs are then named by group only


def _one(report, context, view, packet, acls):
    probe = packet.probe
    evidence = [view.evidence(probe)]
    result = view.result(probe)
    if result is not None and result.exit_status not in (None, 0):
        # ovn-trace aborts on a port the Southbound does not know
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        report.hop(view.host, packet.device, "ovn-logical", "not traced",
                   f"ovn-trace: {last[:200]}", Status.SKIP, evidence)
        return None
    trace = report.read_or_skip(view, probe, packet.device, "ovn-logical")
    if trace is None:
        return None
    walked = " -> ".join(trace.datapaths) or "-"
    reply = packet.kind == "gateway"
    named = [label for label in (acl_label(s, acls, context, reply)
                                 for s in trace.stages
                                 if s.name in ACL_STAGES) if label]
    port = context.port
    if trace.dropped:
        stage = trace.drop_stage
        where = (f" at {stage.name} (table {stage.table} of "
                 f"{stage.datapath})" if stage else "")
        label = acl_label(stage, acls, context, reply) \
            if stage is not None and stage.name in ACL_STAGES else None
        by = f" by {label}" if label else ""
        if label is not None and packet.kind == "destination":
            report.find("NETDIAG_OVN_ACL_DROP", f"{port.id}:{packet.device}",
                        f"OVN drops a ping from port {port.id} to "
                        f"{packet.what}{where}{by}", port=port.id,
                        destination=packet.dst_ip, acl=label)
        else:
            report.find("NETDIAG_OVN_TRACE_DROP",
                        f"{port.id}:{packet.device}",
                        f"OVN's logical pipeline drops a {packet.device} "
                        f"from port {port.id}{where}{by} ({trace.flow})",
                        port=port.id,
                        network=context.network.name or context.network.id)
        report.hop(view.host, packet.device, "ovn-logical", "dropped",
                   f"to {packet.what} through {walked}; dropped{where}{by}",
                   Status.ERROR, evidence)
        return Answer(packet, trace, ())
    outputs = tuple(port_label(o, context) for o in trace.outputs)
    lead = "the reply " if packet.kind == "gateway" else ""
    allowed = f"; allowed by {', '.join(named)}" if named else ""
    report.hop(view.host, packet.device, "ovn-logical", "delivered",
               f"to {packet.what} through {walked}; {lead}delivered to "
               f"{', '.join(outputs)}{allowed}", Status.OK, evidence)
    return Answer(packet, trace, trace.outputs)
