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

"""Every transport's session streams (``HostSession.stream``), the way a
port capture reads its script: a local process here; a replay refuses
(a capture folder keeps no stream); a recording passes the stream
through. (SSH: test_capture_channel_ssh.py, against a real sshd.)
"""

import threading

import pytest

from osc_netdiag.errors import NetdiagError
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.local import LocalTransport
from osc_netdiag.transport import replay

TARGET = HostTarget(name="node", address="")


def stream(session, argv, deadline=5.0):
    lines = []
    code = session.stream(argv, deadline=deadline, on_line=lines.append,
                          stop=threading.Event())
    return code, lines


def test_a_local_session_streams_a_process_line_by_line():
    with LocalTransport().open(TARGET) as session:
        code, lines = stream(session, ("printf", "a\\nb c\\n"))
    assert (code, lines) == (0, ["a", "b c"])


def test_a_local_stream_returns_the_exit_status():
    with LocalTransport().open(TARGET) as session:
        assert stream(session, ("sh", "-c", "echo x; exit 3")) == (3, ["x"])


def test_a_replayed_session_cannot_stream(tmp_path):
    (tmp_path / "hosts").mkdir()
    (tmp_path / "hosts" / "node.json").write_text(
        '{"host": "node", "address": "", "status": "ok", "message": "", '
        '"commands": []}')
    with replay.ReplayTransport(str(tmp_path)).open(TARGET) as session:
        with pytest.raises(NetdiagError) as exc:
            stream(session, ("true",))
    assert str(exc.value) == ("node: a capture saves no stream to replay; "
                              "a stream runs live only")


def test_a_recording_session_streams_through(tmp_path):
    recorder = replay.RecordingTransport(LocalTransport(), str(tmp_path))
    with recorder.open(TARGET) as session:
        assert stream(session, ("echo", "live")) == (0, ["live"])
