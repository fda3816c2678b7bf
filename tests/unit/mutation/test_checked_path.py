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

"""``names.checked_path``: a path read from a host (dnsmasq's
``--dhcp-hostsfile=``, a log file) reaches ``cat --`` or ``grep --`` only
if it is absolute, plain, and climbs no directory. The path is the real
hosts file of a network's dnsmasq on the lab, edited in one place per case.
"""

import pytest

from osc_netdiag.errors import UnsafeNameError
from osc_netdiag import names

HOSTS = "/srv/lab/hosts/network1/state/dhcp/2d3b6836-5038-440c-b15c-d00a9f8cfb3c/host"


def test_the_real_hosts_path_passes_unchanged():
    assert names.checked_path(HOSTS) == HOSTS


@pytest.mark.parametrize("path", [
    # ".." as the last component: only "path + '/'" shows its "/../"
    HOSTS + "/..",
    HOSTS.replace("/dhcp/", "/dhcp/../"),
    # an empty component
    HOSTS.replace("/dhcp/", "/dhcp//"),
    "relative/host",
    "-/host",
    HOSTS + "\n",
    None,
])
def test_a_climbing_empty_or_relative_path_is_refused_by_name(path):
    with pytest.raises(UnsafeNameError) as exc:
        names.checked_path(path)
    assert str(exc.value) == f"unsafe path: {path!r}"
