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

"""The capture channel is bounded: line length, bytes, and its deadline.

Lines are split from a real stream (tests/fixtures/capture/
ndcap-stream--dhcp-write.out: every line a host's capture script printed
in the lab); the channel itself is a fake that never stops sending, which
no real sshd can be made to do on demand. Every run is joined with a bound,
so a regression fails instead of hanging.
"""

import pathlib
import threading
import time

import pytest

from osc_netdiag.capture import remote
from osc_netdiag.errors import NetdiagError
from osc_netdiag.transport import stream as channel_mod

STREAM = (pathlib.Path(__file__).parents[2] / "fixtures" / "capture"
          / "ndcap-stream--dhcp-write.out").read_bytes()


@pytest.mark.parametrize("size", [1, 3, 76, 4096, 65536])
def test_lines_of_a_real_stream_in_any_chunks(size):
    lines = channel_mod.Lines()
    got = []
    for start in range(0, len(STREAM), size):
        got += lines.feed(STREAM[start:start + size])
    assert got == STREAM.decode().splitlines()
    assert lines.dropped == 0


def test_an_overlong_line_is_dropped_without_being_held():
    lines = channel_mod.Lines(max_line=1000)
    # The real stream with one line made 5 MB long (no newline for 5 MB).
    first, rest = STREAM.split(b"\n", 1)
    got = lines.feed(first + b"\n")
    for _ in range(80):
        got += lines.feed(b"x" * 65536)
        assert lines._size <= 1000 + 65536 and sum(map(len, lines._parts)) \
            <= 1000
    got += lines.feed(b"\n" + rest)
    assert lines.dropped == 1
    assert got == STREAM.decode().splitlines()


class _Flood:
    """A paramiko-like channel whose host never stops sending."""

    def __init__(self, stdout=b"", stderr=b""):
        self.stdout, self.stderr = stdout, stderr
        self.eof_received = self.closed = False
        self.read = 0

    def get_transport(self):
        return self

    def exec_command(self, command):
        pass

    def shutdown_write(self):
        pass

    def fileno(self):
        return -1

    def recv_ready(self):
        return bool(self.stdout)

    def recv(self, size):
        self.read += size
        return self.stdout

    def recv_stderr_ready(self):
        return bool(self.stderr)

    def recv_stderr(self, size):
        self.read += size
        return self.stderr

    def exit_status_ready(self):
        return False

    def close(self):
        self.closed = True


class _Session:
    def __init__(self, channel):
        self.channel = channel

    def open_channel(self):
        return self.channel


def _run(flood, deadline=0.3, max_bytes=None):
    box = {}
    lines = []

    def body():
        try:
            box["value"] = channel_mod.run_ssh(
                _Session(flood), "sh", deadline, lines.append,
                threading.Event(), max_bytes=max_bytes)
        except NetdiagError as exc:
            box["error"] = exc
    thread = threading.Thread(target=body, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "still reading after 10 s"
    return box, lines, time.monotonic() - started


@pytest.fixture
def short_grace(monkeypatch):
    monkeypatch.setattr(channel_mod, "STOP_GRACE", 0.2)


def test_deadline_is_checked_while_lines_keep_coming(short_grace):
    line = STREAM.split(b"\n", 1)[0] + b"\n"
    flood = _Flood(stdout=line * 100)
    box, lines, elapsed = _run(flood, max_bytes=10 ** 12)
    assert box == {"value": None}
    assert 0.5 <= elapsed < 5
    assert lines and flood.closed


def test_deadline_is_checked_while_stderr_keeps_coming(short_grace):
    box, lines, elapsed = _run(_Flood(stderr=b"e" * 65536),
                               max_bytes=10 ** 12)
    assert box == {"value": None} and lines == []
    assert 0.5 <= elapsed < 5


def test_bytes_past_the_cap_end_the_read(short_grace):
    flood = _Flood(stdout=b"y\n" * 32768)
    box, lines, _ = _run(flood, deadline=60, max_bytes=10 * 65536)
    assert str(box["error"]) == "host: capture output cut at 655360 bytes"
    assert flood.read == 11 * 65536 and flood.closed
    assert len(lines) == 10 * 32768


def test_the_cap_a_capture_gets():
    from osc_netdiag.capture import pcapfile
    bounds = remote.Bounds(count=100, duration=10, snaplen=512)
    text = 120 * channel_mod.MAX_LINE
    assert remote.byte_cap(bounds, 2, False) == 2 * text + 1024 ** 2
    assert remote.byte_cap(bounds, 2, True) == 2 * (
        text + pcapfile.max_lines(bounds) * 140) + 1024 ** 2
