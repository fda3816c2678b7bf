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

"""``port firewall --conntrack``: the port's conntrack entries of the flow.

Stateful groups let a packet of a connection conntrack knows through
whatever the rules say; the verdict evaluates one case (a new connection,
or with ``--established`` a packet of a known one). This lists what
conntrack really holds for the asked flow in the port's zone, read-only,
so the operator sees which case the next packet will be: the driver
module names the zone (``conntrack_zone_probes``, ``conntrack_zone``)
and the probe that lists it (``conntrack_probe``); the entries between
the port's addresses and the remote end, of the asked port, are kept.
"""

import dataclasses
import ipaddress

from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.models import Evidence
from osc_netdiag.models import Hop
from osc_netdiag.models import Status
from osc_netdiag.probes_fw import CONNTRACK_PROTOCOLS
from osc_netdiag import secgroups as sg
from osc_netdiag import sgrules


def evaluated(packet):
    """The case the verdicts evaluated, as the output names it."""
    return "established" if packet.established else "new"


def protocol_of(packet):
    number = sgrules.protocol_number(packet.protocol)
    if number == 1 and packet.ethertype == sg.IPV6:
        return 58
    return number


def _own(intent, version):
    nets = [ipaddress.ip_network(ip) for ip in intent.fixed_ips]
    nets += [ipaddress.ip_network(p.ip_address, strict=False)
             for p in intent.allowed_address_pairs]
    return [n for n in nets if n.version == version]


def _is_own(address, own):
    ip = ipaddress.ip_address(address)
    return any(ip in net for net in own)


# Open vSwitch names ICMPv6 entries icmp6, conntrack-tools icmpv6
_ALIASES = {"icmp6": "icmpv6"}


def matching(entries, intent, packet):
    """(entry, who opened it) of the flow between the port and the remote.

    Either side may have opened it; with a port asked, the entry's
    original ports hold it. Entries of another protocol (a datapath's
    list holds them all) are left out.
    """
    remote = ipaddress.ip_address(packet.remote_ip)
    own = _own(intent, remote.version)
    protocol = CONNTRACK_PROTOCOLS.get(protocol_of(packet))
    found = []
    for entry in entries:
        orig = entry.orig
        if _ALIASES.get(entry.protocol, entry.protocol) != protocol or \
                ipaddress.ip_address(orig.src).version != remote.version:
            continue
        if ipaddress.ip_address(orig.src) == remote and \
                _is_own(orig.dst, own):
            opener = "opened by the remote end (ingress)"
        elif _is_own(orig.src, own) and \
                ipaddress.ip_address(orig.dst) == remote:
            opener = "opened by the port (egress)"
        else:
            continue
        if packet.port is not None and \
                packet.port not in (orig.sport, orig.dport):
            continue
        found.append((entry, opener))
    return found


def _row(host, command, entry, opener):
    flags = f" [{', '.join(entry.flags)}]" if entry.flags else ""
    ttl = f"; {entry.timeout} s to live" if entry.timeout is not None else ""
    detail = (f"{entry.protocol} {entry.orig.describe()}, reply "
              f"{entry.reply.describe()}; zone {entry.zone}{flags}; "
              f"{opener}{ttl}")
    return Hop(host, "conntrack", "conntrack", entry.state or entry.protocol,
               detail, Status.OK, (Evidence(host, command, ()),))


def read(run, report, intent, module, packet, view):
    """The entries of the packet's flow, as rows; a dict for ``-f json``.

    ``view``: the host's answers so far (the driver's own probes, and
    the zone's when the caller read them with those).
    """
    host = intent.host
    result = {"evaluated": evaluated(packet), "zone": None, "entries": []}
    number = protocol_of(packet)
    if number not in CONNTRACK_PROTOCOLS:
        report.hop(host, "conntrack", "conntrack", "not read",
                   f"conntrack is listed for "
                   f"{', '.join(sorted(CONNTRACK_PROTOCOLS.values()))} only",
                   Status.SKIP)
        return result
    try:
        first = module.conntrack_zone_probes(intent)
        if first:
            view = run.run({host: first})[host]
        zone = module.conntrack_zone(intent, view)
        if zone is None:
            report.hop(host, "conntrack", "conntrack", "no zone",
                       f"no conntrack zone of port {intent.port_id} on "
                       f"{host}", Status.SKIP)
            return result
        probe = module.conntrack_probe(
            zone, ipaddress.ip_address(packet.remote_ip).version, number)
        entries = run.run({host: [probe]})[host].read(probe)
    except Unreadable as exc:
        report.skipped(host, intent.port_id, "conntrack", exc)
        return result
    command = " ".join(probe.argv)
    result["zone"] = zone
    found = matching(entries, intent, packet)
    for entry, opener in found:
        report.hops.append(_row(host, command, entry, opener))
        result["entries"].append(dict(dataclasses.asdict(entry),
                                      opened_by=opener.split(" (")[0]))
    if not found:
        report.hop(host, "conntrack", "conntrack", "no entry",
                   f"zone {zone}: no {CONNTRACK_PROTOCOLS[number]} entry "
                   f"between the port and {packet.remote_ip}"
                   + (f" port {packet.port}" if packet.port else "")
                   + f"; the verdict evaluated a {evaluated(packet)} "
                     "connection", Status.OK)
    return result
