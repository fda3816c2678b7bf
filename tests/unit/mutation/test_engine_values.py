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

"""The check engine's pieces, called directly: what ``HostView.read`` says
for each way a probe can fail (the operator reads it in the skipped hop),
the hop and finding ``Report`` records for an unreadable host and a failed
command, and finding de-duplication.

Outputs are real: ``ovs-vsctl list Open_vSwitch`` recorded on the OVN
lab's network1, and the stderr of ovs-vsctl with no database running; the
host errors are the transport's own messages (an unreachable host as the
OVS lab recorded it).
"""

import pathlib
import shlex

import pytest

from osc_netdiag.checks.engine import HostView
from osc_netdiag.checks.engine import Report
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag import errors
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
NO_DB_LINE = NO_DB.splitlines()[0]
TARGET = HostTarget(name="network1", address="198.18.0.13")
PROBE = probes_ovn.ovs_system_ids()
COMMAND = shlex.join(PROBE.argv)


def _result(**fields):
    values = dict(name=PROBE.name, argv=PROBE.command.argv, stdout="",
                  stderr="", exit_status=0)
    values.update(fields)
    return CommandResult(**values)


def _view(*results, error=None):
    return HostView("network1", HostOutcome(TARGET, results=list(results),
                                            error=error), [PROBE])


def _unreadable(view):
    with pytest.raises(Unreadable) as exc:
        view.read(PROBE)
    assert exc.value.host == "network1"
    assert exc.value.probe is PROBE
    assert str(exc.value) == exc.value.message
    return exc.value


def test_a_readable_probe_is_parsed_once():
    view = _view(_result(stdout=SYSTEM_IDS))
    assert view.readable is True
    assert view.error is None
    assert view.result(PROBE).stdout == SYSTEM_IDS
    first = view.read(PROBE)
    assert first.get("system-id") == "network1"
    # the parsed value is kept: a second read gives the same object
    assert view.read(PROBE) is first


def test_a_failed_command_is_its_status_exit_code_and_stderr():
    exc = _unreadable(_view(_result(stderr=NO_DB, exit_status=1)))
    assert (exc.status, exc.exit_status) == ("error", 1)
    assert exc.message == f"error, exit 1: {NO_DB_LINE}"
    # the message already starts with the status: said() does not repeat it
    assert exc.said() == f"error, exit 1: {NO_DB_LINE}"


def test_a_command_that_timed_out_keeps_the_transports_status():
    exc = _unreadable(_view(_result(status=models.HOST_TIMEOUT, exit_status=None,
                                    message="no answer within 10 s")))
    assert (exc.status, exc.exit_status) == ("timeout", None)
    assert exc.message == "timeout, exit -: no answer within 10 s"


def test_a_command_not_run_is_an_error():
    exc = _unreadable(_view())
    assert (exc.status, exc.message, exc.exit_status) == (
        "error", "command was not run", None)
    assert exc.said() == "error: command was not run"


def test_output_the_parser_refuses_is_unreadable_output():
    exc = _unreadable(_view(_result(stdout=SYSTEM_IDS[:-1])))
    assert exc.status == "error"
    assert exc.message == ("unreadable output: ovs-vsctl --format=json: output "
                           "does not end with a newline (truncated?)")


def test_a_host_that_could_not_be_read_answers_for_every_probe():
    error = errors.HostError("network1", models.HOST_UNREACHABLE,
                             "cannot connect to 198.18.0.13:22: Connection refused")
    view = _view(_result(stdout=SYSTEM_IDS), error=error)
    assert view.readable is False
    exc = _unreadable(view)
    assert (exc.status, exc.exit_status) == ("unreachable", None)
    assert exc.said() == "unreachable: cannot connect to 198.18.0.13:22: Connection refused"


def test_a_view_without_an_outcome():
    view = HostView("network1", None, [PROBE])
    assert (view.readable, view.error, view.result(PROBE)) == (True, None, None)
    assert _unreadable(view).message == "command was not run"


def test_evidence_names_the_host_the_command_and_the_lines():
    view = _view(_result(stdout=SYSTEM_IDS))
    assert view.evidence(PROBE, ["a", "b"]) == models.Evidence(
        host="network1", command=COMMAND, lines=("a", "b"))
    assert view.evidence(PROBE).lines == ()


