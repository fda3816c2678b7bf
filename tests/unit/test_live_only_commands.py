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

"""port capture and cleanup act on live hosts: they offer no
--from-capture/--save-capture (which they used to accept and ignore, and
cleanup --from-capture then went to the hosts over SSH). Asking them for
a replay is a usage error (exit 2) before the API or any host is
contacted. Run through OSC's own shell, in-process.
"""

import os
import pathlib
import shutil

from openstackclient import shell
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

SCENARIO = (pathlib.Path(__file__).parents[1] / "fixtures" / "scenarios" /
            "vlan-healthy")


class NoHosts:
    """The SSH transport of these tests: remembers and refuses every
    host it is asked to open (nothing may be opened).
    """

    def __init__(self):
        self.opened = []

    def open(self, target):
        self.opened.append(target.name)
        raise errors.HostError(target.name, "unreachable", "test: no SSH")


@pytest.fixture
def no_hosts(monkeypatch):
    """No host and no API: SSH through NoHosts, the SDK fails the test."""
    transport = NoHosts()
    monkeypatch.setattr(api, "ssh_transport", lambda *a, **k: transport)
    monkeypatch.setattr(common.HostAccessMixin, "sdk_connection",
                        lambda self: pytest.fail("the API was used"))
    for name in [n for n in os.environ if n.startswith("OS_")]:
        monkeypatch.delenv(name)
    return transport


@pytest.fixture
def no_capture(monkeypatch):
    started = []

    def capture_port(*args, **kwargs):
        started.append(args)
        pytest.fail("the capture started")
    monkeypatch.setattr(capture_run, "capture_port", capture_port)
    return started


@pytest.fixture
def capture_dir(tmp_path):
    """A real --save-capture folder (the recorded lab trace)."""
    return str(shutil.copytree(SCENARIO, tmp_path / "capture"))


def openstack(*argv):
    """``openstack --os-auth-type none ARGV`` in-process: its exit code."""
    try:
        return shell.OpenStackShell().run(["--os-auth-type", "none",
                                           *argv])
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize("command", [
    ["netdiag", "cleanup", "--host", "compute1", "--yes"],
    ["netdiag", "cleanup", "--all"],
    ["netdiag", "port", "capture", "vm-port", "--yes"],
])
@pytest.mark.parametrize("option", ["--from-capture", "--save-capture"])
def test_live_commands_refuse_capture_options_before_any_host(
        no_hosts, no_capture, capture_dir, capsys, command, option):
    code = openstack(*command, option, capture_dir)
    assert code == exitcodes.USAGE
    err = capsys.readouterr().err
    assert f"error: unrecognized arguments: {option} {capture_dir}" in err
    assert no_hosts.opened == []
    assert no_capture == []


@pytest.mark.parametrize("command_class", [capture_cmd.CapturePort,
                                           cleanup_cmd.Cleanup])
def test_live_commands_do_not_offer_capture_options(command_class):
    help_text = command_class(None, None).get_parser("x").format_help()
    assert "--from-capture" not in help_text
    assert "--save-capture" not in help_text
    assert "--parallel" in help_text          # the rest of host access stays


@pytest.mark.parametrize("command_class", [port_cmd.TracePort,
                                           host_cmd.CheckHost])
def test_diagnosis_commands_keep_record_and_replay(command_class):
    help_text = command_class(None, None).get_parser("x").format_help()
    assert "--from-capture" in help_text and "--save-capture" in help_text


def test_replay_of_a_diagnosis_still_runs_offline(no_hosts, capture_dir,
                                                  capsys):
    code = openstack("netdiag", "port", "trace", "--from-capture",
                     capture_dir, "-f", "json")
    assert code == exitcodes.OK
    assert '"exit_code": 0' in capsys.readouterr().out
    assert no_hosts.opened == []
