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

"""port capture -w: pcap framing, the base64 line encoding, file names and
refusals, on real captures made by tools/capture_pcap_fixtures (a real
dnsmasq answering a real dhclient, in namespaces):

* tcpdump-w--dhcp-qdhcp.pcap: stdout of the product's ``tcpdump ... -U -w -``
* ndcap-stream--dhcp-write.out: every line the product's host script printed
  with -w, run locally at the instance's end (P/W 0) and at the DHCP
  server's end (P/W 1) during the same exchange.
"""

import base64
import os
import pathlib
import shutil
import stat
import struct
import subprocess

import pytest

from osc_netdiag.capture import pcapfile
from osc_netdiag.capture import remote
from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import pcap
from osc_netdiag.parsers import tcpdump

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "capture"
PCAP = FIXTURES / "tcpdump-w--dhcp-qdhcp.pcap"
STREAM = FIXTURES / "ndcap-stream--dhcp-write.out"
RUN_ID = "0dc9ca90"
BOUNDS = remote.Bounds(20, 9, 512)          # what the fixture tool used
needs_tcpdump = pytest.mark.skipif(shutil.which("tcpdump") is None,
                                   reason="tcpdump not installed")


def dhcp_message_types(data):
    """Option 53 of each packet (Ethernet/IPv4/UDP/BOOTP), read by hand."""
    types, offset = [], pcap.GLOBAL_HEADER
    while offset < len(data):
        caplen = struct.unpack("<I", data[offset + 8:offset + 12])[0]
        frame = data[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen
        ihl = (frame[14] & 0x0F) * 4
        options = frame[14 + ihl + 8 + 240:]
        while options and options[0] != 255:
            if options[0] == 53:
                types.append(options[2])
                break
            options = options[2 + options[1]:]
    return types


def host_run(lines, max_pcap_lines=None):
    run = remote.HostRun("local")
    cap = pcapfile.max_lines(BOUNDS) if max_pcap_lines is None \
        else max_pcap_lines
    for line in lines:
        run.feed(line, RUN_ID, BOUNDS.count + 20, cap)
    return run


def text_packets(run, index):
    lines = [line for line in run.lines[index]
             if tcpdump.is_packet_text(line)]
    return tcpdump.parse_tcpdump("".join(f"{line}\n" for line in lines))


# -- the pcap framing ------------------------------------------------------

def test_real_pcap_is_read():
    info = pcap.parse_pcap(PCAP.read_bytes())
    assert (info.linktype, info.snaplen, info.nanoseconds) == (1, 512, False)
    assert info.packets == 4
    # DISCOVER, OFFER, REQUEST, ACK: the whole exchange is in the file
    assert dhcp_message_types(PCAP.read_bytes()) == [1, 2, 3, 5]


def record_ends(data):
    ends, offset = [], pcap.GLOBAL_HEADER
    while offset < len(data):
        caplen = struct.unpack("<I", data[offset + 8:offset + 12])[0]
        offset += 16 + caplen
        ends.append(offset)
    return ends


def test_cut_pcap_is_refused_except_at_a_record_boundary():
    data = PCAP.read_bytes()
    ends = record_ends(data)
    for cut in range(0, len(data)):
        if cut == pcap.GLOBAL_HEADER or cut in ends:
            expected = 0 if cut == pcap.GLOBAL_HEADER else ends.index(cut) + 1
            assert pcap.parse_pcap(data[:cut]).packets == expected
        else:
            with pytest.raises(ParseError):
                pcap.parse_pcap(data[:cut])


def test_other_bytes_are_refused():
    data = PCAP.read_bytes()
    with pytest.raises(ParseError):
        pcap.parse_pcap(b"\x0a\x0d\x0d\x0a" + data[4:])   # pcapng magic
    with pytest.raises(ParseError):
        pcap.parse_pcap(data[:4] + b"\x03\x00" + data[6:])  # version 3
    with pytest.raises(ParseError):
        pcap.parse_pcap(data.decode("latin-1"))


@needs_tcpdump
def test_reader_text_matches_the_pcap():
    """What the host's second tcpdump (READER_ARGV) prints for the file."""
    proc = subprocess.run(remote.READER_ARGV, input=PCAP.read_bytes(),
                          capture_output=True, check=True)
    packets = tcpdump.parse_tcpdump(proc.stdout.decode())
    info = pcap.parse_pcap(PCAP.read_bytes())
    assert tuple(p.time for p in packets) == info.timestamps
    assert [p.summary.split(": ")[1].split(",")[1].strip()
            for p in packets] == ["Request from fa:16:3e:dc:01:01", "Reply",
                                  "Request from fa:16:3e:dc:01:01", "Reply"]


# -- the line encoding -----------------------------------------------------

def tagged(index, encoded):
    return [f"NDCAP:{RUN_ID}:W {index} {line}"
            for line in encoded.splitlines()]


def test_round_trip_through_coreutils_base64():
    data = PCAP.read_bytes()
    encoded = subprocess.run(["base64"], input=data, capture_output=True,
                             check=True).stdout.decode()
    run = host_run(tagged(3, encoded))
    decoded, info = pcapfile.decode(run.pcap_lines[3])
    assert decoded == data and info.packets == 4
    assert run.lines == {}              # W lines never reach the text


def test_bad_base64_line_is_refused():
    encoded = base64.encodebytes(PCAP.read_bytes()).decode()
    lines = encoded.splitlines()
    for broken in (lines[:1] + ["not base64!"] + lines[1:],
                   lines[:1] + lines[2:],          # a line lost: bytes shift
                   lines[:-1]):                    # the end lost
        with pytest.raises(ParseError):
            pcapfile.decode(broken)


def test_more_lines_than_the_bounds_allow_are_flagged():
    encoded = base64.encodebytes(PCAP.read_bytes()).decode()
    run = host_run(tagged(0, encoded), max_pcap_lines=5)
    assert len(run.pcap_lines[0]) == 5 and run.pcap_overflow == {0}


def test_bounds_cover_the_largest_capture():
    bounds = remote.Bounds(2, 1, 64)
    largest = pcap.GLOBAL_HEADER + 2 * (pcap.RECORD_HEADER + 64)
    lines = base64.encodebytes(b"\0" * largest).decode().splitlines()
    assert len(lines) <= pcapfile.max_lines(bounds) <= len(lines) + 1


# -- the real host script's output -----------------------------------------

def test_stream_from_the_real_script_gives_both_files_and_the_same_text():
    run = host_run(STREAM.read_text().splitlines())
    assert run.began and run.ended and run.cleanup == "ok"
    assert run.exit_codes == {0: 124, 1: 124}        # ran to --duration
    assert run.other == []
    for index in (0, 1):
        data, info = pcapfile.decode(run.pcap_lines[index])
        packets = text_packets(run, index)
        # the text is the file read back: same packets, same timestamps
        assert info.packets == len(packets) == 4
        assert tuple(p.time for p in packets) == info.timestamps
        assert dhcp_message_types(data) == [1, 2, 3, 5]
        stats = tcpdump.parse_stats("\n".join(run.lines[index]))
        assert stats.captured == 4 and stats.dropped == 0


@needs_tcpdump
def test_stream_file_is_read_by_tcpdump(tmp_path):
    run = host_run(STREAM.read_text().splitlines())
    data, _ = pcapfile.decode(run.pcap_lines[1])
    path = pcapfile.write_new(str(tmp_path), "network1-dhcp-ndpc-dhcp0",
                              data)
    proc = subprocess.run(["tcpdump", "-n", "-r", path], capture_output=True,
                          text=True, check=True)
    assert proc.stdout.count("BOOTP/DHCP") == 4


# -- files -----------------------------------------------------------------

@pytest.mark.parametrize("parts,stem", [
    (("compute1", "tap", "tap3f1c9a2b-7d"), "compute1-tap-tap3f1c9a2b-7d"),
    (("cn-1.example.org", "patch", "int-br-eth1"),
     "cn-1.example.org-patch-int-br-eth1"),
    (("../../etc", "qr", "qr-12/x y"), "_.._etc-qr-qr-12_x_y"),
    ((".hidden", "nic", None), "hidden-nic-none"),
    (("-rf", "tap", "tap0"), "rf-tap-tap0"),
])
def test_file_names_keep_only_safe_characters(parts, stem):
    assert pcapfile.file_stem(*parts) == stem
    assert os.path.basename(stem) == stem


def test_existing_files_are_never_overwritten(tmp_path):
    (tmp_path / "h-tap-tap0.pcap").write_bytes(b"operator's")
    first = pcapfile.write_new(str(tmp_path), "h-tap-tap0", b"one")
    second = pcapfile.write_new(str(tmp_path), "h-tap-tap0", b"two")
    assert [os.path.basename(p) for p in (first, second)] == [
        "h-tap-tap0.1.pcap", "h-tap-tap0.2.pcap"]
    assert (tmp_path / "h-tap-tap0.pcap").read_bytes() == b"operator's"
    assert pathlib.Path(second).read_bytes() == b"two"
    assert stat.S_IMODE(os.stat(first).st_mode) == 0o600


def test_directory_rules(tmp_path):
    a_file = tmp_path / "f"
    a_file.write_text("x")
    with pytest.raises(ValueError, match="not a directory"):
        pcapfile.check_dir(str(a_file))
    with pytest.raises(ValueError, match="not a directory"):
        pcapfile.prepare_dir(str(a_file))
    link = tmp_path / "dangling"
    link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(ValueError):
        pcapfile.check_dir(str(link))
    nested = tmp_path / "a" / "b"
    assert pcapfile.prepare_dir(str(nested)) == str(nested)
    assert nested.is_dir()
    assert pcapfile.prepare_dir(str(nested)) == str(nested)   # exists: fine
