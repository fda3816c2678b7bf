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
addresses and dnsmasq's command line; the second reads the files that
command line names (hosts file, ``--log-facility``), so nothing is guessed.
"""

import dataclasses
import ipaddress
import re

from osc_netdiag import models
from osc_netdiag import names
from osc_netdiag import probes
from osc_netdiag import resolve
from osc_netdiag.backends import devices
from osc_netdiag.backends.report import Report
from osc_netdiag.backends.report import Unreadable
from osc_netdiag.errors import ParseError
from osc_netdiag.errors import ResolveError
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag.l3dhcp import common
from osc_netdiag.l3dhcp import metadata
from osc_netdiag.models import Status
from osc_netdiag.parsers import dnsmasq as dnsmasq_parser
from osc_netdiag.parsers._text import complete_lines

DHCP_AGENT = "DHCP agent"
# Lines mentioning the MAC read from a log file at most (grep -m: the oldest
# ones win, so reaching it is said), and lines the journal gives at most.
LOG_LINES = 20000
NEUTRON_LOG_FILE = "dhcp_dns_log"   # <dnsmasq_base_log_dir>/<network>/...
_MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}\Z")
JOURNAL = "journal"
SYSLOG_SOURCES = (JOURNAL, "/var/log/syslog", "/var/log/messages")
CAPTURE_HINT = ("live look: 'openstack netdiag port capture {port} --at tap "
                "--at dhcp --filter dhcp' while the instance asks for a "
                "lease")
# The Guide's console-log signs of a DHCP / metadata failure.
CONSOLE_SIGNS = (
    ("No lease", "NETDIAG_DHCP_CONSOLE_NO_LEASE"),
    ("can't connect to remote host (169.254.169.254)",
     "NETDIAG_DHCP_CONSOLE_NO_METADATA"),
)


# -- what the API says --------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SubnetInfo:
    id: str
    cidr: str
    ip_version: int
    enable_dhcp: bool


@dataclasses.dataclass(frozen=True)
class DhcpContext:
    network_id: str
    network_name: str
    subnets: tuple                  # of SubnetInfo
    agents: tuple                   # of context.Agent (DHCP agents)
    dhcp_ports: tuple               # of PortInfo (network:dhcp)
    ports: tuple                    # of PortInfo (all other ports)
    port: object = None             # PortInfo of the checked port, or None
    console: object = None          # console log text, or None
    console_skip: str = ""          # why the console log was not read

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        port = common.port_from_json
        return cls(
            network_id=data["network_id"], network_name=data["network_name"],
            subnets=tuple(SubnetInfo(**s) for s in data["subnets"]),
            agents=tuple(common.agent_from_json(a) for a in data["agents"]),
            dhcp_ports=tuple(port(p) for p in data["dhcp_ports"]),
            ports=tuple(port(p) for p in data["ports"]),
            port=port(data["port"]), console=data["console"],
            console_skip=data["console_skip"])

    @property
    def dhcp_subnets(self):
        return [s for s in self.subnets if s.enable_dhcp]

    @property
    def hosts(self):
        return sorted({a.host for a in self.agents})


def _console(conn, port):
    """(text, why not) of the instance's console log, Nova permitting."""
    if port is None:
        return None, "no port given"
    if not port.device_owner.startswith("compute:") or not port.device_id:
        return None, f"port is not an instance's ({port.device_owner or '-'})"
    try:
        if not conn.has_service("compute"):
            return None, "no compute service (Nova) in the catalogue"
        output = conn.compute.get_server_console_output(port.device_id,
                                                        length=400)
    except Exception as exc:            # Nova down, server gone, policy
        return None, f"console log not readable: {exc}"
    return (output or {}).get("output", ""), ""


