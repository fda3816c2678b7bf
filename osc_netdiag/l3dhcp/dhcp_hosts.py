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

"""The dnsmasq hosts file of ``dhcp check``: read it (a path the trusted
dnsmasq names, under Neutron's state directory: :mod:`.host_files`) and
check the network's ports against it (MAC and IP).
"""

from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag.models import Status
from osc_netdiag import probes


# built in probes.py, like every probe
hosts_file_probe = probes.dnsmasq_hosts_file


def _dhcp_ips(port, context):
    dhcp_ids = {s.id for s in context.dhcp_subnets}
    return [ip for sid, ip in port.fixed_ips if sid in dhcp_ids]


def check_hosts_file(report, view, context, path):
    host = view.host
    try:
        probe = hosts_file_probe(path)
        entries = view.read(probe)
    except UnsafeNameError as exc:
        report.hop(host, "hosts file", "dhcp-hosts", "not read", str(exc),
                   Status.WARN)
        return
    except Unreadable as exc:
        report.skipped(host, "hosts file", "dhcp-hosts", exc)
        return
    by_mac = {}
    for entry in entries:
        by_mac.setdefault(entry.mac, []).append(entry)
    ports = [context.port] if context.port is not None else [
        p for p in context.ports if _dhcp_ips(p, context)]
    bad = 0
    for port in ports:
        wanted = _dhcp_ips(port, context)
        if not wanted:
            report.hop(host, port.mac, "dhcp-host", "not served",
                       "the port has no address on a DHCP-enabled subnet",
                       Status.SKIP)
            continue
        have = [e.ip for e in by_mac.get(port.mac, ())]
        missing = [ip for ip in wanted if ip not in have]
        lines = [f"{e.mac},{e.name or ''},{e.ip or ''}"
                 for e in by_mac.get(port.mac, ())]
        evidence = [view.evidence(probe, lines)]
        if missing:
            bad += 1
            what = (f"has {', '.join(i for i in have if i)} instead of "
                    if have else "has no line for the MAC; ")
            report.find("NETDIAG_DHCP_HOST_ENTRY_MISSING",
                        f"{host}:{port.id}",
                        f"the dnsmasq hosts file on {host} {what}"
                        f"expected {port.mac} -> {', '.join(missing)}",
                        host=host, port=port.id, mac=port.mac)
            report.hop(host, port.mac, "dhcp-host", "missing",
                       f"port {port.id}: {', '.join(missing)} not in "
                       f"{path}", Status.ERROR, evidence)
        elif context.port is not None:
            report.hop(host, port.mac, "dhcp-host", "present",
                       f"{port.mac} -> {', '.join(wanted)} in {path}",
                       Status.OK, evidence)
    if context.port is None:
        report.hop(host, "hosts file", "dhcp-hosts",
                   f"{len(entries)} entries",
                   f"{len(ports) - bad}/{len(ports)} ports of the network "
                   f"with DHCP addresses present in {path}",
                   Status.ERROR if bad else Status.OK,
                   [view.evidence(hosts_file_probe(path))])
