"""``host check``: is an ML2/OVS host wired the way its agent and the API say?

For each host: its interfaces (``ip a``; virbr0 ignored, as the Operations
Guide says), the bridges the Open vSwitch agent's configuration expects
(integration, tunnel, every ``bridge_mappings`` bridge), the patch pairs
between them, the tunnel ports against the other agents' ``tunneling_ip``,
interfaces OVS could not open, the agent's liveness against its bridges'
OpenFlow controller connection, and the ``qrouter-``/``qdhcp-`` namespaces
against the routers and networks Neutron hosts there. The checks are in
:mod:`osc_netdiag.backends.ml2_ovs.hostcheck`.

"""

import dataclasses

from osc_netdiag import exitcodes
from osc_netdiag import runner
from osc_netdiag.backends.ml2_ovs import hostcheck as backend
from osc_netdiag.context import Agent
from osc_netdiag.errors import ResolveError

OVS_AGENT = backend.OVS_AGENT
L3_AGENT = "L3 agent"
DHCP_AGENT = "DHCP agent"


# -- what the API says --------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class HostCheckContext:
    """The API's side of a host check, storable as JSON for --from-capture."""
    hosts: tuple                      # host names to check
    ovs_agents: dict                  # host -> Agent (every OVS agent)
    l3_agents: dict                   # host -> Agent
    dhcp_agents: dict                 # host -> Agent
    hosted_routers: dict              # host -> router IDs its L3 agent hosts
    hosted_networks: dict             # host -> network IDs its DHCP agent
                                      #   hosts that have a DHCP subnet
    router_ids: tuple                 # every router in the API
    network_ids: tuple                # every network in the API
    # distributed routers: their qrouter- is on every dvr/dvr_snat host
    # that serves one of their ports, beyond the API's agent bindings
    distributed_router_ids: tuple = ()
    # host -> {tunnel type: peer hosts}: the tunnels l2population makes,
    # one per peer sharing a network of that type (bound ports on both)
    tunnel_needs: dict = dataclasses.field(default_factory=dict)

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        def agents(items):
            return {h: Agent(**a) for h, a in items.items()}
        return cls(
            hosts=tuple(data["hosts"]),
            ovs_agents=agents(data["ovs_agents"]),
            l3_agents=agents(data["l3_agents"]),
            dhcp_agents=agents(data["dhcp_agents"]),
            hosted_routers={h: tuple(v)
                            for h, v in data["hosted_routers"].items()},
            hosted_networks={h: tuple(v)
                             for h, v in data["hosted_networks"].items()},
            router_ids=tuple(data["router_ids"]),
            network_ids=tuple(data["network_ids"]),
            distributed_router_ids=tuple(
                data.get("distributed_router_ids", ())),
            tunnel_needs={h: {t: tuple(p) for t, p in v.items()}
                          for h, v in data.get("tunnel_needs", {}).items()},
        )


def resolve_context(conn, hosts=(), all_hosts=False):
    """Build a HostCheckContext from the API (the only SDK use here)."""
    from osc_netdiag import resolve
    net = conn.network
    by_type = {OVS_AGENT: {}, L3_AGENT: {}, DHCP_AGENT: {}}
    sdk_agents = {}
    for agent in net.agents():
        if agent.agent_type in by_type:
            by_type[agent.agent_type][agent.host] = resolve.agent_info(agent)
            sdk_agents[(agent.agent_type, agent.host)] = agent
    known = sorted(set().union(*(set(v) for v in by_type.values())))
    if all_hosts:
        hosts = known
    else:
        unknown = [h for h in hosts if h not in known]
        if unknown:
            raise ResolveError(
                "not-found",
                f"No Open vSwitch, L3 or DHCP agent is registered for "
                f"{', '.join(unknown)}; known hosts: {', '.join(known) or '-'}")
    dhcp_networks = {s.network_id for s in net.subnets()
                     if s.is_dhcp_enabled}
    hosted_routers, hosted_networks = {}, {}
    for host in hosts:
        l3 = sdk_agents.get((L3_AGENT, host))
        if l3 is not None:
            hosted_routers[host] = tuple(sorted(
                r.id for r in net.agent_hosted_routers(l3)))
        dhcp = sdk_agents.get((DHCP_AGENT, host))
        if dhcp is not None:
            hosted_networks[host] = tuple(sorted(
                n.id for n in net.dhcp_agent_hosting_networks(dhcp)
                if n.id in dhcp_networks))
    routers = list(net.routers())
    networks = list(net.networks())
    tunnel_needs = {}
    if any(a.configurations.get("l2_population")
           for a in by_type[OVS_AGENT].values()):
        tunnel_needs = _tunnel_needs(net, networks, hosts)
    return HostCheckContext(
        hosts=tuple(hosts), ovs_agents=by_type[OVS_AGENT],
        l3_agents=by_type[L3_AGENT], dhcp_agents=by_type[DHCP_AGENT],
        hosted_routers=hosted_routers, hosted_networks=hosted_networks,
        router_ids=tuple(sorted(r.id for r in routers)),
        network_ids=tuple(sorted(n.id for n in networks)),
        distributed_router_ids=tuple(sorted(
            r.id for r in routers if getattr(r, "is_distributed", False))),
        tunnel_needs=tunnel_needs)


def _tunnel_needs(net, networks, hosts):
    """With l2population an agent opens a tunnel to a peer only when a
    network of that tunnel type has bound ports on both hosts."""
    tunnel_types = {n.id: n.provider_network_type for n in networks
                    if n.provider_network_type in backend.TUNNEL_TYPES}
    hosts_of = {}
    for port in net.ports():
        if port.network_id in tunnel_types and port.binding_host_id:
            hosts_of.setdefault(port.network_id, set()).add(
                port.binding_host_id)
    needs = {}
    for network_id, on in hosts_of.items():
        ttype = tunnel_types[network_id]
        for host in on & set(hosts):
            needs.setdefault(host, {}).setdefault(ttype, set()).update(
                on - {host})
    return {h: {t: tuple(sorted(p)) for t, p in v.items()}
            for h, v in needs.items()}


# -- the result ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class HostCheck:
    rows: tuple                 # of models.Hop
    findings: tuple
    hosts: tuple                # of models.HostReport
    round_trips: int
    exit_code: int

    def to_dict(self):
        return {"exit_code": self.exit_code,
                "rows": [r.to_dict() for r in self.rows],
                "findings": [f.to_dict() for f in self.findings],
                "hosts": [dataclasses.asdict(h) for h in self.hosts]}


def check_context(context, **options):
    """Read the hosts of a resolved HostCheckContext and check them;
    ``options``: those of ``runner.Run``."""
    report, hosts, round_trips = runner.run_plan(
        backend.plan(context), lambda views: backend.evaluate(context, views),
        context_json=context.to_json(), **options)
    return HostCheck(rows=tuple(report.hops), findings=tuple(report.findings),
                     hosts=hosts, round_trips=round_trips,
                     exit_code=exitcodes.for_report(report.findings, hosts))


def check_hosts(connection, hosts=(), *, all_hosts=False, **options):
    """``host check``: resolve the hosts' agents in the API, then read them."""
    context = resolve_context(connection, hosts, all_hosts=all_hosts)
    return check_context(context, **options)


def check_from_capture(capture_dir, *, latency=0.0,
                       max_workers=runner.DEFAULT_WORKERS):
    """Re-run a host check offline from a ``--save-capture`` directory."""
    data, options = runner.replay_options(capture_dir, latency=latency,
                                          max_workers=max_workers)
    return check_context(HostCheckContext.from_json(data), **options)
