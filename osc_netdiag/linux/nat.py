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

"""A router namespace's default route and NAT rules (qrouter- of legacy
and HA routers, qrouter- and snat- of distributed ones).
"""

import shlex

from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.models import Status
from osc_netdiag import probes


# every probe is built in probes.py; the name the router checks use
iptables_save = probes.netns_iptables_nat


def check_routes(report, view, ns, active, device=None, gateways=()):
    """The default route exists and, when known, leaves through ``device``
    (the qg-) via one of ``gateways`` (the external subnets' gateway_ip):
    a route via another address sends every packet leaving the cloud to
    the wrong next hop, which "present" alone would hide.
    """
    host = view.host
    probe = probes.netns_routes(ns)
    try:
        routes = view.read(probe)
    except Unreadable as exc:
        report.skipped(host, f"{ns} routes", "route", exc)
        return
    default = [r for r in routes if r.is_default]
    evidence = [view.evidence(probe, [f"{r.dst} via {r.gateway} dev {r.dev}"
                                      for r in default])]
    if not default:
        if active:
            if gateways:
                # The API says where north-south traffic goes: without
                # the route none of it leaves (ERROR).
                report.find("NETDIAG_ROUTER_NO_DEFAULT_ROUTE", f"{host}:{ns}",
                            f"{ns} on {host} has no default route, but the "
                            f"external subnet's gateway is "
                            f"{', '.join(gateways)}: no traffic of the "
                            "router leaves the external subnet",
                            namespace=ns, host=host,
                            gateway=", ".join(gateways))
                report.hop(host, "default route", "route", "absent",
                           f"expected via {', '.join(gateways)}",
                           Status.ERROR, evidence)
            else:
                report.find("NETDIAG_ROUTER_NO_GATEWAY_IP", f"{host}:{ns}",
                            f"{ns} on {host} has no default route; the API "
                            "gives no gateway_ip of the external subnet",
                            namespace=ns, host=host)
                report.hop(host, "default route", "route", "absent",
                           "no external gateway_ip known", Status.WARN,
                           evidence)
        return
    route = default[0]
    problems = _route_problems(default, device, gateways)
    if not problems:
        report.hop(host, "default route", "route", "present",
                   f"via {route.gateway} dev {route.dev}", Status.OK,
                   evidence)
        return
    if not active:
        report.hop(host, "default route", "route", "wrong",
                   f"standby: {'; '.join(problems)}", Status.SKIP, evidence)
        return
    expected = " or ".join(gateways) or "-"
    report.find("NETDIAG_ROUTER_DEFAULT_ROUTE_WRONG", f"{host}:{ns}",
                f"the default route of {ns} on {host} is wrong: "
                + "; ".join(problems), namespace=ns, host=host,
                found=f"{route.gateway} dev {route.dev}", expected=expected)
    report.hop(host, "default route", "route", "wrong",
               f"via {route.gateway} dev {route.dev}; "
               + "; ".join(problems), Status.ERROR, evidence)


def _route_problems(default, device, gateways):
    problems = []
    for route in default:
        if device and route.dev != device:
            problems.append(f"leaves through {route.dev or '-'}, expected "
                            f"{device}")
        # IPv6 defaults go via the upstream's link-local address, which
        # the API does not know: only IPv4 next hops are compared.
        v4 = [g for g in gateways if ":" not in g]
        if v4 and route.gateway and ":" not in route.gateway and \
                route.gateway not in v4:
            problems.append(f"via {route.gateway}, the external subnet's "
                            f"gateway is {' or '.join(v4)}")
    return problems


def _nat_rules(view, ns):
    probe = iptables_save(ns)
    tables = view.read(probe)
    nat = next((t for t in tables if t.name == "nat"), None)
    return probe, (nat.rules if nat is not None else ())


def _has_rule(rules, chain_suffix, *fragments):
    """A rule of a ``neutron-*<chain_suffix>`` chain whose argv contains
    every fragment (a tuple of words). The chain matters: the l3 agent also
    DNATs a floating IP in OUTPUT (for the router itself); traffic from
    outside needs the PREROUTING rule.
    """
    for rule in rules:
        if not (rule.chain.startswith("neutron-") and
                rule.chain.endswith(chain_suffix)):
            continue
        words = shlex.split(rule.text)
        joined = " " + " ".join(words) + " "
        if all(" " + " ".join(f) + " " in joined for f in fragments):
            return rule
    return None


def check_nat(report, view, context, ns, qg, active, floating_ips=None,
              in_device=None):
    """The gateway's SNAT rule (when ``qg`` is given) and each floating
    IP's DNAT and SNAT rules in ``ns``. A distributed router DNATs only
    what comes in from the fip- namespace: ``in_device`` (its rfp-).
    """
    host = view.host
    try:
        probe, rules = _nat_rules(view, ns)
    except Unreadable as exc:
        report.skipped(host, f"{ns} nat", "nat", exc)
        return
    if context.gateway is not None and qg is not None:
        for gw_ip in context.gateway.ips():
            if ":" in gw_ip:
                continue            # no NAT for IPv6
            rule = _has_rule(rules, "-snat", ("-o", qg), ("-j", "SNAT"),
                             ("--to-source", gw_ip))
            _nat_row(report, view, probe, host, f"SNAT {gw_ip}", rule,
                     active, f"-o {qg} -j SNAT --to-source {gw_ip}",
                     subject=context.id)
    if floating_ips is None:
        floating_ips = context.floating_ips
    inbound = f" -i {in_device}" if in_device else ""
    for fip in floating_ips:
        match = [("-d", f"{fip.address}/32")]
        if in_device:
            match.append(("-i", in_device))
        dnat = _has_rule(rules, "-PREROUTING", *match, ("-j", "DNAT"),
                         ("--to-destination", fip.fixed_ip))
        snat = _has_rule(rules, "-float-snat", ("-s", f"{fip.fixed_ip}/32"),
                         ("-j", "SNAT"), ("--to-source", fip.address))
        _nat_row(report, view, probe, host, f"DNAT {fip.address}", dnat,
                 active, f"-d {fip.address}/32{inbound} -j DNAT "
                 f"--to-destination {fip.fixed_ip}", subject=fip.id)
        _nat_row(report, view, probe, host, f"SNAT {fip.fixed_ip}", snat,
                 active, f"-s {fip.fixed_ip}/32 -j SNAT --to-source "
                 f"{fip.address}", subject=fip.id)


def _nat_row(report, view, probe, host, what, rule, active, expected,
             subject):
    if rule is not None:
        report.hop(host, what, "nat-rule", "present", rule.text, Status.OK,
                   [view.evidence(probe, [rule.text])])
        return
    if not active:
        report.hop(host, what, "nat-rule", "absent",
                   f"standby: {expected}", Status.SKIP)
        return
    report.find("NETDIAG_ROUTER_NAT_RULE_MISSING", f"{host}:{what}",
                f"no '{expected}' rule in the router namespace's nat table "
                f"on {host}", host=host, rule=expected, what=subject)
    report.hop(host, what, "nat-rule", "absent", f"expected {expected}",
               Status.ERROR, [view.evidence(probe)])
