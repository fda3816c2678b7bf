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

"""The openvswitch firewall driver on a port's host: what br-int enforces.

The firewall view's contract (``osc_netdiag.firewall.dispatch``):

``probes(port_id)``                   first read: the OVS lists
``more_probes(intent, view, packet)`` then table 60 and the port's own
                                      flows (by its ofport and local
                                      VLAN) and, for a packet question,
                                      ofproto/trace
``judge(intent, view)``               -> (hops, findings)
``host_verdict(intent, packet, view)`` -> secgroups.Verdict

``view`` is the host's ``checks.engine.HostView``; each function reads
it, so a probe that failed raises ``Unreadable`` to the caller.
"""

import ipaddress

from osc_netdiag.backends.ml2_ovs import fw_ovs_check as check
from osc_netdiag.backends.ml2_ovs import fw_ovs_flows as flows
from osc_netdiag.backends.ml2_ovs import fw_ovs_verdict
from osc_netdiag.backends.ml2_ovs import topology
from osc_netdiag.checks.engine import Report
from osc_netdiag import probes as probe_lib
from osc_netdiag import probes_fw as probe_fw
from osc_netdiag import secgroups as sg
from osc_netdiag.sgrules import local_address
from osc_netdiag.sgrules import protocol_number

NAME = "openvswitch"
INT_BRIDGE = "br-int"
# the other end of a traced packet: a locally administered MAC no port
# has, and the ephemeral port a client would use
PEER_MAC = "02:00:00:00:00:01"
PEER_PORT = 40000


def probes(port_id):
    """The OVS lists, which give the port's ofport and local VLAN."""
    return [probe_lib.ovs_bridges(), probe_lib.ovs_ports(),
            probe_lib.ovs_interfaces()]


def wiring(intent, view):
    """(ofport, local VLAN) of the port on the host, or (None, None)."""
    topo = topology.topology(view)
    iface = topo.interface_by_iface_id(intent.port_id)
    if iface is None or iface.ofport is None or iface.ofport < 0:
        return None, None
    port = topo.port(iface.name)
    return iface.ofport, port.tag if port is not None else None


def port_flow_probes(ofport, lvid, bridge=INT_BRIDGE):
    found = [probe_lib.dump_flows(bridge, f"table={flows.TRANSIENT_TABLE}")]
    found += [probe_lib.dump_flows(bridge, f"table={t},reg5={ofport}")
              for t in flows.PORT_TABLES]
    if lvid is not None:
        # remote group members: keyed by the network's local VLAN
        found += [probe_lib.dump_flows(bridge, f"table={t},reg6={lvid}")
                  for t in (flows.RULES_EGRESS_TABLE,
                            flows.RULES_INGRESS_TABLE)]
    return found


def whole_table_probes(bridge=INT_BRIDGE):
    """Table 60 and the whole firewall tables.

    For a plan made before the port's ofport is known (the trace reads
    each host once).
    """
    return [probe_lib.dump_flows(bridge, f"table={t}")
            for t in (flows.TRANSIENT_TABLE,) + flows.PORT_TABLES]


def more_probes(intent, view, packet=None):
    ofport, lvid = wiring(intent, view)
    if ofport is None:
        return []
    bridge = intent.integration_bridge
    found = port_flow_probes(ofport, lvid, bridge)
    if packet is not None:
        found.append(trace_probe(intent, packet, ofport, lvid, bridge))
    return found


# The transport port fields of a flow to trace, by protocol number.
# ofproto/trace (Open vSwitch 3.1) takes tp_src/tp_dst with tcp only and
# refuses them with udp or sctp ("prerequisites not met for setting
# tp_src"); those need their own udp_/sctp_ fields. TCP keeps tp_, the
# name its recorded traces carry. Neutron's openvswitch firewall matches
# ports of these three protocols only, so no other protocol gets a port.
_PORT_FIELDS = {6: "tp", 17: "udp", 132: "sctp"}


