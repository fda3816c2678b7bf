"""``router check``: a router's namespaces, devices, routes and NAT rules.

On every L3 agent hosting the router: ``qrouter-<router>``; for HA routers
exactly one agent active (the API's ha_state, which the agents report from
keepalived) and which host; each ``qr-`` device with the router interface
ports' addresses, ``qg-`` with the gateway port's (and, for legacy routers,
every floating IP as a /32); the default route; in the namespace's NAT
table the SNAT rule of the gateway and each floating IP's DNAT and SNAT
rules. For distributed routers, the ``snat-<router>`` namespace on dvr_snat
agents. One batch per host, hosts in parallel.
"""

import dataclasses
import shlex

from osc_netdiag import names
from osc_netdiag import probes
from osc_netdiag import resolve
from osc_netdiag.backends import devices
from osc_netdiag.backends.report import Report
from osc_netdiag.backends.report import Unreadable
from osc_netdiag.errors import ResolveError
from osc_netdiag.l3dhcp import common
from osc_netdiag.models import Status
from osc_netdiag.parsers import iptables

L3_AGENT = "L3 agent"


@dataclasses.dataclass(frozen=True)
class FloatingIp:
    id: str
    address: str
    fixed_ip: str
    port_id: str


@dataclasses.dataclass(frozen=True)
class RouterContext:
    id: str
    name: str
    ha: bool
    distributed: bool
    interfaces: tuple            # of PortInfo (qr-)
    gateway: object              # PortInfo (qg-) or None
    agents: tuple                # of context.Agent (L3 agents)
    floating_ips: tuple          # of FloatingIp with a fixed IP

    @property
    def hosts(self):
        return sorted({a.host for a in self.agents})

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        port = common.port_from_json
        return cls(
            id=data["id"], name=data["name"], ha=data["ha"],
            distributed=data["distributed"],
            interfaces=tuple(port(p) for p in data["interfaces"]),
            gateway=port(data["gateway"]),
            agents=tuple(common.agent_from_json(a) for a in data["agents"]),
            floating_ips=tuple(FloatingIp(**f)
                               for f in data["floating_ips"]))


def resolve_context(conn, ref):
    net_api = conn.network
    router = net_api.find_router(ref, ignore_missing=True)
    if router is None:
        raise ResolveError("not-found", f"No router found for '{ref}'")
    interfaces, gateway = [], None
    for port in net_api.ports(device_id=router.id):
        if port.device_owner in resolve.ROUTER_INTERFACE_OWNERS:
            interfaces.append(resolve.port_info(port))
        elif port.device_owner == "network:router_gateway":
            gateway = resolve.port_info(port)
    fips = tuple(FloatingIp(f.id, f.floating_ip_address,
                            f.fixed_ip_address, f.port_id)
                 for f in net_api.ips(router_id=router.id)
                 if f.fixed_ip_address)
    return RouterContext(
        id=router.id, name=router.name or "",
        ha=bool(getattr(router, "is_ha", False)),
        distributed=bool(getattr(router, "is_distributed", False)),
        interfaces=tuple(sorted(interfaces, key=lambda p: p.id)),
        gateway=gateway,
        agents=tuple(resolve.agent_info(a) for a in
                     net_api.routers_hosting_l3_agents(router.id)),
        floating_ips=tuple(sorted(fips, key=lambda f: f.address)))


# -- probes -------------------------------------------------------------------

def iptables_save(ns):
    return probes.Probe(f"ns-iptables:{ns}",
                        probes.in_netns(ns, ("iptables-save", "-t", "nat")),
                        iptables.parse_iptables_save)


def host_probes(context):
    ns = names.qrouter_namespace(context.id)
    return [probes.netns_list(), probes.netns_addr(ns),
            probes.netns_routes(ns), iptables_save(ns)]


# -- checks -------------------------------------------------------------------

def check_agents(report, context):
    if not context.agents:
        report.find("NETDIAG_ROUTER_NOT_HOSTED", context.id,
                    f"no L3 agent hosts router {context.id}",
                    router=context.id)
        report.hop("-", context.id, "l3-agent", "none",
                   "no L3 agent hosts the router", Status.ERROR)
        return
    for agent in context.agents:
        state = "alive" if agent.alive and agent.admin_state_up else (
            "dead" if not agent.alive else "admin down")
        detail = f"ha_state {agent.ha_state}" if context.ha else \
            f"mode {agent.configurations.get('agent_mode', 'legacy')}"
        if state != "alive":
            report.find("NETDIAG_AGENT_DEAD", f"{agent.host}:{L3_AGENT}",
                        f"the {L3_AGENT} on {agent.host} is {state}",
                        agent_type=L3_AGENT, host=agent.host)
        report.hop(agent.host, L3_AGENT, "l3-agent", state, detail,
                   Status.OK if state == "alive" else Status.ERROR)
    if context.ha:
        actives = [a.host for a in context.agents if a.ha_state == "active"]
        if len(actives) != 1:
            report.find("NETDIAG_ROUTER_HA_STATE", context.id,
                        f"HA router {context.id} is active on "
                        f"{len(actives)} hosts: {', '.join(actives) or '-'}",
                        active=len(actives))
        report.hop(", ".join(actives) or "-", context.id, "ha-state",
                   f"{len(actives)} active",
                   f"active on {', '.join(actives) or 'no host'}",
                   Status.OK if len(actives) == 1 else Status.ERROR)


def _active_here(context, host):
    if not context.ha:
        return True
    agent = next(a for a in context.agents if a.host == host)
    return agent.ha_state == "active"


