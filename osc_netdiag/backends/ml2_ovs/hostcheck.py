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

"""``host check`` on one ML2/OVS host: probes and checks.

Reads, through a HostView, the host's interfaces, its OVS bridges, ports,
interfaces and controllers, and its namespaces, and compares them with what
the Open vSwitch agent's configuration and the API expect (a
``HostCheckContext``). Appends rows (hops) and findings to a Report; never
talks to a host itself.
"""

from osc_netdiag.backends.ml2_ovs import topology
from osc_netdiag.checks.engine import Report
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag import probes

OVS_AGENT = "Open vSwitch agent"
TUNNEL_BRIDGE = topology.TUNNEL_BRIDGE
TUNNEL_TYPES = ("vxlan", "gre", "geneve")
IGNORED_INTERFACES = ("virbr0", "virbr0-nic")     # libvirt's NAT bridge
# Devices that are DOWN by design: OVS bridge-internal ports and the
# datapath device (kernel datapath: ovs-system; userspace: ovs-netdev).
OVS_DATAPATH_DEVICES = ("ovs-system", "ovs-netdev")


# -- probes and checks --------------------------------------------------------

# built in probes.py, like every probe
ovs_controllers = probes.ovs_controllers


def host_probes():
    return [probes.ip_addr(), probes.netns_list(), probes.ovs_bridges(),
            probes.ovs_ports(), probes.ovs_interfaces(), ovs_controllers()]


def plan(context):
    return {host: host_probes() for host in context.hosts}


def expected_bridges(agent):
    """bridge -> why the agent needs it."""
    wanted = {agent.integration_bridge: "integration bridge"}
    if agent.tunnel_types:
        wanted[TUNNEL_BRIDGE] = "tunnel bridge (" + \
            ",".join(agent.tunnel_types) + ")"
    for physnet, bridge in sorted(agent.bridge_mappings.items()):
        wanted[bridge] = f"bridge_mappings {physnet}"
    return wanted


def check_interfaces(report, view, topo):
    host = view.host
    probe = probes.ip_addr()
    try:
        links = view.read(probe)
    except Unreadable as exc:
        report.skipped(host, "ip a", "interface", exc)
        return
    internal = {i.name for i in topo.interfaces if i.type == "internal"} \
        if topo is not None else set()
    for link in links:
        if link.ifname in IGNORED_INTERFACES or link.ifname == "lo":
            continue
        state = f"{link.operstate}{'' if link.admin_up else ' (admin down)'}"
        evidence = [view.evidence(probe, [f"{link.ifname}: "
                                          f"<{','.join(link.flags)}> "
                                          f"state {link.operstate}"])]
        detail = f"mtu {link.mtu}, master {link.master or '-'}"
        by_design = link.ifname in internal or \
            link.ifname in OVS_DATAPATH_DEVICES
        if link.admin_up and not link.oper_up and not by_design:
            report.find("NETDIAG_HOST_IFACE_NO_CARRIER",
                        f"{host}:{link.ifname}",
                        f"{link.ifname} on {host} is up but has no carrier "
                        f"(state {link.operstate})", host=host,
                        device=link.ifname)
            report.hop(host, link.ifname, "interface", state, detail,
                       Status.WARN, evidence)
        else:
            report.hop(host, link.ifname, "interface", state, detail,
                       Status.OK, evidence)


def check_bridges(report, view, topo, agent):
    host = view.host
    wanted = expected_bridges(agent)
    evidence = [topology.ovs_evidence(view, *(b.name for b in topo.bridges))]
    for bridge, why in wanted.items():
        if topo.bridge(bridge) is None:
            report.find("NETDIAG_OVS_BRIDGE_MISSING", f"{host}:{bridge}",
                        f"{bridge} ({why}) does not exist on {host}",
                        host=host, bridge=bridge)
            report.hop(host, bridge, "bridge", "absent", why, Status.ERROR,
                       evidence)
        else:
            report.hop(host, bridge, "bridge", "present", why, Status.OK,
                       evidence)
    for bridge in sorted(b.name for b in topo.bridges):
        if bridge not in wanted:
            report.find("NETDIAG_HOST_EXTRA_BRIDGE", f"{host}:{bridge}",
                        f"{bridge} on {host} is not in the agent's "
                        f"configuration", host=host, bridge=bridge)
            report.hop(host, bridge, "bridge", "present",
                       "not used by the Open vSwitch agent", Status.OK,
                       evidence)


