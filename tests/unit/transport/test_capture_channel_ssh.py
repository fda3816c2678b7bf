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

"""An SSH session's stream (the capture channel) against a real sshd: a
host that never stops sending (``yes``) is read up to the deadline or the
byte cap, no longer.
"""

import threading
import time

import pytest

from osc_netdiag.errors import NetdiagError
from osc_netdiag.transport.ssh import SSHTransport
from osc_netdiag.transport import stream as channel_mod


def _run(session, command, deadline, max_bytes):
    box, lines = {}, []

    def body():
        try:
            box["value"] = session.stream(
                ("sh", "-c", command), deadline=deadline,
                on_line=lines.append, stop=threading.Event(),
                max_bytes=max_bytes)
        except NetdiagError as exc:
            box["error"] = exc
    thread = threading.Thread(target=body, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), "still reading after 20 s"
    return box, lines, time.monotonic() - started


@pytest.fixture
def session(sshd, target_for, monkeypatch):
    monkeypatch.setattr(channel_mod, "STOP_GRACE", 0.5)
    transport = SSHTransport(connect_timeout=2, banner_timeout=2,
                             auth_timeout=2, allow_agent=False)
    with transport.open(target_for()) as opened:
        yield opened


def test_endless_output_ends_at_the_deadline(session):
    box, lines, elapsed = _run(session, "exec yes", 1.0, 10 ** 12)
    assert box == {"value": None}
    assert 1.5 <= elapsed < 8
    assert lines and set(lines) == {"y"}


def test_endless_output_ends_at_the_byte_cap(session):
    box, lines, elapsed = _run(session, "exec yes", 60, 4 * 1024 * 1024)
    assert str(box["error"]) == ("lab-node: capture output cut at 4194304 "
                                 "bytes")
    assert elapsed < 10
    assert 0 < len(lines) <= 2 * 1024 * 1024


def test_endless_line_is_never_held(session, monkeypatch):
    # One line that never ends: dropped as it grows, nothing delivered.
    held = []

    class Watched(channel_mod.Lines):
        def feed(self, data):
            lines = super().feed(data)
            held.append(sum(map(len, self._parts)))
            return lines
    monkeypatch.setattr(channel_mod, "Lines", Watched)
    box, lines, _ = _run(session, "exec cat /dev/zero", 1.0, 10 ** 12)
    assert box == {"value": None} and lines == []
    assert len(held) > 100 and max(held) <= channel_mod.MAX_LINE
