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

"""A host whose sshd refuses our key: the trace says so with its finding
code and exits exactly 16, and the other host is read as usual.
"""

from osc_netdiag import exitcodes
from osc_netdiag import models
from tests.safety import nsssh


def test_refused_client_key_in_a_trace(nshost, mixed_trace, tmp_path):
    # A key the namespace sshd has never seen (not in authorized_keys).
    stranger = nsssh.keygen(tmp_path / "stranger")
    trace = mixed_trace(key=str(stranger))
    states = {h.host: h.status for h in trace.hosts}
    assert states == {"compute1": models.HOST_AUTH,
                      "network1": models.HOST_OK}
    [finding] = [f for f in trace.findings
                 if f.code.startswith("NETDIAG_HOST_")]
    assert (finding.code, finding.severity) == (
        "NETDIAG_HOST_AUTH_REFUSED", models.Severity.ERROR)
    assert finding.subject.startswith("compute1")
    # refused credentials are bit 16 alone, not 16 | 4
    assert trace.exit_code == exitcodes.CREDENTIALS_REFUSED == 16
