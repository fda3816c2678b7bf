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

"""iptables_hybrid: whole findings and hops of the comparison, exactly, on
the lab's compute2 as recorded (``hybrid_fixtures``), each edited in one
place (said where it is made).

Written against the survivors of the whole sweep of
``backends.ml2_ovs.fw_hybrid_compare``, ``fw_hybrid_order`` and
``fw_hybrid`` (named in the comments), each of which one of these tests
fails.
"""

from osc_netdiag.backends.ml2_ovs import fw_hybrid
from osc_netdiag.models import Severity
from tests.unit.firewall import hybrid_fixtures as fx
from tests.unit.firewall.test_fw_hybrid import without
from tests.unit.mutation.test_fw_hybrid_values import _one
from tests.unit.mutation.test_fw_hybrid_values import DEFAULT
from tests.unit.mutation.test_fw_hybrid_values import GRE2_I
from tests.unit.mutation.test_fw_hybrid_values import SET_V4
from tests.unit.mutation.test_fw_hybrid_values import VIP_LINE
from tests.unit.mutation.test_fw_hybrid_values import VXLAN2_S

RESTART = ("Restart neutron-openvswitch-agent on compute2: its resync "
           "rebuilds the port's chains and ipsets from the API.")
GRE2_ICMP = f"-A {GRE2_I} -s 198.18.0.0/15 -p icmp -j RETURN\n"
GRE2_ICMP_RULE = "bff66ebd-76bc-4366-acf3-fe7dffb413bf"     # its API rule
ESTABLISHED = ("-m state --state RELATED,ESTABLISHED -m comment --comment "
               "\"Direct packets associated with a known session to the "
               "RETURN chain.\" -j RETURN")
GRE2_FALLBACK = (f"[2:656] -A {GRE2_I} -m comment --comment \"Send unmatched "
                 "traffic to the fallback chain.\" -j "
                 "neutron-openvswi-sg-fallback\n")


def _edited(text, old, new):
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _fields(found):
    return (found.code, found.severity, found.subject, found.summary,
            found.remedy)


# -- fw_hybrid_compare._missing_finding -----------------------------------

def test_a_missing_spoof_return_is_found_whole():
    # edit: vxlan2's anti-spoofing RETURN for its VIP removed
    # (_missing_finding mutants 7: the MAC read from the wrong word, 9: no
    # subject, 11-15 and 19-23: the host, chain, address, MAC or origin
    # left out of the remedy)
    _, findings = fw_hybrid.judge(
        fx.intent("vxlan2"), fx.outputs(iptables=without(fx.IPTABLES,
                                                         VIP_LINE)))
    assert _fields(_one(findings)) == (
        "NETDIAG_FW_IPT_SPOOF_MISSING", Severity.ERROR,
        f"compute2:{VXLAN2_S}",
        f"{VXLAN2_S} on compute2 lacks the RETURN for 198.18.17.250/32 "
        "(allowed address pair 198.18.17.250)",
        f"The anti-spoofing chain {VXLAN2_S} on compute2 has no RETURN for "
        "198.18.17.250/32 with MAC fa:16:3e:28:29:a3: the port cannot send "
        f"from that address (allowed address pair 198.18.17.250). {RESTART}")


def test_a_missing_group_rule_is_found_whole():
    # edit: gre2's ICMP rule removed from its ingress chain
    # (_missing_finding mutants 29-32 and 36-39: the host, chain, rule or
    # origin left out of the remedy)
    _, findings = fw_hybrid.judge(
        fx.intent("gre2"), fx.outputs(iptables=without(fx.IPTABLES,
                                                       GRE2_ICMP)))
    rule = GRE2_ICMP[len(GRE2_I) + 4:-1]
    assert _fields(_one(findings)) == (
        "NETDIAG_FW_IPT_RULE_MISSING", Severity.ERROR, f"compute2:{GRE2_I}",
        f"{GRE2_I} on compute2 lacks '{rule}' ({GRE2_ICMP_RULE})",
        f"compute2 lacks the rule '{rule}' in {GRE2_I} that the API asks "
        f"for ({GRE2_ICMP_RULE}). {RESTART}")


# -- fw_hybrid_compare._plain and fw_hybrid._hop: stale set members -------

def test_stale_networks_in_a_set_are_named_whole_in_findings_and_hop():
    # edit: two networks added to the default group's IPv4 set (a hash:net
    # set, as ipset list prints a member wider than /32), which no port of
    # the group holds (_plain mutants 2: the prefix length dropped, 5:
    # "None" for the network; _hop mutants 25 and 26: the stale members
    # not shown, 28: the hop's detail only its last part, 31: the members
    # joined with "XX, XX")
    text = _edited(fx.IPSETS, "198.18.18.98\n",
                   "198.18.18.98\n198.18.5.0/24\n198.18.6.0/24\n")
    text = text.replace("Number of entries: 8", "Number of entries: 10", 1)
    hops, findings = fw_hybrid.judge(fx.intent("vxlan2"),
                                     fx.outputs(ipsets=text))
    assert [_fields(f) for f in findings] == [
        ("NETDIAG_FW_IPT_IPSET_MEMBER_STALE", Severity.WARNING,
         f"compute2:{SET_V4}",
         f"{net} is in ipset {SET_V4} on compute2 but in no port of group "
         f"{DEFAULT}",
         f"{net} is in the ipset {SET_V4} on compute2 but no port of remote "
         f"group {DEFAULT} has it: a deleted port's leftover lets its next "
         f"owner in. {RESTART}")
        for net in ("198.18.5.0/24", "198.18.6.0/24")]
    (hop,) = [h for h in hops if h.device == SET_V4]
    members = ("198.18.16.16/32, 198.18.16.50/32, 198.18.17.250/32, "
               "198.18.17.51/32, 198.18.17.77/32, 198.18.18.82/32, "
               "198.18.18.98/32, 198.18.19.49/32")     # sorted as text
    assert (hop.state, hop.detail) == (
        "differs", f"remote group {DEFAULT}: {members}, 198.18.5.0/24, "
        "198.18.6.0/24; stale: 198.18.5.0/24, 198.18.6.0/24")


# -- fw_hybrid_order._first_diff ------------------------------------------

def test_a_fixed_line_installed_twice_is_named_as_out_of_place():
    # edit: gre2's RELATED,ESTABLISHED RETURN appended a second time to its
    # ingress chain, after the jump to sg-fallback (as "iptables -A" of the
    # same line does): every fixed line is in Neutron's order up to the
    # copy, which is the one out of place (_first_diff mutants 6: "-" said,
    # 8 and 9: another line named)
    copy = f"[0:0] -A {GRE2_I} {ESTABLISHED}\n"
    text = _edited(fx.IPTABLES, GRE2_FALLBACK, GRE2_FALLBACK + copy)
    _, findings = fw_hybrid.judge(fx.intent("gre2"),
                                  fx.outputs(iptables=text))
    assert _fields(_one(findings)) == (
        "NETDIAG_FW_IPT_RULE_ORDER", Severity.WARNING, f"compute2:{GRE2_I}",
        f"{GRE2_I} on compute2 has Neutron's fixed rules out of order",
        f"{GRE2_I} on compute2 has its rules out of Neutron's order (first "
        f"out of place: {ESTABLISHED}): a rule may be shadowed. {RESTART}")