def resolve_context(conn, ref, console=True):
    """<port | network> -> DhcpContext (a network name/ID first)."""
    net_api = conn.network
    port = None
    sdk_net = net_api.find_network(ref, ignore_missing=True)
    if sdk_net is None:
        try:
            sdk_port = resolve.find_port(conn, ref)
        except ResolveError as exc:
            raise ResolveError("not-found", f"No network or port found for "
                               f"'{ref}' ({exc})") from None
        port = resolve.port_info(sdk_port)
        sdk_net = net_api.get_network(sdk_port.network_id)
    subnets = tuple(SubnetInfo(s.id, s.cidr, int(s.ip_version),
                               bool(s.is_dhcp_enabled))
                    for s in net_api.subnets(network_id=sdk_net.id))
    all_ports = [resolve.port_info(p)
                 for p in net_api.ports(network_id=sdk_net.id)]
    console, why = _console(conn, port) if console else (None, "")
    return DhcpContext(
        network_id=sdk_net.id, network_name=sdk_net.name or "",
        subnets=subnets,
        agents=tuple(resolve.agent_info(a) for a in
                     net_api.network_hosting_dhcp_agents(sdk_net.id)),
        dhcp_ports=tuple(p for p in all_ports
                         if p.device_owner == "network:dhcp"),
        ports=tuple(p for p in all_ports
                    if p.device_owner != "network:dhcp"),
        port=port, console=console, console_skip=why)


# -- probes -------------------------------------------------------------------

def first_probes(context):
    ns = names.qdhcp_namespace(context.network_id)
    return [probes.netns_list(), probes.netns_addr(ns),
            probes.dnsmasq_processes(), metadata.agent_process_probe()]


def hosts_file_probe(path):
    path = common.checked_path(path)
    return probes.Probe(f"dnsmasq-hosts:{path}", ("cat", "--", path),
                        dnsmasq_parser.parse_hosts_file)


@dataclasses.dataclass(frozen=True)
class _MacLines:
    """Parser of a log source's output: the lines that mention ``mac``
    (case-insensitive fixed string, as ``grep -F -i``; a journal's other
    lines are dropped here), the newest ``lines`` of them, as dnsmasq log
    lines. Output without its final newline is refused."""

    mac: str
    lines: int

    def __call__(self, text):
        wanted = self.mac.casefold()
        mine = [line for line in complete_lines(text, "dnsmasq log")
                if wanted in line.casefold()][-self.lines:]
        return dnsmasq_parser.parse_log("".join(f"{line}\n"
                                                for line in mine))


def log_probe(mac, source, lines=LOG_LINES):
    """One log source of a port's DHCP exchange, as a command sudo can pin
    (doc/source/netdiag.sudoers): the journal's dnsmasq lines, or the lines
    of a file that mention the MAC. Which source is used is decided here,
    on the client, from the results (:func:`choose_log`)."""
    if not _MAC_RE.match(mac or ""):
        raise UnsafeNameError(f"not a MAC address: {mac!r}")
    if source == JOURNAL:
        # No --grep: with --lines it prints newest first since systemd 253
        # (and in some backports), in time order before, and it needs
        # journalctl built with pcre2. The MAC is matched on the client.
        argv = ("journalctl", "-q", "--no-pager", "-o", "short", "-n",
                str(lines), "-t", "dnsmasq-dhcp", "-t", "dnsmasq")
        ok = (0,)
    else:
        # -a: a log with a NUL byte in it is still read as text (else grep
        # says "binary file matches" and prints nothing). Exit 1: read,
        # nothing matched; 2: missing or unreadable.
        argv = ("grep", "-F", "-i", "-h", "-a", "-m", str(lines), "--", mac,
                common.checked_path(source))
        ok = (0, 1)
    return probes.Probe(f"dnsmasq-log:{mac}:{source}", argv,
                        _MacLines(mac, lines), timeout=20.0,
                        ok_exit_codes=ok)


def log_probes(mac, sources, lines=LOG_LINES):
    """One probe per source, all in the same batch."""
    return [log_probe(mac, source, lines) for source in sources]


