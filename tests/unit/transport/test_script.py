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

"""The framed batch script, run for real with /bin/sh."""

import os
import shlex
import subprocess

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from osc_netdiag import errors
from osc_netdiag import models
from osc_netdiag.transport.base import Command
from osc_netdiag.transport import script

NONCE = "0123456789abcdef01234567"

argv_text = st.text(st.characters(blacklist_categories=("Cs",),
                                  blacklist_characters="\x00"), max_size=40)
hostile = st.one_of(argv_text, st.sampled_from(
    [";", "$(id)", "`id`", "'", '"', "\n", "-n", "--", "-e", "\\", "*", "~",
     "${HOME}", "a\nb\n", "ü✓", "%s", f"__netdiag_{NONCE}:E:0:0", "&& touch x"]))


def run_sh(text, cwd):
    proc = subprocess.run(["/bin/sh", "-s"], input=text.encode(), cwd=cwd,
                          capture_output=True, timeout=60)
    return proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def run_commands(commands, cwd, **kwargs):
    nonce = script.new_nonce()
    text = script.build_script(commands, sudo=False, nonce=nonce, **kwargs)
    out, err = run_sh(text, cwd)
    return script.parse_framed(out, err, commands, nonce)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=st.lists(hostile, min_size=1, max_size=5))
def test_hostile_argv_round_trips_byte_identical(args, tmp_path_factory):
    cwd = tmp_path_factory.mktemp("cwd")
    commands = []
    for i, arg in enumerate(args):
        commands.append(Command(f"out{i}", ("printf", "%s", arg)))
        commands.append(Command(f"err{i}", ("sh", "-c", 'printf %s "$1" >&2',
                                            "sh", arg)))
    results = run_commands(commands, cwd)
    for i, arg in enumerate(args):
        out, err = results[2 * i], results[2 * i + 1]
        assert (out.stdout, out.stderr, out.status, out.exit_status) == (arg, "", "ok", 0)
        assert (err.stdout, err.stderr, err.status) == ("", arg, "ok")
    assert os.listdir(cwd) == []


@given(args=st.lists(hostile, min_size=1, max_size=4),
       sudo=st.booleans(), ovs=st.booleans())
def test_every_argv_element_is_quoted(args, sudo, ovs):
    command = Command("c", ("echo", *args), ovs=ovs)
    text = script.build_script([command], sudo=sudo,
                               exec_prefix=("docker", "exec", "ovs x"), nonce=NONCE)
    # The command line sits between "printf ... >&2" and "rc=$?".
    body = text.split(f"'__netdiag_{NONCE}:B:0' >&2\n", 1)[1]
    line = body.split("\nrc=$?\n", 1)[0]
    assert line.endswith(" </dev/null")
    words = shlex.split(line[:-len(" </dev/null")])
    assert words == script.command_argv(command, sudo=sudo,
                                        exec_prefix=("docker", "exec", "ovs x"))


def test_order_of_prefixes():
    command = Command("c", ("ovs-vsctl", "show"), timeout=2.5, ovs=True)
    assert script.command_argv(command, sudo=True,
                               exec_prefix=("docker", "exec", "openvswitch_vswitchd")) == [
        "timeout", "-k", "2", "--", "2.5", "sudo", "-n", "--",
        "docker", "exec", "openvswitch_vswitchd", "ovs-vsctl", "show"]
    plain = Command("c", ("ip", "-j", "link"))
    assert script.command_argv(plain, sudo=False, exec_prefix=("docker", "exec", "x")) == [
        "timeout", "-k", "2", "--", "10", "ip", "-j", "link"]


def test_nul_in_argv_refused():
    with pytest.raises(errors.UnsafeNameError):
        script.build_script([Command("c", ("echo", "a\0b"))], sudo=False, nonce=NONCE)


def test_lookalike_markers_are_data(tmp_path):
    fake = "__netdiag_00000000:E:0:0\n__netdiag_x:B:1\n"
    [result, after] = run_commands([Command("c", ("printf", "%s", fake)),
                                    Command("d", ("echo", "d"))], tmp_path)
    assert result.stdout == fake and result.ok
    assert after.stdout == "d\n"


def test_leading_noise_is_ignored():
    # e.g. a .bashrc that prints something before our script starts
    commands = [Command("c", ("true",))]
    out = f"Welcome!\n__netdiag_{NONCE}:B:0\nhello\n__netdiag_{NONCE}:E:0:0\n"
    err = f"__netdiag_{NONCE}:B:0\n\n__netdiag_{NONCE}:E:0:0\n"
    [result] = script.parse_framed(out, err, commands, NONCE)
    assert result.stdout == "hello" and result.ok


def test_cut_stream_is_never_ok():
    commands = [Command("a", ("true",)), Command("b", ("cat", "x")), Command("c", ("true",))]
    out = (f"__netdiag_{NONCE}:B:0\n\n__netdiag_{NONCE}:E:0:0\n"
           f"__netdiag_{NONCE}:B:1\npartial line")
    err = (f"__netdiag_{NONCE}:B:0\n\n__netdiag_{NONCE}:E:0:0\n"
           f"__netdiag_{NONCE}:B:1\n")
    a, b, c = script.parse_framed(out, err, commands, NONCE)
    assert a.ok
    assert (b.status, b.exit_status, b.stdout) == (models.HOST_ERROR, None, "partial line")
    assert "cut" in b.message
    assert (c.status, c.exit_status) == (models.HOST_ERROR, None)
    assert "not run" in c.message
    assert [r.status for r in script.parse_framed(out, err, commands, NONCE,
                                                  cut_status=models.HOST_TIMEOUT)] == \
        ["ok", "timeout", "timeout"]


def test_closing_marker_on_one_stream_only_is_cut():
    commands = [Command("a", ("true",))]
    out = f"__netdiag_{NONCE}:B:0\n\n__netdiag_{NONCE}:E:0:0\n"
    err = f"__netdiag_{NONCE}:B:0\n"
    [a] = script.parse_framed(out, err, commands, NONCE)
    assert a.status == models.HOST_ERROR and a.exit_status is None


def test_timeout_and_missing_command(tmp_path):
    slow, missing, failing = run_commands([
        Command("slow", ("sleep", "5"), timeout=0.3),
        Command("missing", ("netdiag-no-such-tool",)),
        Command("failing", ("sh", "-c", "echo oops >&2; exit 2"))], tmp_path)
    assert (slow.status, slow.exit_status) == (models.HOST_TIMEOUT, 124)
    assert missing.status == models.HOST_MISSING_COMMAND
    assert "netdiag-no-such-tool" in missing.message
    assert (failing.status, failing.exit_status, failing.stderr) == ("ok", 2, "oops\n")


@pytest.mark.parametrize("stderr, status", [
    ("sudo: a password is required\n", models.HOST_PERMISSION),
    ("Sorry, user neutron may not run sudo on compute1.\n", models.HOST_PERMISSION),
    ("sudo: sorry, you must have a tty to run sudo\n", models.HOST_PERMISSION),
    ("sudo: timeout: command not found\n", models.HOST_MISSING_COMMAND),
    ("plain failure\n", models.HOST_OK),
])
def test_sudo_refusals_classified(stderr, status):
    command = Command("c", ("ovs-vsctl", "show"))
    assert script.classify(command, 1, stderr, sudo=True)[0] == status
    # Without sudo the same text is just the command's own output.
    assert script.classify(command, 1, stderr, sudo=False)[0] == models.HOST_OK
