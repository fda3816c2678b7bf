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

"""``dhcp check``: the Operations Guide's "Debugging DHCP Issues", in one go.

For every DHCP agent hosting the network: the ``qdhcp-<network>``
namespace, the agent's tap in it (UP, with the DHCP port's addresses),
dnsmasq for the network and its command line against the subnets (one
``--dhcp-range`` per DHCP-enabled subnet, the hosts file, the lease), the
hosts file against the network's ports (MAC and IP), and for a port the
dnsmasq log of its DHCP exchange, read with the Guide's interpretations.
With Nova, the instance's console log is read for udhcpc/cloud-init
failure signs.

Two probe phases over one session per host: the first reads namespaces,
addresses, dnsmasq's command line and who owns each process; the second
reads the files that command line names (hosts file, ``--log-facility``),
so nothing is guessed, but only those of a dnsmasq run by a user Neutron
uses and only under Neutron's directories (:mod:`.host_files`).
"""

import dataclasses
import ipaddress

from osc_netdiag.backends.ml2_ovs import binding
from osc_netdiag.checks.engine import Report
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.errors import ParseError
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag.inventory import neutron_layout
from osc_netdiag.l3dhcp import common
from osc_netdiag.l3dhcp.dhcp_hosts import _dhcp_ips  # noqa: F401 (API)
from osc_netdiag.l3dhcp.dhcp_hosts import check_hosts_file
from osc_netdiag.l3dhcp.dhcp_hosts import hosts_file_probe
from osc_netdiag.l3dhcp.dhcp_log import _MAC_RE  # noqa: F401
from osc_netdiag.l3dhcp.dhcp_log import check_log
from osc_netdiag.l3dhcp.dhcp_log import choose_log  # noqa: F401
from osc_netdiag.l3dhcp.dhcp_log import JOURNAL  # noqa: F401 (API)
from osc_netdiag.l3dhcp.dhcp_log import LOG_LINES  # noqa: F401
from osc_netdiag.l3dhcp.dhcp_log import log_probe  # noqa: F401
from osc_netdiag.l3dhcp.dhcp_log import log_probes
from osc_netdiag.l3dhcp.dhcp_log import log_source  # noqa: F401
from osc_netdiag.l3dhcp.dhcp_log import log_sources
from osc_netdiag.l3dhcp.dhcp_log import NEUTRON_LOG_FILE  # noqa: F401
from osc_netdiag.l3dhcp.dhcp_log import summarise_exchange  # noqa: F401
from osc_netdiag.l3dhcp.dhcp_log import SYSLOG_SOURCES  # noqa: F401
from osc_netdiag.l3dhcp import metadata
from osc_netdiag.linux import devices
from osc_netdiag.linux import host_files
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag.parsers import dnsmasq as dnsmasq_parser
from osc_netdiag import probes
from osc_netdiag.resolve.dhcp import DhcpContext
from osc_netdiag.resolve.dhcp import resolve_context
from osc_netdiag.resolve.dhcp import SubnetInfo  # noqa: F401 (API)
from osc_netdiag import runner

DHCP_AGENT = "DHCP agent"
CAPTURE_HINT = ("live look: 'openstack netdiag port capture {port} --at tap "
                "--at dhcp --filter dhcp' while the instance asks for a "
                "lease")
# The Guide's console-log signs of a DHCP / metadata failure.
CONSOLE_SIGNS = (
    ("No lease", "NETDIAG_DHCP_CONSOLE_NO_LEASE"),
    ("can't connect to remote host (169.254.169.254)",
     "NETDIAG_DHCP_CONSOLE_NO_METADATA"),
)


# -- probes -------------------------------------------------------------------

def first_probes(context):
    ns = names.qdhcp_namespace(context.network_id)
    return [probes.netns_list(), probes.netns_addr(ns),
            probes.dnsmasq_processes(), metadata.agent_process_probe(),
            host_files.owners_probe()]


