"""``router check``: a router's namespaces, devices, routes and NAT rules.

On every L3 agent hosting the router: ``qrouter-<router>``; for HA routers
exactly one agent active (the API's ha_state, which the agents report from
keepalived) and which host; each ``qr-`` device with the router interface
ports' addresses, ``qg-`` with the gateway port's (and, for legacy routers,
every floating IP as a /32); the default route; in the namespace's NAT
table the SNAT rule of the gateway and each floating IP's DNAT and SNAT
rules. Distributed routers: see ``router_dvr`` (qrouter- on every host it
serves, fip- where its floating IPs are, snat- on its SNAT host). One batch
per host, hosts in parallel.
"""

import dataclasses
import operator

from osc_netdiag import names
from osc_netdiag import probes
from osc_netdiag import resolve
from osc_netdiag.backends import devices
from osc_netdiag.backends.report import Report
from osc_netdiag.backends.report import Unreadable
from osc_netdiag.errors import ResolveError
from osc_netdiag.l3dhcp import common
from osc_netdiag.l3dhcp import router_dvr
from osc_netdiag.l3dhcp import router_nat
from osc_netdiag.models import Status

L3_AGENT = "L3 agent"


@dataclasses.dataclass(frozen=True)
class FloatingIp:
    id: str
    address: str
    fixed_ip: str
    port_id: str
    host: str = ""               # binding host of the port (distributed)


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
    # distributed routers only: router_centralized_snat ports (sg-) and
    # the external network's floatingip_agent_gateway ports (fg-, one per
    # host)
    snat_ports: tuple = ()
    agent_gateways: tuple = ()
    # gateway_ip of the external subnets the gateway port is on: the next
    # hop the default route must use (empty in older recordings)
    gateway_ips: tuple = ()

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
                               for f in data["floating_ips"]),
            snat_ports=tuple(port(p) for p in data.get("snat_ports", ())),
            agent_gateways=tuple(port(p)
                                 for p in data.get("agent_gateways", ())),
            gateway_ips=tuple(data.get("gateway_ips", ())))


def resolve_context(conn, ref):
    net_api = conn.network
    router = net_api.find_router(ref, ignore_missing=True)
    if router is None:
        raise ResolveError("not-found", f"No router found for '{ref}'")
    distributed = bool(getattr(router, "is_distributed", False))
    interfaces, gateway, snat_ports = [], None, []
    for port in net_api.ports(device_id=router.id):
        if port.device_owner in resolve.ROUTER_INTERFACE_OWNERS:
            interfaces.append(resolve.port_info(port))
        elif port.device_owner == "network:router_gateway":
            gateway = resolve.port_info(port)
        elif port.device_owner == router_dvr.SNAT_PORT_OWNER:
            snat_ports.append(resolve.port_info(port))
    fips = tuple(FloatingIp(f.id, f.floating_ip_address,
                            f.fixed_ip_address, f.port_id,
                            router_dvr.port_host(net_api, f.port_id)
                            if distributed else "")
                 for f in net_api.ips(router_id=router.id)
                 if f.fixed_ip_address)
    agents = [resolve.agent_info(a) for a in
              net_api.routers_hosting_l3_agents(router.id)]
    agent_gateways = ()
    if distributed:
        agents += router_dvr.serving_agents(
            net_api, interfaces, {a.host for a in agents})
        if gateway is not None:
            agent_gateways = router_dvr.agent_gateway_ports(
                net_api, gateway.network_id)
    gateway_ips = (resolve.external_gateway_ips(net_api, gateway)
                   if gateway else ())
    by_id = operator.attrgetter("id")
    return RouterContext(
        id=router.id, name=router.name or "",
        ha=bool(getattr(router, "is_ha", False)),
        distributed=distributed,
        interfaces=tuple(sorted(interfaces, key=by_id)),
        gateway=gateway,
        agents=tuple(agents),
        floating_ips=tuple(sorted(fips, key=lambda f: f.address)),
        snat_ports=tuple(sorted(snat_ports, key=by_id)),
        agent_gateways=tuple(sorted(agent_gateways, key=by_id)),
        gateway_ips=gateway_ips)


# -- probes -------------------------------------------------------------------

def host_probes(context, host):
    ns = names.qrouter_namespace(context.id)
    if context.distributed:
        return [probes.netns_list(), probes.netns_addr(ns)] + \
            router_dvr.host_probes(context, host)
    return [probes.netns_list(), probes.netns_addr(ns),
            probes.netns_routes(ns), router_nat.iptables_save(ns)]


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
        # DVR+HA: only the dvr_snat agents run keepalived
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
    agent = next(a for a in context.agents if a.host == host)
    if not context.ha or router_dvr.agent_mode(agent) == "dvr":
        return True
    return agent.ha_state == "active"


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
    if context.distributed:
        # no qg- and no default route here: they are in snat-<router>
        router_dvr.evaluate_host(report, view, context, active)
        return
    qg = None
    if context.gateway is not None:
        qg = names.qg_device(context.gateway.id)
        devices.check_ns_device(report, view, ns, qg, context.gateway.ips(),
                                "NETDIAG_ROUTER_DEVICE_BROKEN",
                                "gateway-port", require_ips=active)
        router_nat.check_routes(report, view, ns, active, qg,
                                context.gateway_ips)
    check_fip_addresses(report, view, context, ns, qg, active)
    router_nat.check_nat(report, view, context, ns, qg, active)


def check_context(context, **options):
    report = Report()
    check_agents(report, context)
    with common.PhasedRun(context_json=context.to_json(), **options) as run:
        views = run.run({h: host_probes(context, h)
                         for h in context.hosts})
        for host in context.hosts:
            evaluate_host(report, views[host], context)
    notes = router_dvr.notes(context) if context.distributed else []
    return common.result(f"router {context.id}", report, run, notes)


def check_from_capture(capture_dir, *, max_workers=common.DEFAULT_WORKERS):
    """Re-run a router check offline from a ``--save-capture`` directory."""
    data, options = common.replay_options(capture_dir, max_workers)
    return check_context(RouterContext.from_json(data), **options)


def router_check(connection, ref, **options):
    """``router check <router>``: resolve the router, read its L3 hosts."""
    return check_context(resolve_context(connection, ref), **options)
