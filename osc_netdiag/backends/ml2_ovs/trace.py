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

"""ML2/OVS: which probes to run on which host, and the hops in path order.

``plan()`` decides every probe up front from the API context (segmentation
IDs, bridge mappings, namespace names), so each host is read in a single
round trip. ``evaluate()`` turns the answers into hops and findings:
compute host first (instance outwards), then each network node (wire
inwards: translation, DHCP, router, external bridge).
"""

from osc_netdiag.backends.ml2_ovs import binding
from osc_netdiag.backends.ml2_ovs import fw_hop
from osc_netdiag.backends.ml2_ovs import l2
from osc_netdiag.backends.ml2_ovs import topology
from osc_netdiag.backends.ml2_ovs import trace_dvr
from osc_netdiag.backends.ml2_ovs import tunnel
from osc_netdiag.backends.ml2_ovs import vlan
from osc_netdiag.backends import port_state
from osc_netdiag.checks.engine import Report
from osc_netdiag.linux import devices
from osc_netdiag.linux import nat
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag import probes

HOST_PROBES = (probes.ip_addr, probes.ovs_bridges, probes.ovs_ports,
               probes.ovs_interfaces)


def _translation_probes(agent, network):
    int_br = agent.integration_bridge if agent else "br-int"
    found = []
    for segment in network.segments:
        if segment.is_tunnel:
            found.append(probes.dump_flows(
                topology.TUNNEL_BRIDGE,
                f"tun_id={hex(segment.segmentation_id)}"))
            found.append(probes.dump_flows(
                topology.TUNNEL_BRIDGE, f"table={tunnel.FLOOD_TABLES[0]}"))
            continue
        phys_br = (agent.bridge_mappings if agent else {}).get(
            segment.physical_network)
        if phys_br is None:
            continue
        if segment.network_type == "vlan":
            found.append(probes.dump_flows(
                int_br, f"table=0,dl_vlan={segment.segmentation_id}"))
        else:
            found.append(probes.dump_flows(int_br, "table=0"))
        found.append(probes.dump_flows(
            phys_br, f"table={topology.phys_translation_table(agent)}"))
    return found


def _dhcp_hosts(context):
    return [a.host for a in context.dhcp_serving_agents()]


def _l3_hosts(context):
    return [a.host for a in context.router.l3_agents] if context.router else []


def plan(context):
    """host name -> probes, in the order the hosts appear on the path."""
    port = context.port
    hosts = {}

    def add(host, *items):
        probes_of_host = hosts.setdefault(host, {})
        for probe in items:
            probes_of_host.setdefault(probe.name, probe)

    compute = port.binding_host
    agent = context.ovs_agents.get(compute)
    add(compute, *(make() for make in HOST_PROBES))
    add(compute, *_translation_probes(agent, context.network))
    add(compute, *fw_hop.probes(context))

    for host in _dhcp_hosts(context):
        agent = context.ovs_agents.get(host)
        ns = names.qdhcp_namespace(context.network.id)
        # ip addr is read for a physical NIC only: a VLAN or flat network's,
        # or the external one's where a legacy router's qg- is checked
        nics = any(not s.is_tunnel for s in context.network.segments) or (
            host in _l3_hosts(context) and not context.router.distributed)
        add(host, *(make() for make in HOST_PROBES
                    if nics or make is not probes.ip_addr),
            probes.netns_list(), probes.netns_addr(ns),
            probes.dnsmasq_processes())
        add(host, *_translation_probes(agent, context.network))

    router = context.router
    for host in _l3_hosts(context):
        if router.distributed:
            continue             # trace_dvr.plan: snat- when on the path
        agent = context.ovs_agents.get(host)
        ns = names.qrouter_namespace(router.id)
        gw_ns = _gateway_namespace(router)
        add(host, *(make() for make in HOST_PROBES), probes.netns_list(),
            probes.netns_addr(ns), probes.netns_addr(gw_ns),
            probes.netns_routes(gw_ns))
        add(host, *_translation_probes(agent, context.network))
        if router.gateway_network is not None:
            add(host, *_translation_probes(agent, router.gateway_network))
    if trace_dvr.applies(context):
        for host, items in trace_dvr.plan(context, _translation_probes,
                                          HOST_PROBES).items():
            add(host, *items)
    return {host: list(items.values()) for host, items in hosts.items()}


