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

"""iptables_hybrid and the openvswitch driver's probes: exact findings,
verdicts and probes on the lab's recordings, each edited in one place
(said where it is made).

Written against surviving mutants of a later draw in
``backends.ml2_ovs.fw_hybrid*`` and ``fw_openvswitch`` (named in the
comments), each of which one of these tests fails.
"""

import json

from osc_netdiag.backends.ml2_ovs import fw_hybrid
from osc_netdiag.backends.ml2_ovs import fw_openvswitch
from osc_netdiag.checks.engine import HostView
from osc_netdiag.secgroups import Packet
from osc_netdiag.transport.base import CommandResult
from osc_netdiag.transport.pool import HostOutcome
from tests.unit.firewall import hybrid6_fixtures as fx6
from tests.unit.firewall import hybrid_fixtures as fx
from tests.unit.firewall import lab_cases as lab
from tests.unit.firewall.test_fw_hybrid_order import moved
from tests.unit.mutation.test_fw_hybrid_values import _one
from tests.unit.mutation.test_fw_hybrid_values import GRE2_I
from tests.unit.mutation.test_fw_hybrid_values import GRE2_O
from tests.unit.mutation.test_fw_hybrid_values import GRE2_TAP
from tests.unit.mutation.test_fw_hybrid_values import RESTART

V6_SPOOF = "neutron-openvswi-sa74aa20f-3"           # vlan2's, in hybrid6
V6_DROP = (f"-A {V6_SPOOF} -m comment --comment \"Drop traffic without an "
           "IP/MAC allow rule.\" -j DROP\n")
SG_TO_I = (f"-A neutron-openvswi-sg-chain -m physdev --physdev-out "
           f"{GRE2_TAP} --physdev-is-bridged -m comment --comment \"Jump to "
           f"the VM specific chain.\" -j {GRE2_I}\n")
DHCP_DISCOVERY = (f"-A {GRE2_O} -s 0.0.0.0/32 -d 255.255.255.255/32 -p udp "
                  "-m udp --sport 68 --dport 67 -m comment --comment \"Allow "
                  "DHCP client traffic.\" -j RETURN\n")
DHCP_SPOOF = (f"-A {GRE2_O} -p udp -m udp --sport 67 --dport 68 -m comment "
              "--comment \"Prevent DHCP Spoofing by VM.\" -j DROP\n")
GRE2_DHCP = "-d 198.18.19.47/32 -p udp -m udp --sport 67 --dport 68 -j RETURN"
GRE2_ICMP = "-s 198.18.0.0/15 -p icmp -j RETURN"
FALLBACK_DROP = ("-A neutron-openvswi-sg-fallback -m comment --comment "
                 "\"Default drop rule for unmatched traffic.\" -j DROP")


def _edited(text, old, new):
    assert text.count(old) == 1, old
    return text.replace(old, new)


# -- fw_hybrid_render6.expected_rules -------------------------------------

def test_the_ipv6_anti_spoofing_drop_made_a_return_names_its_origin():
    # edit: vlan2's IPv6 anti-spoofing DROP made a RETURN (render6
    # expected_rules mutants 23: its origin None, 27: its origin and kind
    # shifted, origin "fixed")
    bad = V6_DROP.replace(" -j DROP\n", " -j RETURN\n")
    _, findings = fw_hybrid.compare(fx6.intent("vlan2"), fx6.outputs(
        ip6tables=_edited(fx6.IP6TABLES, V6_DROP, bad)))
    missing = [f for f in findings if f.code == "NETDIAG_FW_IPT_RULE_MISSING"]
    drop = V6_DROP[len(V6_SPOOF) + 4:-1]
    assert [(f.subject, f.summary) for f in missing] == [
        (f"compute2:{V6_SPOOF}",
         f"{V6_SPOOF} on compute2 lacks '{drop}' (anti-spoofing default "
         "(Neutron)) (IPv6)")]


# -- fw_hybrid_render.shared_jumps ----------------------------------------

def test_a_jump_to_the_ingress_chain_made_a_goto_is_a_missing_chain():
    # edit: sg-chain's jump to gre2's ingress chain made a goto (-g):
    # present but not the jump Neutron writes (shared_jumps mutant 85: the
    # jump's kind "JUMP", so it would be a missing rule)
    bad = SG_TO_I.replace(f" -j {GRE2_I}", f" -g {GRE2_I}")
    _, findings = fw_hybrid.compare(fx.intent("gre2"), fx.outputs(
        iptables=_edited(fx.IPTABLES, SG_TO_I, bad)))
    chain = "neutron-openvswi-sg-chain"
    missing = [f for f in findings if f.code != "NETDIAG_FW_IPT_RULE_EXTRA"]
    found = _one(missing)
    assert found.code == "NETDIAG_FW_IPT_CHAIN_MISSING"
    assert found.subject == f"compute2:{chain}"
    assert found.summary == (f"{chain} on compute2 has no "
                             f"'{SG_TO_I[len(chain) + 4:-1]}'")


