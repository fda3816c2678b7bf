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

"""``port firewall --save-capture`` / ``--from-capture``: the scenarios
recorded on the lab (tests/fixtures/firewall/scenarios, one per driver
and the IPv6 question) replay offline; a run saved from a replay replays
to the same answer; the command refuses a port or a question beside
--from-capture. The output of each scenario is pinned by the goldens
(tests/unit/test_output_identity.py)."""

import json
import pathlib
import shutil

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.firewall import check
from osc_netdiag.inventory import Inventory
from osc_netdiag import secgroups
from osc_netdiag.transport import replay
from osc_netdiag.v1 import firewall as firewall_cmd
from tests.unit.helpers import run_command

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "firewall" / \
    "scenarios"


@pytest.mark.parametrize("scenario,driver,verdicts", [
    ("hybrid-vxlan2-icmp-allowed", "iptables_hybrid", ("allow", "allow")),
    ("hybrid-vxlan2-ipv6-egress-allowed", "iptables_hybrid",
     ("allow", "allow")),
    ("openvswitch-vxlan1-tcp22-denied", "openvswitch", ("deny", "deny")),
])
def test_each_recorded_scenario_replays(scenario, driver, verdicts):
    result = check.firewall_from_capture(str(SCENARIOS / scenario))
    assert (result.driver, result.exit_code, result.findings) == (
        driver, exitcodes.OK, ())
    assert (result.api_verdict.decision, result.host_verdict.decision) == \
        verdicts
    assert result.round_trips >= 1


def test_the_capture_keeps_the_intent_and_the_question():
    data = json.loads((SCENARIOS / "hybrid-vxlan2-ipv6-egress-allowed" /
                       "context.json").read_text())
    assert data["packet"] == {
        "direction": "egress", "ethertype": "IPv6", "protocol": "tcp",
        "remote_ip": "2001:db8::5", "port": 443, "icmp_type": None,
        "icmp_code": None, "established": False}
    intent = secgroups.intent_from_json(data["intent"])
    assert intent.hybrid_plug and intent.host == "compute2"


def test_a_run_saved_from_a_replay_replays_the_same(tmp_path):
    source = SCENARIOS / "hybrid-vxlan2-icmp-allowed"
    data = json.loads((source / "context.json").read_text())
    first = check.check_intent(
        secgroups.intent_from_json(data["intent"]),
        packet=secgroups.Packet(**data["packet"]), inventory=Inventory(),
        transport=replay.ReplayTransport(str(source)),
        save_capture=str(tmp_path / "again"))
    again = check.firewall_from_capture(str(tmp_path / "again"))
    saved = json.loads((tmp_path / "again" / "context.json").read_text())
    assert secgroups.intent_from_json(saved["intent"]) == \
        secgroups.intent_from_json(data["intent"])
    assert (saved["packet"]["remote_ip"], saved["conntrack"]) == (
        data["packet"]["remote_ip"], False)
    assert again.to_dict() == first.to_dict()


def test_a_port_without_a_host_to_read_is_saved_too(tmp_path):
    # security groups off in the binding: the noop driver, no host read
    data = json.loads((SCENARIOS / "openvswitch-vxlan1-tcp22-denied" /
                       "context.json").read_text())
    data["intent"]["port_filter"] = False
    intent = secgroups.intent_from_json(data["intent"])
    check.check_intent(intent, save_capture=str(tmp_path / "noop"))
    again = check.firewall_from_capture(str(tmp_path / "noop"))
    assert (again.driver, again.rows[0].device) == ("noop", intent.port_id)


@pytest.mark.parametrize("argv", [
    ["some-port", "--from-capture", str(SCENARIOS)],
    ["--from-capture", str(SCENARIOS), "--remote-ip", "198.18.0.1",
     "--protocol", "icmp"],
    [],
])
def test_usage_errors(argv):
    with pytest.raises(SystemExit) as exc:
        run_command(firewall_cmd.PortFirewall, *argv)
    assert exc.value.code == exitcodes.USAGE


def test_ipv6_table_refused_keeps_the_ipv4_view(tmp_path):
    # edit: the recorded ip6tables-save answered as a host whose sudoers
    # predates it does (sudo's refusal, exit 1): the IPv4 rows are still
    # judged, the unread command is reported, exit 8
    target = tmp_path / "case"
    shutil.copytree(SCENARIOS / "hybrid-vxlan2-icmp-allowed", target)
    path = target / "hosts" / "compute2.json"
    data = json.loads(path.read_text())
    (six,) = [c for c in data["commands"] if c["name"] == "ip6tables-filter"]
    six.update(stdout="", exit_status=1,
               stderr="sudo: a password is required\n")
    path.write_text(json.dumps(data))
    result = check.firewall_from_capture(str(target))
    assert result.exit_code == exitcodes.UNREADABLE
    assert [f.code for f in result.findings] == ["NETDIAG_COMMAND_FAILED"]
    assert "ip6tables-save -c -t filter" in result.findings[0].summary
    kinds = {r.kind for r in result.rows if r.host == "compute2"}
    assert "iptables-rule" in kinds and "ip6tables-rule" not in kinds
    assert result.host_verdict.decision == "allow"
