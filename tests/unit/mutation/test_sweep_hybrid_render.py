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

"""iptables_hybrid, the whole sweep of ``fw_hybrid_eval``,
``fw_hybrid_render`` and ``fw_hybrid_render6``: exact verdicts, lines and
messages on the lab's compute2 as recorded (``hybrid_fixtures``,
``hybrid6_fixtures``), each edited in one place (said where it is made).

Written against surviving mutants of those modules (named in the
comments), each of which one of these tests fails.
"""

import pytest

from osc_netdiag.backends.ml2_ovs import fw_hybrid
from osc_netdiag.backends.ml2_ovs import fw_hybrid_render6 as render6
from osc_netdiag.secgroups import Packet
from tests.unit.firewall import hybrid6_fixtures as fx6
from tests.unit.firewall import hybrid_fixtures as fx
from tests.unit.mutation.test_fw_hybrid_draw2 import _edited
from tests.unit.mutation.test_fw_hybrid_draw2 import FALLBACK_DROP
from tests.unit.mutation.test_fw_hybrid_values import GRE2_I
from tests.unit.mutation.test_fw_hybrid_values import SET_V4

GRE2_SSH = "-s 198.18.19.0/24 -p tcp -m tcp --dport 22 -j RETURN"
VXLAN2_I = "neutron-openvswi-ia5bf0a8e-e"
VXLAN2_SET = f"-m set --match-set {SET_V4} src -j RETURN"


def _tcp(text, port, name="gre2", ipsets=fx.IPSETS, remote="198.18.19.49"):
    """The host's verdict on a new TCP connection in to ``name``."""
    v = fw_hybrid.host_verdict(fx.intent(name), Packet(
        direction="ingress", ethertype="IPv4", protocol="tcp",
        remote_ip=remote, port=port), fx.outputs(iptables=text,
                                                 ipsets=ipsets))
    return v.decision, v.decided_by


# -- fw_hybrid_eval._ports ------------------------------------------------

@pytest.mark.parametrize("port, expected", [
    (22, ("allow", f"-A {GRE2_I} {GRE2_SSH}")),
    (21, ("deny", FALLBACK_DROP)),
    (23, ("deny", FALLBACK_DROP))])
def test_a_single_port_rule_lets_that_port_in_only(port, expected):
    # edit: none; gre2's "--dport 22" RETURN as recorded (_ports mutants
    # 6: rpartition, so "22" read as 0:22; 10: the low end made 0)
    assert _tcp(fx.IPTABLES, port) == expected


@pytest.mark.parametrize("port, allowed", [
    (19, False), (20, True), (22, True), (23, True), (24, False)])
def test_a_port_range_lets_its_ends_in_and_no_further(port, allowed):
    # edit: gre2's SSH rule made the range 20-23, as Neutron writes a
    # rule with port_range_min 20 and port_range_max 23 (_ports mutants
    # 7: the range not split, int("20:23"); 10: the low end made 0)
    rule = GRE2_SSH.replace("--dport 22", "-m multiport --dports 20:23")
    text = _edited(fx.IPTABLES, GRE2_SSH, rule)
    assert _tcp(text, port) == (
        ("allow", f"-A {GRE2_I} {rule}") if allowed
        else ("deny", FALLBACK_DROP))


@pytest.mark.parametrize("port, allowed", [
    (22, True), (80, True), (8000, True), (8080, True), (81, False),
    (7999, False), (8081, False)])
def test_a_port_list_lets_each_of_its_ports_in(port, allowed):
    # edit: gre2's SSH rule given a list of ports, as iptables-save prints
    # a multiport match written by hand on the host ("22,80,8000:8080"):
    # the walk reads every rule its chains reach, Neutron's or not
    # (_ports mutants 2: split on whitespace, 3: on "XX,XX", both reading
    # the list as one port)
    rule = GRE2_SSH.replace("--dport 22",
                            "-m multiport --dports 22,80,8000:8080")
    text = _edited(fx.IPTABLES, GRE2_SSH, rule)
    assert _tcp(text, port) == (
        ("allow", f"-A {GRE2_I} {rule}") if allowed
        else ("deny", FALLBACK_DROP))


# -- fw_hybrid_eval._in_set -----------------------------------------------

def test_a_set_missing_from_the_listing_matches_no_packet():
    # vxlan2's ingress RETURN matches the default group's set; 198.18.17.51
    # (vxlan1) is a member. Edit: the set renamed in the ipset listing, as
    # read when the agent removed the group's set after iptables-save was
    # read (_in_set mutant 4: a missing set taken to hold every address)
    rule = f"-A {VXLAN2_I} {VXLAN2_SET}"
    assert rule in fx.IPTABLES
    assert _tcp(fx.IPTABLES, 80, "vxlan2", remote="198.18.17.51") == (
        "allow", rule)
    renamed = fx.IPSETS.replace(SET_V4, "NIPv4aaaaaaaa-7042-4b2b-bcd2-", 1)
    assert _tcp(fx.IPTABLES, 80, "vxlan2", renamed,
                remote="198.18.17.51") == ("deny", FALLBACK_DROP)


# -- fw_hybrid_render6.link_local -----------------------------------------

def test_a_mac_not_in_six_octets_is_refused_by_name():
    # vlan2's allowed address pair MAC written "fa16:3e28:29a3": Neutron's
    # API accepts it (netaddr reads it as a MAC) and gives an address
    # pair's MAC back as it was written; it splits in three, not six
    # (link_local mutant 11: the message lost)
    (pair,) = fx6.intent("vlan2").allowed_address_pairs
    mac = pair.mac_address
    assert render6.link_local(mac)      # six octets, as recorded
    spelled = mac.replace(":", "")
    spelled = f"{spelled[:4]}:{spelled[4:8]}:{spelled[8:]}"
    with pytest.raises(ValueError) as caught:
        render6.link_local(spelled)
    assert str(caught.value) == f"not a MAC address: {spelled!r}"
