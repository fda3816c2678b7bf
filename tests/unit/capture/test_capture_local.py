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

"""capture_context end to end on this machine (LocalTransport), with
stand-in ovs-vsctl / tcpdump / ip on PATH: the tcpdump stand-in replays a
real capture from the lab; the ovs-vsctl stand-in keeps the mirror state in
a file so removal is observable.
"""

import json
import os
import pathlib
import shutil
import threading
import time

import pytest

from osc_netdiag.capture import run
from osc_netdiag import context as ctx_mod
from osc_netdiag.errors import NetdiagError
from osc_netdiag.inventory import Inventory
from osc_netdiag.transport.local import LocalTransport
from tests.unit.capture import fake_tools

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
SCENARIO = FIXTURES / "scenarios" / "vlan-healthy"

FAKE = """#!/bin/sh
tool=$(basename "$0")
mirror=1a2b3c4d-0000-4000-8000-000000000001
printf '%s\\n' "$tool $*" >> "$NDCAP_LOG"
case "$tool $*" in
  "ip netns exec "*) shift 3; exec "$@" ;;
  "ovs-vsctl"*" find Mirror "*) cat "$NDCAP_STATE" 2>/dev/null | grep -q . && echo $mirror ;;
  "ovs-vsctl"*" find Port "*) cat "$NDCAP_STATE" 2>/dev/null ;;
  "ovs-vsctl"*" del-port "*) : > "$NDCAP_STATE" ;;
  "ovs-vsctl"*" add-port "*) echo "$4" >> "$NDCAP_STATE"; echo $mirror ;;
  "tcpdump"*)
    if [ -n "$NDCAP_HANG" ]; then sleep 30; fi
    cat "$NDCAP_OUT"; cat "$NDCAP_ERR" >&2 ;;
esac
exit 0
"""


@pytest.fixture
def local(tmp_path, monkeypatch):
    bindir = fake_tools.install(tmp_path, FAKE)
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    monkeypatch.setenv("NDCAP_LOG", str(tmp_path / "log"))
    monkeypatch.setenv("NDCAP_STATE", str(tmp_path / "state"))
    capture = FIXTURES / "capture" / "tcpdump--icmp-tap"
    monkeypatch.setenv("NDCAP_OUT", f"{capture}.out")
    monkeypatch.setenv("NDCAP_ERR", f"{capture}.err")
    return tmp_path


def context():
    return ctx_mod.PortContext.from_json(
        json.loads((SCENARIO / "context.json").read_text()))


def capture(**kwargs):
    options = dict(at=("tap", "patch", "qr"), bpf="icmp", count=50,
                   duration=5, yes=True, inventory=Inventory(),
                   transport=LocalTransport(), user="tester")
    options.update(kwargs)
    return run.capture_context(context(), **options)


def test_refused_without_yes_lists_the_mirrors(local):
    result = capture(yes=False)
    assert not result.applied and result.exit_code == 2
    assert [(c.bridge, c.watched_port) for c in result.changes] == [
        ("br-int", "int-br-eth1"), ("br-eth1", "all ports")]
    assert "select-all=true" in result.changes[1].command
    assert not (local / "log").exists()          # nothing ran


def test_capture_merges_points_and_removes_its_mirrors(local):
    began = time.monotonic()
    result = capture(duration=20)
    # every point stopped at once (its tcpdump ended): the script does not
    # wait for its watchdog or its stdin watcher
    assert time.monotonic() - began < 5
    assert result.applied and result.exit_code == 0, result.findings
    # every point replays the same 6 packets
    assert len(result.timeline) == 6 * 4
    assert {r["state"] for r in result.point_status} == {"count reached"}
    by_way = {v.direction: v for v in result.verdicts}
    assert by_way["egress"].seen_at == ("tap", "patch", "qr")
    assert by_way["ingress"].seen_at == ("qr", "patch", "tap")
    assert (local / "state").read_text() == ""   # both mirrors removed
    log = (local / "log").read_text()
    assert log.count(" add-port ") == 2
    assert "ip netns exec qrouter-" in log
    assert "-- icmp or icmp6" in log
    # the peer bridge's tap keeps the frames the port sent, tagged or not
    mac = context().port.mac
    own = f"ether src {mac} and (icmp or icmp6)"
    assert f"-- ({own}) or (vlan 2113 and ({own}))" in log


def test_stop_asks_the_host_to_clean_up(local, monkeypatch):
    monkeypatch.setenv("NDCAP_HANG", "1")
    stop = threading.Event()
    threading.Timer(1.5, stop.set).start()
    began = time.monotonic()
    result = capture(duration=30, stop=stop)
    assert time.monotonic() - began < 10
    assert (local / "state").read_text() == ""
    assert not any(f.code == "NETDIAG_CAPTURE_CLEANUP_UNCONFIRMED"
                   for f in result.findings)