def trace_flow(intent, packet, ofport, lvid):
    """The ofproto/trace flow of ``packet``.

    Egress enters from the port's ofport with its MAC, from the packet's
    local address (--local-ip, else the port's first of the family: an
    address the port does not own is what anti-spoofing drops); ingress
    enters from br-int's LOCAL port on the port's local VLAN, to its MAC
    and local address. Built only from validated values (ints, MACs,
    addresses).
    """
    remote = ipaddress.ip_address(packet.remote_ip)
    own = local_address(intent, packet)
    v6 = remote.version == 6
    number = protocol_of(packet)
    token = flows._TOKENS.get((sg.IPV6 if v6 else sg.IPV4, number))
    fields = []
    if packet.direction == sg.EGRESS:
        fields.append(f"in_port={int(ofport)}")
        src_mac, dst_mac = intent.mac_address, PEER_MAC
        src, dst = str(ipaddress.ip_address(own)), str(remote)
    else:
        fields += ["in_port=LOCAL", f"dl_vlan={int(lvid or 0)}"]
        src_mac, dst_mac = PEER_MAC, intent.mac_address
        src, dst = str(remote), str(ipaddress.ip_address(own))
    fields.append(token or ("ipv6" if v6 else "ip"))
    fields += [f"dl_src={src_mac}", f"dl_dst={dst_mac}"]
    ip_field = "ipv6" if v6 else "nw"
    fields += [f"{ip_field}_src={src}", f"{ip_field}_dst={dst}"]
    if token is None and number is not None:
        fields.append(f"nw_proto={int(number)}")
    if number in (1, 58):
        # ovs-ofctl prints ICMPv6's as icmp_type; a flow to trace must
        # name them icmpv6_type
        icmp = "icmpv6" if v6 else "icmp"
        # type 0 is an echo reply, not "no type": only None takes the
        # echo request
        icmp_type = packet.icmp_type
        if icmp_type is None:
            icmp_type = 128 if v6 else 8
        fields.append(f"{icmp}_type={int(icmp_type)}")
        fields.append(f"{icmp}_code={int(packet.icmp_code or 0)}")
    elif packet.port is not None and number in _PORT_FIELDS:
        prefix = _PORT_FIELDS[number]
        fields += [f"{prefix}_src={PEER_PORT}",
                   f"{prefix}_dst={int(packet.port)}"]
    return ",".join(fields)


def protocol_of(packet):
    number = protocol_number(packet.protocol)
    if number == 1 and packet.ethertype == sg.IPV6:
        return 58
    return number


def trace_probe(intent, packet, ofport, lvid, bridge=INT_BRIDGE):
    return probe_lib.ofproto_trace(
        bridge, trace_flow(intent, packet, ofport, lvid),
        established=packet.established)


def judge(intent, view):
    report = Report()
    check.check_port(report, view, intent, intent.integration_bridge)
    return tuple(report.hops), tuple(report.findings)


def host_verdict(intent, packet, view):
    bridge = intent.integration_bridge
    ofport, lvid = wiring(intent, view)
    if ofport is None:
        return sg.Verdict(sg.DENY, "no ofport", "host",
                          f"port {intent.port_id} is not on {bridge}")
    trace = view.read(trace_probe(intent, packet, ofport, lvid, bridge))
    return fw_ovs_verdict.verdict_of_trace(trace, packet, ofport, bridge)


# -- conntrack (port firewall --conntrack) ---------------------------------

def conntrack_zone_probes(intent):
    """Nothing more: the OVS lists already read give the zone."""
    return []


def conntrack_zone(intent, view):
    """The port's zone: its network's local VLAN (table 60 loads it into
    reg6, which the ct() actions use as their zone), or None.
    """
    _ofport, lvid = wiring(intent, view)
    return lvid


def conntrack_probe(zone, version, number):
    """The datapath's entries of the zone (dpctl/dump-conntrack).

    It lists every family and protocol: the caller picks the flow's.
    """
    return probe_fw.dpctl_conntrack(zone)