def check_patches(report, view, topo, agent):
    int_br = agent.integration_bridge
    if topo.bridge(int_br) is None:
        return
    pairs = []
    if agent.tunnel_types and topo.bridge(TUNNEL_BRIDGE) is not None:
        pairs.append((TUNNEL_BRIDGE, ("patch-tun", "patch-int")))
    for bridge in sorted(set(agent.bridge_mappings.values())):
        if topo.bridge(bridge) is not None:
            try:
                pairs.append((bridge, names.patch_names(bridge)))
            except UnsafeNameError:
                continue
    for other, default_names in pairs:
        topology.check_patch_pair(report, view, topo, int_br, other,
                                  default_names)


def check_tunnels(report, view, topo, agent, context):
    """Tunnel ports on br-tun against every other agent's tunneling_ip."""
    host = view.host
    if not agent.tunnel_types or topo.bridge(TUNNEL_BRIDGE) is None:
        return
    tunnels = [iface for port in topo.ports_of_bridge(TUNNEL_BRIDGE)
               for iface in topo.interfaces_of_port(port.name)
               if iface.type in TUNNEL_TYPES]
    peers = {a.tunneling_ip: a.host for h, a in context.ovs_agents.items()
             if h != host and a.tunneling_ip}
    seen = {}
    for iface in tunnels:
        key = (iface.type, iface.options.get("remote_ip"))
        seen.setdefault(key, []).append(iface)
    for (ttype, remote_ip), ifaces in sorted(seen.items(),
                                             key=lambda kv: str(kv[0])):
        lines = [f"{i.name}: type={i.type} options={i.options} "
                 f"ofport={i.ofport}" for i in ifaces]
        evidence = [topology.ovs_evidence(view, *lines)]
        peer = peers.get(remote_ip)
        names_text = ",".join(i.name for i in ifaces)
        local_ip = ifaces[0].options.get("local_ip")
        if peer is None:
            report.find("NETDIAG_HOST_TUNNEL_STALE", f"{host}:{names_text}",
                        f"{ttype} port {names_text} on {host} points at "
                        f"{remote_ip}, which is no agent's tunneling_ip",
                        host=host, device=ifaces[0].name, remote_ip=remote_ip)
            report.hop(host, names_text, "tunnel", "stale",
                       f"remote_ip={remote_ip}: no such agent", Status.WARN,
                       evidence)
            continue
        problems = []
        # An extra port leaves the configured tunnel working (WARNING);
        # a wrong local_ip breaks it (ERROR): the row says which.
        broken = False
        if len(ifaces) > 1:
            problems.append(f"{len(ifaces)} ports to the same peer")
            report.find("NETDIAG_HOST_TUNNEL_EXTRA", f"{host}:{names_text}",
                        f"{host} has {len(ifaces)} {ttype} ports to {peer} "
                        f"({remote_ip}): {names_text}", host=host, peer=peer)
        if ttype not in agent.tunnel_types:
            problems.append(f"{ttype} is not in the agent's tunnel_types")
            report.find("NETDIAG_HOST_TUNNEL_EXTRA", f"{host}:{names_text}",
                        f"{ttype} port {names_text} on {host}, but the agent "
                        f"has tunnel_types {','.join(agent.tunnel_types)}",
                        host=host, peer=peer)
        if agent.tunneling_ip and local_ip not in (None, agent.tunneling_ip):
            problems.append(f"local_ip {local_ip} != {agent.tunneling_ip}")
            broken = True
            report.find("NETDIAG_HOST_TUNNEL_LOCAL_IP",
                        f"{host}:{names_text}",
                        f"{names_text} on {host} has local_ip {local_ip}, "
                        f"the agent reports {agent.tunneling_ip}",
                        host=host, device=ifaces[0].name)
        detail = f"to {peer} remote_ip={remote_ip} local_ip={local_ip or '-'}"
        if problems:
            report.hop(host, names_text, "tunnel", "wrong",
                       detail + "; " + "; ".join(problems),
                       Status.ERROR if broken else Status.WARN, evidence)
        else:
            report.hop(host, names_text, "tunnel", "present", detail,
                       Status.OK, evidence)
    on_demand = bool(agent.configurations.get("l2_population"))
    needs = context.tunnel_needs.get(host, {})
    for remote_ip, peer in sorted(peers.items(), key=lambda kv: kv[1]):
        peer_agent = context.ovs_agents[peer]
        for ttype in agent.tunnel_types:
            if ttype not in peer_agent.tunnel_types or \
                    (ttype, remote_ip) in seen:
                continue
            if on_demand and peer not in needs.get(ttype, ()):
                continue             # l2population: no shared network
            report.find("NETDIAG_TUNNEL_MISSING", f"{host}->{peer}",
                        f"no {ttype} port on {TUNNEL_BRIDGE} of {host} "
                        f"reaches {peer} ({remote_ip})", host=host,
                        peer=peer, remote_ip=remote_ip, tunnel_type=ttype)
            report.hop(host, f"{ttype} to {peer}", "tunnel", "absent",
                       f"remote_ip={remote_ip} not found on {TUNNEL_BRIDGE}",
                       Status.ERROR, [topology.ovs_evidence(view)])