def evaluate(context, views):
    """views: host name -> HostView. Returns a Report."""
    report = Report()
    _api_hops(report, context)
    compute = context.port.binding_host
    if not report.host_unreadable(views[compute]):
        _compute_hops(report, context, views[compute])
    # Every DHCP and router hop is judged wherever it lives: on an
    # all-in-one the compute host is the network node too.
    for host in dict.fromkeys(_dhcp_hosts(context) + _l3_hosts(context)):
        if host == compute:
            if views[host].readable:
                _network_node_hops(report, context, views[host])
            continue
        if host not in views:        # a DVR SNAT host off the port's path
            continue
        if report.host_unreadable(views[host]):
            continue
        _network_node_hops(report, context, views[host])
    if any(s.enable_dhcp for s in context.subnets) and \
            not context.dhcp_agents:
        report.find("NETDIAG_DHCP_NOT_HOSTED", context.network.id,
                    f"DHCP is enabled on the subnet but no DHCP agent hosts "
                    f"network {context.network.id}",
                    network=context.network.id)
    if context.router is not None and not context.router.l3_agents:
        report.find("NETDIAG_ROUTER_NOT_HOSTED", context.router.id,
                    f"no L3 agent hosts router {context.router.id}",
                    router=context.router.id)
    return report


def _api_hops(report, context):
    port, network = context.port, context.network
    segments = ", ".join(s.describe() for s in network.segments)
    plug = ("hybrid plug: iptables_hybrid firewall" if port.hybrid_plug
            else "direct plug: openvswitch or noop firewall")
    status = port_state.judge(report, port)
    report.hop("api", port.id, "neutron-port", port.status,
               f"{', '.join(port.ips()) or 'no IP'} {port.mac} on "
               f"{network.name or network.id} ({segments}); bound to "
               f"{port.binding_host} vif {port.vif_type} "
               f"({plug})", status)
    hosts = [port.binding_host] + _dhcp_hosts(context) + _l3_hosts(context)
    for host in dict.fromkeys(hosts):
        agent = context.ovs_agents.get(host)
        if agent is None:
            report.find("NETDIAG_AGENT_MISSING", host,
                        f"no Open vSwitch agent is registered on {host}",
                        host=host, agent_type="Open vSwitch agent")
            report.hop("api", host, "ovs-agent", "absent",
                       "no Open vSwitch agent for this host", Status.ERROR)
        elif not agent.alive or not agent.admin_state_up:
            report.find("NETDIAG_AGENT_DEAD", host,
                        f"Open vSwitch agent on {host} is "
                        f"{'dead' if not agent.alive else 'disabled'}",
                        host=host, agent_type="Open vSwitch agent")
            report.hop("api", host, "ovs-agent", "dead",
                       _agent_detail(agent), Status.ERROR)
    binding.check_path_bindings(report, context)
    if not any(s.enable_dhcp for s in context.subnets):
        report.hop("api", network.id, "dhcp", "disabled",
                   "DHCP is off on the port's subnets: no qdhcp- namespace "
                   "or dnsmasq serves this port", Status.SKIP)
    l3_agents = context.router.l3_agents if context.router else ()
    for agent in context.dhcp_serving_agents() + l3_agents:
        if not agent.alive or not agent.admin_state_up:
            report.find("NETDIAG_AGENT_DEAD", agent.host,
                        f"{agent.agent_type} on {agent.host} is "
                        f"{'dead' if not agent.alive else 'disabled'}",
                        host=agent.host, agent_type=agent.agent_type)
            report.hop("api", agent.host, "agent", "dead", agent.agent_type,
                       Status.ERROR)


