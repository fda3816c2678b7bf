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

"""Progress on stderr: shown on a terminal (a pty here), never on a
pipe nor with -q, and stdout and the exit code the same either way; the
runner's callback that feeds it (hosts done of total, pending names)."""

import io
import json
import pathlib
import sys
import threading
import time

import pytest

from osc_netdiag import hostcheck
from osc_netdiag import runner
from osc_netdiag.transport import pool
from osc_netdiag.v1 import cleanup as cleanup_cmd
from osc_netdiag.v1 import progress
from tests.unit.helpers import FakeApp
from tests.unit.test_command_output import marked_leftovers  # noqa: F401
from tests.unit.test_osc_shell import clean_environment  # noqa: F401
from tests.unit.test_osc_shell import openstack
from tests.unit import ttys

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
# what a redraw and the final wipe write: CR, the line, erase to its end
WIPE = "\r\x1b[K"


@pytest.fixture
def terminal():
    with ttys.terminal() as ends:
        yield ends


@pytest.fixture
def pipe():
    with ttys.pipe() as ends:
        yield ends


def test_status_line_says_done_total_elapsed_and_pending():
    assert progress.status_line(1, 3, 12.7, ("compute2", "network1")) == (
        "netdiag: 1/3 hosts done, 12 s; pending: compute2, network1")
    assert progress.status_line(3, 3, 20.0, ()) == (
        "netdiag: 3/3 hosts done, 20 s")


def test_status_line_fits_the_terminal_and_counts_the_rest():
    pending = tuple(f"compute{n}" for n in range(1, 41))
    line = progress.status_line(0, 40, 1.0, pending, width=60)
    assert line == ("netdiag: 0/40 hosts done, 1 s; pending: compute1 "
                    "(+39)")
    assert len(line) <= 59
    assert progress.status_line(0, 40, 1.0, pending, width=30) == (
        "netdiag: 0/40 hosts done, 1 s")[:29]


def test_a_host_name_cannot_drive_the_terminal():
    # a host name from the API, e.g. a binding:host_id, with ESC [2J
    # (clear screen) and a carriage return in it
    assert progress.status_line(0, 1, 0, ("evil\x1b[2J\rhost",)) == (
        "netdiag: 0/1 hosts done, 0 s; pending: evil?[2J?host")


def test_drawn_in_place_on_a_terminal_and_wiped_at_the_end(terminal):
    stream, read = terminal
    app = FakeApp()
    app.stderr = stream
    now = [100.0]
    reporter = progress.for_app(app)
    reporter.clock = lambda: now[0]
    reporter.started = 100.0
    reporter(0, 2, ("compute1", "network1"))
    now[0] = 100.5
    reporter(0, 2, ("compute1", "network1"))      # same counts, < 1 s
    now[0] = 101.6
    reporter(0, 2, ("compute1", "network1"))      # the clock moved on
    now[0] = 103.2
    reporter(1, 2, ("network1",))
    reporter.close()
    assert read() == (
        "\rnetdiag: 0/2 hosts done, 0 s; pending: compute1, network1\x1b[K"
        "\rnetdiag: 0/2 hosts done, 1 s; pending: compute1, network1\x1b[K"
        "\rnetdiag: 1/2 hosts done, 3 s; pending: network1\x1b[K" + WIPE)


def test_nothing_on_a_pipe(pipe):
    stream, _ = pipe
    app = FakeApp()
    app.stderr = stream
    assert progress.for_app(app) is None


def test_nothing_with_q_even_on_a_terminal(terminal):
    stream, read = terminal
    app = FakeApp()
    app.stderr = stream
    app.options.verbose_level = 0
    assert progress.for_app(app) is None


def run_cleanup(stderr):
    """``netdiag cleanup --host compute1`` (the recorded leftovers)."""
    app = FakeApp()
    app.stderr = stderr
    command = cleanup_cmd.Cleanup(app, None)
    args = command.get_parser("openstack netdiag cleanup").parse_args(
        ["--host", "compute1"])
    return command.run(args), app.stdout.getvalue()


@pytest.mark.usefixtures("marked_leftovers")
def test_a_command_on_a_terminal_shows_progress_and_prints_the_same(
        terminal, pipe):
    plain_code, plain_out = run_cleanup(io.StringIO())
    code, out = run_cleanup(terminal[0])
    shown = terminal[1]()
    piped_code, piped_out = run_cleanup(pipe[0])
    assert plain_code == code == piped_code == 2
    assert plain_out == out == piped_out and "ndm0badc0de0" in out
    # one host, one phase (the listing); cleanup removes nothing here
    assert shown.startswith(
        "\rnetdiag: 0/1 hosts done, 0 s; pending: compute1\x1b[K")
    assert "\rnetdiag: 1/1 hosts done, 0 s\x1b[K" in shown
    assert shown.endswith(WIPE)
    assert pipe[1]() == ""


@pytest.mark.usefixtures("marked_leftovers")
@pytest.mark.parametrize("quiet,shown", [((), True), (("-q",), False)])
def test_through_the_osc_shell_q_silences_it(capsys, monkeypatch, terminal,
                                             quiet, shown):
    stream, read = terminal
    monkeypatch.setattr(sys, "stderr", stream)
    code, out, _ = openstack(capsys, *quiet, "netdiag", "cleanup",
                             "--host", "compute1", "-f", "value",
                             "-c", "Name")
    assert code == 2
    assert out == "ndm0badc0de0\nndm0badc0de0\n"
    assert ("netdiag: 1/1 hosts done" in read()) is shown


def test_the_runner_reports_each_phase_from_the_calling_thread():
    capture = str(FIXTURES / "hostcheck" / "healthy")
    calls = []

    def progress_hook(done, total, pending):
        calls.append((done, total, pending,
                      threading.current_thread() is threading.main_thread()))
    data, options = runner.replay_options(capture)
    context = hostcheck.HostCheckContext.from_json(data)
    result = hostcheck.check_context(context, progress=progress_hook,
                                     **options)
    data, options = runner.replay_options(capture)
    plain = hostcheck.check_context(context, **options)
    hosts = ("compute1", "compute2", "network1")
    assert calls[0] == (0, 3, hosts, True)
    assert calls[-1] == (3, 3, (), True)
    assert all(c[3] for c in calls)
    done = [c[0] for c in calls]
    assert done == sorted(done)
    assert json.dumps(result.to_dict()) == json.dumps(plain.to_dict())


def test_each_host_reports_hosts_as_they_finish():
    calls = []
    release = threading.Event()

    def work(host):
        if host == "slow":
            release.wait(5)

    def progress_hook(done, total, pending):
        calls.append((done, total, pending))
        if pending == ("slow",):
            release.set()
    started = time.monotonic()
    pool.each_host(["fast", "slow"], work, progress=progress_hook)
    assert time.monotonic() - started < 5
    assert (1, 2, ("slow",)) in calls
    assert calls[-1] == (2, 2, ())