def check_ofports(report, view, topo):
    host = view.host
    for iface in topo.interfaces:
        if iface.ofport is not None and iface.ofport >= 0 and \
                not iface.error:
            continue
        bridge = topo.bridge_of_port(iface.name)
        error = iface.error or f"ofport {iface.ofport}"
        report.find("NETDIAG_OVS_PORT_OFPORT", f"{host}:{iface.name}",
                    f"OVS has no usable ofport for {iface.name} on {host} "
                    f"({error})", host=host, error=error)
        report.hop(host, iface.name, "ofport", str(iface.ofport),
                   f"on {bridge.name if bridge else '-'}: {error}",
                   Status.ERROR, [topology.ovs_evidence(
                       view, f"{iface.name}: ofport={iface.ofport} "
                       f"error={iface.error}")])


def check_agent(report, view, topo, agent):
    """The agent alive in the API against its bridges' controller links."""
    host = view.host
    probe = ovs_controllers()
    try:
        controllers = {c.uuid: c for c in view.read(probe)}
    except Unreadable as exc:
        report.skipped(host, "OpenFlow controllers", "agent", exc)
        return
    bridges = [topo.bridge(b) for b in expected_bridges(agent)]
    links = [(b.name, controllers[u]) for b in bridges if b is not None
             for u in b.controller if u in controllers]
    lines = [f"{name}: {c.target} is_connected={c.is_connected}"
             for name, c in links]
    evidence = [view.evidence(probe, lines)]
    down = sorted({name for name, c in links if not c.is_connected})
    unmanaged = sorted(b.name for b in bridges
                       if b is not None and not b.controller)
    if not agent.alive:
        report.find("NETDIAG_AGENT_DEAD", f"{host}:{OVS_AGENT}",
                    f"the {OVS_AGENT} on {host} is not alive in the API",
                    agent_type=OVS_AGENT, host=host)
        report.hop(host, OVS_AGENT, "agent", "dead",
                   "controller connected on " +
                   (", ".join(n for n, c in links if c.is_connected) or
                    "no bridge"), Status.ERROR, evidence)
        return
    if down or unmanaged:
        report.find("NETDIAG_HOST_CONTROLLER_DISCONNECTED",
                    f"{host}:{OVS_AGENT}",
                    f"the {OVS_AGENT} on {host} is alive in the API but "
                    f"its OpenFlow controller is not connected on "
                    f"{', '.join(down + unmanaged)}", host=host,
                    bridges=", ".join(down + unmanaged))
        report.hop(host, OVS_AGENT, "agent", "alive, disconnected",
                   "no controller connection on " +
                   ", ".join(down + unmanaged), Status.ERROR, evidence)
        return
    report.hop(host, OVS_AGENT, "agent", "alive",
               f"controller connected on {len(links)} bridge(s)", Status.OK,
               evidence)


