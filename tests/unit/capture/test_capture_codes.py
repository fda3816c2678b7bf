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

"""Every finding code of ``port capture``, with its point's state and the
exact exit code, end to end on this machine (LocalTransport) with stand-in
host tools, as in test_capture_local: the product's real script runs; the
stand-ins answer with real output of the real tools:

* tcpdump--icmp-tap.{out,err}: a capture recorded on the lab;
* tcpdump--no-such-device.err: ``tcpdump -i nosuchdev0 -c 1 -n -l`` (exit
  1), on a Debian 12 machine;
* tcpdump--nothing-lo.{out,err}: ``timeout 2 tcpdump -i lo -n -l -c 5 udp
  port 9`` with no such traffic (exit 124), same machine;
* ovs-vsctl--add-port-no-db.err: ``ovs-vsctl --timeout=5 add-port br-int
  ndm0`` with no ovsdb-server running (exit 1), same machine;
* tcpdump-w--dhcp-qdhcp.pcap: see test_pcap_write (cut short here).

The vlan-healthy scenario's points: tap (compute1), patch (two mirrors on
compute1) and qr (network1, in qrouter-); every host is this machine.
"""

import os
import pathlib

import pytest

from osc_netdiag.capture import run
from osc_netdiag import exitcodes
from osc_netdiag.inventory import Inventory
from osc_netdiag.transport.local import LocalTransport
from tests.unit.capture import fake_tools
from tests.unit.capture.test_capture_local import context

CAPTURE = pathlib.Path(__file__).parents[2] / "fixtures" / "capture"
TAP, QR = "tapc5f2011d-5a", "qr-12cf768b-a6"

