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

"""``exitcodes.for_report`` and ``combine`` bit by bit: which findings set
4 (an ERROR that is not a refused credential), which host states set 8 or
16, and how several traces combine (3 wins, else the OR).
"""

import pytest

from osc_netdiag.checks.catalogue import finding
from osc_netdiag import exitcodes
from osc_netdiag import models


def _host(status):
    return models.HostReport(host="compute1", address="198.18.0.11", status=status)


ERROR = finding("NETDIAG_OVS_PORT_MISSING", "compute1:tap717073a8-d0", "missing")
WARNING = finding("NETDIAG_HOST_UNREADABLE", "network1", "unreachable",
                  host="network1", status="unreachable")
KEY = finding("NETDIAG_HOST_KEY_REFUSED", "network1", "refused", host="network1")
AUTH = finding("NETDIAG_HOST_AUTH_REFUSED", "network1", "refused", host="network1")


def test_the_findings_used_here_have_the_severities_assumed():
    assert [f.severity for f in (ERROR, WARNING, KEY, AUTH)] == [
        models.Severity.ERROR, models.Severity.WARNING, models.Severity.ERROR,
        models.Severity.ERROR]


@pytest.mark.parametrize("findings,hosts,code", [
    ((), (), 0),
    ((WARNING,), (_host(models.HOST_OK),), 0),
    ((ERROR,), (), 4),
    ((WARNING, ERROR), (_host(models.HOST_OK),), 4),
    # a refused host key or login is an ERROR finding, but its bit is 16
    ((KEY,), (_host(models.HOST_HOSTKEY),), 16),
    ((AUTH,), (_host(models.HOST_AUTH),), 16),
    ((KEY, ERROR), (_host(models.HOST_HOSTKEY),), 20),
    ((), (_host(models.HOST_UNREACHABLE),), 8),
    ((), (_host(models.HOST_TIMEOUT),), 8),
    ((), (_host(models.HOST_PERMISSION),), 8),
    ((), (_host(models.HOST_MISSING_COMMAND),), 8),
    ((), (_host(models.HOST_ERROR),), 8),
    # not run (another host's failure stopped nothing): no bit
    ((), (_host(models.HOST_NOT_RUN),), 0),
    ((ERROR,), (_host(models.HOST_AUTH), _host(models.HOST_UNREACHABLE)), 28),
    ((), (_host(models.HOST_OK), _host(models.HOST_HOSTKEY)), 16),
])
def test_exit_code_of_a_report(findings, hosts, code):
    assert exitcodes.for_report(list(findings), list(hosts)) == code


@pytest.mark.parametrize("codes,code", [
    ([], 0),
    ([0], 0),
    ([4, 8], 12),
    ([16, 4, 4], 20),
    ([4, 3, 8], 3),
    ([3], 3),
])
def test_combined_exit_code_of_several_traces(codes, code):
    assert exitcodes.combine(codes) == code
    # the traces' codes may come as a generator, read once
    assert exitcodes.combine(c for c in codes) == code
