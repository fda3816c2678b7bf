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

"""``router check`` for distributed (DVR) routers.

Where Neutron puts a distributed router (neutron/agent/l3/dvr_*.py):

* ``qrouter-<router>`` with its ``qr-`` ports on every host whose L3 agent
  (agent_mode dvr or dvr_snat) serves a port of the router's subnets. The
  API's l3-agents of a distributed router list only the agent its SNAT is
  bound to, so the other hosts are found from those ports;
* when the router has a gateway, on each of these hosts the
  ``fip-<external network>`` namespace with the host's
  floatingip_agent_gateway port (``fg-``) and the veth pair
  ``rfp-<router>`` (in qrouter-) / ``fpr-<router>`` (in fip-); where a
  floating IP's port is bound, a host route to the floating IP via ``fpr-``
  in fip- and the floating IP's DNAT/SNAT rules in qrouter-;
* on the SNAT host (the gateway port's binding host), ``snat-<router>``
  with ``qg-`` (the gateway addresses), one ``sg-`` per router subnet
  (router_centralized_snat ports), the default route and the SNAT rule.

Agents create fip-, rfp- and fpr- on every host of a router with a
gateway, but only the hosts with a floating IP need them: elsewhere their
absence is shown, not reported.
"""

from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.linux import devices
from osc_netdiag.linux import fip as fip_side
from osc_netdiag.linux import nat
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag import probes
# where Neutron puts a distributed router's parts, as the API says
from osc_netdiag.resolve.router import agent_mode
from osc_netdiag.resolve.router import is_dvr_serviced  # noqa: F401
from osc_netdiag.resolve.router import SNAT_PORT_OWNER  # noqa: F401


# -- where things should be ---------------------------------------------------

def snat_hosts(context):
    """Hosts that must hold snat-<router>: the gateway port's binding host;
    with DVR+HA, every dvr_snat agent (one of them active).
    """
    if context.gateway is None:
        return []
    if context.ha or not context.gateway.binding_host:
        return sorted({a.host for a in context.agents
                       if agent_mode(a) == "dvr_snat"})
    return [context.gateway.binding_host]


def floating_ips_on(context, host):
    return [f for f in context.floating_ips if f.host == host]


def agent_gateway_on(context, host):
    return fip_side.agent_gateway(context.agent_gateways, host)


def host_probes(context, host):
    """What a distributed router needs read on ``host`` besides the
    namespace list and qrouter-'s devices.
    """
    found = []
    if floating_ips_on(context, host):
        found.append(nat.iptables_save(
            names.qrouter_namespace(context.id)))
    if context.gateway is not None:
        fip_ns = names.fip_namespace(context.gateway.network_id)
        found += [probes.netns_addr(fip_ns), probes.netns_routes(fip_ns)]
    if host in snat_hosts(context):
        snat_ns = names.snat_namespace(context.id)
        found += [probes.netns_addr(snat_ns), probes.netns_routes(snat_ns),
                  nat.iptables_save(snat_ns)]
    return found


# -- checks -------------------------------------------------------------------

def evaluate_host(report, view, context, active):
    """After qrouter- and its qr- ports were checked on ``view.host``."""
    if context.gateway is None:
        return
    check_floating_side(report, view, context)
    if view.host in snat_hosts(context):
        check_snat(report, view, context, active)


def _namespaces(view):
    probe = probes.netns_list()
    try:
        return {n.name for n in view.read(probe)}
    except Unreadable:
        return None                  # reported by the qrouter- row


def _optional(report, host, subject, kind, why):
    report.hop(host, subject, kind, "absent", why, Status.SKIP)


