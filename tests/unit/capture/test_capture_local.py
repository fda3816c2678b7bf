"""capture_context end to end on this machine (LocalTransport), with
stand-in ovs-vsctl / tcpdump / ip on PATH: the tcpdump stand-in replays a
real capture from the lab; the ovs-vsctl stand-in keeps the mirror state in
a file so removal is observable."""

import json
import os
import pathlib
import stat
import threading
import time

import pytest

from osc_netdiag import context as ctx_mod
from osc_netdiag.capture import run
from osc_netdiag.inventory import Inventory
from osc_netdiag.transport.local import LocalTransport

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
SCENARIO = FIXTURES / "scenarios" / "vlan-healthy"

FAKE = """#!/bin/sh
tool=$(basename "$0")
printf '%s\\n' "$tool $*" >> "$NDCAP_LOG"
case "$tool $*" in
  "ip netns exec "*) shift 3; exec "$@" ;;
  "ovs-vsctl"*" find Mirror "*) cat "$NDCAP_STATE" 2>/dev/null | grep -q . && echo 1a2b3c4d-0000-4000-8000-000000000001 ;;
  "ovs-vsctl"*" find Port "*) cat "$NDCAP_STATE" 2>/dev/null ;;
  "ovs-vsctl"*" del-port "*) : > "$NDCAP_STATE" ;;
  "ovs-vsctl"*" add-port "*) echo "$4" >> "$NDCAP_STATE"; echo 1a2b3c4d-0000-4000-8000-000000000001 ;;
  "tcpdump"*)
    if [ -n "$NDCAP_HANG" ]; then sleep 30; fi
    cat "$NDCAP_OUT"; cat "$NDCAP_ERR" >&2 ;;
esac
exit 0
"""


@pytest.fixture
def local(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("ovs-vsctl", "tcpdump", "ip", "sysctl"):
        path = bindir / tool
        path.write_text(FAKE)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
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