def check_namespaces(report, view, context):
    host = view.host
    probe = probes.netns_list()
    try:
        spaces = {n.name for n in view.read(probe)}
    except Unreadable as exc:
        report.skipped(host, "ip netns", "namespace", exc)
        return
    expected = {}
    for router_id in context.hosted_routers.get(host, ()):
        expected[names.qrouter_namespace(router_id)] = \
            ("router", router_id, "NETDIAG_ROUTER_NAMESPACE_MISSING")
    for network_id in context.hosted_networks.get(host, ()):
        expected[names.qdhcp_namespace(network_id)] = \
            ("network", network_id, "NETDIAG_DHCP_NAMESPACE_MISSING")
    in_api = {"qrouter-": ("router", set(context.router_ids)),
              "qdhcp-": ("network", set(context.network_ids))}
    l3_agent = context.l3_agents.get(host)
    dvr_host = l3_agent is not None and l3_agent.configurations.get(
        "agent_mode") in ("dvr", "dvr_snat")
    for ns in sorted(spaces | set(expected)):
        evidence = [view.evidence(probe, [ns] if ns in spaces else [])]
        if ns in expected:
            kind, object_id, code = expected[ns]
            if ns in spaces:
                report.hop(host, ns, "namespace", "present",
                           f"{kind} {object_id} hosted here", Status.OK,
                           evidence)
            else:
                report.find(code, f"{host}:{ns}",
                            f"{ns} of the {kind} hosted on {host} does not "
                            f"exist", host=host, namespace=ns)
                report.hop(host, ns, "namespace", "absent",
                           f"{kind} {object_id} hosted here", Status.ERROR,
                           evidence)
            continue
        for prefix, (kind, ids) in in_api.items():
            if not ns.startswith(prefix):
                continue
            object_id = ns[len(prefix):]
            if dvr_host and prefix == "qrouter-" and \
                    object_id in context.distributed_router_ids:
                # the API binds a distributed router to its SNAT agent only
                report.hop(host, ns, "namespace", "present",
                           f"distributed router {object_id} (on every host "
                           "it serves a port on)", Status.OK, evidence)
            elif object_id not in ids:
                report.find("NETDIAG_HOST_NAMESPACE_STALE", f"{host}:{ns}",
                            f"{ns} on {host} belongs to no {kind} in the "
                            f"API (deleted?)", host=host, namespace=ns,
                            kind=kind)
                report.hop(host, ns, "namespace", "stale",
                           f"no {kind} {object_id} in the API", Status.WARN,
                           evidence)
            else:
                report.find("NETDIAG_HOST_NAMESPACE_NOT_HOSTED",
                            f"{host}:{ns}",
                            f"{ns} on {host}: the {kind} exists but is not "
                            f"hosted here", host=host, namespace=ns,
                            kind=kind)
                report.hop(host, ns, "namespace", "not hosted",
                           f"{kind} {object_id} is hosted elsewhere",
                           Status.WARN, evidence)


def evaluate_host(report, view, context):
    host = view.host
    if report.host_unreadable(view):
        return
    agent = context.ovs_agents.get(host)
    try:
        topo = topology.topology(view)
    except Unreadable as exc:
        report.skipped(host, "ovs-vsctl", "bridge", exc)
        topo = None
    check_interfaces(report, view, topo)
    if topo is not None:
        if agent is None:
            report.find("NETDIAG_AGENT_MISSING", f"{host}:{OVS_AGENT}",
                        f"no {OVS_AGENT} is registered for {host}",
                        agent_type=OVS_AGENT, host=host)
            report.hop(host, OVS_AGENT, "agent", "absent",
                       "not in the API's agent list", Status.ERROR)
        else:
            check_bridges(report, view, topo, agent)
            check_patches(report, view, topo, agent)
            check_tunnels(report, view, topo, agent, context)
            check_agent(report, view, topo, agent)
        check_ofports(report, view, topo)
    check_namespaces(report, view, context)


def evaluate(context, views):
    report = Report()
    for host in context.hosts:
        evaluate_host(report, views[host], context)
    return report