def log_source(probe):
    """The source a log probe reads: ``journal`` or the file's path."""
    return JOURNAL if probe.argv[0] == "journalctl" else probe.argv[-1]


def choose_log(view, log_probes):
    """(probe, lines) of the first source that could be read, in the
    order given; raises Unreadable naming why each one could not."""
    failures = []
    for probe in log_probes:
        try:
            return probe, view.read(probe)
        except Unreadable as exc:
            failures.append(exc)
    statuses = {exc.status for exc in failures}
    raise Unreadable(
        view.host, log_probes[0],
        statuses.pop() if len(statuses) == 1 else models.HOST_ERROR,
        "none of these logs is readable: " + "; ".join(
            f"{log_source(exc.probe)} ({exc.status}: {exc.message})"
            for exc in failures))


def dnsmasq_of(view, network_id):
    """The dnsmasq Process serving the network on this host, or None."""
    procs = view.read(probes.dnsmasq_processes())
    mine = [p for p in procs
            if (p.option("dhcp-hostsfile") or "").split("/")[-2:-1] ==
            [network_id] or network_id in p.args]
    return mine[0] if mine else None


def log_sources(process, network_id, log_dir=None):
    """Where this network's dnsmasq logs: its --log-facility file, the
    agent's dnsmasq_base_log_dir, else syslog (journal or files)."""
    facility = process.option("log-facility") if process else None
    if facility and facility.startswith("/"):
        return [facility]
    if log_dir:
        return [f"{log_dir.rstrip('/')}/{network_id}/{NEUTRON_LOG_FILE}"]
    return list(SYSLOG_SOURCES)


def second_probes(view, context, log_dir=None):
    items = []
    try:
        process = dnsmasq_of(view, context.network_id)
    except Unreadable:
        process = None
    if process is not None and process.option("dhcp-hostsfile"):
        try:
            items.append(hosts_file_probe(process.option("dhcp-hostsfile")))
        except UnsafeNameError:
            pass
    if context.port is not None and context.port.mac:
        try:
            items += log_probes(context.port.mac, log_sources(
                process, context.network_id, log_dir))
        except UnsafeNameError:
            pass
    return items + metadata.second_probes(view)


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


def check_tap(report, view, context, ns):
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
    metadata.check(report, view, ns, device, link)


def _expected_range(subnet):
    net = ipaddress.ip_network(subnet.cidr, strict=False)
    return str(net.network_address), (str(net.netmask)
                                      if net.version == 4 else None)


