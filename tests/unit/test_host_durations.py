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

"""host check: each host's own elapsed time (its login and its batches),
written by --prometheus-file as a per-host gauge next to the whole run's;
the JSON document does not carry it (it stays the same from run to run).
"""

import json
import os
import time

from osc_netdiag import hostcheck
from osc_netdiag.inventory import Inventory
from osc_netdiag import prometheus
from osc_netdiag import runner
from osc_netdiag.transport import replay
from osc_netdiag.v1 import host as host_cmd
from tests.unit.helpers import run_command
from tests.unit.test_prometheus import parse

HEALTHY = os.path.join(os.path.dirname(__file__), "..", "fixtures",
                       "hostcheck", "healthy")
SLOW = 0.4


class SlowLogin(replay.ReplayTransport):
    """The recorded hosts; compute2's login takes SLOW seconds."""

    def open(self, target):
        if target.name == "compute2":
            time.sleep(SLOW)
        return super().open(target)


def _check():
    data = replay.load_json(HEALTHY, runner.CONTEXT_FILE)
    return hostcheck.check_context(
        hostcheck.HostCheckContext.from_json(data), inventory=Inventory(),
        transport=SlowLogin(HEALTHY))


def test_each_host_has_its_own_elapsed_time():
    result = _check()
    durations = dict(result.durations)
    assert sorted(durations) == ["compute1", "compute2", "network1"]
    assert SLOW <= durations["compute2"] < SLOW + 0.5
    assert durations["compute1"] < 0.2 and durations["network1"] < 0.2
    assert "durations" not in json.dumps(result.to_dict())


def test_prometheus_per_host_gauge_and_the_whole_run():
    result = _check()
    families = parse(prometheus.render(result, duration=0.75,
                                       finished=1700000000))
    per_host = dict((labels["host"], value) for labels, value in
                    families["netdiag_host_check_host_duration_seconds"]
                    ["samples"])
    assert sorted(per_host) == ["compute1", "compute2", "network1"]
    assert per_host["compute2"] == round(dict(result.durations)["compute2"],
                                         3)
    assert per_host["compute2"] >= SLOW > per_host["compute1"]
    assert families["netdiag_host_check_duration_seconds"]["samples"] == [
        ({}, 0.75)]


def test_cli_writes_both_gauges(tmp_path):
    target = tmp_path / "netdiag.prom"
    code, app = run_command(host_cmd.CheckHost, "--from-capture", HEALTHY,
                            "--prometheus-file", str(target))
    families = parse(target.read_text())
    assert code == 0
    hosts = [s[0]["host"] for s in
             families["netdiag_host_check_host_duration_seconds"]["samples"]]
    assert hosts == ["compute1", "compute2", "network1"]
    ((labels, whole),) = families["netdiag_host_check_duration_seconds"][
        "samples"]
    assert labels == {} and whole >= 0
