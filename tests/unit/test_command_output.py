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

"""What every v1 command prints and exits with (osc_netdiag.v1.output):
-f json and -f yaml print the same whole document, table output puts the
findings (and the checks' notes) after the rows, csv/value stay the bare
rows, and the exit code is the diagnosis' own, ORs included.
"""

import json
import pathlib
import shutil
import time
import types

import pytest
import yaml

from osc_netdiag import api
from osc_netdiag.capture import cleanup as cleanup_mod
from osc_netdiag.capture import run as capture_run
from osc_netdiag import context as ctx_mod
from osc_netdiag import exitcodes
from osc_netdiag.transport.base import CommandResult
from osc_netdiag.transport import replay
from osc_netdiag.v1 import capture as capture_cmd
from osc_netdiag.v1 import cleanup as cleanup_cmd
from osc_netdiag.v1 import dhcp as dhcp_cmd
from osc_netdiag.v1 import dns as dns_cmd
from osc_netdiag.v1 import floatingip as floatingip_cmd
from osc_netdiag.v1 import host as host_cmd
from osc_netdiag.v1 import ip as ip_cmd
from osc_netdiag.v1 import network as network_cmd
from osc_netdiag.v1 import port as port_cmd
from osc_netdiag.v1 import router as router_cmd
from tests.unit.helpers import run_command
from tests.unit.l3dhcp import test_reclaim

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
L3DHCP = FIXTURES / "l3dhcp" / "scenarios"


@pytest.fixture
def marked_leftovers(tmp_path, monkeypatch):
    """cleanup on compute1 replays real listings (tools/capture_cleanup_fixtures)
    with one expired netdiag mirror (and an operator's mirror it must leave).
    """
    commands = []
    for command, table in zip(cleanup_mod.list_commands(),
                              ("bridge", "mirror", "port")):
        text = (FIXTURES / "capture" /
                f"ovs-vsctl-list--{table}-leftover.out").read_text()
        commands.append(replay.result_to_dict(CommandResult(
            command.name, command.argv, text, "", 0)))
    (tmp_path / "hosts").mkdir()
    (tmp_path / "hosts" / "compute1.json").write_text(json.dumps(
        {"host": "compute1", "address": "", "status": "ok", "message": "",
         "commands": commands}))
    monkeypatch.setattr(cleanup_cmd.Cleanup, "transport",
                        lambda self, args, inventory:
                        replay.ReplayTransport(str(tmp_path)))
    real = cleanup_mod.cleanup
    # the marked rows expire at 1000 (epoch seconds)
    monkeypatch.setattr(cleanup_mod, "cleanup",
                        lambda hosts, **kw: real(hosts, now=2000, **kw))


@pytest.fixture
def recorded_port(monkeypatch):
    """port capture resolves to the port of a recorded trace scenario;
    its run id and clock are fixed so two runs print the same changes.
    """
    context = ctx_mod.PortContext.from_json(json.loads(
        (FIXTURES / "scenarios" / "vlan-healthy" / "context.json")
        .read_text()))
    monkeypatch.setattr(capture_run.mirror_mod, "new_run_id",
                        lambda: "0badc0de")
    monkeypatch.setattr(capture_run, "time", types.SimpleNamespace(
        time=lambda: 1000.0, gmtime=time.gmtime, strftime=time.strftime))
    monkeypatch.setattr(capture_run, "capture_port",
                        lambda conn, port, **kw: capture_run.capture_context(
                            context, user="tester", **kw))


def reclaim_cloud():
    return test_reclaim.cloud()[0]


# (command, argv, SDK connection factory, expected exit code)
CASES = {
    "port trace": (port_cmd.TracePort, ["--from-capture", str(
        FIXTURES / "scenarios" / "vlan-tap-down")], None, 4),
    "host check": (host_cmd.CheckHost, ["--from-capture", str(
        FIXTURES / "hostcheck" / "tunnel-removed")], None, 4),
    "network vlan-map": (network_cmd.ShowVlanMap, ["--from-capture", str(
        FIXTURES / "vlanmap" / "ingress-deleted")], None, 4),
    "dhcp check": (dhcp_cmd.CheckDhcp, ["--from-capture", str(
        L3DHCP / "dhcp-port")], None, 0),
    "dns check": (dns_cmd.CheckDns, ["--from-capture", str(
        L3DHCP / "dns-port")], None, 0),
    "router check": (router_cmd.CheckRouter, ["--from-capture", str(
        L3DHCP / "router")], None, 0),
    "floatingip check": (floatingip_cmd.CheckFloatingIp, ["--from-capture",
                                                          str(L3DHCP /
                                                              "floatingip")],
                         None, 0),
    "ip reclaim": (ip_cmd.ReclaimIp, ["198.18.16.77", "--network",
                                      "vlan-net"], reclaim_cloud, 2),
    "cleanup": (cleanup_cmd.Cleanup, ["--host", "compute1"], None, 2),
    "port capture": (capture_cmd.CapturePort, ["some-port"], None, 2),
}


def run_case(name, *extra):
    command_class, argv, conn, _ = CASES[name]
    return run_command(command_class, *argv, *extra,
                       conn=conn() if conn else None)


