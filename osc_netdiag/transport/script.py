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

"""One POSIX sh script per batch, and the framing that splits its output.

Every command of a batch travels in one script, so a host costs one round
trip however many probes it gets. The script is fed to ``/bin/sh -s`` on its
standard input (never on argv, so ``ps`` on the host shows ``sh -s`` and not
our markers); each command reads ``/dev/null``.

For command ``i`` the script writes, on stdout and on stderr alike::

    <marker>:B:<i>            (own line)
    ...the command's own output, byte for byte...
    \\n<marker>:E:<i>:<rc>     (closing line, carrying the exit status)

``<marker>`` carries a random nonce, so output lines that merely look like
markers are data. The newline before the closing marker is ours and is
removed again, which keeps output without a trailing newline intact.

Each command runs as ``timeout -k 2 -- T [sudo -n --] [exec_prefix...] argv...``
with every element quoted by :func:`shlex.quote`.
"""

import re
import secrets
import shlex
from typing import Optional
from typing import Sequence

from osc_netdiag import errors
from osc_netdiag import models
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.base import CommandResult

# Grace period between timeout's TERM and its KILL.
KILL_AFTER = 2
# Extra seconds a transport waits for a whole batch beyond the commands' own
# deadlines (connection latency, shell start-up).
BATCH_MARGIN = 5.0

_TIMEOUT_EXITS = (124, 137)
_SUDO_PERMISSION = re.compile(
    r"sudo: (a password is required|a terminal is required"
    r"|sorry, you must have a tty)"
    r"|may not run sudo|is not allowed to (run|execute)|is not in the sudoers",
    re.IGNORECASE)
_SUDO_NOT_FOUND = re.compile(r"^sudo: (.+): command not found$", re.MULTILINE)
_TIMEOUT_NOT_FOUND = re.compile(
    r"^timeout: failed to run command ['\u2018](.+?)['\u2019]: "
    r"No such file or directory$", re.MULTILINE)
_SH_NOT_FOUND = re.compile(r"^(?:\S*sh: (?:\d+: )?)?(\S+): (?:command )?not found$",
                           re.MULTILINE)


def new_nonce() -> str:
    return secrets.token_hex(12)


def _marker(nonce: str) -> str:
    return f"__netdiag_{nonce}"


def marker(nonce: str) -> str:
    """The framing marker of a batch (for readers that split it live)."""
    _check_nonce(nonce)
    return _marker(nonce)


def _check_nonce(nonce: str):
    if not re.fullmatch(r"[0-9A-Za-z_]{8,64}", nonce):
        raise ValueError("nonce must be 8-64 alphanumeric characters")


def batch_deadline(commands: Sequence[Command]) -> float:
    """Seconds a transport may wait for the whole batch."""
    return (sum(float(c.timeout) + KILL_AFTER for c in commands)
            + BATCH_MARGIN)


def command_argv(command: Command, *, sudo: bool,
                 exec_prefix: Sequence[str] = ()) -> list:
    """The full argv a command runs as on the host (before quoting)."""
    timeout = float(command.timeout)
    if not timeout > 0:
        raise ValueError(f"{command.name}: timeout must be positive")
    if not command.argv:
        raise ValueError(f"{command.name}: empty argv")
    # timeout stays outside sudo: a sudoers file can then grant exactly the
    # read-only commands (doc/source/netdiag.sudoers) instead of `timeout`,
    # which would be root for anything. sudo relays timeout's TERM.
    argv = ["timeout", "-k", str(KILL_AFTER), "--", f"{timeout:g}"]
    if sudo:
        argv += ["sudo", "-n", "--"]
    if command.ovs:
        argv += list(exec_prefix)
    argv += list(command.argv)
    for element in argv:
        if not isinstance(element, str):
            raise TypeError(f"{command.name}: argv element {element!r} "
                            f"is not a string")
        if "\0" in element:
            raise errors.UnsafeNameError(
                f"{command.name}: argv element contains a NUL byte")
    return argv


