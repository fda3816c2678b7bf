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

"""The whole report of every recorded lab scenario, field by field.

The other replay tests assert exit codes and finding codes; a bug that
keeps the code but gets a hop's host, device, state, detail or evidence
wrong, or a finding's subject or summary (a wrong VLAN in the text, the
wrong host named in the remedy), passed them. Here each recording's full
``--long -f json`` document (hops with their evidence, findings with
subject, summary and remedy, host states, exit code) and its ``-f csv``
table must equal the ones stored under tests/fixtures/reports/.

The stored documents are regression guards written from the command's own
output when this test was added, and read through by hand then (the hand-
written values the checks depend on are asserted in the scenario, fault and
known-value tests). After a deliberate change of the output, rewrite them
with ``NETDIAG_WRITE_REPORTS=1`` and review the diff.
"""

import json
import os
import pathlib

import pytest

from osc_netdiag.v1 import host as host_cmd
from osc_netdiag.v1 import network as network_cmd
from osc_netdiag.v1 import port as port_cmd
from tests.unit import helpers

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
REPORTS = FIXTURES / "reports"
COMMANDS = {"scenarios": port_cmd.TracePort, "hostcheck": host_cmd.CheckHost,
            "vlanmap": network_cmd.ShowVlanMap}
CASES = [(folder, p.name) for folder in sorted(COMMANDS)
         for p in sorted((FIXTURES / folder).iterdir()) if p.is_dir()]


def report(folder, name):
    argv = ["--from-capture", str(FIXTURES / folder / name), "-f", "json"]
    if folder == "scenarios":
        argv.append("--long")
    code, app = helpers.run_command(COMMANDS[folder], *argv)
    doc = json.loads(app.stdout.getvalue())
    assert doc["exit_code"] == code
    return doc


@pytest.mark.parametrize("folder,name", CASES,
                         ids=[f"{f}/{n}" for f, n in CASES])
def test_whole_report_is_unchanged(folder, name):
    expected_path = REPORTS / folder / f"{name}.json"
    doc = report(folder, name)
    if os.environ.get("NETDIAG_WRITE_REPORTS"):
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_text(json.dumps(doc, indent=1, sort_keys=True)
                                 + "\n")
    assert doc == json.loads(expected_path.read_text())


@pytest.mark.parametrize("folder,name", CASES,
                         ids=[f"{f}/{n}" for f, n in CASES])
def test_whole_table_is_unchanged(folder, name):
    # The rows as a table shows them ("-" for an absent value, the status
    # word), in csv so that no column width wraps a cell.
    code, app = helpers.run_command(COMMANDS[folder], "--from-capture",
                                    str(FIXTURES / folder / name), "-f", "csv")
    text = f"exit {code}\n" + app.stdout.getvalue()
    expected_path = REPORTS / folder / f"{name}.csv"
    if os.environ.get("NETDIAG_WRITE_REPORTS"):
        expected_path.write_text(text)
    assert text == expected_path.read_text()


def test_every_stored_report_has_its_recording():
    for suffix in ("json", "csv"):
        stored = {(p.parent.name, p.stem) for p in REPORTS.glob(f"*/*.{suffix}")
                  if p.parent.parent == REPORTS}
        assert stored == set(CASES)