def check_routes(report, view, ns, active):
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
    if default:
        report.hop(host, "default route", "route", "present",
                   f"via {default[0].gateway} dev {default[0].dev}",
                   Status.OK, evidence)
    elif active:
        report.find("NETDIAG_ROUTER_NO_DEFAULT_ROUTE", f"{host}:{ns}",
                    f"{ns} on {host} has no default route", namespace=ns)
        report.hop(host, "default route", "route", "absent", "",
                   Status.WARN, evidence)


def _nat_rules(view, ns):
    probe = iptables_save(ns)
    tables = view.read(probe)
    nat = next((t for t in tables if t.name == "nat"), None)
    return probe, (nat.rules if nat is not None else ())


def _has_rule(rules, chain_suffix, *fragments):
    """A rule of a ``neutron-*<chain_suffix>`` chain whose argv contains
    every fragment (a tuple of words). The chain matters: the l3 agent also
    DNATs a floating IP in OUTPUT (for the router itself); traffic from
    outside needs the PREROUTING rule."""
    for rule in rules:
        if not (rule.chain.startswith("neutron-") and
                rule.chain.endswith(chain_suffix)):
            continue
        words = shlex.split(rule.text)
        joined = " " + " ".join(words) + " "
        if all(" " + " ".join(f) + " " in joined for f in fragments):
            return rule
    return None


def check_nat(report, view, context, ns, qg, active):
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
    for fip in context.floating_ips:
        dnat = _has_rule(rules, "-PREROUTING", ("-d", f"{fip.address}/32"),
                         ("-j", "DNAT"), ("--to-destination", fip.fixed_ip))
        snat = _has_rule(rules, "-float-snat", ("-s", f"{fip.fixed_ip}/32"),
                         ("-j", "SNAT"), ("--to-source", fip.address))
        _nat_row(report, view, probe, host, f"DNAT {fip.address}", dnat,
                 active, f"-d {fip.address}/32 -j DNAT --to-destination "
                 f"{fip.fixed_ip}", subject=fip.id)
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


def check_fip_addresses(report, view, context, ns, qg, active):
    """Legacy routers put every floating IP on qg- as a /32."""
    host = view.host
    if qg is None or not context.floating_ips:
        return
    try:
        link, evidence = devices.find_link(view, qg, netns=ns)
    except Unreadable:
        return                       # already reported by the qg- row
    if link is None:
        return
    present = {a.local for a in link.addresses}
    for fip in context.floating_ips:
        if fip.address in present:
            report.hop(host, fip.address, "floating-ip", "on " + qg,
                       f"-> {fip.fixed_ip}", Status.OK, [evidence])
        elif active:
            report.find("NETDIAG_ROUTER_FIP_ADDRESS_MISSING",
                        f"{host}:{fip.address}",
                        f"floating IP {fip.address} is not on {qg} in {ns} "
                        f"on {host}", host=host, address=fip.address,
                        device=qg)
            report.hop(host, fip.address, "floating-ip", "absent",
                       f"not on {qg}", Status.ERROR, [evidence])


def evaluate_host(report, view, context):
    host = view.host
    if report.host_unreadable(view):
        return
    ns = names.qrouter_namespace(context.id)
    active = _active_here(context, host)
    if not devices.check_namespace(report, view, ns,
                                   "NETDIAG_ROUTER_NAMESPACE_MISSING",
                                   "namespace"):
        return
    for port in context.interfaces:
        devices.check_ns_device(report, view, ns, names.qr_device(port.id),
                                port.ips(), "NETDIAG_ROUTER_DEVICE_BROKEN",
                                "router-port", require_ips=active)
    qg = None
    if context.gateway is not None:
        qg = names.qg_device(context.gateway.id)
        devices.check_ns_device(report, view, ns, qg, context.gateway.ips(),
                                "NETDIAG_ROUTER_DEVICE_BROKEN",
                                "gateway-port", require_ips=active)
        check_routes(report, view, ns, active)
    if not context.distributed:
        check_fip_addresses(report, view, context, ns, qg, active)
        check_nat(report, view, context, ns, qg, active)
    else:
        check_dvr(report, view, context, host)


def check_dvr(report, view, context, host):
    """Distributed routers: SNAT lives in snat-<router> on dvr_snat agents
    (its rules are read by a later version; the namespace is checked)."""
    agent = next(a for a in context.agents if a.host == host)
    if agent.configurations.get("agent_mode") != "dvr_snat" or \
            context.gateway is None:
        return
    devices.check_namespace(report, view, "snat-" +
                            names.checked_uuid(context.id),
                            "NETDIAG_ROUTER_NAMESPACE_MISSING", "namespace")


def check_context(context, **options):
    report = Report()
    check_agents(report, context)
    with common.PhasedRun(context_json=context.to_json(), **options) as run:
        views = run.run({h: host_probes(context) for h in context.hosts})
        for host in context.hosts:
            evaluate_host(report, views[host], context)
    notes = []
    if context.distributed:
        notes.append("distributed router: snat-<router> is checked on "
                     "dvr_snat agents; fip- namespaces and NAT rules of "
                     "compute nodes are not read yet")
    return common.result(f"router {context.id}", report, run, notes)


def check_from_capture(capture_dir, *, max_workers=common.DEFAULT_WORKERS):
    """Re-run a router check offline from a ``--save-capture`` directory."""
    data, options = common.replay_options(capture_dir, max_workers)
    return check_context(RouterContext.from_json(data), **options)


def router_check(connection, ref, **options):
    """``router check <router>``: resolve the router, read its L3 hosts."""
    return check_context(resolve_context(connection, ref), **options)
