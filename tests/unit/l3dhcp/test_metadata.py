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

"""Whether 169.254.169.254 is expected on the DHCP tap, from the agent's
real command line and configuration files (recorded on the lab's network1;
the lab's folders replaced by Neutron's default paths).
"""

import pathlib

import pytest

from osc_netdiag.checks.engine import HostView
from osc_netdiag.checks.engine import Report
from osc_netdiag.errors import ParseError
from osc_netdiag.l3dhcp import metadata
from osc_netdiag.linux import host_files
from osc_netdiag import models
from osc_netdiag.parsers import oslo_ini
from osc_netdiag.parsers import ps
from osc_netdiag.transport.base import CommandResult
from osc_netdiag.transport.pool import HostOutcome

AGENT = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / \
    "l3dhcp" / "agent"
PGREP = (AGENT / "pgrep-a-f--dhcp-agent.out").read_text()
NEUTRON_CONF = (AGENT / "cat--neutron.conf.out").read_text()
DHCP_INI = (AGENT / "cat--dhcp_agent.ini.out").read_text()
# What the probe reads of them: only the lines naming the options (grep
# exits 1 on neutron.conf, which names neither).
NEUTRON_CONF_FLAGS = (AGENT / "grep-metadata--neutron.conf.out").read_text()
DHCP_INI_FLAGS = (AGENT / "grep-metadata--dhcp_agent.ini.out").read_text()
# The same lab with enable_isolated_metadata = true (the lab's setting now).
ISOLATED_FLAGS = (AGENT / "grep-metadata--dhcp_agent.ini-isolated.out"
                  ).read_text()
# Who owns each process (ps -e -o ruser:32=,user:32=,pid= on network1),
# the agent's two PIDs renamed to the ones of the pgrep recording above.
OWNERS = (AGENT / "ps-owners--network1.out").read_text()


def view(answers, host="network1"):
    """A HostView over ``{probe: stdout or (exit, stdout, stderr)}``."""
    results, probes = [], []
    for probe, answer in answers.items():
        exit_status, stdout, stderr = (answer if isinstance(answer, tuple)
                                       else (0, answer, ""))
        results.append(CommandResult(probe.name, probe.argv, stdout, stderr,
                                     exit_status))
        probes.append(probe)
    return HostView(host, HostOutcome(target=None, results=results), probes)


def real_answers(dhcp_ini=DHCP_INI_FLAGS):
    return {metadata.agent_process_probe(): PGREP,
            host_files.owners_probe(): OWNERS,
            metadata.config_probe("/etc/neutron/neutron.conf"):
                (1, NEUTRON_CONF_FLAGS, ""),
            metadata.config_probe("/etc/neutron/dhcp_agent.ini"): dhcp_ini}