# tcpdump on the device named in $NDCAP_DEV answers with $NDCAP_DEV_OUT/
# _ERR and exits $NDCAP_DEV_RC; on every other device with the icmp
# capture. ovs-vsctl add-port fails with $NDCAP_MIRROR_ERR when set; del-port
# leaves the port when $NDCAP_KEEP is set.
FAKE = """#!/bin/sh
tool=$(basename "$0")
mirror=1a2b3c4d-0000-4000-8000-000000000001
case "$tool $*" in
  "ip netns exec "*) shift 3; exec "$@" ;;
  "ovs-vsctl"*" find Mirror "*) grep -q . "$NDCAP_STATE" 2>/dev/null && echo $mirror ;;
  "ovs-vsctl"*" find Port "*) cat "$NDCAP_STATE" 2>/dev/null ;;
  "ovs-vsctl"*" del-port "*) [ -n "$NDCAP_KEEP" ] || : > "$NDCAP_STATE" ;;
  "ovs-vsctl"*" add-port "*)
    if [ -n "$NDCAP_MIRROR_ERR" ]; then cat "$NDCAP_MIRROR_ERR" >&2; exit 1; fi
    echo "$4" >> "$NDCAP_STATE"; echo $mirror ;;
  "tcpdump"*)
    case " $* " in
      *" -i $NDCAP_DEV "*)
        cat "$NDCAP_DEV_OUT"; cat "$NDCAP_DEV_ERR" >&2; exit "$NDCAP_DEV_RC" ;;
    esac
    cat "$CAPTURE/tcpdump--icmp-tap.out"
    cat "$CAPTURE/tcpdump--icmp-tap.err" >&2 ;;
esac
exit 0
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    bindir = fake_tools.install(tmp_path, FAKE)
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    monkeypatch.setenv("NDCAP_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("CAPTURE", str(CAPTURE))
    monkeypatch.setenv("NDCAP_DEV", "none-such")

    def device_answers(device, name, rc, out=None):
        monkeypatch.setenv("NDCAP_DEV", device)
        monkeypatch.setenv("NDCAP_DEV_OUT", str(CAPTURE / f"{out or name}"
                                                ".out"))
        monkeypatch.setenv("NDCAP_DEV_ERR", str(CAPTURE / f"{name}.err"))
        monkeypatch.setenv("NDCAP_DEV_RC", str(rc))
    return device_answers


def capture(**kwargs):
    options = dict(at=("tap", "patch", "qr"), bpf="icmp", count=50,
                   duration=5, yes=True, inventory=Inventory(),
                   transport=LocalTransport(), user="tester")
    options.update(kwargs)
    return run.capture_context(context(), **options)


def codes(result):
    return sorted(f.code for f in result.findings)


def test_healthy_capture_has_no_finding_and_exits_0(fake):
    result = capture()
    assert codes(result) == [] and result.exit_code == exitcodes.OK


def test_tcpdump_failing_at_one_point(fake):
    # tcpdump at qr- answers as tcpdump does for a device that is not there
    fake(QR, "tcpdump--no-such-device", 1, out="tcpdump--nothing-lo")
    result = capture()
    assert codes(result) == ["NETDIAG_CAPTURE_POINT_FAILED"]
    failed = [r for r in result.point_status if r["point"] == "qr"]
    assert [r["state"] for r in failed] == ["failed (1)"]
    assert "No such device exists" in result.findings[0].summary
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_nothing_reaches_qr_is_flow_lost(fake):
    # tcpdump at qr- ran its whole duration and saw nothing
    fake(QR, "tcpdump--nothing-lo", 124)
    result = capture()
    assert codes(result) == ["NETDIAG_CAPTURE_FLOW_LOST"]
    lost = result.findings[0]
    assert lost.subject.endswith(":patch")
    assert "qr" in lost.remedy
    qr, = [r for r in result.point_status if r["point"] == "qr"]
    assert (qr["state"], qr["packets"]) == ("duration reached", 0)
    assert result.exit_code == exitcodes.OK            # a WARNING


def test_nothing_anywhere_is_no_packets(fake):
    # every tcpdump answers with the empty capture (ran 2 s, saw nothing)
    fake_tools.install(pathlib.Path(os.environ["NDCAP_STATE"]).parent,
                       FAKE.replace("tcpdump--icmp-tap",
                                    "tcpdump--nothing-lo"))
    result = capture()
    assert codes(result) == ["NETDIAG_CAPTURE_NO_PACKETS"]
    assert {r["packets"] for r in result.point_status} == {0}
    assert result.exit_code == exitcodes.OK            # INFO


def test_mirror_that_cannot_be_created(fake, monkeypatch):
    # ovs-vsctl add-port answers as it does without a database
    monkeypatch.setenv("NDCAP_MIRROR_ERR",
                       str(CAPTURE / "ovs-vsctl--add-port-no-db.err"))
    result = capture()
    assert codes(result) == ["NETDIAG_CAPTURE_MIRROR_FAILED"] * 2
    assert sorted(r["state"] for r in result.point_status) == [
        "count reached", "count reached", "mirror failed", "mirror failed"]
    assert "database connection failed" in result.findings[0].summary
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_mirror_not_removed_is_4_and_32(fake, monkeypatch):
    # ovs-vsctl del-port leaves the output ports in place
    monkeypatch.setenv("NDCAP_KEEP", "1")
    result = capture()
    assert codes(result) == ["NETDIAG_CAPTURE_CLEANUP_UNCONFIRMED"]
    assert result.exit_code == (exitcodes.ERROR_FINDING |
                                exitcodes.CLEANUP_INCOMPLETE) == 36


def test_mirror_not_removed_and_a_point_failed(fake, monkeypatch):
    monkeypatch.setenv("NDCAP_KEEP", "1")
    fake(QR, "tcpdump--no-such-device", 1, out="tcpdump--nothing-lo")
    result = capture()
    assert codes(result) == ["NETDIAG_CAPTURE_CLEANUP_UNCONFIRMED",
                             "NETDIAG_CAPTURE_POINT_FAILED"]
    assert result.exit_code == 36


def test_unreadable_host_and_a_failed_point_is_12(fake, monkeypatch):
    # network1 (qr) cannot be reached; tcpdump fails at the tap on compute1
    from osc_netdiag import errors
    from osc_netdiag import models

    class OneHostDown(LocalTransport):
        def open(self, target):
            if target.name == "network1":
                raise errors.HostError("network1", models.HOST_UNREACHABLE,
                                       "No route to host")
            return super().open(target)
    fake(TAP, "tcpdump--no-such-device", 1, out="tcpdump--nothing-lo")
    result = capture(transport=OneHostDown())
    assert codes(result) == ["NETDIAG_CAPTURE_POINT_FAILED",
                             "NETDIAG_HOST_UNREADABLE"]
    assert result.exit_code == (exitcodes.ERROR_FINDING |
                                exitcodes.UNREADABLE) == 12


def test_cut_pcap_stream_is_file_failed(fake, monkeypatch, tmp_path):
    # tcpdump -w: the real pcap of a DHCP exchange, cut 10 bytes into its
    # second record
    import shutil
    real = shutil.which("tcpdump")
    if real is None:
        pytest.skip("tcpdump not installed")
    data = (CAPTURE / "tcpdump-w--dhcp-qdhcp.pcap").read_bytes()
    cut = tmp_path / "cut.pcap"
    first = 24 + 16 + int.from_bytes(data[24 + 8:24 + 12], "little")
    cut.write_bytes(data[:first + 10])
    pcap_fake = ("#!/bin/sh\n"
                 'case " $* " in\n'
                 f'  *" -r - "*) exec {real} "$@" ;;\n'
                 '  *" -w - "*) echo "tcpdump: listening on x" >&2\n'
                 f'              cat {cut}; echo "1 packet captured" >&2 ;;\n'
                 "esac\nexit 0\n")
    fake_tools.install(tmp_path, pcap_fake, tools=("tcpdump",))
    result = capture(at=("tap",), bpf="dhcp", write_dir=str(tmp_path / "w"))
    assert codes(result) == ["NETDIAG_CAPTURE_FILE_FAILED"]
    row, = result.point_status
    assert (row["file"], row["file_packets"]) == (None, None)
    assert result.exit_code == exitcodes.OK            # a WARNING