def _agent_detail(agent):
    mappings = ",".join(f"{k}:{v}" for k, v in agent.bridge_mappings.items())
    return (f"bridge_mappings {mappings or '-'}, tunneling_ip "
            f"{agent.tunneling_ip or '-'}, tunnel_types "
            f"{','.join(agent.tunnel_types) or '-'}")


def _compute_hops(report, context, view):
    port, network = context.port, context.network
    agent = context.ovs_agents.get(view.host)
    device = devices.check_instance_device(report, view, port, network)
    lvid, segment = l2.check_ovs_port(report, view, agent, device, port,
                                      network)
    l2.check_translation(report, view, agent, network, segment, lvid,
                         context)
    fw_hop.check(report, context, view)
    if trace_dvr.applies(context):
        # the instance's first hop is on its own host (DVR)
        trace_dvr.first_hop(report, context, view, agent,
                            lambda *args: _port_and_translation(
                                report, context, *args))


def _port_and_translation(report, context, view, agent, device, port,
                          network):
    lvid, segment = l2.check_ovs_port(report, view, agent, device, port,
                                      network)
    l2.check_translation(report, view, agent, network, segment, lvid,
                         context)


def _network_node_hops(report, context, view):
    host = view.host
    agent = context.ovs_agents.get(host)
    if host in _dhcp_hosts(context):
        _dhcp_hops(report, context, view, agent)
    if host in _l3_hosts(context):
        _router_hops(report, context, view, agent)


def _dhcp_hops(report, context, view, agent):
    host, network = view.host, context.network
    ns = names.qdhcp_namespace(network.id)
    dhcp_port = next((p for p in context.dhcp_ports
                      if p.binding_host == host), None)
    if dhcp_port is not None:
        device = names.dhcp_tap_device(dhcp_port.id)
        lvid, segment = _l2_on_network_node(report, view, agent, device,
                                            dhcp_port, network, context)
    if devices.check_namespace(report, view, ns,
                               "NETDIAG_DHCP_NAMESPACE_MISSING", "namespace"):
        if dhcp_port is not None:
            devices.check_ns_device(report, view, ns,
                                    names.dhcp_tap_device(dhcp_port.id),
                                    dhcp_port.ips(),
                                    "NETDIAG_DHCP_TAP_BROKEN", "dhcp-port")
    _dnsmasq_hop(report, view, network)


def _l2_on_network_node(report, view, agent, device, port, network, context):
    """Wire inwards: translation first, then the agent's port on br-int.

    The local VLAN comes from the port's tag, so the port is read first but
    its hop is listed after the translation hops.
    """
    mark = len(report.hops)
    lvid, segment = l2.check_ovs_port(report, view, agent, device, port,
                                      network)
    port_hops = report.hops[mark:]
    del report.hops[mark:]
    l2.check_translation(report, view, agent, network, segment, lvid,
                         context, inbound=True)
    report.hops.extend(port_hops)
    return lvid, segment


def _dnsmasq_hop(report, view, network):
    from osc_netdiag.checks.engine import Unreadable
    host = view.host
    probe = probes.dnsmasq_processes()
    try:
        processes = view.read(probe)
    except Unreadable as exc:
        report.skipped(host, "dnsmasq", "dhcp-server", exc)
        return
    mine = [p for p in processes if network.id in p.args]
    evidence = [view.evidence(probe, [f"{p.pid} {p.args}" for p in mine])]
    if not mine:
        report.find("NETDIAG_DHCP_DNSMASQ_NOT_RUNNING", f"{host}:dnsmasq",
                    f"no dnsmasq for network {network.id} runs on {host}",
                    host=host)
        report.hop(host, "dnsmasq", "dhcp-server", "not running",
                   f"no dnsmasq process mentions {network.id}", Status.ERROR,
                   evidence)
        return
    report.hop(host, "dnsmasq", "dhcp-server", "running",
               f"pid {mine[0].pid}", Status.OK, evidence)


