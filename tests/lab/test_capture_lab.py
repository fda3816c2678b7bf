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

"""port capture and cleanup against the real lab: real OVS mirrors, real
tcpdump, real sshd. Every test leaves no marked row, port or device behind
(checked), and restores what it created in ``finally``.
"""

import json
import os
import pathlib
import signal
import subprocess
import threading
import time

import pytest

from tests.lab.conftest import lab_exec
from tests.lab.conftest import snapshot
from tests.lab.conftest import vm_exec
from tests.lab.conftest import wait_until

pytestmark = pytest.mark.lab

ROOT = pathlib.Path(__file__).parents[2]
INVENTORY = str(ROOT / ".lab" / "inventory.yaml")


def cli_argv(*args):
    return [str(ROOT / ".venv" / "bin" / "openstack"), "--os-cloud",
            "netdiag-lab", "netdiag", *args, "--inventory", INVENTORY]


def env():
    return dict(os.environ, OS_CLIENT_CONFIG_FILE=str(ROOT / ".lab" /
                                                      "clouds.yaml"))


def netdiag(*args, timeout=120):
    proc = subprocess.run(cli_argv(*args), capture_output=True, text=True,
                          env=env(), timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def capture(*args, timeout=120):
    rc, out, err = netdiag("port", "capture", *args, "-f", "json",
                           timeout=timeout)
    assert out, err
    return rc, json.loads(out)


def state(host):
    """snapshot() without the flow tables: br-tun's learned flows come and
    go with the instances' traffic, which these tests generate.
    """
    return {k: v for k, v in snapshot(host).items()
            if not k.startswith("flows:")}


def marked_rows(host):
    """Names of Mirror/Port rows carrying netdiag's marker, and ndm devices."""
    rows = []
    for table in ("Mirror", "Port", "Interface"):
        out = lab_exec(host, "ovs-vsctl", "--timeout=10", "--format=json",
                       "--columns=name,external_ids", "list", table).stdout
        for name, ids in json.loads(out)["data"]:
            if any(k == "netdiag-run" for k, _ in ids[1]):
                rows.append(f"{table}:{name}")
    links = json.loads(lab_exec(host, "ip", "-j", "link").stdout)
    rows += [f"link:{link['ifname']}" for link in links
             if link["ifname"].startswith("ndm")]
    return rows


def ping_later(lab, instance, target, delay=4.0, *extra):
    def run():
        time.sleep(delay)
        vm_exec(lab, instance, "ping", "-n", *extra, target, timeout=60)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def vlan1(lab):
    return lab["instances"]["vlan1"]


def test_refused_without_yes_changes_nothing(lab, vlan1):
    before = state("compute1")
    rc, doc = capture(vlan1["port_id"], "--filter", "icmp")
    assert rc == 2
    assert doc["applied"] is False
    # br-int's patch port, and every port of the peer bridge (OVS does
    # not mirror packets crossing a patch port; see capture/mirror.py)
    assert {c["watched_port"] for c in doc["changes"]} == {
        "int-br-eth1", "all ports"}
    assert all(c["command"][0] == "ovs-vsctl" for c in doc["changes"])
    assert state("compute1") == before


def test_ping_gateway_seen_at_tap_patch_nic_and_router(lab, vlan1):
    # Timing-dependent (the ping is started a few seconds into the capture,
    # and a loaded 2-core lab can be slow to set the mirrors up): one retry.
    try:
        _ping_gateway_seen_everywhere(lab, vlan1)
    except AssertionError:
        _ping_gateway_seen_everywhere(lab, vlan1)


def _ping_gateway_seen_everywhere(lab, vlan1):
    gateway = lab["networks"]["vlan"]["gateway_ip"]
    before = {h: state(h) for h in ("compute1", "network1")}
    pinger = ping_later(lab, "vlan1", gateway, 4.0, "-c", "3", "-i", "0.3")
    rc, doc = capture(vlan1["port_id"], "--filter", "icmp", "--yes",
                      "--duration", "9", "--count", "30")
    pinger.join(30)
    assert rc == 0, json.dumps(doc, indent=1)
    seen = {(p["point"], p["direction"], p["summary"].split(": ")[1])
            for p in doc["packets"]}
    assert ("tap", "egress", "ICMP echo request") in seen
    assert ("tap", "ingress", "ICMP echo reply") in seen
    # br-int's patch port mirror (the reply, recirculated by the firewall's
    # conntrack) and the peer bridge's all-ports mirror (the request)
    assert ("patch", "ingress", "ICMP echo reply") in seen
    assert ("patch", "egress", "ICMP echo request") in seen
    assert ("nic", "egress", "ICMP echo request") in seen
    assert ("qr", "egress", "ICMP echo request") in seen
    nic = [p for p in doc["packets"] if p["point"] == "nic"]
    # Frames of the instance's own pings carry VLAN 2113 on the wire; other
    # untagged ICMP on the shared segment (another test's traffic) may
    # match the filter too.
    assert 2113 in {p["vlan"] for p in nic}
    assert {p["vlan"] for p in nic} <= {2113, None}
    verdicts = {v["direction"]: v for v in doc["verdicts"]}
    assert verdicts["egress"]["last_seen"] == "qr"
    assert verdicts["egress"]["missing_at"] == []
    assert "patch" in verdicts["egress"]["seen_at"]
    assert verdicts["ingress"]["seen_at"] == ["qr", "nic", "patch", "tap"]
    assert doc["findings"] == []
    for host in ("compute1", "network1"):
        assert marked_rows(host) == []
        assert state(host) == before[host]


def test_lost_flow_verdict_names_the_last_point(lab, vlan1, fault):
    from tests.lab.conftest import fault_delete_egress_flow
    gateway = lab["networks"]["vlan"]["gateway_ip"]
    with fault(fault_delete_egress_flow, "compute1", 2113):
        pinger = ping_later(lab, "vlan1", gateway, 3.0, "-c", "3", "-i",
                            "0.3")
        rc, doc = capture(vlan1["port_id"], "--filter", "icmp", "--at",
                          "tap", "--at", "nic", "--at", "qr", "--duration",
                          "7")
        pinger.join(30)
    request = [v for v in doc["verdicts"] if v["direction"] == "egress"]
    assert request and request[0]["last_seen"] == "tap", doc["verdicts"]
    assert request[0]["missing_at"] == ["nic", "qr"]
    assert "not at nic on compute1, qr on network1" in request[0]["text"]
    assert "NETDIAG_CAPTURE_FLOW_LOST" in {f["code"] for f in doc["findings"]}
    assert rc == 0                              # a WARNING finding


def _start_capture(port_id, duration):
    return subprocess.Popen(
        cli_argv("port", "capture", port_id, "--at", "patch", "--yes",
                 "--duration", str(duration), "-f", "json"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())


def _wait_for_mirror(host, proc):
    wait_until(lambda: proc.poll() is None and any(
        r.startswith("Mirror:") for r in marked_rows(host)), 30,
        interval=0.5, what="the capture's mirror")


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM,
                                    signal.SIGINT, signal.SIGHUP])
