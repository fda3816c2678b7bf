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

"""port trace on healthy lab recordings whose recorded API context is
edited in one place (named in EDITS): the whole report of each case.

tests/unit/test_trace_api_faults.py asserts the finding codes and the
status of the hops for such edits; here the whole ``--long -f json``
document must equal the stored one (tests/fixtures/reports/context-faults/,
a delta against the healthy report: an unchanged list item is "="), so a
wrong host, agent type or detail in a finding or hop fails too. Stored
from the command's output when the test was added and read through then;
rewrite with ``NETDIAG_WRITE_REPORTS=1`` after a deliberate change.
"""

import json
import pathlib

import pytest

from osc_netdiag.v1 import port as port_cmd
from tests.unit.edited import EditedCapture
from tests.unit import helpers
from tests.unit.mutation import reports

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
STORED = FIXTURES / "reports" / "context-faults"
RECORDINGS = ("vlan-healthy", "vxlan-healthy",
              "dvr-lab-distributed-router-healthy")


def _agent(host, **changes):
    def edit(data):
        data["ovs_agents"][host].update(changes)
    return edit


def _config(host, **changes):
    def edit(data):
        data["ovs_agents"][host]["configurations"].update(changes)
    return edit


def _no_agent(host):
    def edit(data):
        del data["ovs_agents"][host]
    return edit


def _dhcp_agent(**changes):
    def edit(data):
        data["dhcp_agents"][0].update(changes)
    return edit


def _l3_agent(**changes):
    def edit(data):
        data["router"]["l3_agents"][0].update(changes)
    return edit


EDITS = {
    "port-admin-down": lambda d: d["port"].update(admin_state_up=False),
    "port-status-down": lambda d: d["port"].update(status="DOWN"),
    "port-hybrid-plug": lambda d: d["port"]["vif_details"].update(
        ovs_hybrid_plug=True),
    "network-mtu-9000": lambda d: d["network"].update(mtu=9000),
    "compute1-agent-dead": _agent("compute1", alive=False),
    "compute1-agent-disabled": _agent("compute1", admin_state_up=False),
    "compute1-agent-missing": _no_agent("compute1"),
    "network1-agent-dead-bare": lambda d: (
        _agent("network1", alive=False)(d),
        _config("network1", bridge_mappings={}, tunneling_ip=None,
                tunnel_types=[])(d)),
    "dhcp-agent-dead": _dhcp_agent(alive=False),
    "dhcp-agent-disabled": _dhcp_agent(admin_state_up=False),
    "l3-agent-dead": _l3_agent(alive=False),
    # HA router: network1's L3 agent active, standby, or of unknown state
    "router-ha-active": lambda d: (d["router"].update(ha=True),
                                   _l3_agent(ha_state="active")(d)),
    "router-ha-standby": lambda d: (d["router"].update(ha=True),
                                    _l3_agent(ha_state="standby")(d)),
    "router-ha-no-state": lambda d: d["router"].update(ha=True),
}
CASES = [(name, edit) for name in RECORDINGS for edit in sorted(EDITS)]


def _run(capture):
    code, app = helpers.run_command(port_cmd.TracePort, "--from-capture",
                                    str(capture), "-f", "json", "--long")
    doc = json.loads(app.stdout.getvalue())
    assert doc["exit_code"] == code
    return doc


@pytest.mark.parametrize("name,edit", CASES,
                         ids=[f"{n}/{e}" for n, e in CASES])
def test_report_with_an_edited_context(name, edit, tmp_path):
    capture = EditedCapture(FIXTURES / "scenarios" / name, tmp_path)
    capture.edit_context(EDITS[edit])
    doc = reports.delta(_run(capture), _run(FIXTURES / "scenarios" / name))
    # every edit changes something in the report, but an HA router active
    # on its one agent, which is what a healthy HA router looks like
    changed = any(item != "=" for value in doc.values()
                  if isinstance(value, list) for item in value)
    assert changed != (edit == "router-ha-active")
    stored = STORED / name / f"{edit}.json"
    reports.check(doc, stored)


def test_dead_agent_hop_spells_out_its_configuration(tmp_path):
    # Hand-written from the recorded context: compute1's agent maps
    # physnet1 to br-eth1 and tunnels vxlan and gre from 198.18.1.11.
    capture = EditedCapture(FIXTURES / "scenarios" / "vxlan-healthy", tmp_path)
    capture.edit_context(EDITS["compute1-agent-dead"])
    [hop] = [h for h in _run(capture)["hops"] if h["kind"] == "ovs-agent"]
    assert hop == {"host": "api", "device": "compute1", "kind": "ovs-agent",
                   "state": "dead", "status": "ERROR", "evidence": [],
                   "detail": "bridge_mappings physnet1:br-eth1, tunneling_ip "
                             "198.18.1.11, tunnel_types vxlan,gre"}