def build_script(commands: Sequence[Command], *, sudo: bool,
                 exec_prefix: tuple = (), nonce: str) -> str:
    """Return one sh script running ``commands`` in order, framed."""
    _check_nonce(nonce)
    mark = _marker(nonce)
    # No "exec </dev/null" here: sh -s reads this script from its standard
    # input in blocks (dash: 8 KiB, or whatever has arrived so far), and
    # redirecting the shell's own stdin would drop the rest of the script.
    # Each command gets </dev/null instead.
    lines = [
        "LC_ALL=C; LANG=C; export LC_ALL LANG",
    ]
    for index, command in enumerate(commands):
        quoted = " ".join(shlex.quote(a) for a in
                          command_argv(command, sudo=sudo,
                                       exec_prefix=exec_prefix))
        lines += [
            f"printf '%s\\n' '{mark}:B:{index}'",
            f"printf '%s\\n' '{mark}:B:{index}' >&2",
            f"{quoted} </dev/null",
            "rc=$?",
            f"printf '\\n%s:%s\\n' '{mark}:E:{index}' \"$rc\"",
            f"printf '\\n%s:%s\\n' '{mark}:E:{index}' \"$rc\" >&2",
        ]
    lines.append("exit 0")
    return "\n".join(lines) + "\n"


def _split(stream: str, mark: str, count: int):
    """Yield (text, rc, state) per command; state: done/cut/missing."""
    pos = 0
    for index in range(count):
        begin = f"{mark}:B:{index}\n"
        start = stream.find(begin, pos)
        if start < 0:
            yield "", None, "missing"
            continue
        start += len(begin)
        end_re = re.compile(re.escape(f"\n{mark}:E:{index}:") + r"(\d+)\n")
        match = end_re.search(stream, start)
        if match is None:
            # Stream cut: what arrived is kept, but never taken for complete.
            yield stream[start:], None, "cut"
            pos = len(stream)
            continue
        yield stream[start:match.start()], int(match.group(1)), "done"
        pos = match.end()


def classify(command: Command, exit_status: Optional[int], stderr: str,
             *, sudo: bool) -> tuple:
    """Return (status, message) for a finished command."""
    if exit_status in _TIMEOUT_EXITS:
        return (models.HOST_TIMEOUT,
                f"{command.name}: no answer within {command.timeout:g}s")
    if sudo and exit_status == 1:
        found = _SUDO_NOT_FOUND.search(stderr)
        if found:
            return (models.HOST_MISSING_COMMAND,
                    f"{command.name}: command not found: {found.group(1)}")
        if _SUDO_PERMISSION.search(stderr):
            return (models.HOST_PERMISSION,
                    f"{command.name}: sudo -n refused: "
                    f"{stderr.strip().splitlines()[-1]}")
    if exit_status == 127:
        found = (_TIMEOUT_NOT_FOUND.search(stderr)
                 or _SH_NOT_FOUND.search(stderr))
        missing = found.group(1) if found else command.argv[0]
        return (models.HOST_MISSING_COMMAND,
                f"{command.name}: command not found: {missing}")
    if exit_status == 126:
        return (models.HOST_PERMISSION,
                f"{command.name}: cannot execute {command.argv[0]}")
    return models.HOST_OK, ""


def parse_framed(stdout: str, stderr: str, commands: Sequence[Command],
                 nonce: str, *, sudo: bool = False,
                 cut_status: str = models.HOST_ERROR) -> list:
    """Split a batch's two streams back into one CommandResult per command.

    A command whose closing marker never arrived gets ``cut_status``
    (``error`` by default; ``timeout`` when the transport gave up on the
    batch deadline) and ``exit_status`` None, with whatever output arrived.
    """
    mark = _marker(nonce)
    outs = list(_split(stdout, mark, len(commands)))
    errs = list(_split(stderr, mark, len(commands)))
    results = []
    for command, (out, rc, out_state), (err, err_rc, err_state) in zip(
            commands, outs, errs):
        if out_state == "done" and err_state == "done":
            status, message = classify(command, rc, err, sudo=sudo)
        else:
            rc = None
            if out_state == "missing" and err_state == "missing":
                status = cut_status
                message = (f"{command.name}: not run "
                           f"(batch output ended before it started)")
            else:
                status = cut_status
                message = f"{command.name}: output cut before the command finished"
        results.append(CommandResult(
            name=command.name, argv=tuple(command.argv), stdout=out,
            stderr=err, exit_status=rc, status=status, message=message))
    return results