def dnsmasqs(view, network_id, layout=host_files.DEFAULT_LAYOUT):
    """(trusted, [(process, why not)]): the dnsmasq processes that mention
    the network, split by their owners (host_files).
    """
    procs = view.read(probes.dnsmasq_processes())
    mine = [p for p in procs
            if (p.option("dhcp-hostsfile") or "").split("/")[-2:-1] ==
            [network_id] or network_id in p.args]
    return host_files.split_trusted(view, mine, layout)


def dnsmasq_of(view, network_id, layout=host_files.DEFAULT_LAYOUT):
    """The trusted dnsmasq Process serving the network here, or None."""
    trusted, _ = dnsmasqs(view, network_id, layout)
    return trusted[0] if trusted else None


@dataclasses.dataclass(frozen=True)
class FilePlan:
    """What the second phase may read on a host, and what it refused."""
    hosts_file: object = None     # path, or None
    log_sources: tuple = ()
    refused: tuple = ()           # of (device, kind, path, why)


def file_plan(view, context, layout, log_dir=None):
    try:
        process = dnsmasq_of(view, context.network_id, layout)
    except Unreadable:
        process = None
    refused, hosts_file = [], None
    path = process.option("dhcp-hostsfile") if process else None
    if path:
        try:
            hosts_file = host_files.allowed_file(path, "state", layout,
                                                 "--dhcp-hostsfile")
        except UnsafeNameError as exc:
            refused.append(("hosts file", "state", path, str(exc)))
    sources = log_sources(process, context.network_id, log_dir)
    facility = process.option("log-facility") if process else None
    if facility and sources == [facility]:
        try:
            host_files.allowed_file(facility, "log", layout, "--log-facility")
        except UnsafeNameError as exc:
            refused.append(("dnsmasq log", "log", facility, str(exc)))
            sources = []
    return FilePlan(hosts_file, tuple(sources), tuple(refused))


def second_probes(view, context, log_dir=None,
                  layout=host_files.DEFAULT_LAYOUT):
    items = []
    plan = file_plan(view, context, layout, log_dir)
    if plan.hosts_file:
        try:
            items.append(hosts_file_probe(plan.hosts_file))
        except UnsafeNameError:
            pass
    if context.port is not None and context.port.mac and plan.log_sources:
        try:
            items += log_probes(context.port.mac, plan.log_sources)
        except UnsafeNameError:
            pass
    return items + metadata.second_probes(view, layout)


# -- checks -------------------------------------------------------------------

def check_agents(report, context):
    if not context.agents:
        if context.dhcp_subnets:
            report.find("NETDIAG_DHCP_NOT_HOSTED", context.network_id,
                        f"no DHCP agent hosts network {context.network_id}",
                        network=context.network_id)
            report.hop("-", context.network_id, "dhcp-agent", "none",
                       "no DHCP agent hosts the network", Status.ERROR)
        else:
            report.hop("-", context.network_id, "dhcp-agent", "none",
                       "no subnet has DHCP enabled", Status.SKIP)
        return
    for agent in context.agents:
        if agent.alive and agent.admin_state_up:
            report.hop(agent.host, DHCP_AGENT, "dhcp-agent", "alive",
                       "hosts the network", Status.OK)
            continue
        state = "dead" if not agent.alive else "admin down"
        report.find("NETDIAG_AGENT_DEAD", f"{agent.host}:{DHCP_AGENT}",
                    f"the {DHCP_AGENT} on {agent.host} is {state}",
                    agent_type=DHCP_AGENT, host=agent.host)
        report.hop(agent.host, DHCP_AGENT, "dhcp-agent", state,
                   "hosts the network", Status.ERROR)


def check_tap(report, view, context, ns, layout=host_files.DEFAULT_LAYOUT):
    port = next((p for p in context.dhcp_ports
                 if p.binding_host == view.host), None)
    if port is None:
        report.hop(view.host, ns, "dhcp-port", "unknown",
                   "no network:dhcp port bound to this host in the API",
                   Status.WARN)
        return
    device = names.dhcp_tap_device(port.id)
    link = devices.check_ns_device(
        report, view, ns, device, port.ips(),
        "NETDIAG_DHCP_TAP_BROKEN", "dhcp-port")
    metadata.check(report, view, ns, device, link, layout)


