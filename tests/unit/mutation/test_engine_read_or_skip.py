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

"""``Report.read_or_skip``: the parsed output when the probe could be read;
else None, one skipped hop and one NETDIAG_COMMAND_FAILED finding that name
the host, the device, the kind of hop and what the command said.

Outputs are real: a chassis's ``ovs-vsctl list Open_vSwitch`` recorded on
the OVN lab, and the stderr ovs-vsctl printed with no database running.
"""

import pathlib
import shlex

from osc_netdiag.checks.engine import HostView
from osc_netdiag.checks.engine import Report
from osc_netdiag import models
from osc_netdiag import probes_ovn
from osc_netdiag.transport.base import CommandResult
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.pool import HostOutcome

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
SYSTEM_IDS = (FIXTURES / "ovn" / "probes" /
              "ovs-system-ids--hostcheck-bridge-mapping-removed-network1.out"
              ).read_text()
NO_DB = (FIXTURES / "capture" / "ovs-vsctl--add-port-no-db.err").read_text()


def _view(result):
    probe = probes_ovn.ovs_system_ids()
    outcome = HostOutcome(HostTarget(name="network1", address="198.18.0.13"),
                          results=[result(probe)])
    return HostView("network1", outcome, [probe]), probe


def test_a_readable_probe_gives_its_parsed_output_and_records_nothing():
    view, probe = _view(lambda probe: CommandResult(
        name=probe.name, argv=probe.command.argv, stdout=SYSTEM_IDS,
        stderr="", exit_status=0))
    report = Report()
    ids = report.read_or_skip(view, probe, "Open_vSwitch", "ovn-chassis")
    assert ids.get("system-id") == "network1"
    assert ids.get("ovn-bridge-mappings") == "physnet1:br-eth1,public:br-ex"
    assert (report.hops, report.findings, report.unreadable) == ([], [], [])


def test_an_unreadable_probe_is_one_skipped_hop_and_one_finding():
    view, probe = _view(lambda probe: CommandResult(
        name=probe.name, argv=probe.command.argv, stdout="", stderr=NO_DB,
        exit_status=1))
    report = Report()
    assert report.read_or_skip(view, probe, "Open_vSwitch",
                               "ovn-chassis") is None
    said = ("error, exit 1: ovs-vsctl: unix:/var/run/openvswitch/db.sock: "
            "database connection failed (No such file or directory)")
    command = shlex.join(probe.argv)
    assert report.unreadable == [("network1", "ovs-system-ids", "error")]
    [hop] = report.hops
    assert hop == models.Hop(
        host="network1", device="Open_vSwitch", kind="ovn-chassis",
        state="error", detail="not checked: " + said,
        status=models.Status.SKIP, evidence=())
    [finding] = report.findings
    assert finding.code == "NETDIAG_COMMAND_FAILED"
    assert finding.subject == "network1:Open_vSwitch"
    assert finding.summary == (
        f"could not read '{command}' on network1: {said}; "
        "not checked: ovn-chassis Open_vSwitch")
