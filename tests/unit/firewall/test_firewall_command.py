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

"""openstack netdiag port firewall as OSC runs it: arguments, output,
exit codes; the API from a lab recording's bodies, the host from its
recorded answers (the command's transport replaced by the replay)."""

import json

import pytest

from osc_netdiag import api
from osc_netdiag import exitcodes
from osc_netdiag.transport import replay
from osc_netdiag.v1 import firewall as firewall_cmd
from tests.unit.firewall import lab_cases as lab
from tests.unit import helpers


def run(monkeypatch, case, *argv, host_dir=None):
    folder = str(host_dir or lab.host_dir(case))
    monkeypatch.setattr(api, "host_transport",
                        lambda *a, **k: replay.ReplayTransport(folder))
    conn = lab.CaseConnection(lab.bodies(case))
    return helpers.run_command(firewall_cmd.PortFirewall, lab.VXLAN1
                               if not case.startswith("open1") else lab.OPEN1,
                               *argv, conn=conn)


def test_a_denied_packet_both_agree_on_is_an_answer_exit_0(monkeypatch):
    code, app = run(monkeypatch, "ingress-tcp22-denied", "--remote-ip",
                    "203.0.113.5", "--protocol", "tcp", "--port", "22",
                    "-f", "json")
    doc = json.loads(app.stdout.getvalue())
    assert code == exitcodes.OK
    assert (doc["api_verdict"], doc["host_verdict"], doc["agree"]) == \
        ("deny", "deny", True)
    assert doc["host_decided_by"] == \
        "table 82: ct_state=-est,reg5=0x5, priority 40"
    assert doc["findings"] == []


def test_a_disagreement_is_exit_4(monkeypatch, tmp_path):
    # the icmp question answered with the recorded tcp 22 trace (dropped)
    denied = lab.recorded_stdout("ingress-tcp22-denied", "ofproto-trace:")
    folder = lab.host_dir("ingress-icmp-allowed", tmp_path,
                          {"ofproto-trace:": lambda _t: denied})
    code, app = run(monkeypatch, "ingress-icmp-allowed", "--remote-ip",
                    "203.0.113.5", "--protocol", "icmp", "-f", "json",
                    host_dir=folder)
    doc = json.loads(app.stdout.getvalue())
    assert code == exitcodes.ERROR_FINDING
    assert [f["code"] for f in doc["findings"]] == [
        "NETDIAG_FW_VERDICT_DISAGREE"]
    assert (doc["api_verdict"], doc["host_verdict"]) == ("allow", "deny")


def test_table_output_ends_with_driver_inbound_and_verdict(monkeypatch):
    code, app = run(monkeypatch, "ingress-icmp-allowed", "--remote-ip",
                    "203.0.113.5", "--protocol", "icmp")
    out = app.stdout.getvalue()
    assert code == exitcodes.OK
    assert "driver: openvswitch on compute1" in out
    assert "inbound: in: IPv4 any from group" in out
    assert "verdict: API allow, host allow" in out


@pytest.mark.parametrize("argv, words", [
    (["--protocol", "tcp"], "need --remote-ip"),
    (["--remote-ip", "203.0.113.5", "--protocol", "tcp"], "--port"),
    (["--remote-ip", "203.0.113.5", "--protocol", "icmp", "--port", "22"],
     "--port is for tcp"),
    (["--remote-ip", "203.0.113.5", "--protocol", "tcp", "--port", "22",
      "--ethertype", "IPv6"], "not an IPv6 address"),
    (["--remote-ip", "203.0.113.5"], "--protocol"),
    (["--remote-ip", "203.0.113.5", "--protocol", "bogus"],
     "unknown protocol"),
])
def test_questions_that_make_no_sense_are_usage_errors(monkeypatch, argv,
                                                       words):
    app = helpers.FakeApp(lab.CaseConnection(lab.bodies(
        "ingress-tcp22-denied")))
    command = firewall_cmd.PortFirewall(app, None)
    args = command.get_parser("openstack netdiag").parse_args(
        [lab.VXLAN1, *argv])
    with pytest.raises(SystemExit) as exc:
        command.run(args)
    assert exc.value.code == exitcodes.USAGE
    assert words in app.stderr.getvalue()
