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

"""Run a plan (commands per host) on many hosts in parallel.

One host failing never stops the others: its outcome carries the HostError
and no results. Each host gets its whole command list in one batch, so one
round trip per host per phase.
"""

import concurrent.futures
import dataclasses
import threading
import time
from typing import Dict
from typing import List
from typing import Optional

from osc_netdiag import errors
from osc_netdiag import models
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.base import HostSession
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.base import Transport


@dataclasses.dataclass
class HostOutcome:
    target: HostTarget
    results: list = dataclasses.field(default_factory=list)   # CommandResults
    error: Optional[errors.HostError] = None
    round_trips: int = 0
    elapsed: float = 0.0        # seconds spent on this host (open included)

    @property
    def ok(self):
        return self.error is None


def _as_host_error(target, exc) -> errors.HostError:
    if isinstance(exc, errors.HostError):
        return exc
    return errors.HostError(target.name, models.HOST_ERROR,
                            f"unexpected {type(exc).__name__}: {exc}")


def _run_once(transport: Transport, target: HostTarget, commands) -> HostOutcome:
    outcome = HostOutcome(target=target)
    session = None
    started = time.monotonic()
    try:
        session = transport.open(target)
        outcome.results = session.run(list(commands)) if commands else []
    except Exception as exc:  # one host never stops the others
        outcome.results = []
        outcome.error = _as_host_error(target, exc)
    finally:
        outcome.elapsed = time.monotonic() - started
        if session is not None:
            outcome.round_trips = session.round_trips
            session.close()
    return outcome


# Hosts read at once. A read is mostly waiting for the host's own commands,
# so wide is cheap for the client (tools/bench_hosts: 100 hosts in 2.5x the
# 1-host time at 64, 13x at 8); logins through one bastion are gated
# separately (transport.ssh.LOGINS_PER_GATEWAY).
DEFAULT_WORKERS = 64


def run_on_hosts(transport: Transport, plan: Dict[HostTarget, List[Command]],
                 max_workers: int = DEFAULT_WORKERS) -> Dict[str, HostOutcome]:
    """Open, run one batch and close on every host of ``plan``, in parallel."""
    if not plan:
        return {}
    workers = max(1, min(max_workers, len(plan)))
    with concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="netdiag-host") as pool:
        futures = {target: pool.submit(_run_once, transport, target, commands)
                   for target, commands in plan.items()}
        return {target.name: future.result() for target, future in futures.items()}


# how often a waiting run tells its progress callback (the clock moves on)
PROGRESS_TICK = 0.2


def report_progress(progress, futures):
    """Tell ``progress(done, total, pending)`` where the hosts stand.

    ``futures``: {host name: future}; pending: the names not done, in
    plan order.
    """
    pending = tuple(name for name, future in futures.items()
                    if not future.done())
    progress(len(futures) - len(pending), len(futures), pending)


def report_start(progress, names):
    """Tell ``progress`` a phase of ``names`` begins: none done yet."""
    if progress is not None:
        names = tuple(names)
        progress(0, len(names), names)


def wait_reporting(futures, progress):
    """Wait for every future of ``futures`` ({host name: future}).

    ``progress`` is called on each host done and every tick, from this
    (the calling) thread.
    """
    waiting = set(futures.values())
    while True:
        report_progress(progress, futures)
        if not waiting:
            return
        _, waiting = concurrent.futures.wait(
            waiting, timeout=PROGRESS_TICK,
            return_when=concurrent.futures.FIRST_COMPLETED)


def each_host(hosts, work, *, max_workers=DEFAULT_WORKERS, stop=None,
              grace=10.0, progress=None):
    """``work(host)`` for every host, in parallel.

    For what is not a batch of probes (a capture's stream). Interrupted
    (Ctrl-C, a signal turned into an exception), it sets ``stop`` and
    gives the hosts ``grace`` seconds to finish before raising on.

    ``progress``: see wait_reporting.
    """
    if not hosts:
        return
    with concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, min(max_workers, len(hosts))),
            thread_name_prefix="netdiag-host") as executor:
        report_start(progress, hosts)
        futures = [executor.submit(work, host) for host in hosts]
        try:
            if progress is not None:
                # its short waits keep the main thread interruptible too
                wait_reporting(dict(zip(hosts, futures)), progress)
            for future in futures:
                while not future.done():
                    # short waits: the main thread stays interruptible
                    concurrent.futures.wait([future], timeout=0.2)
        except BaseException:
            if stop is not None:
                stop.set()
            concurrent.futures.wait(futures, timeout=grace)
            raise


def _close_quietly(session):
    try:
        session.close()
    except Exception:  # closing is best effort, host by host
        pass


class HostPool:
    """Keep one session per host open across several phases.

    A host that failed to open keeps its error for the later phases (no
    reconnect storm against a host that refused us).
    """

    def __init__(self, transport: Transport, max_workers: int = DEFAULT_WORKERS):
        self.transport = transport
        self.max_workers = max_workers
        self._sessions: Dict[str, HostSession] = {}
        self._failed: Dict[str, errors.HostError] = {}
        self._lock = threading.Lock()
        self._executor = None

    def _session(self, target: HostTarget) -> HostSession:
        with self._lock:
            if target.name in self._failed:
                raise self._failed[target.name]
            session = self._sessions.get(target.name)
        if session is not None:
            return session
        try:
            session = self.transport.open(target)
        except Exception as exc:
            error = _as_host_error(target, exc)
            with self._lock:
                self._failed[target.name] = error
            raise error from exc
        with self._lock:
            self._sessions[target.name] = session
        return session

    def _run_host(self, target, commands) -> HostOutcome:
        outcome = HostOutcome(target=target)
        session = None
        before = 0
        started = time.monotonic()
        try:
            session = self._session(target)
            before = session.round_trips
            outcome.results = session.run(list(commands)) if commands else []
        except Exception as exc:
            outcome.results = []
            outcome.error = _as_host_error(target, exc)
        # this phase's: its own open (the first phase) and batch
        outcome.elapsed = time.monotonic() - started
        if session is not None:
            outcome.round_trips = session.round_trips - before
        return outcome

    def run(self, plan: Dict[HostTarget, List[Command]],
            progress=None) -> Dict[str, HostOutcome]:
        """Run one phase; sessions stay open for the next one.

        ``progress``: see wait_reporting.
        """
        if not plan:
            return {}
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=max(1, self.max_workers),
                thread_name_prefix="netdiag-host")
        report_start(progress, (target.name for target in plan))
        futures = {target: self._executor.submit(self._run_host, target, commands)
                   for target, commands in plan.items()}
        if progress is not None:
            wait_reporting({t.name: f for t, f in futures.items()}, progress)
        return {target.name: future.result() for target, future in futures.items()}

    @property
    def round_trips(self) -> int:
        with self._lock:
            return sum(s.round_trips for s in self._sessions.values())

    def close(self):
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        if self._executor is not None and sessions:
            # SSH sessions wait for their reader thread: close them in parallel.
            for future in [self._executor.submit(_close_quietly, s) for s in sessions]:
                future.result()
        else:
            for session in sessions:
                _close_quietly(session)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
