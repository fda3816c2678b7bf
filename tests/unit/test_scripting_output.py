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

"""Output for scripts, through OpenStackClient's real shell on recorded
scenarios: --findings-only rows in every format, -c and --sort-column on
the -f json/-f yaml document, and exit codes that do not depend on any
of them."""

import json

import pytest
import yaml

from osc_netdiag import api
from osc_netdiag import exitcodes
from osc_netdiag.v1 import port as port_cmd
from osc_netdiag.v1 import scripting
from tests.unit.helpers import run_command
from tests.unit.test_command_output import CASES
from tests.unit.test_command_output import marked_leftovers  # noqa: F401
from tests.unit.test_command_output import recorded_port  # noqa: F401
from tests.unit.test_command_output import run_case
from tests.unit.test_osc_shell import clean_environment  # noqa: F401
from tests.unit.test_osc_shell import FIXTURES
from tests.unit.test_osc_shell import openstack

TUNNEL_REMOVED = str(FIXTURES / "hostcheck" / "tunnel-removed")
SNAT_DELETED = str(FIXTURES / "l3dhcp" / "scenarios" /
                   "router-dvr-snat-rule-deleted")
TUNNEL_MISSING_REMEDY = (
    "No vxlan tunnel from compute1 to compute2 (198.18.1.12): check "
    "local_ip and tunnel_types on both agents, and that compute2's agent "
    "is alive (l2population needs a port on the network there).")


def host_check(capsys, *argv):
    return openstack(capsys, "netdiag", "host", "check", "--from-capture",
                     TUNNEL_REMOVED, *argv)


def test_findings_only_value_gives_a_script_one_code_per_line(capsys):
    code, out, err = host_check(capsys, "--findings-only", "-f", "value",
                                "-c", "Code")
    assert code == 4
    assert out == "NETDIAG_HOST_EXTRA_BRIDGE\nNETDIAG_TUNNEL_MISSING\n"
    assert err == ""


def test_findings_only_csv_has_the_host_of_each_finding(capsys):
    code, out, _ = openstack(capsys, "netdiag", "router", "check",
                             "--from-capture", SNAT_DELETED,
                             "--findings-only", "-f", "csv", "-c", "Code",
                             "-c", "Severity", "-c", "Host", "-c", "Subject")
    assert code == 4
    assert out == (
        '"Code","Severity","Host","Subject"\n'
        '"NETDIAG_ROUTER_NAT_RULE_MISSING","ERROR","network1",'
        '"network1:SNAT 198.19.0.38"\n')


def test_findings_only_table_is_the_findings_and_nothing_after(capsys):
    code, out, _ = host_check(capsys, "--findings-only", "-c", "Code",
                              "-c", "Host")
    assert code == 4
    assert out == (
        "+---------------------------+----------+\n"
        "| Code                      | Host     |\n"
        "+---------------------------+----------+\n"
        "| NETDIAG_HOST_EXTRA_BRIDGE | compute1 |\n"
        "| NETDIAG_TUNNEL_MISSING    | compute1 |\n"
        "+---------------------------+----------+\n")


def test_findings_only_json_is_the_list_of_findings(capsys):
    code, out, _ = host_check(capsys, "--findings-only", "-f", "json",
                              "--sort-column", "severity")
    _, full, _ = host_check(capsys, "-f", "json")
    findings = json.loads(out)
    assert code == 4
    assert [list(f) for f in findings] == [list(scripting.FINDING_KEYS)] * 2
    # ERROR sorts before INFO; the recorded order is the other way
    assert [f["code"] for f in findings] == ["NETDIAG_TUNNEL_MISSING",
                                             "NETDIAG_HOST_EXTRA_BRIDGE"]
    assert findings[0] == {
        "code": "NETDIAG_TUNNEL_MISSING", "severity": "ERROR",
        "host": "compute1", "subject": "compute1->compute2",
        "summary": "no vxlan port on br-tun of compute1 reaches compute2 "
                   "(198.18.1.12)",
        "remedy": TUNNEL_MISSING_REMEDY}
    # the full document's findings are unchanged (no host key added)
    assert {"host"} == set(findings[0]) - set(
        json.loads(full)["findings"][1])