# -- fw_hybrid_order: _first_diff and check -------------------------------

def test_a_fixed_rule_moved_up_is_named_as_first_out_of_place():
    # edit: the "Prevent DHCP Spoofing" DROP of gre2's egress chain moved
    # above the DHCP discovery RETURN (_first_diff mutant 3: zip of one
    # list, no pairs to unpack; check mutant 55: the message of a group
    # rule outside the block said instead)
    _, findings = fw_hybrid.compare(fx.intent("gre2"), fx.outputs(
        iptables=moved(fx.IPTABLES, DHCP_SPOOF, DHCP_DISCOVERY)))
    found = _one(findings)
    assert found.code == "NETDIAG_FW_IPT_RULE_ORDER"
    assert found.subject == f"compute2:{GRE2_O}"
    assert found.summary == (f"{GRE2_O} on compute2 has Neutron's fixed "
                             "rules out of order")
    assert found.remedy.startswith(
        f"{GRE2_O} on compute2 has its rules out of Neutron's order (first "
        f"out of place: {DHCP_SPOOF[len(GRE2_O) + 4:-1]}): a rule may be "
        f"shadowed. {RESTART}")


# -- fw_hybrid_eval._Matcher.matches and fw_hybrid._wire -------------------

def _verdict(text, protocol, port=None):
    return fw_hybrid.host_verdict(fx.intent("gre2"), Packet(
        direction="ingress", ethertype="IPv4", protocol=protocol,
        remote_ip="198.18.19.49", port=port), fx.outputs(iptables=text))


def test_a_negated_match_is_read_negated():
    # edit: gre2's ICMP rule given "!" before its source, as iptables-save
    # prints a negated match (matches mutant 12: the "!" not stepped over)
    text = _edited(fx.IPTABLES, GRE2_ICMP, f"! {GRE2_ICMP}")
    v = _verdict(text, "icmp")
    assert (v.decision, v.decided_by) == ("deny", FALLBACK_DROP)


def test_a_udp_packet_meets_the_dhcp_reply_rule_without_a_source_port():
    # edit: none; a UDP packet in to port 68 reaches gre2's DHCP reply
    # RETURN, whose --sport 67 a packet without a source port does not
    # match (matches mutant 138: "or", so the port compared with None)
    v = _verdict(fx.IPTABLES, "udp", 68)
    assert (v.decision, v.decided_by) == ("deny", FALLBACK_DROP)


def test_an_ingress_packet_is_to_the_ports_own_address():
    # edit: gre2's DHCP reply RETURN without its "--sport 67", so its -d
    # to the port's address decides (_wire mutant 49: no destination on an
    # ingress packet)
    rule = "-d 198.18.19.47/32 -p udp -m udp --dport 68 -j RETURN"
    text = _edited(fx.IPTABLES, GRE2_DHCP,
                   GRE2_DHCP.replace(" --sport 67", ""))
    v = _verdict(text, "udp", 68)
    assert (v.decision, v.decided_by) == ("allow", f"-A {GRE2_I} {rule}")


# -- fw_openvswitch.more_probes --------------------------------------------

def _first_view(case):
    """The host's answers to the driver's first probes, as recorded."""
    path = lab.LAB / case / "host" / "hosts" / "compute1.json"
    recorded = json.loads(path.read_text())["commands"]
    results = [CommandResult(c["name"], tuple(c["argv"]), c["stdout"], "", 0)
               for c in recorded if c["name"].startswith("ovs-")]
    return HostView("compute1", HostOutcome(target=None, results=results),
                    list(fw_openvswitch.probes(lab.VXLAN1)))


def test_the_port_flows_are_read_on_the_agents_integration_bridge():
    # edit: the OVS agent's integration_bridge configured as br-vm
    # (more_probes mutant 14: the bridge not handed on, br-int read)
    def bridge(bodies):
        for agent in bodies["agents.json"]["agents"]:
            agent["configurations"]["integration_bridge"] = "br-vm"
    intent = lab.intent("ingress-icmp-allowed", bridge)
    assert intent.integration_bridge == "br-vm"
    found = fw_openvswitch.more_probes(
        intent, _first_view("ingress-icmp-allowed"))
    assert [p.argv for p in found] == [
        ("ovs-ofctl", "dump-flows", "br-vm", f)
        for f in ("table=60", "table=71,reg5=5", "table=72,reg5=5",
                  "table=73,reg5=5", "table=81,reg5=5", "table=82,reg5=5",
                  "table=72,reg6=2", "table=82,reg6=2")]
