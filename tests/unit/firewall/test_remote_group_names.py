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

"""The inbound policy line names remote groups by their Neutron name: in
port firewall's closing lines and the trace's firewall row; the ID is
beside it in --long and JSON (two projects' groups may both be
"default"). The API bodies are the lab's, captured."""

import json

from openstack import exceptions

from osc_netdiag import api
from osc_netdiag import exitcodes
from osc_netdiag.resolve import secgroups as resolve_secgroups
from osc_netdiag import sgrules
from tests.unit.firewall import api_fixtures
from tests.unit.firewall import test_firewall_command as command
from tests.unit.firewall import test_trace_firewall_hop as trace_hop

DEFAULT = "7f282516-7042-4b2b-bcd2-4e9ceeeb3321"      # the recorded cases'
TRACE_DEFAULT = "33b8e875-1bc3-4e3c-84f6-2f0b40cdef1a"  # the trace's
OTHER = "0b1f5a54-6c2e-4d55-9d8e-3f1a2b3c4d5e"


def _intent(conn):
    port = conn.network.find_port(api_fixtures.body(
        "port-vxlan1.json")["port"]["id"])
    return resolve_secgroups.intent_of(conn, port)


def test_the_inbound_line_names_the_remote_group():
    intent = _intent(api_fixtures.lab_connection())
    (group,) = intent.security_groups
    short = sgrules.inbound_policy(intent)
    assert f"from group {group.name} (" in short
    assert group.id not in short
    assert f"from group {group.name} [{group.id}] (" in \
        sgrules.inbound_policy(intent, long=True)


def _remote_is_another_group(group):
    # the captured default group's remote-group rules pointed at another
    # group (one edit): its name must be read, not guessed
    for rule in group["security_group_rules"]:
        if rule.get("remote_group_id"):
            rule["remote_group_id"] = OTHER


def test_a_remote_group_that_is_not_the_ports_is_read_for_its_name():
    conn = api_fixtures.lab_connection(edit_group=_remote_is_another_group)
    other = dict(api_fixtures.body("security-group-default.json")
                 ["security_group"], id=OTHER, name="web-servers",
                 security_group_rules=[])
    conn.network._groups[OTHER] = other
    intent = _intent(conn)
    assert "from group web-servers (" in sgrules.inbound_policy(intent)
    assert conn.network.calls.count(("get_security_group", OTHER)) == 1


def test_a_remote_group_the_user_cannot_read_keeps_its_id():
    conn = api_fixtures.lab_connection(edit_group=_remote_is_another_group)
    real = conn.network.get_security_group

    def refuse(group_id):
        if group_id == OTHER:
            raise exceptions.ForbiddenException("not yours")
        return real(group_id)
    conn.network.get_security_group = refuse
    line = sgrules.inbound_policy(_intent(conn))
    assert f"from group {OTHER} (" in line


def test_port_firewall_table_names_json_and_long_carry_the_id(monkeypatch):
    case = "ingress-icmp-allowed"
    argv = ("--remote-ip", "203.0.113.5", "--protocol", "icmp")
    code, app = command.run(monkeypatch, case, *argv)
    out = app.stdout.getvalue()
    assert code == exitcodes.OK
    assert "inbound: in: IPv4 any from group default (" in out
    assert DEFAULT not in out.split("inbound:")[1]
    code, app = command.run(monkeypatch, case, *argv, "--long")
    assert f"from group default [{DEFAULT}] (" in \
        app.stdout.getvalue().split("inbound:")[1]
    code, app = command.run(monkeypatch, case, *argv, "-f", "json")
    doc = json.loads(app.stdout.getvalue())
    assert f"from group default [{DEFAULT}] (" in doc["inbound_policy"]


def test_describe_rule_without_names_keeps_the_id():
    # rows and findings that carry a rule keep naming its remote by ID
    intent = _intent(api_fixtures.lab_connection())
    (rule,) = [r for r in intent.rules
               if r.remote_group_id and r.ethertype == "IPv4"
               and r.direction == "ingress"]
    assert sgrules.describe_rule(rule) == \
        f"ingress IPv4 any from group {rule.remote_group_id} " \
        f"({len(rule.remote_addresses)} addresses)"


def test_the_trace_row_names_the_group_and_its_evidence_the_id():
    # a trace saved before the rule carried its group's name: the name is
    # found among the port's own groups
    trace = api.trace_from_capture(str(trace_hop.TRACE))
    (hop,) = trace_hop.firewall_hops(trace)
    assert "in: IPv4 any from group default (" in hop.detail
    assert TRACE_DEFAULT not in hop.detail
    (evidence,) = hop.to_dict(long=True)["evidence"]
    assert evidence["command"] == \
        f"openstack security group show {TRACE_DEFAULT}"
    assert list(evidence["lines"]) == ["name default"]
