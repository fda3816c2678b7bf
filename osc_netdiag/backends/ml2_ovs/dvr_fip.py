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

"""The floating-IP side of a distributed router on the instance's host:
qrouter-'s rule and table for the fixed IP, the rfp-/fpr- link, the NAT
rules, fip-<external network> with fg- and the route to the floating IP.
See ``trace_dvr`` for where Neutron puts each of them."""

import ipaddress
import types

from osc_netdiag.linux import devices
from osc_netdiag.linux import fip as fip_side
from osc_netdiag.linux import nat
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag import probes


def agent_gateway(context, host):
    return fip_side.agent_gateway(context.router.agent_gateways, host)


def _v4(link):
    return [a for a in (link.addresses if link else ())
            if a.family == "inet"]


def _peer(address):
    """The other address of a /31 (the far end of a veth pair)."""
    iface = ipaddress.ip_interface(f"{address.local}/{address.prefixlen}")
    if iface.network.prefixlen != 31:
        return None
    return str(next(ip for ip in iface.network if ip != iface.ip))


def check(report, context, view, state):
    """Everything the port's floating IPs need on its host.

    ``state``: the qrouter-'s rules and routes (trace_dvr), or None when
    they could not be read.
    """
    router, host = context.router, view.host
    qrouter = names.qrouter_namespace(router.id)
    fip_ns = names.fip_namespace(router.gateway_port.network_id)
    rfp, fpr = names.rfp_device(router.id), names.fpr_device(router.id)
    fips = router.floating_ips
    rfp_link = devices.check_ns_device(report, view, qrouter, rfp, [],
                                       "NETDIAG_DVR_DEVICE_BROKEN",
                                       "fip-link")
    rfp_addr = (_v4(rfp_link) or [None])[0]
    fpr_expected = _peer(rfp_addr) if rfp_addr else None
    if rfp_link is not None and fpr_expected is None:
        _link_wrong(report, host, qrouter, rfp,
                    f"{rfp} has {_addresses(rfp_link)}, not one address of "
                    "a /31 (the rfp-/fpr- pair)")
    if state is not None:
        # "" when rfp- is there but has no /31 peer: no next hop is right
        next_hop = fpr_expected or ("" if rfp_link is not None else None)
        for fip in fips:
            _check_rule(report, host, state, fip, rfp, next_hop)
    nat.check_nat(report, view, types.SimpleNamespace(
        id=router.id, gateway=None, floating_ips=fips), qrouter, None, True,
        floating_ips=fips, in_device=rfp)
    if not devices.check_namespace(report, view, fip_ns,
                                   "NETDIAG_DVR_FIP_NAMESPACE_MISSING",
                                   "namespace"):
        return
    fpr_link = devices.check_ns_device(report, view, fip_ns, fpr,
                                       [fpr_expected] if fpr_expected else [],
                                       "NETDIAG_DVR_DEVICE_BROKEN",
                                       "fip-link")
    _check_agent_gateway(report, context, view, fip_ns)
    if fpr_link is not None or rfp_addr is not None:
        _check_fip_routes(report, view, fip_ns, fpr, fips,
                          rfp_addr.local if rfp_addr else None)


def _addresses(link):
    return ", ".join(f"{a.local}/{a.prefixlen}" for a in _v4(link)) or \
        "no IPv4 address"


def _link_wrong(report, host, ns, subject, what, evidence=()):
    report.find("NETDIAG_DVR_FIP_LINK_WRONG", f"{host}:{subject}",
                f"in {ns} on {host}, {what}", host=host, namespace=ns,
                what=what)
    report.hop(host, subject, "fip-link", "wrong", what, Status.ERROR,
               evidence)


