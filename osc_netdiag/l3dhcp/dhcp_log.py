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

"""The dnsmasq log of a port's DHCP exchange, for ``dhcp check``: where
dnsmasq logs (its ``--log-facility`` file, the agent's
``dnsmasq_base_log_dir``, else syslog), the probes that read the lines
mentioning the port's MAC, and the Operations Guide's reading of them.
"""

from osc_netdiag.checks.engine import Unreadable
from osc_netdiag import models
from osc_netdiag.models import Status
from osc_netdiag import probes

# built in probes.py, like every probe (the names the checks know)
LOG_LINES = probes.DNSMASQ_LOG_LINES
NEUTRON_LOG_FILE = "dhcp_dns_log"   # <dnsmasq_base_log_dir>/<network>/...
JOURNAL = probes.DNSMASQ_JOURNAL
SYSLOG_SOURCES = (JOURNAL, "/var/log/syslog", "/var/log/messages")
# one log source of a port's DHCP exchange; which source is used is
# decided here, on the client, from the results (choose_log)
log_probe = probes.dnsmasq_log
_MAC_RE = probes.MAC_RE         # the MACs it accepts


def log_probes(mac, sources, lines=LOG_LINES):
    """One probe per source, all in the same batch."""
    return [log_probe(mac, source, lines) for source in sources]


def log_source(probe):
    """The source a log probe reads: ``journal`` or the file's path."""
    return JOURNAL if probe.argv[0] == "journalctl" else probe.argv[-1]


def choose_log(view, log_probes):
    """(probe, lines) of the first source that could be read, in the
    order given; raises Unreadable naming why each one could not.
    """
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
            f"{log_source(exc.probe)} ({exc.said()})"
            for exc in failures))


def log_sources(process, network_id, log_dir=None):
    """Where this network's dnsmasq logs: its --log-facility file, the
    agent's dnsmasq_base_log_dir, else syslog (journal or files).
    """
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
