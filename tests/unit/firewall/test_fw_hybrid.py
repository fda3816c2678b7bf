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

"""The iptables_hybrid view of a port (backends.ml2_ovs.fw_hybrid) on the
lab's compute2 as recorded: every instance port in sync with the API, and
each fault injected into the real ``iptables-save``/``ipset list`` text (the
edit is said where it is made) caught with its exact finding."""

import pytest

from osc_netdiag.backends.ml2_ovs import fw_hybrid
from osc_netdiag.backends.ml2_ovs import fw_hybrid_render as render
from osc_netdiag.errors import ParseError
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag import probes
from osc_netdiag.secgroups import Packet
from tests.unit.firewall import hybrid_fixtures as fx

GRE2 = "85bbfe3b-99c4-4166-b43c-6d39b3a2f922"
VXLAN2_CHAIN_I = "neutron-openvswi-ia5bf0a8e-e"
GRE2_I = "neutron-openvswi-i85bbfe3b-9"
VXLAN2_S = "neutron-openvswi-sa5bf0a8e-e"
SET_V4 = "NIPv47f282516-7042-4b2b-bcd2-"
ICMP_LINE = f"-A {GRE2_I} -s 198.18.0.0/15 -p icmp -j RETURN\n"
VIP_LINE = (f'-A {VXLAN2_S} -s 198.18.17.250/32 -m mac --mac-source '
            f'fa:16:3e:28:29:a3 -m comment --comment "Allow traffic from '
            f'defined IP/MAC pairs." -j RETURN\n')


def codes(findings):
    return [f.code for f in findings]


def without(text, line):
    """The capture with one rule line (with its counters) removed."""
    kept = [t for t in text.splitlines(keepends=True)
            if not t.endswith(line) or not t.startswith("[")]
    assert len(kept) == len(text.splitlines()) - 1, line
    return "".join(kept)


def test_probes_are_the_two_granted_commands():
    found = fw_hybrid.probes(GRE2)
    assert [(p.name, p.argv) for p in found] == [
        ("iptables-filter", ("iptables-save", "-c", "-t", "filter")),
        ("ipset-list", ("ipset", "list"))]
    assert found == [probes.iptables_filter(), probes.ipset_list()]
    with pytest.raises(UnsafeNameError):
        fw_hybrid.probes("-M /tmp/x")


@pytest.mark.parametrize("name,rows", [("vxlan2", 24), ("gre2", 22),
                                       ("vlan2", 23), ("dvr2", 23),
                                       ("open2", 3)])
def test_every_compute2_port_is_in_sync(name, rows):
    found_rows, findings = fw_hybrid.compare(fx.intent(name), fx.outputs())
    assert findings == []
    assert len(found_rows) == rows
    assert {r["state"] for r in found_rows} == {"installed"}


def test_rows_carry_counters_origin_and_meaning():
    rows, _ = fw_hybrid.compare(fx.intent("gre2"), fx.outputs())
    icmp = next(r for r in rows if r["rule"] == "-s 198.18.0.0/15 -p icmp -j RETURN")
    group_rule = next(r for r in fx.intent("gre2").rules
                      if r.protocol == "icmp")
    assert icmp["chain"] == GRE2_I and icmp["origin"] == group_rule.id
    assert icmp["kind"] == "rule" and isinstance(icmp["packets"], int)
    fallback = rows[-1]
    assert fallback["chain"] == "neutron-openvswi-s85bbfe3b-9"
    assert fallback["meaning"] == render.MEANINGS[render.PAIR_DROP]


def test_port_security_off_expects_only_the_accept_jumps():
    rows, findings = fw_hybrid.compare(fx.intent("open2"), fx.outputs())
    assert findings == []
    assert [r["rule"].rsplit(" -j ", 1)[1] for r in rows] == ["ACCEPT"] * 3
    assert rows[0]["meaning"] == render.MEANINGS[render.PORT_SEC_ACCEPT]


def test_a_rule_deleted_from_the_ports_chain():
    # edit: gre2's ICMP rule removed from its ingress chain
    text = without(fx.IPTABLES, ICMP_LINE)
    _, findings = fw_hybrid.compare(fx.intent("gre2"),
                                    fx.outputs(iptables=text))
    assert codes(findings) == ["NETDIAG_FW_IPT_RULE_MISSING"]
    rule_id = next(r.id for r in fx.intent("gre2").rules if r.protocol == "icmp")
    assert findings[0].subject == f"compute2:{GRE2_I}"
    assert findings[0].summary == (
        f"{GRE2_I} on compute2 lacks '-s 198.18.0.0/15 -p icmp -j RETURN' "
        f"({rule_id})")
    assert "Restart neutron-openvswitch-agent on compute2" in findings[0].remedy