def check_floating_side(report, view, context):
    host = view.host
    fips = floating_ips_on(context, host)
    qrouter = names.qrouter_namespace(context.id)
    fip_ns = names.fip_namespace(context.gateway.network_id)
    rfp = names.rfp_device(context.id)
    fpr = names.fpr_device(context.id)
    why = "no floating IP of the router is bound to this host"
    spaces = _namespaces(view)
    if spaces is None:
        return
    if not fips:
        # Shown when there, never required: nothing here depends on it.
        _show_if_present(report, view, qrouter, rfp, "fip-link", why)
        if fip_ns not in spaces:
            _optional(report, host, fip_ns, "namespace", why)
            return
        report.hop(host, fip_ns, "namespace", "present", why, Status.OK)
        port = agent_gateway_on(context, host)
        if port is not None:
            _show_if_present(report, view, fip_ns, names.fg_device(port.id),
                             "fip-gateway-port", why)
        _show_if_present(report, view, fip_ns, fpr, "fip-link", why)
        return
    rfp_link = devices.check_ns_device(report, view, qrouter, rfp, [],
                                       "NETDIAG_ROUTER_DEVICE_BROKEN",
                                       "fip-link")
    nat.check_nat(report, view, context, qrouter, None, True,
                  floating_ips=fips, in_device=rfp)
    if not devices.check_namespace(report, view, fip_ns,
                                   "NETDIAG_ROUTER_NAMESPACE_MISSING",
                                   "namespace"):
        return
    check_agent_gateway(report, view, context, fip_ns)
    devices.check_ns_device(report, view, fip_ns, fpr, [],
                            "NETDIAG_ROUTER_DEVICE_BROKEN", "fip-link")
    check_fip_routes(report, view, fip_ns, fpr, fips, rfp_link)


def _show_if_present(report, view, ns, device, kind, why):
    try:
        link, evidence = devices.find_link(view, device, netns=ns)
    except Unreadable:
        link = None
    if link is None:
        _optional(report, view.host, device, kind, why)
        return
    report.hop(view.host, device, kind, link.operstate or "present",
               f"in {ns}", Status.OK, [evidence])


def check_agent_gateway(report, view, context, fip_ns):
    host = view.host
    fip_side.check_agent_gateway(
        report, view, fip_ns, agent_gateway_on(context, host),
        missing=("NETDIAG_ROUTER_NO_AGENT_GATEWAY",
                 f"no floatingip_agent_gateway port on the external network "
                 f"is bound to {host}",
                 {"network": context.gateway.network_id}),
        broken="NETDIAG_ROUTER_DEVICE_BROKEN")


def check_fip_routes(report, view, fip_ns, fpr, fips, rfp_link):
    """fip- routes each floating IP to the router over fpr-: that route is
    also what makes fg- answer ARP for it (proxy ARP).
    """
    host = view.host
    probe = probes.netns_routes(fip_ns)
    routes = fip_side.read_routes(report, view, probe, fip_ns)
    if routes is None:
        return
    rfp_ips = {a.local for a in rfp_link.addresses} if rfp_link else set()
    for fip in fips:
        route = fip_side.host_route(routes, fip.address,
                                    lambda r: r.dev == fpr)
        if route is not None:
            status = Status.OK
            if rfp_ips and route.gateway not in rfp_ips:
                status = Status.WARN
            report.hop(host, fip.address, "fip-route", "present",
                       f"via {route.gateway} dev {fpr}", status,
                       [view.evidence(probe, [f"{route.dst} via "
                                              f"{route.gateway} dev {fpr}"])])
            continue
        report.find("NETDIAG_ROUTER_FIP_ROUTE_MISSING",
                    f"{host}:{fip.address}",
                    f"{fip_ns} on {host} has no route to {fip.address} "
                    f"via {fpr}", host=host, address=fip.address,
                    namespace=fip_ns)
        report.hop(host, fip.address, "fip-route", "absent",
                   f"expected {fip.address} via {fpr}", Status.ERROR,
                   [view.evidence(probe)])


def check_snat(report, view, context, active):
    ns = names.snat_namespace(context.id)
    if not devices.check_namespace(report, view, ns,
                                   "NETDIAG_ROUTER_NAMESPACE_MISSING",
                                   "namespace"):
        return
    qg = names.qg_device(context.gateway.id)
    devices.check_ns_device(report, view, ns, qg, context.gateway.ips(),
                            "NETDIAG_ROUTER_DEVICE_BROKEN", "gateway-port",
                            require_ips=active)
    for port in context.snat_ports:
        devices.check_ns_device(report, view, ns, names.sg_device(port.id),
                                port.ips(), "NETDIAG_ROUTER_DEVICE_BROKEN",
                                "snat-port", require_ips=active)
    nat.check_routes(report, view, ns, active, qg,
                     context.gateway_ips)
    nat.check_nat(report, view, context, ns, qg, active,
                  floating_ips=())


def notes(context):
    hosts = sorted({f.host for f in context.floating_ips if f.host})
    return [f"distributed router: qrouter- checked on every host it serves, "
            f"snat- on {', '.join(snat_hosts(context)) or 'no host'}, "
            f"fip- required where its floating IPs are bound "
            f"({', '.join(hosts) or 'none'})"]
