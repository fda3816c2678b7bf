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

"""``port capture`` on a terminal: the hosts' streams reported while
they run (the capture's duration), wiped before the packets are
printed, which are the same as without a terminal."""

import io

import pytest

from osc_netdiag.capture import run
from osc_netdiag.inventory import Inventory
from osc_netdiag.transport.local import LocalTransport
from osc_netdiag.v1 import capture as capture_cmd
from tests.unit.capture.test_capture_local import context
from tests.unit.capture.test_capture_local import local  # noqa: F401
from tests.unit.helpers import FakeApp
from tests.unit import ttys


def capture_command(monkeypatch, stderr, *argv):
    def capture_port(conn, port, **kwargs):
        kwargs.update(inventory=Inventory(), transport=LocalTransport(),
                      user="tester")
        return run.capture_context(context(), **kwargs)
    monkeypatch.setattr(run, "capture_port", capture_port)
    app = FakeApp(None)
    app.stderr = stderr
    cmd = capture_cmd.CapturePort(app, None)
    args = cmd.get_parser("openstack netdiag port capture").parse_args(
        list(argv))
    return cmd.run(args), app.stdout.getvalue()


@pytest.mark.usefixtures("local")
def test_capture_progress_on_a_terminal(monkeypatch):
    with ttys.terminal() as (stream, read):
        shown, results = captured(monkeypatch, stream, read)
    (plain_code, plain_out), (code, out) = results
    assert plain_code == code == 0
    assert out == plain_out and out.count("ICMP echo") == 12
    assert shown.startswith("\rnetdiag: 0/2 hosts done, 0 s; pending: "
                            "compute1, network1\x1b[K")
    assert "\rnetdiag: 2/2 hosts done, 0 s\x1b[K" in shown
    assert shown.endswith("\r\x1b[K")


def captured(monkeypatch, stream, read):
    """What reached the terminal, and (code, stdout) without and with it."""
    argv = ("vm-port", "--at", "tap", "--at", "qr", "--yes", "-f", "value",
            "-c", "Point", "-c", "Summary")
    plain_code, plain_out = capture_command(monkeypatch, io.StringIO(),
                                            *argv)
    code, out = capture_command(monkeypatch, stream, *argv)
    return read(), ((plain_code, plain_out), (code, out))
