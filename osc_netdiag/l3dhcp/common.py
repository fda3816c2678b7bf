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

"""What the l3dhcp checks share: their result type (they run through
``runner.Run``).
"""

import dataclasses

from osc_netdiag import exitcodes


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
