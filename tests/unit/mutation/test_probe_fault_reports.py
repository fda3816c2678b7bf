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

"""Every probe failing, then cut short, in turn: the whole report of each.

Each case replays a healthy lab recording in which exactly one command on
one host went wrong, the rest of the recording untouched: "failed" sets
its recorded exit status to 1 and its stderr to a message naming the
injected fault; "cut" keeps the first half of its real stdout, cut inside
a line (what a lost connection leaves). The check must still run to the
end: the hop that needed that output is SKIP with the command's error or
the parser's refusal, NETDIAG_COMMAND_FAILED names the host and the
command, and every other hop is evaluated as before. The whole
``-f json`` document of each case (with ``--long`` evidence for port trace)
is compared with the one stored in tests/fixtures/reports/probe-faults/
(stored as a delta: an item of a list that equals the item at the same
place in the healthy recording's report is stored as "="),
written from the command's output when this test was added and read
through then; rewrite with ``NETDIAG_WRITE_REPORTS=1`` after a deliberate
change and review the diff.
"""

import json
import pathlib

import pytest

from osc_netdiag.v1 import host as host_cmd
from osc_netdiag.v1 import network as network_cmd
from osc_netdiag.v1 import port as port_cmd
from tests.unit.edited import EditedCapture
from tests.unit import helpers
from tests.unit.mutation import reports

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
STORED = FIXTURES / "reports" / "probe-faults"
COMMANDS = {"scenarios": port_cmd.TracePort, "hostcheck": host_cmd.CheckHost,
            "vlanmap": network_cmd.ShowVlanMap}
RECORDINGS = [("scenarios", "vlan-healthy"), ("scenarios", "vxlan-healthy"),
              ("scenarios", "dvr-lab-distributed-router-healthy"),
              ("hostcheck", "healthy"), ("vlanmap", "vxlan-healthy")]
STDERR = "fault injected by the test: this command failed\n"


def _commands(folder, name):
    for path in sorted((FIXTURES / folder / name / "hosts").glob("*.json")):
        for command in json.loads(path.read_text())["commands"]:
            yield path.stem, command["name"]


CASES = [(kind, folder, name, host, command) for kind in ("failed", "cut")
         for folder, name in RECORDINGS
         for host, command in _commands(folder, name)]


def _run(folder, capture):
    argv = ["--from-capture", str(capture), "-f", "json"]
    if folder == "scenarios":
        argv.append("--long")
    code, app = helpers.run_command(COMMANDS[folder], *argv)
    doc = json.loads(app.stdout.getvalue())
    assert doc["exit_code"] == code
    return doc


def _break(kind, capture, host, command):
    path = capture.path / "hosts" / f"{host}.json"
    data = json.loads(path.read_text())
    [record] = [c for c in data["commands"] if c["name"] == command]
    if kind == "failed":
        record["exit_status"] = "1"
        record["stderr"] = STDERR
    else:
        half = len(record["stdout"]) // 2
        while record["stdout"][half - 1] == "\n":
            half += 1           # never cut right after a newline
        record["stdout"] = record["stdout"][:half]
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("kind,folder,name,host,command", CASES,
                         ids=[f"{k}/{f}/{n}/{h}/{c}" for k, f, n, h, c in CASES])
def test_report_with_one_broken_probe(kind, folder, name, host, command,
                                      tmp_path):
    capture = EditedCapture(FIXTURES / folder / name, tmp_path)
    _break(kind, capture, host, command)
    # a failed command: its status, exit code and first stderr line
    error = (f"error, exit 1: {STDERR.strip()}" if kind == "failed"
             else "unreadable output: ")
    said = error if kind == "failed" else f"error: {error}"
    full = _run(folder, capture)
    # Hand-written: unreadable (8); the warnings name the host and the
    # command's error; a port trace shows a SKIP hop on that host with it.
    assert full["exit_code"] == 8
    failed = [f for f in full["findings"]
              if f["code"] == "NETDIAG_COMMAND_FAILED"]
    assert failed
    for finding in failed:
        assert finding["severity"] == "WARNING"
        assert finding["subject"].startswith(f"{host}:")
        assert f" on {host}: {said}" in finding["summary"]
        assert "; not checked: " in finding["summary"]
    if folder == "scenarios":
        assert any(h["host"] == host and h["status"] == "SKIP" and
                   h["detail"].startswith(f"not checked: {error}")
                   for h in full["hops"])
    doc = reports.delta(full, _run(folder, FIXTURES / folder / name))
    stored = (STORED / kind / folder / name / host /
              f"{command.replace(':', '_')}.json")
    reports.check(doc, stored)


# -- a whole host that could not be read -----------------------------------

HOST_STATES = {"unreachable": (8, "cannot connect (fault injected by the test)"),
               "hostkey": (16, "host key refused (fault injected by the test)"),
               "auth": (16, "authentication refused (fault injected by the test)")}
HOST_CASES = [(state, folder, name, path.stem) for state in sorted(HOST_STATES)
              for folder, name in RECORDINGS
              for path in sorted((FIXTURES / folder / name / "hosts").glob("*.json"))]


@pytest.mark.parametrize("state,folder,name,host", HOST_CASES,
                         ids=[f"{s}/{f}/{n}/{h}" for s, f, n, h in HOST_CASES])
def test_report_with_one_host_unread(state, folder, name, host, tmp_path):
    capture = EditedCapture(FIXTURES / folder / name, tmp_path)
    path = capture.path / "hosts" / f"{host}.json"
    data = json.loads(path.read_text())
    data.update(status=state, message=HOST_STATES[state][1], commands=[])
    path.write_text(json.dumps(data))
    full = _run(folder, capture)
    # Hand-written: the exact code (8 unreadable, 16 credentials refused;
    # the hosts left are healthy, so no ERROR finding adds 4) and the
    # host's own state.
    assert full["exit_code"] == HOST_STATES[state][0]
    assert {h["host"]: h["status"] for h in full["hosts"]}[host] == state
    doc = reports.delta(full, _run(folder, FIXTURES / folder / name))
    stored = STORED / f"host-{state}" / folder / name / f"{host}.json"
    reports.check(doc, stored)