def _expected_range(subnet):
    net = ipaddress.ip_network(subnet.cidr, strict=False)
    return str(net.network_address), (str(net.netmask)
                                      if net.version == 4 else None)


def check_dnsmasq(report, view, context, layout=host_files.DEFAULT_LAYOUT):
    """dnsmasq runs for the network; its command line matches the subnets.
    Returns the (trusted) Process or None.
    """
    host = view.host
    probe = probes.dnsmasq_processes()
    try:
        trusted, refused = dnsmasqs(view, context.network_id, layout)
    except Unreadable as exc:
        report.skipped(host, "dnsmasq", "dhcp-server", exc)
        return None
    for process, why in refused:
        host_files.report_untrusted(
            report, view, "dnsmasq", process, why, layout,
            [view.evidence(probe, [f"{process.pid} {process.args}"])])
    process = trusted[0] if trusted else None
    if process is None and refused and all(
            "owner could not be read" in why for _, why in refused):
        return None        # the rows above say why: nothing more is known
    if process is None:
        report.find("NETDIAG_DHCP_DNSMASQ_NOT_RUNNING", f"{host}:dnsmasq",
                    f"no dnsmasq for network {context.network_id} runs on "
                    f"{host}", host=host)
        whose = "of Neutron's users " if refused else ""
        report.hop(host, "dnsmasq", "dhcp-server", "not running",
                   f"no dnsmasq process {whose}mentions "
                   f"{context.network_id}",
                   Status.ERROR, [view.evidence(probe)])
        return None
    evidence = [view.evidence(probe, [f"{process.pid} {process.args}"])]
    report.hop(host, "dnsmasq", "dhcp-server", "running",
               f"pid {process.pid}", Status.OK, evidence)
    try:
        ranges = dnsmasq_parser.dhcp_ranges(process)
    except ParseError as exc:     # an option we cannot read
        report.hop(host, "dnsmasq --dhcp-range", "dhcp-config", "unreadable",
                   str(exc), Status.WARN, evidence)
        return process
    by_tag = {r.tag: r for r in ranges}
    for subnet in context.dhcp_subnets:
        tag = f"subnet-{subnet.id}"
        start, netmask = _expected_range(subnet)
        found = by_tag.get(tag)
        problems = []
        if found is None:
            problems.append("no --dhcp-range for it")
        else:
            if found.start != start:
                problems.append(f"range starts at {found.start}, expected "
                                f"{start}")
            if netmask and found.netmask and found.netmask != netmask:
                problems.append(f"netmask {found.netmask}, expected "
                                f"{netmask}")
        if problems:
            report.find("NETDIAG_DHCP_RANGE_WRONG", f"{host}:{subnet.cidr}",
                        f"dnsmasq on {host} does not serve subnet "
                        f"{subnet.cidr} as the API says: "
                        + "; ".join(problems), host=host,
                        subnet=subnet.id)
            report.hop(host, subnet.cidr, "dhcp-range", "wrong",
                       "; ".join(problems), Status.ERROR, evidence)
        else:
            report.hop(host, subnet.cidr, "dhcp-range", found.mode or "-",
                       f"--dhcp-range {found.start} {found.netmask or ''} "
                       f"lease {found.lease or 'default'}".replace("  ", " "),
                       Status.OK, evidence)
    known = {f"subnet-{s.id}" for s in context.dhcp_subnets}
    for extra in sorted(t for t in by_tag if t and t not in known):
        report.find("NETDIAG_DHCP_RANGE_STALE", f"{host}:{extra}",
                    f"dnsmasq on {host} still serves {extra}, which is not a "
                    f"DHCP-enabled subnet of the network", host=host)
        report.hop(host, extra, "dhcp-range", "stale",
                   "not a DHCP-enabled subnet in the API", Status.WARN,
                   evidence)
    settings = [f"{name}={process.option(name)}" for name in
                ("dhcp-hostsfile", "dhcp-leasefile", "dhcp-lease-max")
                if process.option(name)]
    if not process.option("dhcp-hostsfile"):
        report.find("NETDIAG_DHCP_RANGE_WRONG", f"{host}:dnsmasq",
                    f"dnsmasq on {host} has no --dhcp-hostsfile: it cannot "
                    f"know the ports' fixed addresses", host=host,
                    subnet="-")
        report.hop(host, "dnsmasq options", "dhcp-config", "incomplete",
                   "no --dhcp-hostsfile", Status.ERROR, evidence)
    else:
        report.hop(host, "dnsmasq options", "dhcp-config", "ok",
                   "; ".join(settings), Status.OK, evidence)
    return process


