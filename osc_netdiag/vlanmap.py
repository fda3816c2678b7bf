"""``network vlan-map``: a network's segment <-> local VLAN on every host.

The Operations Guide's "find the internal VLAN for a segmentation ID"
(``ovs-ofctl dump-flows br-int | grep vlan=2113``, then the reverse flow on
br-eth1; ``tun_id=0x3`` on br-tun for tunnels), done on every host that
carries the network at once. One row per host and segment: the bridge, the
local VLAN, the ingress flow (segment -> local VLAN: br-int table 0, or
br-tun's tunnel table) and the egress flow (local VLAN -> segment: the
physical bridge's table 0, or br-tun's flood table with its tunnel outputs),
their packet counters and a status. The per-host reading is in
:mod:`osc_netdiag.backends.ml2_ovs.segment_map`.
"""

import dataclasses

from osc_netdiag import context as ctx
from osc_netdiag import exitcodes
from osc_netdiag import runner
from osc_netdiag.backends.ml2_ovs import segment_map
from osc_netdiag.checks.engine import Report
from osc_netdiag.context import Agent
from osc_netdiag.errors import ResolveError


# -- what the API says --------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class VlanMapContext:
    network: ctx.Network
    hosts: tuple                      # hosts to read
    port_hosts: dict                  # host -> number of the network's ports
    dhcp_hosts: tuple                 # DHCP agents hosting the network
    ovs_agents: dict                  # host -> Agent
    known_segments: tuple             # (network_type, physnet, seg, net_id)

    def carriers(self):
        """Hosts that carry the network: ports bound there, DHCP agents."""
        return sorted(set(self.port_hosts) | set(self.dhcp_hosts))

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        net = dict(data["network"])
        net["segments"] = tuple(ctx.Segment(**s) for s in net["segments"])
        return cls(
            network=ctx.Network(**net), hosts=tuple(data["hosts"]),
            port_hosts=dict(data["port_hosts"]),
            dhcp_hosts=tuple(data["dhcp_hosts"]),
            ovs_agents={h: Agent(**a) for h, a in data["ovs_agents"].items()},
            known_segments=tuple(tuple(s) for s in data["known_segments"]))


def resolve_context(conn, network_ref, all_hosts=False):
    from osc_netdiag import resolve
    net_api = conn.network
    sdk_net = net_api.find_network(network_ref, ignore_missing=True)
    if sdk_net is None:
        raise ResolveError("not-found", f"No network found for "
                           f"'{network_ref}'")
    network = resolve.network_info(sdk_net)
    if not network.segments:
        raise ResolveError(
            "not-admin",
            f"Network {network.id} shows no provider:* fields: these are "
            "admin-only in Neutron's default policy. Use admin credentials.")
    port_hosts = {}
    for port in net_api.ports(network_id=network.id):
        if port.binding_host_id:
            port_hosts[port.binding_host_id] = \
                port_hosts.get(port.binding_host_id, 0) + 1
    dhcp_hosts = tuple(sorted(a.host for a in
                              net_api.network_hosting_dhcp_agents(network.id)))
    ovs_agents = {a.host: resolve.agent_info(a)
                  for a in net_api.agents(agent_type=resolve.OVS_AGENT)}
    known = []
    for other in net_api.networks():
        for seg in resolve.network_info(other).segments:
            known.append((seg.network_type, seg.physical_network,
                          seg.segmentation_id, other.id))
    carriers = set(port_hosts) | set(dhcp_hosts)
    hosts = sorted(set(ovs_agents) | carriers) if all_hosts \
        else sorted(carriers)
    return VlanMapContext(network=network, hosts=tuple(hosts),
                          port_hosts=port_hosts, dhcp_hosts=dhcp_hosts,
                          ovs_agents=ovs_agents,
                          known_segments=tuple(sorted(known, key=str)))


# -- the result ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class VlanMap:
    network_id: str
    rows: tuple                 # of MapRow
    findings: tuple
    hosts: tuple                # of models.HostReport
    round_trips: int
    exit_code: int

    def to_dict(self):
        return {"network_id": self.network_id, "exit_code": self.exit_code,
                "rows": [r.to_dict() for r in self.rows],
                "findings": [f.to_dict() for f in self.findings],
                "hosts": [dataclasses.asdict(h) for h in self.hosts]}


def map_context(context, **options):
    """Read the hosts of a resolved VlanMapContext and map them;
    ``options``: those of ``runner.Run``."""
    rows = []

    def evaluate(views):
        report = Report()
        for host in context.hosts:
            segment_map.evaluate_host(report, views[host], context, rows)
        return report

    report, hosts, round_trips = runner.run_plan(
        segment_map.plan(context), evaluate,
        context_json=context.to_json(), **options)
    return VlanMap(network_id=context.network.id, rows=tuple(rows),
                   findings=tuple(report.findings), hosts=hosts,
                   round_trips=round_trips,
                   exit_code=exitcodes.for_report(report.findings, hosts))


def vlan_map(connection, network, *, all_hosts=False, **options):
    """``network vlan-map``: resolve the network, then read every host."""
    context = resolve_context(connection, network, all_hosts=all_hosts)
    return map_context(context, **options)


def map_from_capture(capture_dir, *, latency=0.0,
                     max_workers=runner.DEFAULT_WORKERS):
    data, options = runner.replay_options(capture_dir, latency=latency,
                                          max_workers=max_workers)
    return map_context(VlanMapContext.from_json(data), **options)
