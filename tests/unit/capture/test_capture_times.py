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

"""``port capture`` prints packet times as ISO 8601 UTC with
microseconds, or with --relative as seconds since the first packet; the
-f json document keeps tcpdump's epoch seconds. The packets are the
lab's real ``tcpdump -tt -e`` capture (tcpdump--icmp-tap.out), replayed
at the tap by the stand-in tools of test_capture_local."""

import json

import pytest

from osc_netdiag.v1 import packettime
from tests.unit.capture.test_capture_local import command_run
from tests.unit.capture.test_capture_local import local  # noqa: F401

# the first packets of tcpdump--icmp-tap.out, as tcpdump -tt printed them
FIRST = "1795638878.538064"
ISO = ["2026-11-25T20:34:38.538064Z", "2026-11-25T20:34:38.538745Z",
       "2026-11-25T20:34:38.847876Z", "2026-11-25T20:34:38.848545Z",
       "2026-11-25T20:34:39.167831Z", "2026-11-25T20:34:39.168718Z"]
RELATIVE = ["0.000000", "0.000681", "0.309812", "0.310481", "0.629767",
            "0.630654"]


def capture_value(monkeypatch, *extra):
    return command_run(monkeypatch, "vm-port", "--at", "tap", "--yes",
                       "-f", "value", "-c", "Time", *extra)


@pytest.mark.usefixtures("local")
def test_times_are_iso_8601_utc_with_microseconds(monkeypatch):
    code, app = capture_value(monkeypatch)
    assert code == 0
    assert app.stdout.getvalue().splitlines() == ISO


@pytest.mark.usefixtures("local")
def test_relative_times_count_from_the_first_packet(monkeypatch):
    code, app = capture_value(monkeypatch, "--relative")
    assert code == 0
    assert app.stdout.getvalue().splitlines() == RELATIVE


@pytest.mark.usefixtures("local")
def test_the_json_document_keeps_epoch_seconds(monkeypatch):
    code, app = command_run(monkeypatch, "vm-port", "--at", "tap", "--yes",
                            "--relative", "-f", "json")
    packets = json.loads(app.stdout.getvalue())["packets"]
    assert code == 0
    assert packets[0]["time"] == float(FIRST)
    assert len(packets) == len(ISO)


@pytest.mark.usefixtures("local")
def test_table_header_and_rows(monkeypatch):
    code, app = command_run(monkeypatch, "vm-port", "--at", "tap", "--yes",
                            "-c", "Time", "-c", "Direction")
    lines = app.stdout.getvalue().splitlines()
    assert code == 0
    assert lines[1] == "| Time                        | Direction |"
    assert lines[3] == "| 2026-11-25T20:34:38.538064Z | egress    |"


def test_a_later_packet_first_in_the_list_is_still_not_negative():
    # relative to the earliest, whatever the order given
    assert packettime.rendered([1795638879.167831, 1795638878.538064],
                               relative=True) == ["0.629767", "0.000000"]
