"""What the l3dhcp checks share: running probes in phases over one session
per host, safe file paths for argv, and the result type."""

import dataclasses
import re

from osc_netdiag import exitcodes
from osc_netdiag.checks.engine import HostView
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag.transport import pool

DEFAULT_WORKERS = pool.DEFAULT_WORKERS
CONTEXT_FILE = "context"          # <capture dir>/context.json: the API side
ROW_COLUMNS = ("Host", "Subject", "Check", "State", "Detail", "Status")
# Absolute paths made of the characters Neutron's state and log paths use;
# no "..", no leading "-" possible (they start with "/").
_PATH_RE = re.compile(r"^/[A-Za-z0-9_.@+=:/-]{0,4095}\Z")


def checked_path(path):
    """Allow-list check for a file path read from a host (dnsmasq options)."""
    if not isinstance(path, str) or not _PATH_RE.match(path) or \
            "/../" in path + "/" or "//" in path:
        raise UnsafeNameError(f"unsafe path: {path!r}")
    return path



class PhasedRun:
    """One SSH session per host, kept open for several probe phases.

    ``run({host: [Probe]})`` returns a HostView per host over *all* the
    results read so far, so a later phase may depend on an earlier one
    (e.g. the hosts file path comes from dnsmasq's command line).
    """

    def __init__(self, *, inventory=None, transport=None, save_capture=None,
                 max_workers=DEFAULT_WORKERS, context_json=None):
        from osc_netdiag import api
        from osc_netdiag.transport import replay
        if inventory is None:
            inventory = api.load_inventory()
        if transport is None:
            transport = api.ssh_transport(inventory)
        if save_capture:
            replay.prepare(save_capture)
            if context_json is not None:
                replay.save_json(save_capture, CONTEXT_FILE, context_json)
            transport = replay.RecordingTransport(transport, save_capture)
        self.inventory = inventory
        self.pool = pool.HostPool(transport, max_workers=max_workers)
        self.targets = {}
        self.outcomes = {}
        self.probes = {}
        self.round_trips = 0

    def run(self, host_probes):
        plan = {}
        for host, items in host_probes.items():
            if host not in self.targets:
                self.targets[host] = self.inventory.target(host)
            previous = self.outcomes.get(host)
            if previous is not None and previous.error is not None:
                continue          # unreachable once: do not try again
            known = self.probes.setdefault(host, {})
            new = [p for p in items if p.name not in known]
            known.update((p.name, p) for p in new)
            if new:
                plan[self.targets[host]] = [p.command for p in new]
        for host, outcome in self.pool.run(plan).items():
            self.round_trips += outcome.round_trips
            previous = self.outcomes.get(host)
            if previous is None:
                self.outcomes[host] = outcome
            else:
                previous.results.extend(outcome.results)
                previous.error = outcome.error
        return self.views()

    def views(self):
        return {host: HostView(host, self.outcomes.get(host),
                               list(self.probes.get(host, {}).values()))
                for host in self.targets}

    def host_reports(self, report):
        from osc_netdiag import api
        return tuple(api._host_report(host, self.targets[host],
                                      self.outcomes.get(host), report)
                     for host in self.targets)

    def close(self):
        self.pool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def port_from_json(data):
    from osc_netdiag import context as ctx
    if data is None:
        return None
    data = dict(data)
    data["fixed_ips"] = tuple(tuple(i) for i in data["fixed_ips"])
    return ctx.PortInfo(**data)


def agent_from_json(data):
    from osc_netdiag import context as ctx
    return ctx.Agent(**data)


def replay_options(capture_dir, max_workers=DEFAULT_WORKERS):
    """(context JSON, options) to re-run a check offline from a
    ``--save-capture`` directory: no API, no SSH."""
    from osc_netdiag.inventory import Inventory
    from osc_netdiag.transport import replay
    data = replay.load_json(capture_dir, CONTEXT_FILE)
    return data, dict(inventory=Inventory(),
                      transport=replay.ReplayTransport(capture_dir),
                      max_workers=max_workers)


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """Rows (models.Hop) and findings of one check, with its exit code."""
    subject: str
    rows: tuple
    findings: tuple
    hosts: tuple
    round_trips: int
    exit_code: int
    notes: tuple = ()

    def to_dict(self):
        return {"subject": self.subject, "exit_code": self.exit_code,
                "round_trips": self.round_trips,
                "rows": [r.to_dict() for r in self.rows],
                "findings": [f.to_dict() for f in self.findings],
                "hosts": [dataclasses.asdict(h) for h in self.hosts],
                "notes": list(self.notes)}


def result(subject, report, run=None, notes=()):
    hosts = run.host_reports(report) if run is not None else ()
    return CheckResult(subject=subject, rows=tuple(report.hops),
                       findings=tuple(report.findings), hosts=hosts,
                       round_trips=run.round_trips if run else 0,
                       exit_code=exitcodes.for_report(report.findings, hosts),
                       notes=tuple(notes))