def test_client_killed_leaves_nothing(lab, vlan1, signum):
    proc = _start_capture(vlan1["port_id"], 60)
    try:
        _wait_for_mirror("compute1", proc)
        killed = time.monotonic()
        proc.send_signal(signum)
        proc.wait(timeout=30)
        wait_until(lambda: marked_rows("compute1") == [], 10,
                   interval=0.5, what="mirror removal after the client died")
        assert time.monotonic() - killed < 10    # far before the 60 s deadline
        if signum != signal.SIGKILL:
            assert proc.returncode == 1 or proc.returncode < 0 or \
                proc.returncode == 130, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        netdiag("cleanup", "--host", "compute1", "--force", "--yes")


def test_connection_cut_leaves_nothing(lab, vlan1):
    """sshd's side of the connection is destroyed (ss -K) mid-capture."""
    proc = _start_capture(vlan1["port_id"], 60)
    try:
        _wait_for_mirror("compute1", proc)
        cut = time.monotonic()
        lab_exec("compute1", "ss", "-K", "state", "established",
                 "( sport = :22 )", check=False)
        wait_until(lambda: marked_rows("compute1") == [], 15, interval=0.5,
                   what="mirror removal after the connection was cut")
        assert time.monotonic() - cut < 15
        proc.wait(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        netdiag("cleanup", "--host", "compute1", "--force", "--yes")


def _make_mirror(name, marker=None):
    settings = [f"external_ids:{k}={v}" for k, v in (marker or {}).items()]
    lab_exec("compute1", "ovs-vsctl", "--timeout=10",
             "--", "add-port", "br-int", name,
             "--", "set", "Interface", name, "type=internal",
             "--", "set", "Port", name, *(settings or ["external_ids={}"]),
             "--", "--id=@w", "get", "Port", "int-br-eth1",
             "--", "--id=@o", "get", "Port", name,
             "--", "--id=@m", "create", "Mirror", f"name={name}",
             "select-src-port=@w", "output-port=@o", *settings,
             "--", "add", "Bridge", "br-int", "mirrors", "@m")


def _drop_mirror(name):
    lab_exec("compute1", "sh", "-c",
             f"m=$(ovs-vsctl --bare --columns=_uuid find Mirror name={name});"
             f" [ -z \"$m\" ] || ovs-vsctl remove Bridge br-int mirrors $m;"
             f" ovs-vsctl --if-exists del-port br-int {name}", check=False)


def _mirror_names():
    return lab_exec("compute1", "ovs-vsctl", "--bare", "--columns=name",
                    "list", "Mirror").stdout.split()


def test_operator_mirror_untouched_by_capture_and_cleanup(lab, vlan1):
    try:
        _make_mirror("opmirror1")
        rc, doc = capture(vlan1["port_id"], "--at", "patch", "--yes",
                          "--duration", "3")
        assert rc == 0, doc
        assert _mirror_names() == ["opmirror1"]
        for extra in ((), ("--force",)):
            rc, out, err = netdiag("cleanup", "--all", "--yes", *extra,
                                   "-f", "json")
            assert rc == 0, err
            assert json.loads(out)["leftovers"] == []
        assert _mirror_names() == ["opmirror1"]
    finally:
        _drop_mirror("opmirror1")
    assert "opmirror1" not in _mirror_names()


def test_cleanup_removes_expired_leftovers_then_is_a_noop(lab):
    marker = {"netdiag-run": "0badc0de", "netdiag-user": "crashed",
              "netdiag-expires": "1000"}
    try:
        _make_mirror("ndm0badc0de0", marker)
        rc, out, _ = netdiag("cleanup", "--host", "compute1", "-f", "json")
        doc = json.loads(out)
        assert rc == 2 and doc["applied"] is False
        assert sorted(x["table"] for x in doc["leftovers"]) == ["Mirror",
                                                                "Port"]
        assert any(r.startswith("Mirror:") for r in marked_rows("compute1"))
        rc, out, _ = netdiag("cleanup", "--host", "compute1", "--yes",
                             "-f", "json")
        doc = json.loads(out)
        assert rc == 0
        assert all(x["removed"] for x in doc["leftovers"])
        assert len(doc["leftovers"]) == 2
        assert marked_rows("compute1") == []
        rc, out, _ = netdiag("cleanup", "--host", "compute1", "--yes",
                             "-f", "json")
        assert rc == 0 and json.loads(out)["leftovers"] == []
    finally:
        _drop_mirror("ndm0badc0de0")


def test_bounds_hold_under_a_flood(lab, vlan1):
    gateway = lab["networks"]["vlan"]["gateway_ip"]
    flood = ping_later(lab, "vlan1", gateway, 3.0, "-f", "-c", "3000", "-w",
                       "8")
    started = time.monotonic()
    rc, doc = capture(vlan1["port_id"], "--at", "tap", "--at", "patch",
                      "--yes", "--filter", "icmp", "--count", "50",
                      "--duration", "10", "--snaplen", "96")
    took = time.monotonic() - started
    flood.join(30)
    status = {(r["point"], r["where"]): r for r in doc["point_status"]}
    tap = [r for r in doc["point_status"] if r["point"] == "tap"][0]
    assert tap["packets"] == 50 and tap["state"] == "count reached"
    assert all(r["packets"] <= 50 for r in status.values())
    assert len(doc["packets"]) <= 50 * len(status)
    # the mirrors only see the replies' share of the flood, so they may
    # run to the duration: 10 s + the remote setup margin + the client's
    # own start-up (API resolution, SSH)
    assert took < 10 + 17 + 10
    assert tap["packets"] == 50
    assert all(r["state"] in ("count reached", "duration reached")
               for r in status.values())
    assert marked_rows("compute1") == []


def test_hung_connection_still_cleans_up_by_the_deadline(lab, vlan1):
    """Packets of the SSH connection silently dropped (no FIN, no RST): the
    host's script ends on its own bounds, removes the mirrors, and the
    client reports the removal as unconfirmed (exit bit 32).
    """
    rules = [("INPUT", "--dport"), ("OUTPUT", "--sport")]
    duration = 6
    proc = _start_capture(vlan1["port_id"], duration)
    started = time.monotonic()
    try:
        _wait_for_mirror("compute1", proc)
        for chain, side in rules:
            lab_exec("compute1", "iptables", "-w", "5", "-I", chain, "-p",
                     "tcp", side, "22", "-j", "DROP")
        # the host's own deadline: duration + 17 s setup margin (+ kill 3 s)
        wait_until(lambda: marked_rows("compute1") == [], duration + 25,
                   interval=1, what="mirror removal on a hung connection")
        assert time.monotonic() - started < duration + 25
        proc.wait(timeout=60)        # the client gives up on its own too
    finally:
        for chain, side in rules:
            lab_exec("compute1", "iptables", "-w", "5", "-D", chain, "-p",
                     "tcp", side, "22", "-j", "DROP", check=False)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # 32: the mirror's removal could not be confirmed over the hung
    # connection (the host removes it by its own deadline, checked below);
    # 4: the capture point failed.
    assert proc.returncode == 36, proc.stderr.read()
    assert marked_rows("compute1") == []


def host_files(host, client_dir=None):
    """pcap files and FIFOs in the host's temporary directories. The lab's
    hosts share this machine's /tmp, so the client's own output folder is
    left out.
    """
    found = lab_exec(host, "sh", "-c",
                     "find /tmp /var/tmp \\( -name '*.pcap' -o "
                     "-type p \\) 2>/dev/null", check=False).stdout.split()
    skip = str(client_dir) + "/" if client_dir else None
    # pytest's own temporary folders (this run's and other runs' on the same
    # machine) are no host's leftovers either.
    return sorted(f for f in found if not (skip and f.startswith(skip))
                  and not f.startswith("/tmp/pytest-of-"))


def test_write_saves_pcaps_that_tcpdump_reads(lab, vlan1, tmp_path):
    """-w during a ping: one file per point, read by tcpdump -r, holding
    the packets the point's text shows; nothing left on the hosts.
    """
    gateway = lab["networks"]["vlan"]["gateway_ip"]
    out = tmp_path / "pcaps"
    before = {h: state(h) for h in ("compute1", "network1")}
    files_before = {h: host_files(h, out) for h in ("compute1", "network1")}
    pinger = ping_later(lab, "vlan1", gateway, 4.0, "-c", "3", "-i", "0.3")
    rc, doc = capture(vlan1["port_id"], "--filter", "icmp", "--yes",
                      "--duration", "9", "--count", "30", "-w", str(out))
    pinger.join(30)
    assert rc == 0, json.dumps(doc, indent=1)
    rows = doc["point_status"]
    assert rows and all(r["file"] for r in rows), rows
    assert len({r["file"] for r in rows}) == len(rows)
    for row in rows:
        path = pathlib.Path(row["file"])
        assert path.parent == out
        assert path.name.startswith(f"{row['host']}-{row['point']}-")
        read = subprocess.run(["tcpdump", "-n", "-r", str(path)],
                              capture_output=True, text=True, timeout=30)
        assert read.returncode == 0, read.stderr
        lines = read.stdout.splitlines()
        assert len(lines) == row["packets"] == row["file_packets"], row
    tap = [r for r in rows if r["point"] == "tap"][0]
    text = subprocess.run(["tcpdump", "-n", "-r", tap["file"]],
                          capture_output=True, text=True).stdout
    assert "ICMP echo request" in text and "ICMP echo reply" in text
    assert doc["findings"] == []
    for host in ("compute1", "network1"):
        assert marked_rows(host) == []
        assert state(host) == before[host]
        # nothing written on the host: no new pcap or FIFO in its temp dirs
        assert host_files(host, out) == files_before[host]
