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

"""ML2/OVS with the iptables_hybrid firewall driver: one port on its host.

What the host enforces for one port, against what the API says. The three
names the ``port firewall`` command calls for this driver:

* :func:`probes`: the read-only commands to run on the port's host;
* :func:`judge`: the port's chains, jumps and remote-group ipsets, IPv4
  and IPv6, compared line by line with the rules rendered from the API
  (:mod:`.fw_hybrid_compare`), as hops and findings;
* :func:`host_verdict`: a packet walked through the host's filter table
  of its family (:mod:`.fw_hybrid_eval`), with the rule that decided.

They read the probes' output through the run's HostView; a plain mapping
of probe name to output text (or to the parsed output) also does.
"""

import ipaddress

from osc_netdiag.backends.ml2_ovs import fw_hybrid_compare as compare_mod
from osc_netdiag.backends.ml2_ovs import fw_hybrid_eval as evaluation
from osc_netdiag.backends.ml2_ovs import fw_hybrid_render6 as render6
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.errors import ParseError
from osc_netdiag.models import Evidence
from osc_netdiag.models import Hop
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag.parsers import ipset as ipset_parser
from osc_netdiag.parsers import iptables as iptables_parser
from osc_netdiag import probes as host_probes
from osc_netdiag import probes_fw
from osc_netdiag.secgroups import ALLOW
from osc_netdiag.secgroups import DENY
from osc_netdiag.secgroups import EGRESS
from osc_netdiag.secgroups import IPV4
from osc_netdiag.secgroups import IPV6
from osc_netdiag.secgroups import Verdict
from osc_netdiag import sgrules

DRIVER = "iptables_hybrid"
FILTER = "iptables-filter"
FILTER6 = "ip6tables-filter"
IPSETS = "ipset-list"
_PARSERS = {FILTER: iptables_parser.parse_iptables_save,
            FILTER6: iptables_parser.parse_iptables_save,
            IPSETS: ipset_parser.parse_ipset_list}
_PROBES = {FILTER: host_probes.iptables_filter,
           FILTER6: host_probes.ip6tables_filter,
           IPSETS: host_probes.ipset_list}


def probes(port_id):
    """The commands to run on the port's host.

    The port ID is checked, though no command takes it: the host's whole
    tables are read and filtered here.
    """
    names.checked_uuid(port_id)
    return [host_probes.iptables_filter(), host_probes.ip6tables_filter(),
            host_probes.ipset_list()]


def _parsed(outputs, name):
    if hasattr(outputs, "read"):            # a HostView: Unreadable if not run
        return outputs.read(_PROBES[name]())
    value = outputs.get(name)
    if value is None:
        raise ParseError(f"{name}: no output")
    if isinstance(value, str):
        value = _PARSERS[name](value)
    return value


def filter_table(outputs, name=FILTER):
    for table in _parsed(outputs, name):
        if table.name == "filter":
            return table
    raise ParseError(f"{name}: no filter table in the output")


def ipsets(outputs):
    return ipset_parser.by_name(_parsed(outputs, IPSETS))


def compare(intent, outputs):
    """(rows, findings) of the port on its host: a dict per rule and set.

    IPv4 from ``iptables-save``, then IPv6 from ``ip6tables-save``; a plain
    mapping without the IPv6 output (a capture older than the IPv6 view)
    compares IPv4 only. When the IPv6 table cannot be read (a host whose
    sudoers predates it), the Unreadable raised carries the IPv4 part as
    ``partial``, which the caller still shows.
    """
    rows, findings = compare_mod.compare(intent, compare_mod.V4,
                                         filter_table(outputs),
                                         ipsets(outputs))
    if hasattr(outputs, "read") or outputs.get(FILTER6) is not None:
        try:
            table6 = filter_table(outputs, FILTER6)
        except Unreadable as exc:
            exc.partial = (rows, findings)
            raise
        more_rows, more = compare_mod.compare(
            intent, compare_mod.V6, table6, ipsets(outputs))
        rows, findings = rows + more_rows, findings + more
    return rows, findings


def _hop(intent, row):
    """A row as a hop of the command's output.

    ``--long`` shows the installed line and what its comment means.
    """
    host = intent.host
    status = Status.OK if row["state"] == "installed" else Status.ERROR
    if "ipset" in row:
        detail = (f"remote group {row['group']}: "
                  f"{', '.join(row['members']) or 'no member'}")
        for key in ("missing", "stale"):
            if row.get(key):
                detail += f"; {key}: {', '.join(row[key])}"
        lines = tuple(row["members"])
        return Hop(host, row["ipset"], "ipset", row["state"], detail, status,
                   (Evidence(host, "ipset list", lines),))
    family = compare_mod.V6 if row["family"] == IPV6 else compare_mod.V4
    counters = ("" if row["packets"] is None
                else f"; {row['packets']} packets, {row['bytes']} bytes")
    detail = f"{row['rule']} [{row['origin']}]{counters}"
    lines = ()
    if row["state"] != "missing":
        lines = (f"-A {row['chain']} {row['rule']}",)
    if row["meaning"]:
        lines += (f"# {row['meaning']}",)
    return Hop(host, row["chain"], family.kind, row["state"], detail,
               status, (Evidence(host, family.command, lines),))


