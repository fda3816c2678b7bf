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

from osc_netdiag.backends.ml2_ovs import binding
from osc_netdiag.checks.engine import Report
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.l3dhcp import common
from osc_netdiag.l3dhcp import router_dvr
from osc_netdiag.linux import devices
from osc_netdiag.linux import nat
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag import probes
from osc_netdiag import runner

# the API side, and reading it (the names scripts and tests know)
from osc_netdiag.resolve.router import FloatingIp  # noqa: F401
from osc_netdiag.resolve.router import L3_AGENT
from osc_netdiag.resolve.router import resolve_context
from osc_netdiag.resolve.router import RouterContext


# -- probes -------------------------------------------------------------------

def host_probes(context, host):
    ns = names.qrouter_namespace(context.id)
    if context.distributed:
        return [probes.netns_list(), probes.netns_addr(ns)] + \
            router_dvr.host_probes(context, host)
    return [probes.netns_list(), probes.netns_addr(ns),
            probes.netns_routes(ns), nat.iptables_save(ns)]


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
        nat.check_routes(report, view, ns, active, qg,
                         context.gateway_ips)
    check_fip_addresses(report, view, context, ns, qg, active)
    nat.check_nat(report, view, context, ns, qg, active)


def check_context(context, **options):
    report = Report()
    check_agents(report, context)
    ports = {p.id: p for p in context.interfaces + (context.gateway,) if p}
    for facts in context.bindings:
        port = ports.get(facts.port_id)
        role = ("router gateway" if port is context.gateway
                else "router interface")
        binding.check_binding(report, port, role, facts.network,
                              facts.ovs_agent)
    with runner.Run(context_json=context.to_json(), **options) as run:
        views = run.run({h: host_probes(context, h)
                         for h in context.hosts})
        for host in context.hosts:
            evaluate_host(report, views[host], context)
    notes = router_dvr.notes(context) if context.distributed else []
    return common.result(f"router {context.id}", report, run, notes)


def check_from_capture(capture_dir, *, max_workers=runner.DEFAULT_WORKERS):
    """Re-run a router check offline from a ``--save-capture`` directory."""
    data, options = runner.replay_options(capture_dir,
                                          max_workers=max_workers)
    return check_context(RouterContext.from_json(data), **options)


def router_check(connection, ref, **options):
    """``router check <router>``: resolve the router, read its L3 hosts."""
    return check_context(resolve_context(connection, ref), **options)