def test_findings_only_yaml_with_c_keeps_those_fields(capsys):
    code, out, _ = host_check(capsys, "--findings-only", "-f", "yaml",
                              "-c", "code", "-c", "Remedy",
                              "--sort-column", "code", "--sort-descending")
    assert code == 4
    assert yaml.safe_load(out) == [
        {"code": "NETDIAG_TUNNEL_MISSING", "remedy": TUNNEL_MISSING_REMEDY},
        {"code": "NETDIAG_HOST_EXTRA_BRIDGE",
         "remedy": "br-phy is not in the agent's configuration; harmless "
                   "unless traffic of a network is expected on it."}]


def test_c_selects_top_level_keys_of_the_json_document(capsys):
    code, out, _ = host_check(capsys, "-f", "json", "-c", "findings",
                              "-c", "Exit Code")
    _, full, _ = host_check(capsys, "-f", "json")
    document, whole = json.loads(out), json.loads(full)
    assert code == 4
    # the document's order, not -c's; the findings whole
    assert list(document) == ["exit_code", "findings"]
    assert document == {"exit_code": 4, "findings": whole["findings"]}


def test_c_in_yaml_is_the_same_selection(capsys):
    code, out, _ = host_check(capsys, "-f", "yaml", "-c", "exit_code")
    assert code == 4
    assert out == "exit_code: 4\n"


def test_c_naming_no_key_of_the_document_is_refused(capsys):
    # as cliff refuses it for the rows (exit 1), never silently ignored
    code, out, err = host_check(capsys, "-f", "json", "-c", "Device")
    assert code == 1
    assert out == ""
    assert ("No recognized column names in ['Device']. Recognized columns "
            "are ['exit_code', 'rows', 'findings', 'hosts'].") in err


def test_sort_column_orders_the_json_rows_as_the_table_rows(capsys):
    # the names cliff matches: "Status" is the rows' "status"
    argv = ("--sort-column", "Status", "--sort-column", "host",
            "--sort-descending")
    code, out, _ = host_check(capsys, "-f", "json", "-c", "rows", *argv)
    _, values, _ = host_check(capsys, "-f", "value", "-c", "Subject",
                              "-c", "Status", *argv)
    _, recorded, _ = host_check(capsys, "-f", "json")
    rows = json.loads(out)["rows"]
    assert code == 4
    assert [f"{r['device']} {r['status']}" for r in rows] == \
        values.splitlines()
    assert [r["status"] for r in rows[:2]] == ["OK", "OK"]
    assert rows[-1]["status"] == "ERROR"
    # the recorded order was another one: the sort did something
    assert rows != json.loads(recorded)["rows"]
    assert sorted(map(json.dumps, rows)) == sorted(
        map(json.dumps, json.loads(recorded)["rows"]))


def test_sort_column_also_sorts_the_other_lists_having_that_field(capsys):
    code, out, _ = openstack(
        capsys, "netdiag", "router", "check", "--from-capture",
        SNAT_DELETED, "-f", "json", "--sort-column", "host",
        "--sort-descending", "-c", "hosts")
    assert code == 4
    assert [h["host"] for h in json.loads(out)["hosts"]] == [
        "network1", "compute2", "compute1"]


def test_findings_only_of_several_port_traces(monkeypatch):
    scenarios = ("vlan-tap-down", "vlan-network-node-unreachable")
    monkeypatch.setattr(api, "trace_server", lambda conn, server, **kw: [
        api.trace_from_capture(str(FIXTURES / "scenarios" / name))
        for name in scenarios])
    code, app = run_command(port_cmd.TracePort, "--server", "vm1",
                            "--findings-only", "-f", "value", "-c", "Code",
                            "-c", "Host", "-c", "Severity")
    assert code == exitcodes.ERROR_FINDING | exitcodes.UNREADABLE
    assert app.stdout.getvalue() == (
        "NETDIAG_TAP_DOWN ERROR compute1\n"
        "NETDIAG_HOST_UNREADABLE WARNING network1\n")


