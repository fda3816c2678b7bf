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

"""Numeric options out of range are usage errors (exit 2) that say what is
expected, refused while the command line is parsed: before the API or any
host is contacted.
"""

import pytest

from osc_netdiag import api
from osc_netdiag.capture import run as capture_run
from osc_netdiag import errors
from osc_netdiag import exitcodes
from osc_netdiag.v1 import capture as capture_cmd
from osc_netdiag.v1 import cleanup as cleanup_cmd
from osc_netdiag.v1 import common
from osc_netdiag.v1 import host as host_cmd
from osc_netdiag.v1 import port as port_cmd
from tests.unit.helpers import run_command

# every command with the host-access options, with what it needs besides
COMMANDS = {
    "port trace": (port_cmd.TracePort, ["vm-port"]),
    "host check": (host_cmd.CheckHost, []),
    "cleanup": (cleanup_cmd.Cleanup, ["--host", "compute1", "--yes"]),
    "port capture": (capture_cmd.CapturePort, ["vm-port", "--yes"]),
}
WHOLE = "a whole number"
HOST_ACCESS = [
    ("--parallel", "0", f"{WHOLE} of at least 1"),
    ("--parallel", "-1", f"{WHOLE} of at least 1"),
    ("--parallel", "1.5", f"{WHOLE} of at least 1"),
    ("--parallel", "many", f"{WHOLE} of at least 1"),
    ("--connect-timeout", "-1", "seconds above 0 and at most 600"),
    ("--connect-timeout", "0", "seconds above 0 and at most 600"),
    ("--connect-timeout", "601", "seconds above 0 and at most 600"),
    ("--connect-timeout", "nan", "seconds above 0 and at most 600"),
    ("--connect-timeout", "inf", "seconds above 0 and at most 600"),
    ("--connect-timeout", "5s", "seconds above 0 and at most 600"),
]
CAPTURE = [
    ("--count", "0", f"{WHOLE} from 1 to 10000"),
    ("--count", "10001", f"{WHOLE} from 1 to 10000"),
    ("--count", "-5", f"{WHOLE} from 1 to 10000"),
    ("--duration", "0", "seconds above 0 and at most 600"),
    ("--duration", "-1", "seconds above 0 and at most 600"),
    ("--duration", "601", "seconds above 0 and at most 600"),
    ("--duration", "nan", "seconds above 0 and at most 600"),
    ("--snaplen", "63", f"{WHOLE} from 64 to 65535"),
    ("--snaplen", "65536", f"{WHOLE} from 64 to 65535"),
]


class NoApi:
    """An SDK connection that fails the test when touched."""

    def __getattr__(self, name):
        pytest.fail(f"the API was used ({name})")


@pytest.fixture(autouse=True)
def nothing_runs(monkeypatch):
    """No SSH transport can open a host, no capture can start."""
    def no_transport(*args, **kwargs):
        pytest.fail("a transport was made")

    def no_capture(*args, **kwargs):
        pytest.fail("the capture started")
    monkeypatch.setattr(api, "ssh_transport", no_transport)
    monkeypatch.setattr(capture_run, "capture_port", no_capture)


def refused(capsys, command, option, value):
    command_class, argv = COMMANDS[command]
    with pytest.raises(SystemExit) as exc:
        run_command(command_class, *argv, f"{option}={value}", conn=NoApi())
    assert exc.value.code == exitcodes.USAGE
    return capsys.readouterr().err


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("option,value,expected", HOST_ACCESS)
def test_host_access_numbers_out_of_range_are_usage_errors(
        capsys, command, option, value, expected):
    err = refused(capsys, command, option, value)
    assert f"error: argument {option}: expected {expected}, got '{value}'" \
        in err


@pytest.mark.parametrize("option,value,expected", CAPTURE)
def test_capture_bounds_are_usage_errors(capsys, option, value, expected):
    err = refused(capsys, "port capture", option, value)
    assert f"error: argument {option}: expected {expected}, got '{value}'" \
        in err


def test_negative_value_as_a_separate_word(capsys):
    # "-1" after the option is its value, not an unknown option
    with pytest.raises(SystemExit) as exc:
        run_command(port_cmd.TracePort, "vm-port", "--connect-timeout", "-1",
                    conn=NoApi())
    assert exc.value.code == exitcodes.USAGE
    assert ("argument --connect-timeout: expected seconds above 0 and at "
            "most 600, got '-1'") in capsys.readouterr().err


def parse(command, *argv):
    command_class, base = COMMANDS[command]
    return command_class(None, None).get_parser("x").parse_args(
        [*base, *argv])


def test_values_at_the_bounds_are_accepted():
    args = parse("port trace", "--parallel", "1", "--connect-timeout", "600")
    assert (args.parallel, args.connect_timeout) == (1, 600.0)
    args = parse("cleanup", "--connect-timeout", "0.5")
    assert args.connect_timeout == 0.5
    args = parse("port capture", "--count", "10000", "--duration", "600",
                 "--snaplen", "64")
    assert (args.count, args.duration, args.snaplen) == (10000, 600.0, 64)
    args = parse("port capture", "--count", "1", "--snaplen", "65535",
                 "--duration", "0.1")
    assert (args.count, args.duration, args.snaplen) == (1, 0.1, 65535)


def test_defaults_are_within_the_bounds():
    args = parse("port capture")
    assert (args.parallel, args.connect_timeout) == (64, 5.0)
    assert (args.count, args.duration, args.snaplen) == (100, 10.0, 256)


def test_command_line_bounds_are_the_capture_api_bounds():
    # v1.capture repeats them so that building its parser stays cheap
    assert (capture_cmd.MAX_COUNT, capture_cmd.MAX_DURATION,
            capture_cmd.MAX_SNAPLEN) == (capture_run.MAX_COUNT,
                                         capture_run.MAX_DURATION,
                                         capture_run.MAX_SNAPLEN)
    assert common.MAX_CONNECT_TIMEOUT == 600


def test_a_run_with_valid_options_reaches_the_transport(monkeypatch):
    """The refusals above are the parser's: a valid command line gets as
    far as making a transport (here one that opens nothing).
    """
    made = []

    class Refusing:
        def open(self, target):
            raise errors.HostError(target.name, "unreachable", "test")

    monkeypatch.setattr(api, "ssh_transport",
                        lambda *a, **k: made.append(k) or Refusing())
    code, _ = run_command(cleanup_cmd.Cleanup, "--host", "compute1",
                          "--parallel", "3", "--connect-timeout", "2.5")
    assert code == exitcodes.UNREADABLE
    assert made[0]["connect_timeout"] == 2.5
