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

"""The host script's safety net, run for real by sh with stand-in
ovs-vsctl/tcpdump/ip/sysctl/setsid... on PATH that log their argv.
"""

import os
import subprocess
import time

import pytest

from osc_netdiag.capture import mirror
from osc_netdiag.capture import remote
from tests.unit.capture import fake_tools

FAKE = """#!/bin/sh
mirror=1a2b3c4d-0000-4000-8000-000000000001
printf '%s\\n' "$(basename "$0") $*" >> "$NDCAP_LOG"
case "$(basename "$0") $*" in
  "ovs-vsctl"*" find Mirror "*) [ -e "$NDCAP_STATE" ] && echo $mirror ;;
  "ovs-vsctl"*" find Port "*) [ -e "$NDCAP_STATE" ] && echo ndm0badc0de1 ;;
  "ovs-vsctl"*" del-port "*) rm -f "$NDCAP_STATE" ;;
  "ovs-vsctl"*" add-port "*) touch "$NDCAP_STATE"; echo $mirror ;;
  "tcpdump"*) echo "listening on x"; sleep 30 ;;
esac
exit 0
"""


@pytest.fixture
def fakes(tmp_path):
    bindir = fake_tools.install(tmp_path, FAKE)
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}",
               NDCAP_LOG=str(tmp_path / "log"),
               NDCAP_STATE=str(tmp_path / "state"))
    return env, tmp_path


def script(duration=20, write_pcap=False):
    marker = mirror.Marker("0badc0de", "tester", 2000000000)
    points = [remote.RemotePoint(0, "tap0123456789a"),
              remote.RemotePoint(1, "ndm0badc0de1", mirror=mirror.MirrorSpec(
                  "br-int", "int-br-eth1", "ndm0badc0de1"))]
    return remote.build_script(points, remote.Bounds(5, duration, 128),
                               "icmp", marker, write_pcap=write_pcap)


def start(env, write_pcap=False):
    return subprocess.Popen(["sh", "-c", script(write_pcap=write_pcap)],
                            stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env, text=True,
                            start_new_session=True)


def test_script_is_valid_sh():
    subprocess.run(["sh", "-n", "-c", script()], check=True)


@pytest.mark.parametrize("write_pcap", [False, True], ids=["text", "pcap"])
@pytest.mark.parametrize("how", ["stdin-closed", "SIGTERM", "SIGHUP"])
def test_stop_removes_the_mirror_and_confirms(fakes, how, write_pcap):
    env, tmp = fakes
    proc = start(env, write_pcap)
    deadline = time.time() + 10
    while not (tmp / "state").exists() and time.time() < deadline:
        time.sleep(0.05)
    assert (tmp / "state").exists(), "mirror was never created"
    time.sleep(0.3)
    began = time.time()
    if how == "stdin-closed":            # client gone or connection closed
        proc.stdin.close()
    else:
        proc.send_signal(getattr(__import__("signal"), how))
    out = proc.stdout.read()
    proc.wait(timeout=10)
    assert time.time() - began < 5
    assert not (tmp / "state").exists()
    lines = out.splitlines()
    assert "NDCAP:0badc0de:C ok" in lines
    assert lines[-1] == "NDCAP:0badc0de:END"
    log = (tmp / "log").read_text()
    assert "del-port br-int ndm0badc0de1" in log
    assert "remove Bridge br-int mirrors 1a2b3c4d-" in log
    # only rows selected by this run's marker
    assert "external_ids:netdiag-run=0badc0de" in log


def test_tcpdump_argv_is_bounded_and_filter_is_one_element():
    argv = remote.tcpdump_argv(remote.RemotePoint(0, "qr-12cf768b-a6",
                                                  netns="qrouter-x"),
                               remote.Bounds(7, 3, 96), "udp port 53")
    assert argv[:4] == ("timeout", "-k", "2", "3")
    assert argv[-2:] == ("--", "udp port 53")
    assert ("-c", "7") == argv[argv.index("-c"):argv.index("-c") + 2]
    assert "-p" in argv                  # never promiscuous: a read-only tap


def test_tagged_nic_matches_the_filter_with_and_without_the_tag():
    argv = remote.tcpdump_argv(remote.RemotePoint(0, "eth1", vlan=2113),
                               remote.Bounds(5, 3, 96), "icmp or icmp6")
    assert argv[-1] == ("(icmp or icmp6) or "
                        "(vlan 2113 and (icmp or icmp6))")


def pcap_script():
    marker = mirror.Marker("0badc0de", "tester", 2000000000)
    points = [remote.RemotePoint(0, "tap0123456789a"),
              remote.RemotePoint(1, "qr-12cf768b-a6", netns="qrouter-x")]
    return remote.build_script(points, remote.Bounds(5, 20, 128), "icmp",
                               marker, write_pcap=True)


def test_pcap_script_is_valid_sh():
    subprocess.run(["sh", "-n", "-c", pcap_script()], check=True)


def test_pcap_script_pipeline_per_point():
    """One capture per point writing pcap to stdout, tee'd into base64 (W
    lines) and into one reader (P lines); one loop per writer; no file.
    """
    text = pcap_script()
    lines = text.splitlines()
    for index, device in ((0, "tap0123456789a"), (1, "qr-12cf768b-a6")):
        (line,) = [x for x in lines if f"-i {device}" in x]
        assert line.count("tcpdump ") == 2          # the capture, the reader
        capture = line[line.index("timeout -k 2 20 "):line.index("; printf")]
        assert "-U -w - -- icmp" in capture          # pcap to stdout, bounded
        assert "-c 5 -s 128" in capture and capture.endswith(">&6 6>&-")
        assert "} 6>&1 | tee /dev/fd/3 | base64 3>&- | while" in line
        assert line.count(f'printf "%sW {index} %s\\n" "" "$l"') == 1
        assert line.count(f'printf "%sP {index} %s\\n" "" "$l"') == 2
        assert line.count(" ".join(remote.READER_ARGV) + " 2>&1 |") == 1
        # only the last loop, the one finish kills, writes to the channel
        assert line.endswith(' 4>&1 | while IFS= read -r l; do printf '
                             '"%s%s\\n" "$T" "$l" || exit 0; done &')
        assert line.count('"$T"') == 1
    # nothing on the host's disk: no FIFO, no temporary file
    for word in ("mkfifo", "mktemp", "/tmp", " > /"):
        assert word not in text


def test_text_script_has_no_pcap_pipeline():
    text = script()
    assert "base64" not in text and "tee " not in text
    assert "-w -" not in text and "/dev/fd/" not in text


def test_tcpdump_argv_with_pcap_adds_only_the_stream():
    point = remote.RemotePoint(0, "tap0", netns="qdhcp-x")
    bounds = remote.Bounds(7, 3, 96)
    text = remote.tcpdump_argv(point, bounds, "udp port 53")
    pcap = remote.tcpdump_argv(point, bounds, "udp port 53",
                               write_pcap=True)
    split = text.index("--")
    assert pcap == text[:split] + ("-U", "-w", "-") + text[split:]
