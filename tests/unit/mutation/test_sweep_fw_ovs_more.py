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

"""The firewall hop of a trace for an iptables_hybrid port, where the
sweep of its mutants found it unasserted: the driver's name in the row,
the intent handed to the hybrid judge, and the evidence of a remote group
without a name.

All replay the recorded firewall scenario ``hybrid-vxlan2-icmp-allowed``
(compute2), its API intent edited in one place where a test says so.
"""

import json
import pathlib
import types

from osc_netdiag.backends.ml2_ovs import fw_hop
from osc_netdiag.checks.engine import HostView
from osc_netdiag.checks.engine import Report
from osc_netdiag.models import Evidence
from osc_netdiag.models import Status
from osc_netdiag import secgroups
from osc_netdiag.transport import replay

HYBRID = pathlib.Path(__file__).parents[2] / "fixtures" / "firewall" / \
    "scenarios" / "hybrid-vxlan2-icmp-allowed"
GROUP = "438e40ab-b36e-419b-ad13-2c3d4fcc2595"
POLICY = ("in: IPv4 any from group default (8 addresses); IPv4 icmp from "
          "0.0.0.0/0; IPv6 any from group default (0 addresses)")


def _hybrid_hop(edit=None):
    """The trace's firewall rows and findings for the recorded hybrid port;
    ``edit(intent)`` changes the API intent (JSON) first.
    """
    data = json.loads((HYBRID / "context.json").read_text())
    if edit:
        edit(data["intent"])
    host = json.loads((HYBRID / "hosts" / "compute2.json").read_text())
    view = HostView("compute2", types.SimpleNamespace(
        error=None, results=[replay.result_from_dict(c)
                             for c in host["commands"]]), [])
    report = Report()
    fw_hop.check(report, types.SimpleNamespace(
        firewall=secgroups.intent_from_json(data["intent"])), view)
    return ([(h.host, h.device, h.kind, h.state, h.detail, h.status,
              h.evidence) for h in report.hops], report.findings)


def test_a_hybrid_ports_firewall_row():
    # kills fw_hop _driver mutants 4 and 5 (the driver's name in the row)
    # and _judge mutant 14 (the hybrid judge given no intent)
    assert _hybrid_hop() == ([(
        "compute2", "firewall", "firewall", "in sync",
        "iptables_hybrid; " + POLICY, Status.OK,
        (Evidence("api", f"openstack security group show {GROUP}",
                  ("name default",)),))], [])


def test_a_remote_group_without_a_name():
    # the port's security group renamed "default" -> "" (Neutron allows
    # an empty name): the row's evidence says "name -"
    # kills fw_hop _group_evidence mutant 20 (the "-" of no name)
    def unnamed(intent):
        intent["security_groups"][0]["name"] = ""
    rows, findings = _hybrid_hop(unnamed)
    assert [row[6] for row in rows] == [(
        Evidence("api", f"openstack security group show {GROUP}",
                 ("name -",)),)]
    assert findings == []
