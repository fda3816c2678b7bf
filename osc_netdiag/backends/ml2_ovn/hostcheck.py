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

"""ML2/OVN ``host check``: each chassis against the Southbound database.

On every host: ovn-controller connected to the Southbound database; the
chassis registered once, under the Neutron host name, with its geneve
encap at the host's ``ovn-encap-ip``; a geneve tunnel on br-int to every
other chassis; a bridge in ``ovn-bridge-mappings`` for each physnet
Neutron uses there, and that bridge on the host; the gateway role; the
encap device's MTU against the largest overlay network bound there plus
geneve's overhead. The
Southbound rows are read once, on the OVN database host.
"""

from osc_netdiag.backends.ml2_ovn import chassis as port_chassis
from osc_netdiag.checks.engine import Report
from osc_netdiag.models import Status
from osc_netdiag.parsers.ovn_db import mappings
from osc_netdiag import probes
from osc_netdiag import probes_ovn


def db_host(context):
    return context.ovn_db_host or context.hosts[0]


def host_probes():
    # ip addr: the encap device's MTU against the overlay networks'
    return [probes_ovn.ovn_controller_status(), probes_ovn.ovs_system_ids(),
            probes.ovs_bridges(), probes.ovs_interfaces(), probes.ip_addr()]


def plan(context):
    hosts = {host: host_probes() for host in context.hosts}
    db = hosts.setdefault(db_host(context), [])
    have = {p.name for p in db}
    db += [p for p in (probes_ovn.ovn_list("ovn-sb-chassis"), probes_ovn.ovn_list("ovn-sb-encaps"))
           if p.name not in have]
    return hosts


def evaluate(context, views):
    report = Report()
    db_view = views[db_host(context)]
    chassis, encaps = (), ()
    if not report.host_unreadable(db_view):
        chassis = report.read_or_skip(db_view, probes_ovn.ovn_list("ovn-sb-chassis"), "Chassis",
                                      "ovn-sb-chassis") or ()
        encaps = report.read_or_skip(db_view, probes_ovn.ovn_list("ovn-sb-encaps"), "Encap",
                                     "ovn-sb-encap") or ()
    for host in context.hosts:
        view = views[host]
        if view is not db_view and report.host_unreadable(view):
            continue
        if not view.readable:
            continue
        _check_host(report, context, view, chassis, encaps)
    return report


def _check_host(report, context, view, chassis, encaps):
    port_chassis.check_controller(report, view)
    ids = report.read_or_skip(view, probes_ovn.ovs_system_ids(), "Open_vSwitch",
                              "ovn-chassis-config")
    seen = _Seen(chassis, encaps)
    port_chassis.check_registration(report, context, view, seen, ids)
    if ids is None:
        return
    _identity(report, view, ids)
    _encap(report, view, ids, chassis, encaps)
    _tunnels(report, view, chassis, encaps)
    _mappings(report, context, view, ids)
    mtu, network = (context.overlay_mtus.get(view.host) or (None, None))
    port_chassis.check_mtu(report, view, ids, mtu, network)


class _Seen:
    def __init__(self, chassis, encaps):
        self.chassis, self.encaps = chassis, encaps


def _identity(report, view, ids):
    host = view.host
    name = ids.get("hostname")
    if name and name != host:
        report.find("NETDIAG_OVN_HOSTNAME_MISMATCH", host,
                    f"{host}: Open_vSwitch external_ids:hostname is {name}, "
                    f"the Neutron host is {host}", host=host, hostname=name)
    role = "gateway chassis" if "enable-chassis-as-gw" in \
        ids.get("ovn-cms-options", "").split(",") else "chassis"
    report.hop(host, ids.get("system-id", "-"), "ovn-identity", role,
               f"system-id {ids.get('system-id', '-')}, hostname "
               f"{name or '-'}",
               Status.ERROR if name and name != host else Status.OK)


def _encap(report, view, ids, chassis, encaps):
    host = view.host
    want = (ids.get("ovn-encap-type", "-"), ids.get("ovn-encap-ip", "-"))
    mine = next((c for c in chassis if c.name == ids.get("system-id")), None)
    if mine is None:
        return
    by_uuid = {e.uuid: e for e in encaps}
    have = [(by_uuid[u].type, by_uuid[u].ip) for u in mine.encaps
            if u in by_uuid]
    ok = want in have
    if not ok:
        report.find("NETDIAG_OVN_ENCAP_MISMATCH", host,
                    f"{host}: the Southbound chassis has encap "
                    f"{', '.join(' '.join(e) for e in have) or '-'}, the host "
                    f"says {' '.join(want)}", host=host)
    report.hop(host, f"{want[0]} {want[1]}", "ovn-encap",
               "registered" if ok else "differs", "ovn-encap-type/-ip",
               Status.OK if ok else Status.ERROR)


def _tunnels(report, view, chassis, encaps):
    host = view.host
    rows = report.read_or_skip(view, probes.ovs_interfaces(), "tunnels",
                               "ovn-tunnel")
    if rows is None:
        return
    remotes = {i.options.get("remote_ip") for i in rows if i.type == "geneve"}
    by_uuid = {e.uuid: e for e in encaps}
    for peer in sorted(chassis, key=lambda c: c.name):
        if peer.hostname == host:
            continue
        ips = [by_uuid[u].ip for u in peer.encaps
               if u in by_uuid and by_uuid[u].type == "geneve"]
        ok = any(ip in remotes for ip in ips)
        if not ok:
            report.find("NETDIAG_OVN_TUNNEL_MISSING", f"{host}:{peer.name}",
                        f"no geneve tunnel from {host} to chassis "
                        f"{peer.name} ({', '.join(ips) or 'no geneve encap'})",
                        host=host, peer=peer.name,
                        remote_ip=", ".join(ips) or "-")
        report.hop(host, f"geneve to {peer.name}", "ovn-tunnel",
                   "present" if ok else "absent",
                   f"remote_ip {', '.join(ips) or '-'}",
                   Status.OK if ok else Status.ERROR)


def _mappings(report, context, view, ids):
    host = view.host
    maps = mappings(ids.get("ovn-bridge-mappings", ""))
    bridges = report.read_or_skip(view, probes.ovs_bridges(), "bridges",
                                  "ovs-bridge")
    names = {b.name for b in bridges or ()}
    for physnet in context.physnets.get(host, ()):
        port_chassis.check_mapping(report, host, physnet, maps, bridges,
                                   names, note=" (used by ports here)")
