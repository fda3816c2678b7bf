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

"""Exit codes scripts can rely on (see the docs' "Exit codes" page).

0 healthy; 1 unexpected error; 2 usage error or a change refused without
--yes; 3 the object could not be resolved. Otherwise the OR of the bits
below.
"""

from osc_netdiag import models

OK = 0
UNEXPECTED = 1
USAGE = 2
UNRESOLVED = 3
ERROR_FINDING = 4
UNREADABLE = 8
CREDENTIALS_REFUSED = 16
CLEANUP_INCOMPLETE = 32


def for_report(findings, hosts):
    """The exit code of a diagnosis from its findings and host states."""
    code = OK
    if any(f.severity == models.Severity.ERROR
           and f.code not in ("NETDIAG_HOST_KEY_REFUSED",
                              "NETDIAG_HOST_AUTH_REFUSED")
           for f in findings):
        code |= ERROR_FINDING
    for host in hosts:
        if host.status in models.CREDENTIAL_STATES:
            code |= CREDENTIALS_REFUSED
        elif host.status in models.UNREADABLE_STATES:
            code |= UNREADABLE
    return code


def combine(codes):
    """Several traces (``--server``): 3 if any was unresolved, else OR."""
    codes = list(codes)
    if UNRESOLVED in codes:
        return UNRESOLVED
    result = OK
    for code in codes:
        result |= code
    return result
