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

"""port firewall on the lab's iptables_hybrid host (compute2): the IPv6
chains and the rule order, through the openstack CLI.

The lab's instances have no IPv6 address (IPv6 is disabled on their
links), so no IPv6 packet can show a fault: the IPv6 test proves that a
real ip6tables rule of a compute2 port changed on the host (present but
wrong) is read with the new probe, compared with the API and answered in
the IPv6 packet question from the host's real table, with exit 4; and
that the restored rule is in sync again. The order test breaks a real
ping first.
"""

import shlex

import pytest

from tests.lab import conftest as lab_faults
from tests.lab.test_firewall_hybrid_lab import chain_of
from tests.lab.test_firewall_hybrid_lab import cli_env  # noqa: F401
from tests.lab.test_firewall_hybrid_lab import codes
from tests.lab.test_firewall_hybrid_lab import firewall
from tests.lab.test_firewall_hybrid_lab import ping

pytestmark = pytest.mark.lab

HOST = "compute2"
QUESTION6 = ("--ethertype", "IPv6", "--direction", "egress", "--protocol",
             "tcp", "--port", "443", "--remote-ip", "2001:db8::5")


def rules(tool, chain):
    """``iptables -S CHAIN`` (or ip6tables) lines after the -N line."""
    out = lab_faults.lab_exec(HOST, tool, "-S", chain).stdout
    return [line for line in out.splitlines() if line.startswith("-A ")]


def replace_rule(tool, chain, old, new):
    """Replace the rule ``old`` (as -S prints it) by ``new`` in its place."""
    def apply(_lab):
        number = rules(tool, chain).index(old) + 1
        lab_faults.lab_exec(HOST, tool, "-R", chain, str(number),
                            *shlex.split(new)[2:])

        def restore():
            found = rules(tool, chain)
            if new in found:
                lab_faults.lab_exec(HOST, tool, "-R", chain,
                                    str(found.index(new) + 1),
                                    *shlex.split(old)[2:])
        return restore
    return apply


def move_before(tool, chain, moving, before):
    """Move the rule ``moving`` above the rule ``before`` (same lines)."""
    def apply(_lab):
        lab_faults.lab_exec(HOST, tool, "-D", *shlex.split(moving)[1:])
        number = rules(tool, chain).index(before) + 1
        lab_faults.lab_exec(HOST, tool, "-I", chain, str(number),
                            *shlex.split(moving)[2:])

        def restore():
            if rules(tool, chain)[-1] != moving:
                lab_faults.lab_exec(HOST, tool, "-D",
                                    *shlex.split(moving)[1:])
                lab_faults.lab_exec(HOST, tool, *shlex.split(moving))
        return restore
    return apply


def test_ipv6_chains_in_sync_and_the_ipv6_question(lab, cli_env):  # noqa: F811
    port = lab["instances"]["vxlan2"]["port_id"]
    rc, doc = firewall(cli_env, port, *QUESTION6)
    assert (rc, codes(doc)) == (0, [])
    six = [r for r in doc["rows"] if r["kind"] == "ip6tables-rule"]
    assert len(six) == 24 and {r["state"] for r in six} == {"installed"}
    assert (doc["api_verdict"], doc["host_verdict"]) == ("allow", "allow")
    assert doc["host_decided_by"] == "-A %s -j RETURN" % chain_of(
        lab, "vxlan2", "o")


def test_ipv6_rule_changed_on_the_host(lab, cli_env, fault):  # noqa: F811
    port = lab["instances"]["vxlan2"]["port_id"]
    chain = chain_of(lab, "vxlan2", "o")
    old = "-A %s -j RETURN" % chain
    new = "-A %s -p udp -j RETURN" % chain
    with fault(replace_rule("ip6tables", chain, old, new)):
        assert new in rules("ip6tables", chain)
        rc, doc = firewall(cli_env, port, *QUESTION6)
        assert rc == 4
        assert codes(doc) == ["NETDIAG_FW_IPT_RULE_EXTRA",
                              "NETDIAG_FW_IPT_RULE_MISSING",
                              "NETDIAG_FW_VERDICT_DISAGREE"]
        assert (doc["api_verdict"], doc["host_verdict"]) == ("allow", "deny")
        extra = [f for f in doc["findings"]
                 if f["code"] == "NETDIAG_FW_IPT_RULE_EXTRA"]
        assert extra[0]["summary"].endswith("(IPv6)")
    rc, doc = firewall(cli_env, port, *QUESTION6)
    assert (rc, codes(doc)) == (0, [])


def test_fallback_jump_moved_before_the_icmp_rule(lab, cli_env,  # noqa: F811
                                                  fault):
    gre2 = lab["instances"]["gre2"]
    gre1_ip = lab["instances"]["gre1"]["ip"]
    chain = chain_of(lab, "gre2", "i")
    lines = rules("iptables", chain)
    fallback = next(line for line in lines if "sg-fallback" in line)
    icmp = next(line for line in lines if "-p icmp -j RETURN" in line)
    assert ping(lab, "gre1", gre2["ip"])
    with fault(move_before("iptables", chain, fallback, icmp)):
        assert sorted(rules("iptables", chain)) == sorted(lines)
        assert not ping(lab, "gre1", gre2["ip"])
        rc, doc = firewall(cli_env, gre2["port_id"], "--protocol", "icmp",
                           "--remote-ip", gre1_ip)
        assert rc == 4
        assert codes(doc) == ["NETDIAG_FW_IPT_RULE_SHADOWED",
                              "NETDIAG_FW_VERDICT_DISAGREE"]
        assert (doc["api_verdict"], doc["host_verdict"]) == ("allow", "deny")
    assert rules("iptables", chain) == lines
    lab_faults.wait_until(lambda: ping(lab, "gre1", gre2["ip"]), 20,
                          what="ICMP to gre2 again")
