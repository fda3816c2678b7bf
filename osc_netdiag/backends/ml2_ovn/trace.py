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

"""ML2/OVN ``port trace``: which probes on which host, and the hops.

Two hosts are read, each in one round trip: the OVN database host (the
Northbound and Southbound rows of the port, its network, its router and
the chassis) and the port's chassis (ovn-controller, br-int, the tap, the
metadata namespace). The hops follow the port from what Neutron asked for
(Northbound), to what a chassis claimed (Southbound), to the chassis.
"""

from osc_netdiag.backends.ml2_ovn import chassis
from osc_netdiag.backends.ml2_ovn import databases
from osc_netdiag.backends.ml2_ovn import hostpath
from osc_netdiag.backends.ml2_ovn import logical
from osc_netdiag.backends import port_state
from osc_netdiag.checks.engine import Report
from osc_netdiag import names
from osc_netdiag import probes
from osc_netdiag import probes_ovn


# port trace --to: the logical pipeline and the chassis follow a ping to
# the chosen address too
FOLLOWS_DESTINATION = True


def db_host(context):
    """Where the OVN database clients run: the inventory's ovn_db_host
    (kept in the context, so a capture replays the same plan), else the
    port's own host.
    """
    return context.ovn_db_host or context.port.binding_host


def _provider(context):
    return [s for s in context.network.segments if not s.is_tunnel]


def plan(context):
    """host name -> probes: the database host first, then the chassis."""
    port, router = context.port, context.router
    db = [probes_ovn.ovn_find("ovn-nb-lsp", port.id),
          probes_ovn.ovn_find("ovn-nb-ls", port.network_id),
          probes_ovn.ovn_find("ovn-sb-pb", port.id), probes_ovn.ovn_list("ovn-sb-chassis"),
          probes_ovn.ovn_list("ovn-sb-encaps")]
    if _provider(context):
        db.append(probes_ovn.ovn_localnet_ports())
    if router is not None and router.interface_port is not None:
        db.append(probes_ovn.ovn_find("ovn-nb-lrp", router.interface_port.id))
    db += logical.db_probes(context)
    if router is not None and router.gateway_port is not None:
        gateway = router.gateway_port.id
        db += [probes_ovn.ovn_find("ovn-nb-lrp", gateway),
               probes_ovn.ovn_find("ovn-sb-pb", "cr-lrp-" + gateway),
               probes_ovn.ovn_list("ovn-nb-ha-groups"), probes_ovn.ovn_list("ovn-nb-ha-chassis")]
    host = [probes_ovn.ovn_controller_status(), probes_ovn.ovs_system_ids(),
            probes.ip_addr(), probes.ovs_bridges(), probes.ovs_ports(),
            probes.ovs_interfaces(), probes.netns_list(),
            probes.netns_addr(names.ovnmeta_namespace(port.network_id))]
    hosts = {}
    for name, items in ((db_host(context), db), (port.binding_host, host)):
        have = hosts.setdefault(name, {})
        for probe in items:
            have.setdefault(probe.name, probe)
    return {name: list(items.values()) for name, items in hosts.items()}


def evaluate(context, views):
    """views: host name -> HostView. Returns a Report."""
    report = Report()
    _api_hop(report, context)
    db_view = views[db_host(context)]
    seen = databases.Seen()
    answers = []
    if not report.host_unreadable(db_view):
        seen = databases.check(report, context, db_view)
        answers = logical.evaluate(report, context, db_view)
    compute = views[context.port.binding_host]
    if compute is db_view or not report.host_unreadable(compute):
        chassis.check(report, context, compute, seen)
        hostpath.evaluate(report, context, compute, answers, seen, db_view)
    return report


def follow_up(context, views):
    """The second round trip: the chassis's ofproto/trace of the pings,
    once its br-int port number is known.
    """
    return hostpath.follow_up(context, views)


def _api_hop(report, context):
    port, network = context.port, context.network
    segments = ", ".join(s.describe() for s in network.segments)
    status = port_state.judge(report, port)
    router = context.router
    via = f"; router {router.name or router.id}" if router else ""
    report.hop("api", port.id, "neutron-port", port.status,
               f"{', '.join(port.ips()) or 'no IP'} {port.mac} on "
               f"{network.name or network.id} ({segments}); bound to "
               f"{port.binding_host} by ML2/OVN{via}", status)
