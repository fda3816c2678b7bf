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

"""ML2/OVS port trace behind a distributed (DVR) router.

Where Neutron puts the instance's first hop (neutron/agent/l3/dvr_*.py,
the Networking Guide's "Open vSwitch: High availability using DVR"):

* on the instance's own host, ``qrouter-<router>`` with the ``qr-`` of the
  port's subnet. Every DVR host carries the same ``qr-`` (the interface
  port's address and MAC); what keeps that MAC from showing up on the
  wire from every host is br-tun's table 1 (DVR_PROCESS), which rewrites
  it to the host's own DVR MAC on the way out;
* with a floating IP: ``ip rule from <fixed IP> lookup 16`` in qrouter-,
  whose default route goes via the ``fpr-`` end of the ``rfp-``/``fpr-``
  veth pair (a /31 of 169.254.0.0/16), the DNAT/SNAT rules of the floating
  IP in qrouter-'s nat table, ``fip-<external network>`` with the host's
  floatingip_agent_gateway port (``fg-``) and a route to the floating IP
  via ``rfp-`` (which is what makes fg- answer ARP for it);
* without one: ``ip rule from <subnet>`` to a table whose default route
  goes to the router's SNAT port (``sg-``) of that subnet, reached over
  the tunnel; on the SNAT host ``snat-<router>`` holds that ``sg-`` and the
  gateway ``qg-`` with the default route and the SNAT rule.
"""

import ipaddress
import types

from osc_netdiag.backends.ml2_ovs import dvr_fip
from osc_netdiag.backends.ml2_ovs import l2
from osc_netdiag.backends.ml2_ovs import topology
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.linux import devices
from osc_netdiag.linux import nat
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag import probes

# neutron.plugins.ml2.drivers.openvswitch.agent.common.constants
DVR_PROCESS = 1


def applies(context):
    router = context.router
    return router is not None and router.distributed


def has_floating_ip(context):
    return bool(context.router.floating_ips)


def snat_host(context):
    """The gateway port's binding host (the dvr_snat agent's)."""
    gw = context.router.gateway_port
    return gw.binding_host if gw is not None else None


def plan(context, translation_probes, host_probes):
    """host -> the extra probes of a distributed router.

    On the port's host its qrouter- (and, with a floating IP, its fip-
    side); on the SNAT host for a port without one, snat-.
    """
    router, port = context.router, context.port
    host = port.binding_host
    agent = context.ovs_agents.get(host)
    qrouter = names.qrouter_namespace(router.id)
    found = {host: [probes.netns_list(), probes.netns_addr(qrouter),
                    probes.netns_rules(qrouter),
                    probes.netns_route_tables(qrouter)]}
    if any(s.is_tunnel for s in context.network.segments):
        found[host].append(probes.dump_flows(topology.TUNNEL_BRIDGE,
                                             f"table={DVR_PROCESS}"))
    if router.gateway_port is None:
        return found
    if has_floating_ip(context):
        fip_ns = names.fip_namespace(router.gateway_port.network_id)
        found[host] += [nat.iptables_save(qrouter), probes.netns_addr(fip_ns),
                        probes.netns_route_tables(fip_ns)]
        found[host] += translation_probes(agent, router.gateway_network)
        return found
    snat = snat_host(context)
    if snat:
        ns = names.snat_namespace(router.id)
        snat_agent = context.ovs_agents.get(snat)
        found.setdefault(snat, []).extend([
            *(make() for make in host_probes), probes.netns_list(),
            probes.netns_addr(ns), probes.netns_routes(ns),
            nat.iptables_save(ns),
            *translation_probes(snat_agent, context.network),
            *translation_probes(snat_agent, router.gateway_network)])
    return found


# -- on the instance's host ---------------------------------------------------

