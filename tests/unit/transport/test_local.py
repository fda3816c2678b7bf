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

"""LocalTransport: the same framed script, run with /bin/sh here."""

import os
import pwd
import shutil
import subprocess
import time
import uuid

import pytest

from osc_netdiag import models
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport import local
from osc_netdiag.transport.local import LocalTransport

HERE = HostTarget(name="here", address="localhost")


def test_batch_and_round_trips():
    with LocalTransport().open(HERE) as session:
        results = session.run([Command(f"c{i}", ("echo", str(i))) for i in range(5)])
        assert session.round_trips == 1
        session.run([Command("t", ("true",))])
        assert session.round_trips == 2
    assert [r.stdout for r in results] == [f"{i}\n" for i in range(5)]


def test_exec_prefix_only_for_ovs_commands():
    target = HostTarget(name="here", address="localhost",
                        exec_prefix=("env", "NETDIAG_IN_CONTAINER=1"))
    check = ("sh", "-c", 'echo "${NETDIAG_IN_CONTAINER:-no}"')
    with LocalTransport().open(target) as session:
        ovs, plain = session.run([Command("ovs", check, ovs=True),
                                  Command("plain", check)])
    assert (ovs.stdout, plain.stdout) == ("1\n", "no\n")


def test_commands_read_dev_null():
    with LocalTransport().open(HERE) as session:
        first, second = session.run([Command("cat", ("cat",)),
                                     Command("after", ("echo", "after"))])
    assert first.ok and first.stdout == ""
    assert second.stdout == "after\n"


def test_batch_deadline_kills_process_group():
    marker = f"30.{uuid.uuid4().int % 10**9:09d}"
    commands = [Command("stuck", ("sh", "-c", f"trap '' TERM; sleep {marker}"),
                        timeout=1)]
    started = time.monotonic()
    [result] = local.run_script(("/bin/sh", "-s"), commands, sudo=False,
                                deadline=0.5)
    assert time.monotonic() - started < 3
    assert result.status == models.HOST_TIMEOUT and result.exit_status is None
    # timeout(1) runs the command in its own process group; its -k 2 still
    # KILLs it shortly after.
    time.sleep(3)
    left = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True)
    assert left.returncode == 1, left.stdout


def _nobody():
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        return None


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None
                    or shutil.which("sudo") is None or _nobody() is None,
                    reason="needs root, setpriv, sudo and the nobody user")
def test_sudo_refused_is_permission():
    # Runs the batch as the existing unprivileged user "nobody" (no sudoers
    # entry): sudo -n must refuse without prompting. Nothing is changed on
    # the machine.
    nobody = _nobody()
    shell = ("setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
             "--clear-groups", "/bin/sh", "-s")
    target = HostTarget(name="here", address="localhost", sudo=True)
    with LocalTransport(shell_argv=shell).open(target) as session:
        [result] = session.run([Command("ovs", ("ovs-vsctl", "show"))])
    assert result.status == models.HOST_PERMISSION, result
    assert "sudo" in result.message


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("sudo") is None,
                    reason="needs root and sudo")
def test_sudo_allowed_runs_command():
    target = HostTarget(name="here", address="localhost", sudo=True)
    with LocalTransport().open(target) as session:
        ok, missing = session.run([Command("id", ("id", "-u")),
                                   Command("missing", ("netdiag-no-such-tool",))])
    assert ok.stdout == "0\n" and ok.ok
    assert missing.status == models.HOST_MISSING_COMMAND
