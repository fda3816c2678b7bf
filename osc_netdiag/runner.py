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

"""The one pipeline every diagnosis runs through: a plan (probes per
host) -> the hosts read in parallel over one session each (SSH, local,
replayed or recorded) -> a HostView per host -> the feature's evaluate
-> per-host states and the exit code.

A feature supplies only its resolve, plan and evaluate. A run can have
several phases (a later plan may depend on what an earlier one read, as
the DHCP check reads the hosts file named on dnsmasq's command line);
each host keeps its session across them.

A run with ``save_capture`` writes what the API said (``context.json``)
and every host's answers (``hosts/<host>.json``) to a folder that
``replay_options`` turns back into a run with no API and no host: the
format users attach to bug reports, so it stays readable across releases.
"""

from osc_netdiag.checks.engine import HostView
from osc_netdiag import models
from osc_netdiag.transport import pool
from osc_netdiag.transport import replay

# the one place these are named: <capture dir>/context.json holds the
# API's side; hosts are read this many at once (see transport.pool)
CONTEXT_FILE = "context"
DEFAULT_WORKERS = pool.DEFAULT_WORKERS


def load_inventory(path=None, cloud_config=None):
    """Inventory from a YAML file, or a clouds.yaml ``netdiag:`` section."""
    from osc_netdiag.inventory import Inventory
    if path:
        return Inventory.load(path)
    if cloud_config:
        return Inventory.from_clouds_yaml(cloud_config)
    return Inventory()


def ssh_transport(inventory=None, known_hosts=(), **options):
    """The SSH transport, trusting the inventory's known_hosts files too."""
    from osc_netdiag.transport.ssh import SSHTransport
    files = tuple(known_hosts)
    if inventory is not None:
        files += tuple(inventory.known_hosts_files)
    return SSHTransport(known_hosts_files=files, **options)


def replay_options(capture_dir, *, latency=0.0,
                   max_workers=DEFAULT_WORKERS):
    """(the API's side as JSON, Run options) to run a diagnosis again
    offline from a ``--save-capture`` folder.
    """
    from osc_netdiag.inventory import Inventory
    data = replay.load_json(capture_dir, CONTEXT_FILE)
    return data, dict(inventory=Inventory(),
                      transport=replay.ReplayTransport(capture_dir,
                                                       latency=latency),
                      max_workers=max_workers)


def host_report(host, target, outcome, report):
    """A host's state after a run: not run, unreachable or refused, some
    probes unreadable, or ok.
    """
    if outcome is None:
        return models.HostReport(host, target.address, models.HOST_NOT_RUN)
    if outcome.error is not None:
        return models.HostReport(host, target.address, outcome.error.status,
                                 outcome.error.message)
    unreadable = [(name, status) for h, name, status in report.unreadable
                  if h == host]
    if unreadable:
        status = unreadable[0][1]
        return models.HostReport(
            host, target.address, status,
            "; ".join(f"{name}: {st}" for name, st in unreadable))
    return models.HostReport(host, target.address, models.HOST_OK)


class Run:
    """One session per host, kept open for every phase of a diagnosis.

    ``phase({host: [Probe]})`` returns a HostView per host over *all* the
    results read so far.

    ``progress``, if given, is called as ``progress(done, total, pending)``
    (hosts done and planned in the phase, the names still pending) at the
    start of each phase, as hosts finish and every fraction of a second
    while they run, always from the thread that runs the phase: the
    command that supplies it decides what to show, and where.
    """

    def __init__(self, *, inventory=None, transport=None, save_capture=None,
                 context_json=None, max_workers=DEFAULT_WORKERS,
                 progress=None):
        if inventory is None:
            inventory = load_inventory()
        if transport is None:
            transport = ssh_transport(inventory)
        if save_capture:
            replay.prepare(save_capture)
            if context_json is not None:
                replay.save_json(save_capture, CONTEXT_FILE, context_json)
            transport = replay.RecordingTransport(transport, save_capture)
        self.inventory = inventory
        self.pool = pool.HostPool(transport, max_workers=max_workers)
        self.progress = progress
        self.targets = {}
        self.outcomes = {}
        self.probes = {}
        self.round_trips = 0
        self.phases = 0
        self.elapsed = {}       # host: seconds spent on it, every phase

    def phase(self, host_probes, *, open_idle=False):
        """Run the probes not read yet; ``open_idle``: a host with nothing
        new to read is still opened (a one-phase plan's empty host is
        reported ok, not "not run").
        """
        plan = {}
        self.phases += 1
        # --show-commands: a later phase is planned from answers that the
        # plan never gets; its transport says so even when nothing follows
        noted = getattr(self.pool.transport, "phase_asked", None)
        if noted is not None:
            noted(self.phases, sorted(host_probes))
        for host, items in host_probes.items():
            if host not in self.targets:
                self.targets[host] = self.inventory.target(host)
            previous = self.outcomes.get(host)
            if previous is not None and previous.error is not None:
                continue          # unreachable once: do not try again
            known = self.probes.setdefault(host, {})
            new = [p for p in items if p.name not in known]
            known.update((p.name, p) for p in new)
            if new or (open_idle and previous is None):
                plan[self.targets[host]] = [p.command for p in new]
        for host, outcome in self.pool.run(plan, self.progress).items():
            self.round_trips += outcome.round_trips
            self.elapsed[host] = self.elapsed.get(host, 0.0) + outcome.elapsed
            previous = self.outcomes.get(host)
            if previous is None:
                self.outcomes[host] = outcome
            else:
                previous.results.extend(outcome.results)
                previous.error = outcome.error
        return self.views()

    # the name the multi-phase checks have always called it by
    run = phase

    def commands(self, host_commands):
        """Run raw Commands (a change such as cleanup's removals, not
        probes) on the kept sessions: {host: HostOutcome}.
        """
        plan = {}
        for host, items in host_commands.items():
            if host not in self.targets:
                self.targets[host] = self.inventory.target(host)
            plan[self.targets[host]] = list(items)
        return self.pool.run(plan, self.progress)

    def views(self):
        return {host: HostView(host, self.outcomes.get(host),
                               list(self.probes.get(host, {}).values()))
                for host in self.targets}

    def host_reports(self, report):
        return tuple(host_report(host, self.targets[host],
                                 self.outcomes.get(host), report)
                     for host in self.targets)

    def close(self):
        self.pool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_plan(host_probes, evaluate, *, context_json=None, follow=None,
             **options):
    """Read every host of ``host_probes`` once and ``evaluate(views)`` ->
    Report. ``follow(views)``, if given, plans a second phase from the
    first one's answers (host -> probes, possibly empty): what can only
    be asked once a first answer is known (an OpenFlow port number).
    Returns (report, host reports, round trips).
    """
    return run_plan_timed(host_probes, evaluate, context_json=context_json,
                          follow=follow, **options)[:3]


def run_plan_timed(host_probes, evaluate, *, context_json=None, follow=None,
                   **options):
    """``run_plan``, and {host: seconds spent on it} (its open and every
    batch, the container hint's included: hosts are read in parallel, so
    each has its own).
    """
    from osc_netdiag.linux import containers
    with Run(context_json=context_json, **options) as run:
        views = run.phase(host_probes, open_idle=True)
        more = follow(views) if follow is not None else None
        if more:
            views = run.phase(more)
        report = evaluate(views)
        # Open vSwitch not found on a host: is it in a container?
        containers.hint(report, run)
        return (report, run.host_reports(report), run.round_trips,
                dict(run.elapsed))