def test_a_rule_present_but_wrong():
    # edit: the ICMP rule's source range narrowed to one /24
    text = fx.IPTABLES.replace("-s 198.18.0.0/15 -p icmp", "-s 198.18.16.0/24 -p icmp")
    _, findings = fw_hybrid.compare(fx.intent("gre2"), fx.outputs(iptables=text))
    assert codes(findings) == ["NETDIAG_FW_IPT_RULE_MISSING",
                               "NETDIAG_FW_IPT_RULE_EXTRA"]
    assert findings[1].summary == (
        f"{GRE2_I} on compute2 has '-s 198.18.16.0/24 -p icmp -j RETURN', "
        f"which no API rule of the port explains")


def test_an_ipset_member_removed():
    # edit: 198.18.17.51 (vxlan1, a default-group member) gone from the set
    text = fx.IPSETS.replace("198.18.17.51\n", "", 1).replace(
        "Number of entries: 8", "Number of entries: 7", 1)
    _, findings = fw_hybrid.compare(fx.intent("vxlan2"), fx.outputs(ipsets=text))
    assert codes(findings) == ["NETDIAG_FW_IPT_IPSET_MEMBER_MISSING"]
    assert findings[0].summary == (
        f"198.18.17.51 is missing from ipset {SET_V4} on compute2")


def test_an_ipset_member_replaced_by_a_stranger():
    # edit: 198.18.17.51 replaced by 198.18.17.99, no port's address
    text = fx.IPSETS.replace("198.18.17.51\n", "198.18.17.99\n", 1)
    _, findings = fw_hybrid.compare(fx.intent("vxlan2"), fx.outputs(ipsets=text))
    assert codes(findings)[1:] == ["NETDIAG_FW_IPT_IPSET_MEMBER_STALE"]
    assert codes(findings) == ["NETDIAG_FW_IPT_IPSET_MEMBER_MISSING",
                               "NETDIAG_FW_IPT_IPSET_MEMBER_STALE"]
    assert findings[1].subject == f"compute2:{SET_V4}"


def test_the_remote_groups_ipset_missing():
    # edit: the IPv4 set renamed (as if another group's)
    text = fx.IPSETS.replace(SET_V4, "NIPv4aaaaaaaa-7042-4b2b-bcd2-", 1)
    _, findings = fw_hybrid.compare(fx.intent("vxlan2"), fx.outputs(ipsets=text))
    assert codes(findings) == ["NETDIAG_FW_IPT_IPSET_MISSING"]


def test_the_address_pairs_anti_spoofing_rule_missing():
    # edit: vxlan2's RETURN for its VIP 198.18.17.250 removed
    text = without(fx.IPTABLES, VIP_LINE)
    _, findings = fw_hybrid.compare(fx.intent("vxlan2"),
                                    fx.outputs(iptables=text))
    assert codes(findings) == ["NETDIAG_FW_IPT_SPOOF_MISSING"]
    assert findings[0].summary == (
        f"{VXLAN2_S} on compute2 lacks the RETURN for 198.18.17.250/32 "
        f"(allowed address pair 198.18.17.250)")


def test_a_jump_to_the_wrong_chain():
    # edit: sg-chain sends gre2's ingress packets to vxlan2's chain
    text = fx.IPTABLES.replace(f"-j {GRE2_I}\n", f"-j {VXLAN2_CHAIN_I}\n", 1)
    _, findings = fw_hybrid.compare(fx.intent("gre2"), fx.outputs(iptables=text))
    assert codes(findings) == ["NETDIAG_FW_IPT_CHAIN_MISSING",
                               "NETDIAG_FW_IPT_RULE_EXTRA"]
    assert findings[0].subject == "compute2:neutron-openvswi-sg-chain"


def test_the_ports_chain_missing():
    # edit: gre2's ingress chain declared nowhere and all its lines gone
    lines = [t for t in fx.IPTABLES.splitlines(keepends=True)
             if f" {GRE2_I} " not in t and not t.startswith(f":{GRE2_I} ")]
    text = "".join(lines)
    _, findings = fw_hybrid.compare(fx.intent("gre2"),
                                    fx.outputs(iptables=text))
    assert "NETDIAG_FW_IPT_CHAIN_MISSING" in codes(findings)
    assert findings[-1].subject == f"compute2:{GRE2_I}"


