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

"""The check engine: collects hops, findings and unreadable spots while
a backend or a feature evaluates its hosts.
"""

import shlex

from osc_netdiag.checks.catalogue import finding
from osc_netdiag.checks import failure
from osc_netdiag.errors import ParseError
from osc_netdiag import models


class Unreadable(Exception):
    """A probe's output could not be read; the hop that needed it is SKIP."""

    def __init__(self, host, probe, status, message, exit_status=None):
        super().__init__(message)
        self.host = host
        self.probe = probe
        self.status = status
        self.message = message
        self.exit_status = exit_status

    def said(self):
        """'<status>, exit <n>: <stderr line>' or '<status>: <message>'."""
        if self.message.startswith(f"{self.status}, exit "):
            return self.message
        return f"{self.status}: {self.message}"


class HostView:
    """One host's probe results, parsed on demand."""

    def __init__(self, host, outcome, probes):
        self.host = host
        self.error = outcome.error if outcome is not None else None
        self._results = {r.name: r for r in (outcome.results
                                             if outcome else ())}
        self._probes = {p.name: p for p in probes}
        self._parsed = {}

    @property
    def readable(self):
        return self.error is None

    def result(self, probe):
        return self._results.get(probe.name)

    def read(self, probe):
        """Parsed output of ``probe``; raises Unreadable if there is none."""
        if probe.name in self._parsed:
            return self._parsed[probe.name]
        if self.error is not None:
            raise Unreadable(self.host, probe, self.error.status,
                             self.error.message)
        result = self._results.get(probe.name)
        if result is None:
            raise Unreadable(self.host, probe, models.HOST_ERROR,
                             "command was not run")
        if result.status != models.HOST_OK or \
                result.exit_status not in probe.ok_exit_codes:
            # The command's own status, exit code and first stderr line
            # (else the transport's word: a deadline, the byte cap).
            status = (result.status if result.status != models.HOST_OK
                      else models.HOST_ERROR)
            raise Unreadable(self.host, probe, status, failure.describe(
                status, result.exit_status, result.stderr,
                result.message), exit_status=result.exit_status)
        try:
            parsed = probe.parse(result.stdout)
        except ParseError as exc:
            raise Unreadable(self.host, probe, models.HOST_ERROR,
                             f"unreadable output: {exc}") from None
        self._parsed[probe.name] = parsed
        return parsed

    def evidence(self, probe, lines=()):
        return models.Evidence(host=self.host,
                               command=shlex.join(probe.argv),
                               lines=tuple(lines))


class Report:
    def __init__(self):
        self.hops = []
        self.findings = []
        self._seen_findings = set()   # findings are frozen: dedupe in O(1)
        self.unreadable = []          # (host, what, status)

    def hop(self, host, device, kind, state, detail, status, evidence=()):
        hop = models.Hop(host=host, device=device, kind=kind, state=state,
                         detail=detail, status=status,
                         evidence=tuple(e for e in evidence if e))
        self.hops.append(hop)
        return hop

    def find(self, code, subject, summary, **values):
        item = finding(code, subject, summary, **values)
        if item not in self._seen_findings:
            self._seen_findings.add(item)
            self.findings.append(item)
        return item

    def host_unreadable(self, view):
        """Record a host that could not be read at all: one finding (host
        key, authentication, or unreadable) and one SKIP row. Returns True
        if so, so callers can skip that host's hops.
        """
        if view.readable:
            return False
        err = view.error
        code = {models.HOST_HOSTKEY: "NETDIAG_HOST_KEY_REFUSED",
                models.HOST_AUTH: "NETDIAG_HOST_AUTH_REFUSED"}.get(
                    err.status, "NETDIAG_HOST_UNREADABLE")
        self.find(code, view.host, f"{view.host}: {err.status}: "
                  f"{err.message}", host=view.host, status=err.status)
        self.hop(view.host, view.host, "host", err.status,
                 f"not checked: {err.message}", models.Status.SKIP)
        return True

    def read_or_skip(self, view, probe, device, kind):
        """view.read(probe), or None with the hop recorded as skipped."""
        try:
            return view.read(probe)
        except Unreadable as exc:
            self.skipped(view.host, device, kind, exc)
            return None

    def skipped(self, host, device, kind, exc):
        """Record a hop that could not be checked because a probe failed."""
        self.unreadable.append((host, exc.probe.name, exc.status))
        said = exc.said()
        self.find("NETDIAG_COMMAND_FAILED", f"{host}:{device}",
                  f"could not read '{shlex.join(exc.probe.argv)}' on {host}: "
                  f"{said}; not checked: {kind} {device}",
                  host=host, command=shlex.join(exc.probe.argv),
                  unchecked=f"{kind} {device}")
        return self.hop(host, device, kind, exc.status,
                        f"not checked: {exc.message}", models.Status.SKIP)
