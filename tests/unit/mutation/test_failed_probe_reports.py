"""Every probe failing in turn: the whole report of each case.

Each case replays a healthy lab recording in which exactly one command on
one host failed (its recorded exit status set to 1 and its stderr to a
message naming the injected fault; the rest of the recording untouched).
The check must still run to the end: the hop that needed that output is
SKIP with the command's error, NETDIAG_COMMAND_FAILED names the host and
the command, and every other hop is evaluated as before. The whole
``-f json`` document of each case (with ``--long`` evidence for port trace)
is compared with the one stored in tests/fixtures/reports/failed-probe/
(stored as a delta: an item of a list that equals the item at the same
place in the healthy recording's report is stored as "="),
written from the command's output when this test was added and read
through then; rewrite with ``NETDIAG_WRITE_REPORTS=1`` after a deliberate
change and review the diff.
"""

import json
import os
import pathlib

import pytest

from osc_netdiag.v1 import host as host_cmd
from osc_netdiag.v1 import network as network_cmd
from osc_netdiag.v1 import port as port_cmd
from tests.unit import helpers
from tests.unit.edited import EditedCapture

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
STORED = FIXTURES / "reports" / "failed-probe"
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


CASES = [(folder, name, host, command) for folder, name in RECORDINGS
         for host, command in _commands(folder, name)]


def _run(folder, capture):
    argv = ["--from-capture", str(capture), "-f", "json"]
    if folder == "scenarios":
        argv.append("--long")
    code, app = helpers.run_command(COMMANDS[folder], *argv)
    doc = json.loads(app.stdout.getvalue())
    assert doc["exit_code"] == code
    return doc


def _delta(doc, healthy):
    """``doc`` with each list item equal to the healthy one's as "="."""
    out = {}
    for key, value in doc.items():
        base = healthy.get(key)
        if isinstance(value, list) and isinstance(base, list):
            value = ["=" if i < len(base) and item == base[i] else item
                     for i, item in enumerate(value)]
        out[key] = value
    return out


def _fail(capture, host, command):
    path = capture.path / "hosts" / f"{host}.json"
    data = json.loads(path.read_text())
    [record] = [c for c in data["commands"] if c["name"] == command]
    record["exit_status"] = "1"
    record["stderr"] = STDERR
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("folder,name,host,command", CASES,
                         ids=[f"{f}/{n}/{h}/{c}" for f, n, h, c in CASES])
def test_report_with_one_failed_probe(folder, name, host, command, tmp_path):
    capture = EditedCapture(FIXTURES / folder / name, tmp_path)
    _fail(capture, host, command)
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
        assert finding["summary"].endswith(
            f" on {host}: error: exit 1: {STDERR.strip()}")
    if folder == "scenarios":
        assert any(h["host"] == host and h["status"] == "SKIP" and
                   h["detail"] == f"not checked: exit 1: {STDERR.strip()}"
                   for h in full["hops"])
    doc = _delta(full, _run(folder, FIXTURES / folder / name))
    stored = STORED / folder / name / host / f"{command.replace(':', '_')}.json"
    if os.environ.get("NETDIAG_WRITE_REPORTS"):
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    assert doc == json.loads(stored.read_text())
