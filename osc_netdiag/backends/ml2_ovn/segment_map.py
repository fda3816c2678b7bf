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

"""ML2/OVN ``network vlan-map``: a network's segments in OVN.

For a provider segment: the switch's localnet port (``network_name`` and
``tag``) against the segment, and on each host carrying the network the
physnet's entry in ``ovn-bridge-mappings`` with that bridge present. For
a geneve segment: the switch's tunnel key (its Southbound
Datapath_Binding), shown next to the segment's ID; OVN keys a switch by
that key, not by the segment ID, unless Neutron requests the ID.

The MapRow columns are the ML2/OVS ones: ``bridge`` holds the bridge (or
the localnet port, or the switch), ``local_vlan`` the localnet tag or the
tunnel key.
"""

from osc_netdiag.backends.ml2_ovs.map_host import MapRow
from osc_netdiag.checks.engine import Report
from osc_netdiag.models import Status
from osc_netdiag.parsers.ovn_db import mappings
from osc_netdiag import probes
from osc_netdiag import probes_ovn


def db_host(context):
    return context.ovn_db_host or (context.hosts[0] if context.hosts
                                   else None)


def plan(context):
    hosts = {host: [probes_ovn.ovs_system_ids(), probes.ovs_bridges()]
             for host in context.hosts}
    db = hosts.setdefault(db_host(context), [])
    have = {p.name for p in db}
    db += [p for p in (probes_ovn.ovn_find("ovn-nb-ls", context.network.id),
                       probes_ovn.ovn_localnet_ports(), probes_ovn.ovn_list("ovn-sb-datapaths"))
           if p.name not in have]
    return hosts


def _row(host, bridge, segment, key, status, detail):
    return MapRow(host, bridge, segment.network_type,
                  segment.segmentation_id, key, "", None, "", None, status,
                  detail)


def evaluate(context, views, rows):
    report = Report()
    view = views[db_host(context)]
    if not report.host_unreadable(view):
        _databases(report, context, view, rows)
    for host in context.hosts:
        host_view = views[host]
        if host_view is not view and report.host_unreadable(host_view):
            continue
        if host_view.readable:
            _host(report, context, host_view, rows)
    return report


def _databases(report, context, view, rows):
    network, host = context.network, view.host
    name = f"neutron-{network.id}"
    switches = report.read_or_skip(view, probes_ovn.ovn_find("ovn-nb-ls", network.id), name,
                                   "ovn-nb-ls")
    if switches is None:
        return
    on_switch = set(switches[0].ports) if switches else set()
    localnets = [p for p in report.read_or_skip(view, probes_ovn.ovn_localnet_ports(),
                                                "localnet", "ovn-nb-localnet") or ()
                 if p.uuid in on_switch]
    datapaths = report.read_or_skip(view, probes_ovn.ovn_list("ovn-sb-datapaths"), name,
                                    "ovn-sb-datapath") or ()
    for segment in network.segments:
        if segment.is_tunnel:
            dp = next((d for d in datapaths if d.switch == network.id), None)
            key = dp.tunnel_key if dp else None
            rows.append(_row(host, name, segment, key,
                             Status.OK if dp else Status.ERROR,
                             f"OVN tunnel key {key}" if dp else
                             "no Datapath_Binding for the switch"))
            continue
        want = segment.segmentation_id if segment.network_type == "vlan" \
            else None
        got = next((p for p in localnets if p.options.get("network_name")
                    == segment.physical_network), None)
        ok = got is not None and got.tag == want
        if not ok:
            have = (f"network_name={got.options.get('network_name')}, tag="
                    f"{got.tag if got.tag is not None else '-'}"
                    if got else "no localnet port")
            report.find("NETDIAG_OVN_LOCALNET_MISMATCH",
                        f"{network.id}:{segment.physical_network}",
                        f"localnet port of {network.name or network.id}: "
                        f"{have}, segment {segment.describe()}",
                        network=network.name or network.id, ovn=have,
                        api=segment.describe())
        rows.append(_row(host, got.name if got else "localnet", segment,
                         got.tag if got else None,
                         Status.OK if ok else Status.ERROR,
                         f"localnet on {segment.physical_network}"))


def _host(report, context, view, rows):
    host, network = view.host, context.network
    ids = report.read_or_skip(view, probes_ovn.ovs_system_ids(), "Open_vSwitch",
                              "ovn-chassis-config")
    bridges = report.read_or_skip(view, probes.ovs_bridges(), "bridges",
                                  "ovs-bridge")
    if ids is None:
        return
    maps = mappings(ids.get("ovn-bridge-mappings", ""))
    names = {b.name for b in bridges or ()}
    carries = host in context.port_hosts
    for segment in network.segments:
        if segment.is_tunnel:
            continue
        bridge = maps.get(segment.physical_network)
        ok = bool(bridge) and (bridges is None or bridge in names)
        if not ok and carries:
            text = ",".join(f"{k}:{v}" for k, v in maps.items()) or "-"
            report.find("NETDIAG_OVN_BRIDGE_MAPPING_MISSING",
                        f"{host}:{segment.physical_network}",
                        f"{host} has ports of {network.name or network.id} "
                        f"but ovn-bridge-mappings {text} carries no "
                        f"{segment.physical_network}", host=host,
                        physnet=segment.physical_network, mappings=text)
        status = Status.OK if ok else (Status.ERROR if carries
                                       else Status.SKIP)
        rows.append(_row(host, bridge or "-", segment, None, status,
                         f"ovn-bridge-mappings {segment.physical_network}"
                         f" -> {bridge or '-'}"))
