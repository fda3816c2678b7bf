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

"""Every allow-list regex must match the whole string: Python's ``$`` also
matches before a final newline, which once let ``br-int\\n`` through.
"""

import pytest

from osc_netdiag.capture import mirror
from osc_netdiag.capture import run
from osc_netdiag.l3dhcp import dhcp
from osc_netdiag import names
from osc_netdiag import resolve


@pytest.mark.parametrize("pattern,good", [
    (names._PATH_RE, "/var/lib/neutron/dhcp/x/host"),
    (run._BPF_RE, "icmp or arp"),
    (mirror._RUN_RE, "0123abcd"),
    (dhcp._MAC_RE, "fa:16:3e:11:22:33"),
    (resolve._MAC_RE, "fa:16:3e:11:22:33"),
])
def test_trailing_newline_refused(pattern, good):
    assert pattern.match(good)
    assert not pattern.match(good + "\n")
