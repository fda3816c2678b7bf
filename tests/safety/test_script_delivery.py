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

"""The batch script reaches the shell whole, however it arrives.

``sh -s`` reads its script from standard input; over SSH that input comes
in packets, so the shell may see only part of it at first. Regression: a
script that redirected the shell's own stdin (``exec </dev/null``) lost
whatever had not been read yet, so commands were silently not run (or sh
failed with a syntax error) on big batches and on slow links.
"""

import os
import subprocess
import time

import pytest

from osc_netdiag import models
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport import local
from osc_netdiag.transport import script
from osc_netdiag.transport.ssh import SSHTransport


def _commands(count):
    return [Command(f"c{i}", ("echo", f"line{i}", "x" * 60)) for i in range(count)]


def _check(results, count):
    assert [r.status for r in results] == [models.HOST_OK] * count
    assert [r.stdout for r in results] == [
        f"line{i} {'x' * 60}\n" for i in range(count)]


@pytest.mark.parametrize("count", [1, 50, 400])
def test_big_batch_runs_every_command_locally(count):
    results = local.run_script(("/bin/sh", "-s"), _commands(count), sudo=False)
    _check(results, count)


@pytest.mark.parametrize("shell", ["/bin/sh", "/bin/bash", "/bin/dash"])
def test_script_fed_in_small_slow_pieces(shell):
    if not os.path.exists(shell):
        pytest.skip(f"{shell} not installed")
    commands = _commands(30)
    nonce = script.new_nonce()
    text = script.build_script(commands, sudo=False, nonce=nonce).encode()
    proc = subprocess.Popen([shell, "-s"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for start in range(0, len(text), 300):        # like packets on a link
        proc.stdin.write(text[start:start + 300])
        proc.stdin.flush()
        time.sleep(0.005)
    proc.stdin.close()
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    assert proc.wait() == 0, err
    _check(script.parse_framed(out, err, commands, nonce), len(commands))


def test_big_batch_over_ssh(nshost):
    target: HostTarget = nshost.target()
    with SSHTransport(connect_timeout=2, allow_agent=False).open(target) as s:
        _check(s.run(_commands(400)), 400)
