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

import pytest

from osc_netdiag.capture import mirror
from osc_netdiag.capture import run


@pytest.mark.parametrize("text,expected", [
    ("icmp", "icmp or icmp6"), ("dhcp", "udp port 67 or udp port 68"),
    ("dns", "udp port 53"), ("arp", "arp"),
    ("tcp port 22 and host 10.0.0.1", "tcp port 22 and host 10.0.0.1"),
    (None, None)])
def test_filters(text, expected):
    assert run.checked_filter(text) == expected


@pytest.mark.parametrize("text", ["-w out.pcap", "icmp; reboot", "$(id)",
                                  "icmp `id`", "a\nb", "x" * 400])
def test_unsafe_filters_refused(text):
    with pytest.raises(ValueError):
        run.checked_filter(text)


def test_bounds_are_enforced():
    assert run.checked_bounds(5, 2, 96).deadline > 2
    for bad in ((0, 5, 96), (5, 0, 96), (5, 10000, 96), (5, 5, 10)):
        with pytest.raises(ValueError):
            run.checked_bounds(*bad)


def test_marker_and_names():
    marker = mirror.Marker("0badc0de", "ops user;x", 1234)
    assert marker.external_ids() == {"netdiag-run": "0badc0de",
                                     "netdiag-user": "ops_user_x",
                                     "netdiag-expires": "1234"}
    assert mirror.output_name("0badc0de", 3) == "ndm0badc0de3"
    with pytest.raises(ValueError):
        mirror.checked_run_id("../x")