def first_hop(report, context, view, agent, translate):
    """qrouter- on the port's host and what follows from it there.

    ``translate(view, agent, device, port, network)`` checks a port's
    br-int row and its network's translation (the trace's own L2 hops).
    """
    router = context.router
    host = view.host
    qr_port = router.interface_port
    qr = names.qr_device(qr_port.id)
    qrouter = names.qrouter_namespace(router.id)
    lvid, _segment = l2.check_ovs_port(report, view, agent, qr, qr_port,
                                       context.network)
    if not devices.check_namespace(report, view, qrouter,
                                   "NETDIAG_DVR_QROUTER_MISSING", "namespace"):
        return
    link = devices.check_ns_device(report, view, qrouter, qr, qr_port.ips(),
                                   "NETDIAG_DVR_DEVICE_BROKEN", "router-port")
    if link is not None:
        _check_qr_mac(report, host, qrouter, qr, link, qr_port)
    if any(s.is_tunnel for s in context.network.segments):
        _check_mac_rewrite(report, view, qr_port.mac, lvid)
    if router.gateway_port is None:
        return
    if has_floating_ip(context):
        dvr_fip.check(report, context, view, _route_state(report, view,
                                                          qrouter))
        fg = dvr_fip.agent_gateway(context, host)
        if fg is not None:
            translate(view, agent, names.fg_device(fg.id), fg,
                      router.gateway_network)
        return
    _check_snat_route(report, context, view,
                      _route_state(report, view, qrouter))


def _check_qr_mac(report, host, ns, device, link, qr_port):
    if (link.mac or "").lower() == qr_port.mac:
        return
    report.find("NETDIAG_DVR_QR_MAC_WRONG", f"{host}:{device}",
                f"{device} in {ns} on {host} has MAC {link.mac}, the "
                f"router interface port {qr_port.id} has {qr_port.mac}",
                host=host, namespace=ns, device=device, found=link.mac,
                expected=qr_port.mac)
    report.hop(host, device, "router-mac", "wrong",
               f"{link.mac}, expected {qr_port.mac}", Status.ERROR)


def _check_mac_rewrite(report, view, qr_mac, lvid):
    """br-tun table 1: the router port's MAC leaves as the host's DVR MAC.

    A mod_dl_src to another MAC, on the port's local VLAN.
    """
    host, bridge = view.host, topology.TUNNEL_BRIDGE
    if lvid is None:
        return                       # the qr- row already says why
    probe = probes.dump_flows(bridge, f"table={DVR_PROCESS}")
    try:
        flows = view.read(probe)
    except Unreadable as exc:
        report.skipped(host, f"{bridge} table={DVR_PROCESS}", "dvr-mac", exc)
        return
    mine = [f for f in flows if f.match_get("dl_vlan") == str(lvid)
            and (f.match_get("dl_src") or "").lower() == qr_mac]
    rewrites = [a.arg for f in mine for a in f.actions_named("mod_dl_src")
                if a.arg and a.arg.lower() != qr_mac]
    evidence = [view.evidence(probe, [f.text for f in mine])]
    if rewrites:
        report.hop(host, f"{bridge} table={DVR_PROCESS}", "dvr-mac",
                   "present", f"dl_vlan={lvid},dl_src={qr_mac} -> "
                   f"mod_dl_src:{rewrites[0]} (this host's DVR MAC)",
                   Status.OK, evidence)
        return
    report.find("NETDIAG_DVR_MAC_REWRITE_WRONG", f"{host}:{bridge}:dvr-mac",
                f"{bridge} table {DVR_PROCESS} on {host} has no rewrite of "
                f"{qr_mac} to the host's DVR MAC on local VLAN {lvid}",
                host=host, bridge=bridge, mac=qr_mac, lvid=lvid)
    report.hop(host, f"{bridge} table={DVR_PROCESS}", "dvr-mac", "absent",
               f"expected dl_vlan={lvid},dl_src={qr_mac} -> mod_dl_src:"
               f"<host DVR MAC>", Status.ERROR, evidence)


def _route_state(report, view, ns):
    """(rules, routes, evidence of both) of ``ns``, or None (reported)."""
    rule_probe = probes.netns_rules(ns)
    route_probe = probes.netns_route_tables(ns)
    try:
        rules = view.read(rule_probe)
        routes = view.read(route_probe)
    except Unreadable as exc:
        report.skipped(view.host, f"{ns} rules", "route-rule", exc)
        return None
    return types.SimpleNamespace(
        ns=ns, rules=rules, routes=routes,
        rule_evidence=lambda lines=(): view.evidence(rule_probe, lines),
        route_evidence=lambda lines=(): view.evidence(route_probe, lines))