@pytest.mark.usefixtures("marked_leftovers", "recorded_port")
@pytest.mark.parametrize("name", sorted(CASES))
def test_json_and_yaml_print_the_same_document(name):
    expected = CASES[name][3]
    json_code, json_app = run_case(name, "-f", "json")
    yaml_code, yaml_app = run_case(name, "-f", "yaml")
    document = json.loads(json_app.stdout.getvalue())
    assert json_code == yaml_code == expected
    assert document["exit_code"] == expected
    assert yaml.safe_load(yaml_app.stdout.getvalue()) == document


@pytest.mark.usefixtures("marked_leftovers", "recorded_port")
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_format_exits_with_the_diagnosis_code(name):
    formats = ("table", "value", "shell") if name == "ip reclaim" else (
        "table", "value", "csv")
    for fmt in formats:
        code, _ = run_case(name, "-f", fmt)
        assert code == CASES[name][3], fmt


def test_json_noindent_is_one_line():
    code, app = run_case("host check", "-f", "json", "--noindent")
    assert code == 4
    assert app.stdout.getvalue().count("\n") == 1


def test_findings_table_follows_the_rows():
    code, app = run_case("host check")
    out = app.stdout.getvalue()
    rows, _, findings = out.partition("\nFindings:\n")
    assert code == 4
    assert "| Host " in rows and "NETDIAG_TUNNEL_MISSING" not in rows
    assert findings.startswith("+") and "NETDIAG_TUNNEL_MISSING" in findings
    assert "| Code " in findings


@pytest.mark.parametrize("fmt", ["csv", "value"])
def test_csv_and_value_are_the_bare_rows(fmt):
    code, app = run_case("host check", "-f", fmt)
    doc_code, doc_app = run_case("host check", "-f", "json")
    lines = app.stdout.getvalue().splitlines()
    header = 1 if fmt == "csv" else 0
    assert code == doc_code == 4
    assert len(lines) == header + len(json.loads(
        doc_app.stdout.getvalue())["rows"])
    assert not any("NETDIAG_" in line for line in lines)


def test_check_notes_come_after_the_findings_in_table_output_only():
    _, app = run_case("dhcp check")
    out = app.stdout.getvalue()
    note = "live look: 'openstack netdiag port capture"
    assert out.index("\nFindings:\n") < out.index(note)
    assert out.endswith("\n") and note in out.splitlines()[-1]
    _, csv_app = run_case("dhcp check", "-f", "csv")
    assert note not in csv_app.stdout.getvalue()
    _, json_app = run_case("dhcp check", "-f", "json")
    assert json.loads(json_app.stdout.getvalue())["notes"][0].startswith(
        note)


def test_unreadable_host_and_error_finding_exit_with_both_bits(tmp_path):
    # the healthy lab with compute1's agent dead (an ERROR finding) and
    # compute2's answers lost (unreadable)
    capture = tmp_path / "capture"
    shutil.copytree(FIXTURES / "hostcheck" / "healthy", capture)
    (capture / "hosts" / "compute2.json").unlink()
    context = json.loads((capture / "context.json").read_text())
    context["ovs_agents"]["compute1"]["alive"] = False
    (capture / "context.json").write_text(json.dumps(context))
    for fmt in ("table", "json"):
        code, app = run_command(host_cmd.CheckHost, "--from-capture",
                                str(capture), "-f", fmt)
        assert code == exitcodes.ERROR_FINDING | exitcodes.UNREADABLE, fmt


def test_server_traces_or_their_codes_and_list_every_document(monkeypatch):
    scenarios = ("vlan-tap-down", "vlan-network-node-unreachable")
    monkeypatch.setattr(api, "trace_server", lambda conn, server, **kw: [
        api.trace_from_capture(str(FIXTURES / "scenarios" / name))
        for name in scenarios])
    code, app = run_command(port_cmd.TracePort, "--server", "vm1",
                            "-f", "json")
    documents = json.loads(app.stdout.getvalue())
    assert code == exitcodes.ERROR_FINDING | exitcodes.UNREADABLE
    assert [d["exit_code"] for d in documents] == [
        exitcodes.ERROR_FINDING, exitcodes.UNREADABLE]
    code, app = run_command(port_cmd.TracePort, "--server", "vm1")
    findings = app.stdout.getvalue().partition("\nFindings:\n")[2]
    assert code == exitcodes.ERROR_FINDING | exitcodes.UNREADABLE
    assert "NETDIAG_TAP_DOWN" in findings
    assert "NETDIAG_HOST_UNREADABLE" in findings


@pytest.mark.usefixtures("recorded_port")
def test_refused_capture_prints_what_it_would_create():
    code, app = run_case("port capture")
    out = app.stdout.getvalue()
    assert code == exitcodes.USAGE
    assert out.startswith("Refused without --yes: this capture would "
                          "create on the hosts")
    assert "| Watched Port " in out and "int-br-eth1" in out
    assert "\nFindings:\n" not in out
    code, app = run_case("port capture", "-f", "json")
    assert not app.stdout.getvalue().startswith("Refused")


@pytest.mark.usefixtures("marked_leftovers")
def test_cleanup_lists_the_leftovers_without_removing_them():
    code, app = run_case("cleanup", "-f", "value")
    lines = app.stdout.getvalue().splitlines()
    assert code == exitcodes.USAGE
    assert sorted(line.split()[1] for line in lines) == ["Mirror", "Port"]
    assert all("ndm0badc0de0" in line and line.endswith(" left")
               for line in lines)
