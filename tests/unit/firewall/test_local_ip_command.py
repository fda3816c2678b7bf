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

"""port firewall --local-ip as OSC runs it, on the lab's recorded IPv6
port (tools/record_firewall_cases): the source of an egress packet, the
destination of an ingress one; questions that do not fit the port exit 2
before any host is read."""

import json

import pytest

from osc_netdiag import api
from osc_netdiag import exitcodes
from osc_netdiag.transport import replay
from osc_netdiag.v1 import firewall as firewall_cmd
from tests.unit.firewall import lab_cases as lab
from tests.unit import helpers

SPOOFED6 = "ipv6-v6a-egress-spoofed"


def _icmp6_rule():
    """The recorded group's ingress ipv6-icmp rule (from anywhere)."""
    bodies = lab.bodies(SPOOFED6)
    (group,) = [b["security_group"] for n, b in bodies.items()
                if n.startswith("security-group-")]
    (rule,) = [r["id"] for r in group["security_group_rules"]
               if r["direction"] == "ingress"
               and r["protocol"] == "ipv6-icmp"]
    return rule


def run(monkeypatch, case, *argv):
    folder = str(lab.host_dir(case))
    opened = []

    class Watched(replay.ReplayTransport):
        def open(self, target):
            opened.append(target)
            return super().open(target)
    monkeypatch.setattr(api, "host_transport",
                        lambda *a, **k: Watched(folder))
    bodies = lab.bodies(case)
    port = bodies["port.json"]["port"]["id"]
    app = helpers.FakeApp(lab.CaseConnection(bodies))
    command = firewall_cmd.PortFirewall(app, None)
    args = command.get_parser("openstack netdiag").parse_args(
        [port, *argv])
    try:
        code = command.run(args)
    except SystemExit as exc:
        code = exc.code
    return code, app, opened


def test_an_egress_packet_from_a_foreign_source_exit_0_both_deny(
        monkeypatch):
    code, app, _ = run(monkeypatch, SPOOFED6, "--direction", "egress",
                       "--remote-ip", "2001:db8::5", "--protocol", "tcp",
                       "--port", "443", "--local-ip", "2001:db8:21::99",
                       "-f", "json")
    doc = json.loads(app.stdout.getvalue())
    assert code == exitcodes.OK
    assert doc["packet"]["local_ip"] == "2001:db8:21::99"
    assert (doc["api_verdict"], doc["api_decided_by"]) == \
        ("deny", "anti-spoofing")
    assert doc["host_verdict"] == "deny"
    assert doc["host_decided_by"].startswith("table 71: reg5=")
    assert doc["host_decided_by"].endswith(", priority 10")
    assert doc["agree"] is True


@pytest.mark.parametrize("argv, words", [
    # an ingress packet's destination must be the port's own address
    (["--remote-ip", "2001:db8::5", "--protocol", "icmp", "--local-ip",
      "2001:db8:21::99"], "--local-ip 2001:db8:21::99 is not an address "
                          "of port"),
    (["--remote-ip", "2001:db8::5", "--protocol", "icmp", "--local-ip",
      "198.18.21.128"], "different families"),
    (["--local-ip", "198.18.21.128"], "need --remote-ip"),
])
def test_a_local_ip_that_does_not_fit_is_exit_2_before_any_host(
        monkeypatch, argv, words):
    code, app, opened = run(monkeypatch, SPOOFED6, *argv)
    assert code == exitcodes.USAGE
    assert words in app.stderr.getvalue()
    assert opened == []


def test_an_ingress_packet_to_the_vip_is_a_fair_question(monkeypatch):
    # the VIP is the port's (an allowed address pair): asked, not refused;
    # this recording has no trace of it, so the host is not answered
    code, app, opened = run(monkeypatch, SPOOFED6, "--remote-ip",
                            "2001:db8::5", "--protocol", "icmp",
                            "--local-ip", "2001:db8:21::250", "-f", "json")
    doc = json.loads(app.stdout.getvalue())
    assert code == exitcodes.UNREADABLE
    assert opened
    # ping -6 sends ICMPv6: the group's ipv6-icmp rule admits it
    assert (doc["api_verdict"], doc["api_decided_by"]) == \
        ("allow", _icmp6_rule())


def test_a_view_that_does_not_read_the_local_ip_is_not_asked(monkeypatch):
    # the recorded iptables_hybrid port (vxlan2): its view evaluates the
    # port's own first IPv4 address, so an egress packet from another
    # address gets no host verdict (rather than a false disagreement);
    # from its own address it does
    case = "hybrid-vxlan2-icmp-allowed"
    own = next(i["ip_address"] for i in lab.bodies(case)["port.json"]
               ["port"]["fixed_ips"] if ":" not in i["ip_address"])
    foreign = lab.run(case, packet=api.firewall_packet(
        remote_ip="203.0.113.5", protocol="icmp", direction="egress",
        local_ip="198.18.17.99"))
    assert foreign.exit_code == exitcodes.OK
    assert (foreign.api_verdict.decision,
            foreign.api_verdict.decided_by) == ("deny", "anti-spoofing")
    assert foreign.host_verdict is None
    (row,) = [r for r in foreign.rows if r.kind == "host-verdict"]
    assert (row.state, str(row.status)) == ("not read", "SKIP")
    assert "not --local-ip 198.18.17.99" in row.detail
    mine = lab.run(case, packet=api.firewall_packet(
        remote_ip="203.0.113.5", protocol="icmp", local_ip=own))
    assert mine.host_verdict is not None
    assert (mine.api_verdict.decision, mine.host_verdict.decision) == \
        ("allow", "allow")


def test_an_ipv6_question_with_its_ethertype_is_answered_from_the_trace(
        monkeypatch):
    code, app, _ = run(monkeypatch, "ipv6-v6a-tcp80-denied", "--ethertype",
                       "IPv6", "--remote-ip", "2001:db8::5", "--protocol",
                       "tcp", "--port", "80", "-f", "json")
    doc = json.loads(app.stdout.getvalue())
    assert code == exitcodes.OK
    assert doc["packet"]["ethertype"] == "IPv6"
    assert (doc["api_verdict"], doc["host_verdict"]) == ("deny", "deny")
    assert "ofproto/trace on br-int: tables 0 -> 58 -> 59 -> 60 -> 81 " \
           "-> 82 -> 93" in doc["host_detail"]
