"""The dnsmasq log of a port's DHCP exchange, for ``dhcp check``: where
dnsmasq logs (its ``--log-facility`` file, the agent's
``dnsmasq_base_log_dir``, else syslog), the probes that read the lines
mentioning the port's MAC, and the Operations Guide's reading of them."""

import dataclasses
import re

from osc_netdiag import models
from osc_netdiag import probes
from osc_netdiag.backends.report import Unreadable
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag.l3dhcp import common
from osc_netdiag.models import Status
from osc_netdiag.parsers import dnsmasq as dnsmasq_parser
from osc_netdiag.parsers._text import complete_lines

# Lines mentioning the MAC read from a log file at most (grep -m: the oldest
# ones win, so reaching it is said), and lines the journal gives at most.
LOG_LINES = 20000
NEUTRON_LOG_FILE = "dhcp_dns_log"   # <dnsmasq_base_log_dir>/<network>/...
_MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}\Z")
JOURNAL = "journal"
SYSLOG_SOURCES = (JOURNAL, "/var/log/syslog", "/var/log/messages")


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


def log_sources(process, network_id, log_dir=None):
    """Where this network's dnsmasq logs: its --log-facility file, the
    agent's dnsmasq_base_log_dir, else syslog (journal or files)."""
    facility = process.option("log-facility") if process else None
    if facility and facility.startswith("/"):
        return [facility]
    if log_dir:
        return [f"{log_dir.rstrip('/')}/{network_id}/{NEUTRON_LOG_FILE}"]
    return list(SYSLOG_SOURCES)


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