REAL_TCPDUMP = shutil.which("tcpdump")
TAP, QR = "tapc5f2011d-5a", "qr-12cf768b-a6"        # vlan-healthy
PCAP_FAKE = """#!/bin/sh
# -w: the real pcap of a DHCP exchange; -r -: the real tcpdump reads it.
case " $* " in
  *" -r - "*) exec "$NDCAP_REAL_TCPDUMP" "$@" ;;
  *" -w - "*) printf '%s\\n' "tcpdump $*" >> "$NDCAP_LOG"
              echo "tcpdump: listening on x" >&2
              cat "$NDCAP_PCAP"; echo "4 packets captured" >&2 ;;
esac
exit 0
"""


@pytest.fixture
def local_pcap(local, monkeypatch):
    if REAL_TCPDUMP is None:
        pytest.skip("tcpdump not installed")
    fake_tools.install(local, PCAP_FAKE, tools=("tcpdump",))
    monkeypatch.setenv("NDCAP_REAL_TCPDUMP", REAL_TCPDUMP)
    monkeypatch.setenv("NDCAP_PCAP",
                       str(FIXTURES / "capture" / "tcpdump-w--dhcp-qdhcp.pcap"))
    return local


def test_write_saves_one_valid_pcap_per_point(local_pcap):
    out = local_pcap / "pcaps" / "run1"           # created, parents too
    result = capture(write_dir=str(out), bpf="dhcp")
    assert result.applied and result.exit_code == 0, result.findings
    names = sorted(os.path.basename(r["file"]) for r in result.point_status)
    assert {os.path.dirname(r["file"]) for r in result.point_status} == {
        str(out)}
    # mirrors are named by what they watch (the patch port, or the peer
    # bridge's ports), not their ndm port
    assert names == ["compute1-patch-br-eth1-all.pcap",
                     "compute1-patch-int-br-eth1.pcap",
                     f"compute1-tap-{TAP}.pcap", f"network1-qr-{QR}.pcap"]
    data = (FIXTURES / "capture" / "tcpdump-w--dhcp-qdhcp.pcap").read_bytes()
    for row in result.point_status:
        assert pathlib.Path(row["file"]).read_bytes() == data
        assert row["packets"] == row["file_packets"] == 4
    captures = [line for line in (local_pcap / "log").read_text().splitlines()
                if line.startswith("tcpdump ")]
    assert len(captures) == 4 and all("-U -w -" in c for c in captures)
    # a second run never overwrites the first run's files
    again = capture(write_dir=str(out), bpf="dhcp")
    assert {os.path.basename(r["file"]) for r in again.point_status} == {
        n.replace(".pcap", ".1.pcap") for n in names}


def test_write_refuses_a_file_before_running(local):
    a_file = local / "not-a-dir"
    a_file.write_text("")
    with pytest.raises(NetdiagError, match="not a directory"):
        capture(write_dir=str(a_file))
    assert not (local / "log").exists()          # nothing ran


def command_run(monkeypatch, *argv):
    """``openstack netdiag port capture`` with the scenario's context and
    this machine as every host.
    """
    from osc_netdiag.v1 import capture as capture_cmd
    from tests.unit.helpers import FakeApp

    def capture_port(conn, port, **kwargs):
        kwargs.update(inventory=Inventory(), transport=LocalTransport(),
                      user="tester")
        return run.capture_context(context(), **kwargs)
    monkeypatch.setattr(run, "capture_port", capture_port)
    app = FakeApp(None)
    cmd = capture_cmd.CapturePort(app, None)
    args = cmd.get_parser("openstack netdiag port capture").parse_args(
        list(argv))
    return cmd.run(args), app


def test_cli_write_to_a_file_is_a_usage_error(local, monkeypatch, capsys):
    a_file = local / "f.pcap"
    a_file.write_text("")
    with pytest.raises(SystemExit) as exc:
        command_run(monkeypatch, "vm-port", "--yes", "-w", str(a_file))
    assert exc.value.code == 2
    assert "exists and is not a directory" in capsys.readouterr().err
    assert a_file.read_text() == ""


def test_cli_shows_the_written_files(local_pcap, monkeypatch):
    out = local_pcap / "out"
    code, app = command_run(monkeypatch, "vm-port", "--at", "tap", "--yes",
                            "--filter", "dhcp", "--write", str(out))
    assert code == 0
    text = app.stdout.getvalue()
    path = str(out / "compute1-tap-tapc5f2011d-5a.pcap")
    assert "| File" in text and path in text
    code, app = command_run(monkeypatch, "vm-port", "--at", "tap", "--yes",
                            "--filter", "dhcp", "-w", str(out), "-f", "json")
    (row,) = json.loads(app.stdout.getvalue())["point_status"]
    assert row["file"] == path.replace(".pcap", ".1.pcap")
    assert row["file_packets"] == 4