def judge(intent, outputs):
    """(hops, findings) of the port on its host; see the module doc."""
    try:
        rows, findings = compare(intent, outputs)
    except Unreadable as exc:
        rows, findings = getattr(exc, "partial", ((), ()))
        exc.partial = (tuple(_hop(intent, row) for row in rows),
                       tuple(findings))
        raise
    return tuple(_hop(intent, row) for row in rows), tuple(findings)


def _own_address(intent, ethertype):
    """The port's first address of the family.

    IPv6 without a fixed IPv6 address: the link-local address the instance
    derives from its MAC, which it sends from.
    """
    version = 4 if ethertype == IPV4 else 6
    found = next((ip for ip in intent.fixed_ips
                  if ipaddress.ip_address(ip).version == version), None)
    if found is not None:
        return found
    return "0.0.0.0" if version == 4 else str(
        render6.link_local(intent.mac_address))


def _protocol(packet):
    """ICMP of an IPv6 packet is ICMPv6, as ip6tables names it."""
    if packet.ethertype == IPV6 and \
            sgrules.protocol_number(packet.protocol) in sgrules.ICMP_NUMBERS:
        return "ipv6-icmp"
    return packet.protocol


def _wire(intent, packet):
    """The Wire of an operator's Packet for this port:

    the port's own first address of the packet's family and its MAC on the
    instance's side.
    """
    # --local-ip when asked (an egress packet from another address meets
    # the port's -s chain, Neutron's anti-spoofing), else its own first
    own = packet.local_ip or _own_address(intent, packet.ethertype)
    tap = names.tap_device(intent.port_id)
    qvb = names.qvb_device(intent.port_id)
    qbr = names.qbr_device(intent.port_id)
    common = dict(protocol=_protocol(packet), in_iface=qbr, out_iface=qbr,
                  icmp_type=packet.icmp_type, icmp_code=packet.icmp_code,
                  established=packet.established)
    if packet.direction == EGRESS:
        return evaluation.Wire(src=own, dst=packet.remote_ip,
                               physdev_in=tap, physdev_out=qvb,
                               src_mac=intent.mac_address,
                               sport=None, dport=packet.port, **common)
    return evaluation.Wire(src=packet.remote_ip, dst=own, physdev_in=qvb,
                           physdev_out=tap, sport=None, dport=packet.port,
                           **common)


def host_verdict(intent, packet, outputs):
    """allow or deny from the host's installed rules, with the deciding rule:

    the packet is walked through FORWARD as the qbr bridge hands it over, in
    the filter table of its family (iptables or ip6tables).
    """
    table = filter_table(outputs, FILTER6 if packet.ethertype == IPV6
                         else FILTER)
    decision = evaluation.evaluate(table, _wire(intent, packet),
                                   ipsets(outputs))
    case = ("an established connection" if packet.established
            else "a new connection")
    detail = f"{case}; chains: {' -> '.join(decision.path)}"
    if decision.not_understood:
        detail += (f"; {len(decision.not_understood)} rule(s) with matches "
                   f"not understood were skipped")
    allowed = decision.target == "ACCEPT"
    # an allowed packet was let through by the last RETURN of the port's
    # chain; sg-chain's closing ACCEPT is the same for every port
    decided_by = (decision.returned_by or decision.rule) if allowed \
        else decision.rule
    if allowed and decision.returned_by:
        detail += f"; accepted by {decision.rule}"
    return Verdict(decision=ALLOW if allowed else DENY,
                   decided_by=decided_by, source="host", detail=detail)


# -- conntrack (port firewall --conntrack) ---------------------------------

def conntrack_zone_probes(intent):
    """The raw table, where the driver sets the port's zone."""
    return [probes_fw.iptables_raw()]


def conntrack_zone(intent, view):
    """The zone of ``-j CT --zone N`` on the port's tap, or None."""
    tap = names.tap_device(intent.port_id)
    for table in view.read(probes_fw.iptables_raw()):
        for rule in table.rules:
            words = rule.text.split()
            if rule.target == "CT" and "--zone" in words[:-1] and \
                    f"--physdev-in {tap} " in f"{rule.text} ":
                return int(words[words.index("--zone") + 1])
    return None


def conntrack_probe(zone, version, number):
    """The kernel's entries of the zone (conntrack -L, read-only)."""
    return probes_fw.conntrack_list(zone, version, number)