FINDING_COMMANDS = sorted(set(CASES) - {"ip reclaim", "cleanup"})


@pytest.mark.usefixtures("marked_leftovers", "recorded_port")
@pytest.mark.parametrize("name", FINDING_COMMANDS)
@pytest.mark.parametrize("fmt", ["table", "csv", "value", "json", "yaml"])
def test_findings_only_keeps_the_exit_code(name, fmt):
    code, _ = run_case(name, "--findings-only", "-f", fmt)
    assert code == CASES[name][3]


@pytest.mark.usefixtures("marked_leftovers", "recorded_port")
@pytest.mark.parametrize("name", FINDING_COMMANDS)
def test_findings_only_lists_every_finding_of_the_document(name):
    _, full = run_case(name, "-f", "json")
    _, only = run_case(name, "--findings-only", "-f", "json")
    document = json.loads(full.stdout.getvalue())
    findings = json.loads(only.stdout.getvalue())
    assert [{k: v for k, v in f.items() if k != "host"}
            for f in findings] == document["findings"]


def test_cleanup_has_no_findings_only(capsys):
    with pytest.raises(SystemExit) as exc:
        openstack(capsys, "netdiag", "cleanup", "--all", "--findings-only")
    assert exc.value.code == 2


@pytest.mark.parametrize("subject,host", [
    ("compute1:br-int", "compute1"),
    ("compute1->network1", "compute1"),
    ("network1:fa:16:3e:b9:d1:75", "network1"),
    ("network1", "network1"),
    # floatingip's subject: an address and a port, no host
    ("198.19.0.46 -> 4ed2a0c5-44a8-4b5e-9c1d-0d8f0e7c1f00", ""),
    ("2001:db8::5 -> 4ed2a0c5-44a8-4b5e-9c1d-0d8f0e7c1f00", ""),
    ("compute9:br-int", ""),                     # not a host of the run
])
def test_finding_host_is_the_subjects_host_of_the_run(subject, host):
    hosts = {"compute1", "network1"}
    assert scripting.finding_host(subject, hosts) == host


def test_c_is_checked_against_the_finding_keys_when_there_are_none(capsys):
    dns_port = str(FIXTURES / "l3dhcp" / "scenarios" / "dns-port")
    code, out, _ = openstack(capsys, "netdiag", "dns", "check",
                             "--from-capture", dns_port, "--findings-only",
                             "-f", "json", "-c", "code")
    assert (code, out) == (0, "[]\n")
    code, out, err = openstack(capsys, "netdiag", "dns", "check",
                               "--from-capture", dns_port,
                               "--findings-only", "-f", "json", "-c", "Bogus")
    assert (code, out) == (1, "")
    assert "No recognized column names in ['Bogus']" in err


def test_c_applies_to_each_document_of_several_port_traces(monkeypatch):
    scenarios = ("vlan-tap-down", "vlan-network-node-unreachable")
    monkeypatch.setattr(api, "trace_server", lambda conn, server, **kw: [
        api.trace_from_capture(str(FIXTURES / "scenarios" / name))
        for name in scenarios])
    code, app = run_command(port_cmd.TracePort, "--server", "vm1",
                            "-f", "json", "-c", "exit_code",
                            "--sort-column", "exit_code",
                            "--sort-descending")
    assert code == exitcodes.ERROR_FINDING | exitcodes.UNREADABLE
    assert json.loads(app.stdout.getvalue()) == [
        {"exit_code": exitcodes.UNREADABLE},
        {"exit_code": exitcodes.ERROR_FINDING}]


def test_c_selects_keys_of_a_show_command_document():
    code, app = run_case("ip reclaim", "-f", "json", "-c", "ip",
                         "-c", "exit_code")
    assert code == exitcodes.USAGE
    assert json.loads(app.stdout.getvalue()) == {
        "ip": "198.18.16.77", "exit_code": exitcodes.USAGE}