def check_dnsmasq(report, view, context):
    """dnsmasq runs for the network; its command line matches the subnets.
    Returns the Process or None."""
    host = view.host
    probe = probes.dnsmasq_processes()
    try:
        process = dnsmasq_of(view, context.network_id)
    except Unreadable as exc:
        report.skipped(host, "dnsmasq", "dhcp-server", exc)
        return None
    if process is None:
        report.find("NETDIAG_DHCP_DNSMASQ_NOT_RUNNING", f"{host}:dnsmasq",
                    f"no dnsmasq for network {context.network_id} runs on "
                    f"{host}", host=host)
        report.hop(host, "dnsmasq", "dhcp-server", "not running",
                   f"no dnsmasq process mentions {context.network_id}",
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


def _dhcp_ips(port, context):
    dhcp_ids = {s.id for s in context.dhcp_subnets}
    return [ip for sid, ip in port.fixed_ips if sid in dhcp_ids]


def check_hosts_file(report, view, context, process):
    host = view.host
    path = process.option("dhcp-hostsfile")
    try:
        probe = hosts_file_probe(path)
        entries = view.read(probe)
    except UnsafeNameError as exc:
        report.hop(host, "hosts file", "dhcp-hosts", "not read", str(exc),
                   Status.WARN)
        return
    except Unreadable as exc:
        report.skipped(host, "hosts file", "dhcp-hosts", exc)
        return
    by_mac = {}
    for entry in entries:
        by_mac.setdefault(entry.mac, []).append(entry)
    ports = [context.port] if context.port is not None else [
        p for p in context.ports if _dhcp_ips(p, context)]
    bad = 0
    for port in ports:
        wanted = _dhcp_ips(port, context)
        if not wanted:
            report.hop(host, port.mac, "dhcp-host", "not served",
                       "the port has no address on a DHCP-enabled subnet",
                       Status.SKIP)
            continue
        have = [e.ip for e in by_mac.get(port.mac, ())]
        missing = [ip for ip in wanted if ip not in have]
        lines = [f"{e.mac},{e.name or ''},{e.ip or ''}"
                 for e in by_mac.get(port.mac, ())]
        evidence = [view.evidence(probe, lines)]
        if missing:
            bad += 1
            what = (f"has {', '.join(i for i in have if i)} instead of "
                    if have else "has no line for the MAC; ")
            report.find("NETDIAG_DHCP_HOST_ENTRY_MISSING",
                        f"{host}:{port.id}",
                        f"the dnsmasq hosts file on {host} {what}"
                        f"expected {port.mac} -> {', '.join(missing)}",
                        host=host, port=port.id, mac=port.mac)
            report.hop(host, port.mac, "dhcp-host", "missing",
                       f"port {port.id}: {', '.join(missing)} not in "
                       f"{path}", Status.ERROR, evidence)
        elif context.port is not None:
            report.hop(host, port.mac, "dhcp-host", "present",
                       f"{port.mac} -> {', '.join(wanted)} in {path}",
                       Status.OK, evidence)
    if context.port is None:
        report.hop(host, "hosts file", "dhcp-hosts",
                   f"{len(entries)} entries",
                   f"{len(ports) - bad}/{len(ports)} ports of the network "
                   f"with DHCP addresses present in {path}",
                   Status.ERROR if bad else Status.OK,
                   [view.evidence(hosts_file_probe(path))])


def summarise_exchange(lines):
    """(verdict, detail, code) of a port's DHCP log lines (newest last).

    The Guide's reading: nothing from the MAC -> the request never reached
    dnsmasq (the path from the instance); DISCOVER without OFFER -> dnsmasq
    would not answer; all of DISCOVER/OFFER/REQUEST/ACK (or a renewal's
    REQUEST/ACK) -> dnsmasq answered, so a missing lease in the instance
    means the way back.
    """
    events = [line.event for line in lines]
    if not events:
        return ("no exchange", "no DHCP message from this MAC in the log",
                "NETDIAG_DHCP_NO_REQUEST")
    kinds = {}
    for event in events:
        kinds[event.kind] = kinds.get(event.kind, 0) + 1
    counts = ", ".join(f"{k} x{n}" for k, n in kinds.items())
    # Only what came after the newest ACK counts: a "no address available"
    # that a later ACK answered was fixed (the hosts file got the port).
    acked = max((i for i, e in enumerate(events) if e.kind == "DHCPACK"),
                default=-1)
    no_address = [e for e in events[acked + 1:]
                  if "no address available" in e.note]
    last_xid = events[-1].xid
    last = [e.kind for e in events if e.xid == last_xid] if last_xid \
        else [events[-1].kind]
    if no_address and no_address[-1] is events[-1] or \
            (no_address and "DHCPACK" not in last):
        return ("no address", f"{counts}; dnsmasq: no address available "
                "(the MAC is not in its hosts file, or the subnet is not "
                "served)", "NETDIAG_DHCP_NO_ADDRESS")
    if "DHCPNAK" in last:
        return ("refused", f"{counts}; last exchange ended in DHCPNAK",
                "NETDIAG_DHCP_NAK")
    if "DHCPACK" in last:
        return ("acknowledged", f"{counts}; last exchange: "
                f"{'/'.join(last)} at {lines[-1].stamp}",
                "NETDIAG_DHCP_EXCHANGE_COMPLETE")
    if "DHCPOFFER" in last:
        return ("offered", f"{counts}; the OFFER got no REQUEST back: the "
                "instance did not receive it", "NETDIAG_DHCP_NO_REPLY_SEEN")
    return ("unanswered", f"{counts}; last exchange: {'/'.join(last)} "
            "without an answer", "NETDIAG_DHCP_NO_OFFER")


def check_log(report, view, context, log_probes, running=True):
    host = view.host
    port = context.port
    try:
        probe, lines = choose_log(view, log_probes)
    except Unreadable as exc:
        report.skipped(host, "dnsmasq log", "dhcp-log", exc)
        return
    source = log_source(probe)
    mine = [line for line in lines
            if line.event is not None and line.event.mac == port.mac]
    verdict, detail, code = summarise_exchange(mine)
    capped = probe.argv[0] == "grep" and len(lines) >= probe.parse.lines
    if capped:
        detail += (f" (only the first {probe.parse.lines} lines mentioning "
                   f"the MAC were read: the newest may be missing)")
    if not running:
        # The log is history then; the dnsmasq row carries the error.
        detail += " (dnsmasq is not running here now)"
    evidence = [view.evidence(probe, [line.text for line in lines
                                      if line.event is not None][-8:])]
    # the row says what the finding's severity says (NO_OFFER is an ERROR)
    status = {"NETDIAG_DHCP_EXCHANGE_COMPLETE": Status.OK,
              "NETDIAG_DHCP_NO_ADDRESS": Status.ERROR,
              "NETDIAG_DHCP_NO_OFFER": Status.ERROR}.get(code, Status.WARN)
    if capped and status == Status.OK:
        status = Status.WARN
    report.find(code, f"{host}:{port.mac}",
                f"DHCP log on {host} ({source}) for {port.mac}: {detail}",
                host=host, port=port.id, mac=port.mac,
                network=context.network_id)
    report.hop(host, port.mac, "dhcp-log", verdict,
               f"{source}: {detail}", status, evidence)


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


def evaluate_host(report, view, context, log_probes=()):
    if report.host_unreadable(view):
        return
    ns = names.qdhcp_namespace(context.network_id)
    if devices.check_namespace(report, view, ns,
                               "NETDIAG_DHCP_NAMESPACE_MISSING", "namespace"):
        check_tap(report, view, context, ns)
    process = check_dnsmasq(report, view, context)
    if process is not None and process.option("dhcp-hostsfile"):
        check_hosts_file(report, view, context, process)
    if log_probes:
        check_log(report, view, context, log_probes,
                  running=process is not None)


def check_context(context, *, log_dir=None, **options):
    report = Report()
    check_agents(report, context)
    with common.PhasedRun(context_json=context.to_json(), **options) as run:
        hosts = context.hosts
        views = run.run({h: first_probes(context) for h in hosts})
        second = {h: second_probes(views[h], context, log_dir)
                  for h in hosts if views[h].readable}
        views = run.run(second)
        for host in hosts:
            logs = [p for p in second.get(host, ())
                    if p.name.startswith("dnsmasq-log:")]
            evaluate_host(report, views[host], context, logs)
    check_console(report, context)
    notes = ()
    if context.port is not None:
        notes = (CAPTURE_HINT.format(port=context.port.id),)
    subject = (f"port {context.port.id}" if context.port is not None
               else f"network {context.network_id}")
    return common.result(subject, report, run, notes)


def check_from_capture(capture_dir, *, max_workers=common.DEFAULT_WORKERS):
    """Re-run a dhcp check offline from a ``--save-capture`` directory."""
    data, options = common.replay_options(capture_dir, max_workers)
    return check_context(DhcpContext.from_json(data), **options)


def dhcp_check(connection, ref, *, log_dir=None, **options):
    """``dhcp check <port | network>``: resolve, then read the DHCP hosts."""
    if log_dir:
        common.checked_path(log_dir.rstrip("/") or "/")
    context = resolve_context(connection, ref)
    return check_context(context, log_dir=log_dir, **options)