def _check_rule(report, host, state, fip, rfp, fpr_ip):
    """The fixed IP's rule, and its table's default route via fpr-.

    ``from <fixed IP> lookup <table>``, the table's default route via the
    fpr- end over rfp-.
    """
    ns = state.ns
    subject = f"from {fip.fixed_ip}"
    rule = next((r for r in state.rules if r.src == fip.fixed_ip
                 and r.srclen in (None, 32)), None)
    if rule is None:
        report.find("NETDIAG_DVR_FIP_RULE_MISSING", f"{host}:{subject}",
                    f"{ns} on {host} has no rule from {fip.fixed_ip}",
                    host=host, namespace=ns, fixed_ip=fip.fixed_ip,
                    address=fip.address)
        report.hop(host, subject, "fip-rule", "absent",
                   f"expected from {fip.fixed_ip} lookup <table> (floating "
                   f"IP {fip.address})", Status.ERROR,
                   [state.rule_evidence()])
        return
    route = next((r for r in state.routes if r.is_default
                  and r.table == rule.table
                  and ":" not in (r.gateway or "")), None)
    found = (f"default via {route.gateway} dev {route.dev}" if route
             else "no default route")
    evidence = [state.rule_evidence([f"from {rule.src} lookup "
                                     f"{rule.table}"]),
                state.route_evidence([f"{found} table {rule.table}"]
                                     if route else [])]
    # fpr_ip is None when rfp- could not be read (reported there): the
    # next hop is then not judged
    if route is not None and route.dev == rfp and \
            route.gateway == (route.gateway if fpr_ip is None else fpr_ip):
        report.hop(host, subject, "fip-rule", "present",
                   f"lookup {rule.table}: {found} (fpr- end; out through "
                   "fip-, not SNAT)", Status.OK,
                   evidence)
        return
    _link_wrong(report, host, ns, subject,
                f"table {rule.table} of {fip.fixed_ip} has {found}, "
                f"expected default via {fpr_ip or '<fpr- address>'} dev "
                f"{rfp}", evidence)


def _check_agent_gateway(report, context, view, fip_ns):
    host = view.host
    network = context.router.gateway_port.network_id
    fip_side.check_agent_gateway(
        report, view, fip_ns, agent_gateway(context, host),
        missing=("NETDIAG_DVR_NO_AGENT_GATEWAY",
                 f"no floatingip_agent_gateway port on {network} is bound "
                 f"to {host}", {"network": network}),
        broken="NETDIAG_DVR_DEVICE_BROKEN")


def _check_fip_routes(report, view, fip_ns, fpr, fips, rfp_ip):
    """fip- routes each floating IP to the router's rfp- end over fpr-.

    That route is also what makes fg- answer ARP for it (proxy ARP).
    """
    host = view.host
    probe = probes.netns_route_tables(fip_ns)
    routes = fip_side.read_routes(report, view, probe, fip_ns)
    if routes is None:
        return
    for fip in fips:
        route = fip_side.host_route(routes, fip.address,
                                    lambda r: r.type is None)
        found = (f"via {route.gateway or '-'} dev {route.dev}" if route
                 else "no route")
        evidence = [view.evidence(probe, [f"{fip.address} {found}"]
                                  if route else [])]
        if route is not None and route.dev == fpr and \
                (rfp_ip is None or route.gateway == rfp_ip):
            report.hop(host, fip.address, "fip-route", "present",
                       f"{found} (fg- answers ARP for it)", Status.OK,
                       evidence)
            continue
        expected = rfp_ip or "<rfp- address>"
        report.find("NETDIAG_DVR_FIP_ROUTE_WRONG", f"{host}:{fip.address}",
                    f"{fip_ns} on {host} routes {fip.address} {found}, "
                    f"expected via {expected} dev {fpr}", host=host,
                    namespace=fip_ns, address=fip.address, found=found,
                    expected=expected, device=fpr)
        report.hop(host, fip.address, "fip-route",
                   "absent" if route is None else "wrong",
                   f"{found}; expected via {expected} dev {fpr}",
                   Status.ERROR, evidence)