def _gateway_namespace(router):
    """Where the router's qg- and default route live: qrouter- or, for a
    distributed router on its SNAT host (the agent the API lists),
    snat-<router>.
    """
    if router.distributed:
        return names.snat_namespace(router.id)
    return names.qrouter_namespace(router.id)


def _router_hops(report, context, view, agent):
    host, router = view.host, context.router
    ns = names.qrouter_namespace(router.id)
    l3_agent = next(a for a in router.l3_agents if a.host == host)
    standby = router.ha and l3_agent.ha_state not in (None, "active")
    qr = router.interface_port
    if not router.distributed:
        _l2_on_network_node(report, view, agent, names.qr_device(qr.id), qr,
                            context.network, context)
    if router.ha:
        actives = [a.host for a in router.l3_agents if a.ha_state == "active"]
        if len(actives) != 1:
            report.find("NETDIAG_ROUTER_HA_STATE", router.id,
                        f"HA router {router.id} is active on "
                        f"{len(actives)} hosts: {', '.join(actives) or '-'}",
                        active=len(actives))
    if router.distributed:
        # qrouter- here is not on the port's path: its snat- side is
        gateway = trace_dvr.snat_hops(report, context, view, agent,
                                      _l2_on_network_node, not standby)
        if gateway is not None:
            _external_hops(report, context, view, agent, *gateway)
        return
    if not devices.check_namespace(report, view, ns,
                                   "NETDIAG_ROUTER_NAMESPACE_MISSING",
                                   "namespace"):
        return
    devices.check_ns_device(report, view, ns, names.qr_device(qr.id),
                            qr.ips(), "NETDIAG_ROUTER_DEVICE_BROKEN",
                            "router-port", require_ips=not standby)
    gw = router.gateway_port
    if gw is None:
        return
    if ns != _gateway_namespace(router):
        ns = _gateway_namespace(router)
        if not devices.check_namespace(report, view, ns,
                                       "NETDIAG_ROUTER_NAMESPACE_MISSING",
                                       "namespace"):
            return
    qg = names.qg_device(gw.id)
    devices.check_ns_device(report, view, ns, qg, gw.ips(),
                            "NETDIAG_ROUTER_DEVICE_BROKEN", "gateway-port",
                            require_ips=not standby)
    # the same route check as router check's (device and next hop)
    nat.check_routes(report, view, ns, not standby, qg,
                     router.gateway_ips)
    _external_hops(report, context, view, agent, qg, gw)


def _external_hops(report, context, view, agent, qg, gw):
    """qg- on br-int (current Neutron) or on br-ex (the Guide's layout)."""
    from osc_netdiag.checks.engine import Unreadable
    host = view.host
    try:
        topo = topology.topology(view)
    except Unreadable as exc:
        report.skipped(host, qg, "ovs-port", exc)
        return
    bridge = topology.bridge_name_of(topo, qg)
    int_br = agent.integration_bridge if agent else "br-int"
    ext_net = context.router.gateway_network
    if bridge is not None and bridge != int_br:
        # Legacy external_network_bridge: qg- plugged straight into br-ex.
        iface = topo.interface(qg)
        report.hop(host, qg, "ovs-port", f"ofport {iface.ofport}",
                   f"on {bridge} (external bridge layout of the Operations "
                   "Guide; no VLAN translation)", Status.OK,
                   [topology.ovs_evidence(view, f"{qg}: bridge {bridge}")])
        vlan.check_physical_nics(report, view, topo, bridge)
        return
    lvid, segment = l2.check_ovs_port(report, view, agent, qg, gw,
                                      ext_net)
    l2.check_translation(report, view, agent, ext_net, segment, lvid,
                         context)