@pytest.mark.parametrize("status,message,code,remedy", [
    (models.HOST_HOSTKEY, "host key of network1 CHANGED", "NETDIAG_HOST_KEY_REFUSED",
     "Verify network1's host key out of band and add it to known_hosts "
     "(ssh-keyscan, then compare the fingerprint)."),
    (models.HOST_AUTH, "authentication refused at 198.18.0.13:22: Authentication failed.",
     "NETDIAG_HOST_AUTH_REFUSED",
     "Check the user and key for network1 in the inventory or ~/.ssh/config."),
    (models.HOST_UNREACHABLE, "cannot connect to 198.18.0.13:22: Connection refused",
     "NETDIAG_HOST_UNREADABLE",
     "Fix access to network1 (unreachable): check the inventory, SSH "
     "reachability and sudo; the hops on that host were not checked."),
])
def test_an_unreadable_host_is_one_finding_and_one_skipped_row(status, message, code,
                                                               remedy):
    report = Report()
    view = _view(error=errors.HostError("network1", status, message))
    assert report.host_unreadable(view) is True
    [finding] = report.findings
    assert (finding.code, finding.subject, finding.summary) == (
        code, "network1", f"network1: {status}: {message}")
    assert finding.remedy == remedy
    assert report.hops == [models.Hop(
        host="network1", device="network1", kind="host", state=status,
        detail=f"not checked: {message}", status=models.Status.SKIP, evidence=())]
    assert report.unreadable == []


def test_a_readable_host_records_nothing():
    report = Report()
    assert report.host_unreadable(_view(_result(stdout=SYSTEM_IDS))) is False
    assert (report.hops, report.findings) == ([], [])


def test_the_same_finding_is_kept_once_in_the_order_first_found():
    report = Report()
    one = report.find("NETDIAG_COMMAND_FAILED", "network1:a", "first",
                      host="network1", command="x", unchecked="y")
    two = report.find("NETDIAG_HOST_UNREADABLE", "network1", "second",
                      host="network1", status="error")
    again = report.find("NETDIAG_COMMAND_FAILED", "network1:a", "first",
                        host="network1", command="x", unchecked="y")
    assert again == one
    assert report.findings == [one, two]
    assert one.remedy == ("Run 'x' on network1 by hand and fix what it says; until "
                          "it succeeds the y hop (and those that depend on it) is "
                          "not checked.")


def test_a_hop_keeps_its_evidence_but_not_the_empty_ones():
    report = Report()
    evidence = models.Evidence(host="network1", command=COMMAND, lines=("x",))
    hop = report.hop("network1", "br-int", "bridge", "present", "ok",
                     models.Status.OK, evidence=(None, evidence, None))
    assert hop == models.Hop(host="network1", device="br-int", kind="bridge",
                             state="present", detail="ok", status=models.Status.OK,
                             evidence=(evidence,))
    assert report.hops == [hop]
    assert report.hop("network1", "br-ex", "bridge", "present", "ok",
                      models.Status.OK).evidence == ()


def test_a_skipped_hop_and_its_finding():
    report = Report()
    exc = _unreadable(_view(_result(stderr=NO_DB, exit_status=1)))
    hop = report.skipped("network1", "br-int", "bridge", exc)
    said = f"error, exit 1: {NO_DB_LINE}"
    assert hop == models.Hop(host="network1", device="br-int", kind="bridge",
                             state="error", detail="not checked: " + said,
                             status=models.Status.SKIP, evidence=())
    assert report.hops == [hop]
    assert report.unreadable == [("network1", "ovs-system-ids", "error")]
    [finding] = report.findings
    assert (finding.code, finding.subject, finding.summary) == (
        "NETDIAG_COMMAND_FAILED", "network1:br-int",
        f"could not read '{COMMAND}' on network1: {said}; not checked: bridge br-int")
    assert finding.remedy == (
        f"Run '{COMMAND}' on network1 by hand and fix what it says; until it "
        "succeeds the bridge br-int hop (and those that depend on it) is not checked.")