def test_fixed_rules_out_of_order():
    # edit: gre2's INVALID DROP line moved to the top of its chain
    invalid = next(t for t in fx.IPTABLES.splitlines(keepends=True)
                   if f"-A {GRE2_I} -m state --state INVALID" in t)
    text = fx.IPTABLES.replace(invalid, "", 1)
    first = next(t for t in text.splitlines(keepends=True)
                 if f"-A {GRE2_I} " in t)
    text = text.replace(first, invalid + first, 1)
    _, findings = fw_hybrid.compare(fx.intent("gre2"), fx.outputs(iptables=text))
    assert codes(findings) == ["NETDIAG_FW_IPT_RULE_ORDER"]


def test_port_security_off_in_the_api_but_filtered_on_the_host():
    # edit: vxlan2's port body says port security off
    edited = fx.intent("vxlan2", lambda p: p.update(port_security_enabled=False))
    _, findings = fw_hybrid.compare(edited, fx.outputs())
    assert codes(findings).count("NETDIAG_FW_IPT_PORT_SECURITY_MISMATCH") == 3
    assert "NETDIAG_FW_IPT_RULE_MISSING" in codes(findings)


def test_output_without_a_filter_table_is_refused():
    with pytest.raises(ParseError):
        fw_hybrid.compare(fx.intent("gre2"), fx.outputs(iptables="*nat\nCOMMIT\n"))


# -- the host's verdict -----------------------------------------------------

def verdict(name, text=fx.IPTABLES, **packet):
    return fw_hybrid.host_verdict(fx.intent(name), Packet(**packet),
                                  fx.outputs(iptables=text))


def test_icmp_from_the_lab_to_gre2_is_allowed_by_its_rule():
    v = verdict("gre2", direction="ingress", ethertype="IPv4", protocol="icmp",
                remote_ip="198.18.19.49", icmp_type=8, icmp_code=0)
    assert (v.decision, v.source) == ("allow", "host")
    assert v.decided_by == f"-A {GRE2_I} -s 198.18.0.0/15 -p icmp -j RETURN"
    assert v.detail.startswith("a new connection; chains: FORWARD")


def test_icmp_to_gre2_denied_once_its_rule_is_deleted():
    # edit: gre2's ICMP rule removed from its ingress chain
    v = verdict("gre2", without(fx.IPTABLES, ICMP_LINE), direction="ingress",
                ethertype="IPv4", protocol="icmp", remote_ip="198.18.19.49",
                icmp_type=8, icmp_code=0)
    assert v.decision == "deny"
    assert v.decided_by.startswith("-A neutron-openvswi-sg-fallback ")


def test_tcp_22_only_from_the_cidr_and_80_not_at_all():
    ssh = dict(direction="ingress", ethertype="IPv4", protocol="tcp", port=22)
    assert verdict("gre2", remote_ip="198.18.19.49", **ssh).decision == "allow"
    assert verdict("gre2", remote_ip="203.0.113.5", **ssh).decision == "deny"
    web = dict(ssh, port=80, remote_ip="198.18.19.49")
    assert verdict("gre2", **web).decision == "deny"
    # the reply of a connection conntrack knows passes whatever the rules
    established = verdict("gre2", established=True, **web)
    assert established.decision == "allow"
    assert "RELATED,ESTABLISHED" in established.decided_by
    assert established.detail.startswith("an established connection")


def test_a_remote_group_member_is_allowed_through_the_ipset():
    v = verdict("vxlan2", direction="ingress", ethertype="IPv4", protocol="tcp",
                port=80, remote_ip="198.18.16.50")
    assert v.decision == "allow"
    assert v.decided_by == (f"-A {VXLAN2_CHAIN_I} -m set --match-set {SET_V4} "
                            f"src -j RETURN")
    # an address in no port of the group falls through to the fallback
    stranger = verdict("vxlan2", direction="ingress", ethertype="IPv4",
                       protocol="tcp", port=80, remote_ip="198.18.16.51")
    assert stranger.decision == "deny"
    assert stranger.decided_by.startswith("-A neutron-openvswi-sg-fallback ")


def test_egress_passes_anti_spoofing_then_the_egress_rule():
    v = verdict("vxlan2", direction="egress", ethertype="IPv4", protocol="udp",
                port=53, remote_ip="203.0.113.5")
    assert v.decision == "allow"
    assert v.decided_by == "-A neutron-openvswi-oa5bf0a8e-e -j RETURN"
    assert v.detail.endswith("accepted by -A neutron-openvswi-sg-chain -j ACCEPT")


def test_port_security_off_accepts_everything():
    v = verdict("open2", direction="ingress", ethertype="IPv4", protocol="tcp",
                port=80, remote_ip="203.0.113.5")
    assert v.decision == "allow"
    assert "Accept all packets when port security is disabled." in v.decided_by


def test_ipv6_is_not_read():
    with pytest.raises(ValueError):
        verdict("gre2", direction="ingress", ethertype="IPv6",
                protocol="icmp", remote_ip="2001:db8::1")
