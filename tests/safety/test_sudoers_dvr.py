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

"""The two commands port trace runs in a distributed router's namespaces
(its policy rules and every routing table) are granted exactly: in
Neutron's namespaces only, with no other argument (the real sudo checks
them with every planned probe in test_sudoers.py)."""

import pytest

from osc_netdiag import probes
from tests.safety.sudoers_lib import allowed
from tests.safety.sudoers_lib import sudoers_commands

UUID = "3e2b7484-02f6-43f9-98e7-87a1ff51eff8"
IP = probes.NETNS_COMMANDS["ip"]


@pytest.mark.parametrize("make", [probes.netns_rules,
                                  probes.netns_route_tables])
@pytest.mark.parametrize("prefix", ["qrouter", "fip", "snat", "qdhcp"])
def test_the_dvr_probes_are_granted(make, prefix):
    argv = make(f"{prefix}-{UUID}").argv
    assert argv[4] == IP
    assert allowed(list(argv), sudoers_commands())


@pytest.mark.parametrize("tail", [
    ("-j", "rule", "add", "from", "all", "lookup", "16"),
    ("-j", "rule", "flush"),
    ("-j", "rule", "show", "table", "16"),
    ("-j", "rule", "show", "-b"),
    ("-j", "route", "show", "table", "16"),
    ("-j", "route", "show", "table", "all", "extra"),
    ("-j", "route", "flush", "table", "all"),
    ("-b", "-j", "rule", "show"),
])
def test_other_rule_and_route_commands_are_refused(tail):
    argv = ["ip", "netns", "exec", f"qrouter-{UUID}", IP, *tail]
    assert not allowed(argv, sudoers_commands())


def test_only_neutron_namespaces():
    for ns in ("ndl-compute1", f"qrouter-{UUID}x", f"ovnmeta-{UUID}"):
        argv = ["ip", "netns", "exec", ns, IP, "-j", "rule", "show"]
        assert not allowed(argv, sudoers_commands())
