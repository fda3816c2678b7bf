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

"""Neutron's built-in ICMPv6 accepts in the API's verdict.

On the recorded iptables_hybrid port vxlan2 (its real ip6tables-save
evaluated), the API's verdict and the host's must agree on neighbour
discovery, whatever the port's groups say: before the built-ins were
modelled the API said "no rule allows" an incoming neighbour solicitation
that every host lets in (exit 4, a false disagreement).
"""

import json

import pytest

from osc_netdiag import api
from osc_netdiag import exitcodes
from osc_netdiag.firewall import verdict
from osc_netdiag import secgroups
from tests.unit.firewall import lab_cases as lab
from tests.unit.firewall.test_local_ip_command import hybrid_run

SCENARIOS = lab.LAB.parent / "scenarios"
NS_IN = "-A neutron-openvswi-i29a78755-1 -p ipv6-icmp -m icmp6 --icmpv6-type"
EGRESS_ICMP6 = ('-A neutron-openvswi-o29a78755-1 -p ipv6-icmp -m comment '
                '--comment "Allow IPv6 ICMP traffic." -j RETURN')
RA_DROP = ('-A neutron-openvswi-o29a78755-1 -p ipv6-icmp -m icmp6 '
           '--icmpv6-type 134 -m comment --comment "Drop IPv6 Router Advts '
           'from VM Instance." -j DROP')
FALLBACK = ('-A neutron-openvswi-sg-fallback -m comment --comment "Default '
            'drop rule for unmatched traffic." -j DROP')


def icmp6(direction, kind):
    return api.firewall_packet(remote_ip="fe80::1", protocol="icmp",
                               direction=direction, icmp_type=kind,
                               ethertype="IPv6")


@pytest.mark.parametrize("direction, kind, api_says, host_rule", [
    ("ingress", 130, "allow", f"{NS_IN} 130 -j RETURN"),
    ("ingress", 135, "allow", f"{NS_IN} 135 -j RETURN"),
    ("ingress", 136, "allow", f"{NS_IN} 136 -j RETURN"),
    # no IPv6 fixed IP on vxlan2: the iptables driver adds no RA accept
    ("ingress", 134, "deny", FALLBACK),
    ("egress", 133, "allow", EGRESS_ICMP6),
    ("egress", 135, "allow", EGRESS_ICMP6),
    ("egress", 134, "deny", RA_DROP),
    ("egress", 128, "allow", EGRESS_ICMP6),
])
def test_hybrid_port_api_and_host_agree(direction, kind, api_says,
                                        host_rule):
    result = hybrid_run(icmp6(direction, kind))
    assert result.api_verdict.decision == api_says
    assert (result.host_verdict.decision,
            result.host_verdict.decided_by) == (api_says, host_rule)
    assert result.exit_code == exitcodes.OK


def _intent(scenario):
    data = json.loads((SCENARIOS / scenario / "context.json").read_text())
    return secgroups.intent_from_json(data["intent"])


def test_openvswitch_port_takes_router_advertisements_but_not_any_icmpv6():
    # the openvswitch driver accepts RA on every port (table 81), and lets
    # out only Neutron's listed types: an echo request is the rules' call
    intent = _intent("openvswitch-vxlan1-tcp22-denied")
    assert not intent.hybrid_plug
    ra = verdict.api_verdict(intent, icmp6("ingress", 134))
    assert (ra.decision, ra.decided_by) == (
        "allow", "Neutron built-in: router advertisement")
    echo = verdict.api_verdict(intent, icmp6("egress", 128))
    assert not echo.decided_by.startswith("Neutron built-in")


def test_a_built_in_accept_does_not_outrank_port_security_or_spoofing():
    intent = _intent("openvswitch-vxlan1-tcp22-denied")
    spoofed = api.firewall_packet(remote_ip="fe80::1", protocol="icmp",
                                  direction="egress", icmp_type=135,
                                  ethertype="IPv6", local_ip="fd00::99")
    found = verdict.api_verdict(intent, spoofed)
    assert (found.decision, found.decided_by) == ("deny",
                                                  verdict.ANTI_SPOOFING)
