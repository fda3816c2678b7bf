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

"""dhcp check's log sources: one command per source (what sudo can pin),
run for real on this machine with the local transport against a file holding
a real lab dnsmasq log, and the first readable source chosen on the client.
"""

import dataclasses
import shutil

import pytest

from osc_netdiag.checks.engine import HostView
from osc_netdiag.checks.engine import Report
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.errors import ParseError
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag.l3dhcp import dhcp
from osc_netdiag import models
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport import local
from osc_netdiag.transport.pool import HostOutcome

from tests.unit.l3dhcp import scenario

LOG = scenario.SCENARIOS.parent / "dnsmasq-log--vxlan.out"
MAC = "fa:16:3e:75:62:49"          # a port of that log: a full exchange


def run(probes, shell=("/bin/sh", "-s")):
    """Run the probes as the transports do; a HostView of the results."""
    results = local.run_script(shell, [p.command for p in probes],
                               sudo=False)
    outcome = HostOutcome(HostTarget("network1", "127.0.0.1"),
                          results=results)
    return HostView("network1", outcome, probes)


@pytest.fixture
def logs(tmp_path):
    (tmp_path / "messages").write_text(LOG.read_text())
    return tmp_path


def test_each_source_is_one_fixed_command():
    journal, syslog = dhcp.log_probes(MAC, ["journal", "/var/log/syslog"])
    assert journal.argv == ("journalctl", "-q", "--no-pager", "-o", "short",
                            "-n", "20000", "-t", "dnsmasq-dhcp", "-t",
                            "dnsmasq")
    assert syslog.argv == ("grep", "-F", "-i", "-h", "-a", "-m", "20000",
                           "--", MAC, "/var/log/syslog")
    assert [dhcp.log_source(p) for p in (journal, syslog)] == [
        "journal", "/var/log/syslog"]


@pytest.mark.parametrize("mac, source", [
    ("FA:16:3E:75:62:49", "/var/log/syslog"),
    ("fa:16:3e:75:62:49 -r", "/var/log/syslog"),
    (MAC, "/var/log/../../etc/shadow"),
    (MAC, "var/log/syslog"),
    (MAC, "/var/log/syslog\n"),
])
def test_unsafe_mac_or_path_refused(mac, source):
    with pytest.raises(UnsafeNameError):
        dhcp.log_probe(mac, source)


def test_first_readable_source_is_used(logs):
    probes = dhcp.log_probes(MAC, [str(logs / "syslog"),
                                   str(logs / "messages")])
    view = run(probes)
    # The missing file is grep's exit 2 with its own message.
    missing = view.result(probes[0])
    assert missing.exit_status == 2
    assert "No such file or directory" in missing.stderr
    probe, lines = dhcp.choose_log(view, probes)
    assert dhcp.log_source(probe) == str(logs / "messages")
    expected = [line for line in LOG.read_text().splitlines()
                if MAC in line.lower()]
    assert [line.text for line in lines] == [line.rstrip()
                                             for line in expected]
    assert dhcp.summarise_exchange(
        [line for line in lines if line.event])[2] == \
        "NETDIAG_DHCP_EXCHANGE_COMPLETE"


def test_a_readable_log_without_the_mac_is_used_and_empty(logs):
    probes = dhcp.log_probes("fa:16:3e:00:00:01", [str(logs / "messages")])
    view = run(probes)
    assert view.result(probes[0]).exit_status == 1
    probe, lines = dhcp.choose_log(view, probes)
    assert probe is probes[0] and lines == ()


def test_no_readable_source_names_each_reason(logs):
    # A host without journalctl: a PATH with only timeout and grep.
    bin_dir = logs / "bin"
    bin_dir.mkdir()
    for tool in ("timeout", "grep"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    probes = dhcp.log_probes(MAC, ["journal", str(logs / "syslog")])
    view = run(probes, ("env", f"PATH={bin_dir}", "/bin/sh", "-s"))
    assert view.result(probes[0]).status == models.HOST_MISSING_COMMAND
    with pytest.raises(Unreadable) as caught:
        dhcp.choose_log(view, probes)
    message = caught.value.message
    assert message.startswith("none of these logs is readable: journal "
                              "(missing-command, exit 127: ")
    assert "journalctl" in message
    assert f"{logs / 'syslog'} (error, exit 2: grep: " in message
    assert caught.value.status == models.HOST_ERROR


def test_at_most_n_lines_and_a_reached_limit_is_said(logs):
    context = scenario.load_context("dhcp-port")
    port = dataclasses.replace(context.port, mac=MAC)
    context = dataclasses.replace(context, port=port)
    probes = dhcp.log_probes(MAC, [str(logs / "messages")], lines=2)
    assert probes[0].argv[5:7] == ("-m", "2")
    view = run(probes)
    report = Report()
    dhcp.check_log(report, view, context, probes)
    row, = report.hops
    assert row.detail.startswith(f"{logs / 'messages'}: ")
    assert "only the first 2 lines mentioning the MAC were read" in \
        row.detail
    # DISCOVER/OFFER only: the OFFER got no REQUEST back.
    assert row.state == "offered" and row.status == models.Status.WARN


def test_journal_lines_are_filtered_on_the_client():
    parse = dhcp.log_probe(MAC, "journal").parse
    text = LOG.read_text()
    lines = parse(text)
    assert lines and all(line.event is None or line.event.mac == MAC
                         for line in lines)
    assert all(MAC in line.text.lower() for line in lines)
    with pytest.raises(ParseError):
        parse(text[:-1])            # cut output is refused