def check_console(report, context):
    port = context.port
    if port is None:
        return
    if context.console is None:
        report.hop("-", port.device_id or port.id, "console-log", "not read",
                   context.console_skip, Status.SKIP)
        return
    seen = []
    for sign, code in CONSOLE_SIGNS:
        lines = [line for line in context.console.splitlines()
                 if sign in line]
        if lines:
            seen.append(sign)
            report.find(code, port.device_id,
                        f"the console log of instance {port.device_id} "
                        f"shows: {lines[-1].strip()}", port=port.id,
                        server=port.device_id)
    report.hop("-", port.device_id, "console-log",
               "failure signs" if seen else "clean",
               "; ".join(seen) or "no udhcpc 'No lease' and no metadata "
               "connection failure", Status.ERROR if seen else Status.OK)


def evaluate_host(report, view, context, log_probes=(), log_dir=None,
                  layout=host_files.DEFAULT_LAYOUT):
    if report.host_unreadable(view):
        return
    ns = names.qdhcp_namespace(context.network_id)
    if devices.check_namespace(report, view, ns,
                               "NETDIAG_DHCP_NAMESPACE_MISSING", "namespace"):
        check_tap(report, view, context, ns, layout)
    process = check_dnsmasq(report, view, context, layout)
    plan = file_plan(view, context, layout, log_dir)
    for device, kind, path, why in plan.refused:
        host_files.report_refused(report, view.host, device, kind, path, why,
                                  layout)
    if process is not None and plan.hosts_file:
        check_hosts_file(report, view, context, plan.hosts_file)
    if log_probes:
        check_log(report, view, context, log_probes,
                  running=process is not None)


def check_context(context, *, log_dir=None, **options):
    report = Report()
    check_agents(report, context)
    ports = {p.id: p for p in context.dhcp_ports + (context.port,) if p}
    for facts in context.bindings:
        port = ports.get(facts.port_id)
        binding.check_binding(report, port, "DHCP" if port in
                              context.dhcp_ports else "checked",
                              facts.network, facts.ovs_agent)
    with runner.Run(context_json=context.to_json(), **options) as run:
        hosts = context.hosts
        layouts = {h: neutron_layout(run.inventory, h) for h in hosts}
        views = run.run({h: first_probes(context) for h in hosts})
        second = {h: second_probes(views[h], context, log_dir, layouts[h])
                  for h in hosts if views[h].readable}
        views = run.run(second)
        for host in hosts:
            logs = [p for p in second.get(host, ())
                    if p.name.startswith("dnsmasq-log:")]
            evaluate_host(report, views[host], context, logs, log_dir,
                          layouts[host])
    check_console(report, context)
    notes = ()
    if context.port is not None:
        notes = (CAPTURE_HINT.format(port=context.port.id),)
    subject = (f"port {context.port.id}" if context.port is not None
               else f"network {context.network_id}")
    return common.result(subject, report, run, notes)


def check_from_capture(capture_dir, *, max_workers=runner.DEFAULT_WORKERS):
    """Re-run a dhcp check offline from a ``--save-capture`` directory."""
    data, options = runner.replay_options(capture_dir,
                                          max_workers=max_workers)
    return check_context(DhcpContext.from_json(data), **options)


def dhcp_check(connection, ref, *, log_dir=None, **options):
    """``dhcp check <port | network>``: resolve, then read the DHCP hosts."""
    if log_dir:
        names.checked_path(log_dir.rstrip("/") or "/")
    context = resolve_context(connection, ref)
    return check_context(context, log_dir=log_dir, **options)
