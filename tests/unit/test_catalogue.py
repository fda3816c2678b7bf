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

from osc_netdiag.checks.catalogue import CATALOGUE
from osc_netdiag.checks.catalogue import finding
from osc_netdiag.models import Severity


def test_codes_are_stable_shaped():
    for code, (severity, remedy) in CATALOGUE.items():
        assert code.startswith("NETDIAG_") and code.upper() == code
        assert isinstance(severity, Severity)
        assert remedy.strip()


def test_finding_fills_remedy_and_marks_missing_values():
    item = finding("NETDIAG_TAP_DOWN", "compute1:tapx", "down", host="compute1",
                   device="tapx")
    assert "ip link set tapx up on compute1" in item.remedy
    item = finding("NETDIAG_TAP_DOWN", "compute1:tapx", "down")
    assert "<device>" in item.remedy
