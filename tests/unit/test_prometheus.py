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

"""host check --prometheus-file: the node_exporter textfile format (HELP
and TYPE before the samples, label values escaped), read back by a strict
parser, with the recorded host checks' hosts, findings and exit codes;
written atomically."""

import os
import re
import types

from osc_lib.exceptions import CommandError
import pytest

from osc_netdiag import api
from osc_netdiag import models
from osc_netdiag import prometheus
from osc_netdiag.v1 import host as host_cmd
from tests.unit.helpers import run_command

HOSTCHECK = os.path.join(os.path.dirname(__file__), "..", "fixtures",
                         "hostcheck")
_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SAMPLE = re.compile(rf"^({_NAME})(?:\{{(.*)\}})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
                    r'(,|$)')


def parse(text):
    """{name: {"help", "type", "samples": [(labels, value)]}} of a text.

    Any line out of the format (or a sample before its HELP and TYPE)
    fails the test.
    """
    assert text.endswith("\n")
    families = {}
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert name not in families, f"{name} described twice"
            families[name] = {"help": help_text, "type": None,
                              "samples": []}
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            assert families[name]["type"] is None and kind == "gauge"
            families[name]["type"] = kind
        else:
            match = _SAMPLE.match(line)
            assert match, f"not a sample line: {line!r}"
            name, labels_text, value = match.groups()
            assert families[name]["type"] == "gauge", name
            labels, pos = {}, 0
            while labels_text and pos < len(labels_text):
                label = _LABEL.match(labels_text, pos)
                assert label, f"bad labels: {labels_text!r}"
                value_text = re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(
                    m.group(1), m.group(1)), label.group(2))
                labels[label.group(1)] = value_text
                pos = label.end()
            families[name]["samples"].append((labels, float(value)))
    return families


def _replayed(name):
    return api.replay(os.path.join(HOSTCHECK, name), "host check")


def test_recorded_tunnel_removed():
    result = _replayed("tunnel-removed")
    text = prometheus.render(result, duration=1.25, finished=1700000000.5)
    families = parse(text)
    assert families["netdiag_host_check_up"]["samples"] == [
        ({"host": "compute1", "state": "ok"}, 1.0)]
    # an ERROR finding about compute1 (subject compute1->compute2)
    assert families["netdiag_host_check_status"]["samples"] == [
        ({"host": "compute1"}, 2.0)]
    assert families["netdiag_host_check_findings"]["samples"] == [
        ({"host": "compute1", "severity": "ERROR",
          "code": "NETDIAG_TUNNEL_MISSING"}, 1.0),
        ({"host": "compute1", "severity": "INFO",
          "code": "NETDIAG_HOST_EXTRA_BRIDGE"}, 1.0)]
    assert families["netdiag_host_check_duration_seconds"]["samples"] == [
        ({}, 1.25)]
    assert families["netdiag_host_check_last_run_timestamp_seconds"][
        "samples"] == [({}, 1700000000.5)]
    assert families["netdiag_host_check_exit_code"]["samples"] == [({}, 4.0)]


@pytest.mark.parametrize("name,status", [("healthy", 0.0),
                                         ("stale-namespace", 1.0),
                                         ("patch-peer", 2.0)])
def test_status_is_the_worst_finding(name, status):
    result = _replayed(name)
    families = parse(prometheus.render(result, duration=0, finished=0))
    assert {s[1] for s in families["netdiag_host_check_status"]["samples"]} \
        == {status}


def test_unreadable_host_and_label_escaping():
    """A host that could not be read is up 0, status 3.

    A label value with a quote, a backslash and a newline survives the
    round trip.
    """
    odd = 'we"ird\\name\nx'
    result = types.SimpleNamespace(
        hosts=(models.HostReport("compute9", "198.18.0.19",
                                 models.HOST_UNREACHABLE, "timed out"),),
        findings=(models.Finding(odd, models.Severity.WARNING,
                                 "compute9:br-int", "s", "r"),),
        exit_code=8)
    families = parse(prometheus.render(result, duration=2, finished=3))
    assert families["netdiag_host_check_up"]["samples"] == [
        ({"host": "compute9", "state": "unreachable"}, 0.0)]
    assert families["netdiag_host_check_status"]["samples"] == [
        ({"host": "compute9"}, 3.0)]
    assert families["netdiag_host_check_findings"]["samples"] == [
        ({"host": "compute9", "severity": "WARNING", "code": odd}, 1.0)]
    text = prometheus.render(result, duration=2, finished=3)
    assert 'code="we\\"ird\\\\name\\nx"' in text


def test_written_atomically(tmp_path, monkeypatch):
    target = tmp_path / "netdiag.prom"
    target.write_text("old\n")
    result = _replayed("healthy")
    seen = []
    real_replace = os.replace

    def replace(src, dst):
        # the new text is complete before it takes the old file's place,
        # in the same folder, under a name the collector does not read
        seen.append((os.path.dirname(src), os.path.basename(src),
                     open(src).read(), target.read_text()))
        real_replace(src, dst)
    monkeypatch.setattr(os, "replace", replace)
    api.write_prometheus(str(target), result, duration=1, finished=2)
    folder, name, new_text, old_text = seen[0]
    assert folder == str(tmp_path) and not name.endswith(".prom")
    assert old_text == "old\n"
    assert new_text == target.read_text()
    assert parse(new_text)["netdiag_host_check_exit_code"]["samples"] == [
        ({}, 0.0)]
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    assert sorted(os.listdir(tmp_path)) == ["netdiag.prom"]


def test_cli_writes_the_file(tmp_path):
    target = tmp_path / "netdiag.prom"
    code, app = run_command(host_cmd.CheckHost, "--from-capture",
                            os.path.join(HOSTCHECK, "tunnel-removed"),
                            "--prometheus-file", str(target))
    assert code == 4
    samples = parse(target.read_text())["netdiag_host_check_exit_code"]
    assert samples["samples"] == [({}, 4.0)]


def test_cli_refuses_a_file_the_collector_ignores(tmp_path):
    with pytest.raises(CommandError, match=r"reads only \*\.prom"):
        run_command(host_cmd.CheckHost, "--from-capture",
                    os.path.join(HOSTCHECK, "healthy"),
                    "--prometheus-file", str(tmp_path / "netdiag.txt"))
    assert os.listdir(tmp_path) == []