def table_default(state, table):
    return next((r for r in state.routes if r.is_default
                 and r.table == table and ":" not in (r.gateway or "")),
                None)


def _check_snat_route(report, context, view, state):
    """A subnet's traffic without a floating IP goes to the sg- port.

    A rule from the subnet to a table whose default route is the router's
    sg- port of that subnet.
    """
    if state is None:
        return
    host, ns = view.host, state.ns
    qr = names.qr_device(context.router.interface_port.id)
    for subnet in context.subnets:
        if ":" in subnet.cidr:
            continue                 # IPv6 is routed, not SNATed
        net = ipaddress.ip_network(subnet.cidr)
        sg_ips = [ip for p in context.router.snat_ports
                  for sid, ip in p.fixed_ips if sid == subnet.id]
        rule = next((r for r in state.rules if r.srclen == net.prefixlen
                     and r.src != "all" and ipaddress.ip_address(r.src)
                     in net), None)
        route = table_default(state, rule.table) if rule else None
        lines = ([f"from {rule.src}/{rule.srclen} lookup {rule.table}"]
                 if rule else []) + ([f"default via {route.gateway} dev "
                                      f"{route.dev} table {route.table}"]
                                     if route else [])
        evidence = [state.rule_evidence(lines[:1]),
                    state.route_evidence(lines[1:])]
        found = (f"via {route.gateway} dev {route.dev} table {rule.table}"
                 if route else ("no default route in table " + rule.table
                                if rule else "no rule for the subnet"))
        if route is not None and route.gateway in sg_ips and \
                route.dev == qr:
            report.hop(host, f"{subnet.cidr} -> snat", "snat-route",
                       "present", f"from {subnet.cidr} lookup {rule.table}: "
                       f"default {found.split(' table ')[0]} (the SNAT "
                       "port)", Status.OK, evidence)
            continue
        expected = f"{' or '.join(sg_ips) or '<sg- port>'} dev {qr}"
        report.find("NETDIAG_DVR_SNAT_ROUTE_WRONG", f"{host}:{subnet.cidr}",
                    f"{ns} on {host} routes {subnet.cidr} {found}, expected "
                    f"default via {expected}", host=host, namespace=ns,
                    cidr=subnet.cidr, expected=expected, found=found)
        report.hop(host, f"{subnet.cidr} -> snat", "snat-route", "wrong",
                   f"{found}; expected default via {expected}", Status.ERROR,
                   evidence)


# -- on the SNAT host ---------------------------------------------------------

def snat_hops(report, context, view, agent, l2_inbound, active=True):
    """The SNAT side for a port without a floating IP.

    sg- (on br-int, then in snat-), qg-, the default route and the SNAT
    rule. Returns the gateway (device, port) for the external hops, or
    None.
    """
    router = context.router
    ns = names.snat_namespace(router.id)
    if has_floating_ip(context) or router.gateway_port is None:
        return None                  # not on the port's path: not shown
    sg_ports = router.snat_ports
    for port in sg_ports:
        l2_inbound(report, view, agent, names.sg_device(port.id), port,
                   context.network, context)
    if not devices.check_namespace(report, view, ns,
                                   "NETDIAG_DVR_SNAT_NAMESPACE_MISSING",
                                   "namespace"):
        return None
    for port in sg_ports:
        devices.check_ns_device(report, view, ns, names.sg_device(port.id),
                                port.ips(), "NETDIAG_DVR_DEVICE_BROKEN",
                                "snat-port", require_ips=active)
    gw = router.gateway_port
    qg = names.qg_device(gw.id)
    devices.check_ns_device(report, view, ns, qg, gw.ips(),
                            "NETDIAG_DVR_DEVICE_BROKEN", "gateway-port",
                            require_ips=active)
    nat.check_routes(report, view, ns, active, qg, router.gateway_ips)
    nat.check_nat(report, view, types.SimpleNamespace(
        id=router.id, gateway=gw, floating_ips=()), ns, qg, active)
    return qg, gw