def with_flag(text, flag, value):
    """The real file with one option's value changed (as an operator would
    edit it).
    """
    lines = [f"{flag} = {value}" if line.startswith(flag + " ") else line
             for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def test_the_master_process_names_the_config_files():
    config = metadata.agent_config(ps.parse_ps(PGREP))
    # The worker's title names none; the master's closing bracket is the
    # title's, not part of the last path.
    assert config.files == ("/etc/neutron/neutron.conf",
                            "/etc/neutron/dhcp_agent.ini")
    assert config.dirs == ()


def test_second_phase_reads_exactly_those_files():
    probes = metadata.second_probes(
        view({metadata.agent_process_probe(): PGREP,
              host_files.owners_probe(): OWNERS}))
    assert [p.argv[-1] for p in probes] == [
        "/etc/neutron/neutron.conf", "/etc/neutron/dhcp_agent.ini"]
    # only the option lines leave the host, never the passwords
    assert probes[0].argv[:-1] == (
        "grep", "-h", "-w", "-F", "-e", "force_metadata", "-e",
        "enable_isolated_metadata", "--")
    assert "transport_url" not in NEUTRON_CONF_FLAGS
    assert "transport_url" in NEUTRON_CONF


def test_wrappers_of_pgrep_are_not_the_agent():
    # The recording ran pgrep under timeout, as every probe runs: the
    # timeout process's command line names the agent too.
    real = ps.parse_ps(PGREP)
    assert [p.argv[0] for p in real] == [
        "neutron-dhcp-agent:", "neutron-dhcp-agent:", "timeout"]
    assert [p.pid for p in metadata.agent_processes(real)] == [
        p.pid for p in real[:2]]


def test_lab_configuration_does_not_expect_the_address():
    wanted = metadata.expectation(view(real_answers()))
    assert wanted.expected is False
    assert "/etc/neutron/dhcp_agent.ini" in wanted.why


def test_recorded_isolated_metadata_expects_the_address():
    wanted = metadata.expectation(view(real_answers(ISOLATED_FLAGS)))
    assert wanted.expected is True
    assert wanted.why == ("enable_isolated_metadata = true "
                          "(/etc/neutron/dhcp_agent.ini)")


@pytest.mark.parametrize("flag", metadata.FLAGS)
def test_either_flag_expects_the_address(flag):
    ini = with_flag(DHCP_INI_FLAGS, flag, "True")
    wanted = metadata.expectation(view(real_answers(ini)))
    assert wanted.expected is True
    assert flag in wanted.why


def test_missing_address_is_an_error_when_expected():
    report = Report()
    metadata.check(report, view(real_answers(ISOLATED_FLAGS)),
                   "qdhcp-3e2b7484-02f6-43f9-98e7-87a1ff51eff8",
                   "tap0ca4aaaf-71", link=None)
    [finding] = report.findings
    assert finding.code == "NETDIAG_DHCP_METADATA_ADDRESS_MISSING"
    assert "ip addr add 169.254.169.254/32 dev tap0ca4aaaf-71" in \
        finding.remedy
    assert [h.status for h in report.hops] == [models.Status.ERROR]


def test_missing_address_is_fine_when_not_configured():
    report = Report()
    metadata.check(report, view(real_answers()), "qdhcp-x", "tapx", None)
    assert report.findings == []
    assert [(h.state, h.status) for h in report.hops] == [
        ("not configured", models.Status.OK)]


def test_unreadable_configuration_is_a_skip_not_a_verdict():
    answers = real_answers()
    answers[metadata.config_probe("/etc/neutron/dhcp_agent.ini")] = (
        # grep's real answer for a file its user may not read
        2, "", "grep: /etc/neutron/dhcp_agent.ini: Permission denied\n")
    report = Report()
    metadata.check(report, view(answers), "qdhcp-x", "tapx", None)
    assert report.findings == []
    [hop] = report.hops
    assert hop.status == models.Status.SKIP
    assert "Permission denied" in hop.detail


def test_no_agent_process_is_a_skip():
    report = Report()
    metadata.check(report, view({metadata.agent_process_probe():
                                 (1, "", "")}), "qdhcp-x", "tapx", None)
    [hop] = report.hops
    assert hop.status == models.Status.SKIP
    assert "no neutron-dhcp-agent process" in hop.detail


def test_ini_parser_reads_the_real_files():
    conf = oslo_ini.parse_oslo_ini(NEUTRON_CONF)
    assert conf["DEFAULT"]["host"] == "network1"
    assert conf["agent"]["report_interval"] == "10"
    ini = oslo_ini.parse_oslo_ini(DHCP_INI)
    assert oslo_ini.as_bool(ini["DEFAULT"]["enable_isolated_metadata"]) \
        is False
    assert ini["ovs"] == {"integration_bridge": "br-int"}


def test_ini_parser_rejects_what_it_cannot_read():
    with pytest.raises(ParseError):
        oslo_ini.parse_oslo_ini("enable_isolated_metadata = true\n")
    with pytest.raises(ParseError):
        oslo_ini.parse_oslo_ini(DHCP_INI.replace("[ovs]", "[ovs"))
    with pytest.raises(ParseError):
        oslo_ini.parse_oslo_ini(DHCP_INI + "not an option\n")
