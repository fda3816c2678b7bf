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

"""A question may name its protocol by number (``--protocol 6``) while
iptables-save prints a rule's by name (``-p tcp``): the iptables_hybrid walk
reads both as the same protocol. gre2's recorded compute2 rules (the SSH
RETURN from 198.18.19.0/24, edited where a test says so)."""

import pytest

from osc_netdiag.backends.ml2_ovs import fw_hybrid
from osc_netdiag.secgroups import Packet
from tests.unit.firewall import hybrid_fixtures as fx
from tests.unit.mutation.test_fw_hybrid_draw2 import FALLBACK_DROP
from tests.unit.mutation.test_fw_hybrid_values import GRE2_I

SSH = "-s 198.18.19.0/24 -p tcp -m tcp --dport 22 -j RETURN"


def _verdict(protocol, port, iptables=fx.IPTABLES):
    v = fw_hybrid.host_verdict(fx.intent("gre2"), Packet(
        direction="ingress", ethertype="IPv4", protocol=protocol,
        remote_ip="198.18.19.49", port=port), fx.outputs(iptables=iptables))
    return v.decision, v.decided_by


@pytest.mark.parametrize("protocol", ["tcp", "6", "TCP"])
def test_tcp_by_name_or_number_meets_the_ssh_rule(protocol):
    assert _verdict(protocol, 22) == ("allow", f"-A {GRE2_I} {SSH}")


@pytest.mark.parametrize("protocol", ["udp", "17"])
def test_udp_to_port_22_does_not(protocol):
    assert _verdict(protocol, 22) == ("deny", FALLBACK_DROP)


@pytest.mark.parametrize("protocol, expected", [
    ("47", "allow"), ("gre", "allow"), ("50", "deny")])
def test_a_named_rule_of_another_protocol_meets_its_number(protocol, expected):
    # edit: the SSH RETURN made "-p gre" (as iptables-save prints a GRE
    # rule): a GRE question by number meets it, ESP does not
    gre = "-s 198.18.19.0/24 -p gre -j RETURN"
    assert fx.IPTABLES.count(SSH) == 1
    text = fx.IPTABLES.replace(SSH, gre)
    decision, _ = _verdict(protocol, None, text)
    assert decision == expected
