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

"""Record what hosts answered, and replay it offline.

A capture folder holds one JSON file per host (``hosts/<host>.json``)::

    {"host": "compute1", "address": "198.18.0.11",
     "status": "ok", "message": "",
     "commands": [{"name": "ovs-vsctl-show", "argv": ["ovs-vsctl", "show"],
                   "stdout": "...", "stderr": "", "exit_status": 0,
                   "status": "ok", "message": "", "duration": 0.012}]}

``status`` is ``ok`` or the status of the HostError the host failed with;
``duration`` is the command's as the run measured it (seconds; see
``limits.BoundedBatch.timed``), and a replay reports it as recorded (0.0
from a capture saved before it was kept);
other layers keep the API context next to it with :func:`save_json`.
Whole-host scenarios recorded once double as tests and as offline input.
"""

import json
import os
import posixpath
import threading
import time
from typing import Sequence
import urllib.parse

from osc_netdiag import errors
from osc_netdiag import models
from osc_netdiag import outdir
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.base import CommandResult
from osc_netdiag.transport.base import HostSession
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.base import Transport

HOSTS_DIR = "hosts"


def _file_stem(name: str) -> str:
    stem = urllib.parse.quote(name, safe="@+-_.:")
    if stem in ("", ".", ".."):
        raise errors.UnsafeNameError(f"cannot store host name {name!r}")
    return stem


def host_path(capture_dir, host: str) -> str:
    from osc_netdiag.names import check_host_name
    return os.path.join(capture_dir, HOSTS_DIR,
                        _file_stem(check_host_name(host)) + ".json")


def _write_json(path, obj):
    # Through outdir: folders 0700, files 0600, no link in them followed.
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False)
    outdir.write_file(path, (text + "\n").encode("utf-8"), "--save-capture")


def prepare(capture_dir):
    """Create the capture folder 0700, or refuse an unsafe existing one
    (see :mod:`osc_netdiag.outdir`), before any host is contacted.
    """
    return outdir.prepare(capture_dir, "--save-capture")


def save_json(capture_dir, name: str, obj) -> str:
    """Store ``obj`` as ``capture_dir/<name>.json``; return the path."""
    path = os.path.join(capture_dir, _file_stem(name) + ".json")
    _write_json(path, obj)
    return path


def load_json(capture_dir, name: str):
    with open(os.path.join(capture_dir, _file_stem(name) + ".json"),
              encoding="utf-8") as handle:
        return json.load(handle)


def result_to_dict(result: CommandResult) -> dict:
    return {"name": result.name, "argv": list(result.argv),
            "stdout": result.stdout, "stderr": result.stderr,
            "exit_status": result.exit_status, "status": result.status,
            "message": result.message, "duration": result.duration}


def result_from_dict(data: dict) -> CommandResult:
    return CommandResult(name=data["name"], argv=tuple(data["argv"]),
                         stdout=data.get("stdout", ""),
                         stderr=data.get("stderr", ""),
                         exit_status=data.get("exit_status"),
                         status=data.get("status", models.HOST_OK),
                         # as recorded; 0.0 in a capture older than that
                         duration=float(data.get("duration", 0.0)),
                         message=data.get("message", ""))


def load_host(capture_dir, host: str):
    with open(host_path(capture_dir, host), encoding="utf-8") as handle:
        return json.load(handle)


def captured_hosts(capture_dir) -> list:
    """Every host record of a capture folder, sorted by host name."""
    folder = os.path.join(capture_dir, HOSTS_DIR)
    records = []
    for entry in sorted(os.listdir(folder)):
        if entry.endswith(".json") and not entry.startswith("."):
            with open(os.path.join(folder, entry), encoding="utf-8") as handle:
                records.append(json.load(handle))
    return sorted(records, key=lambda r: r["host"])


# -- recording --------------------------------------------------------------

class _HostRecord:
    def __init__(self, target: HostTarget):
        self.data = {"host": target.name, "address": target.address,
                     "status": models.HOST_OK, "message": "", "commands": []}

    def fail(self, error: errors.HostError):
        self.data["status"] = error.status
        self.data["message"] = error.message


class RecordingSession(HostSession):
    def __init__(self, owner, inner: HostSession, record: _HostRecord):
        self._owner = owner
        self._inner = inner
        self._record = record

    @property
    def round_trips(self):
        return self._inner.round_trips

    def run(self, commands: Sequence[Command]) -> list:
        try:
            results = self._inner.run(commands)
        except errors.HostError as exc:
            self._record.fail(exc)
            self._owner._write(self._record)
            raise
        self._record.data["commands"].extend(result_to_dict(r) for r in results)
        self._owner._write(self._record)
        return results

    def stream(self, argv, **options):
        # a stream (a capture) is live by nature: passed through, not kept
        return self._inner.stream(argv, **options)

    def close(self):
        self._inner.close()


class RecordingTransport(Transport):
    """Wrap ``inner`` and write every host's results under ``capture_dir``."""

    def __init__(self, inner: Transport, capture_dir):
        self.inner = inner
        self.capture_dir = capture_dir
        self._lock = threading.Lock()
        # Now, not at the first write: a refused folder (a planted link)
        # must stop the run before a host is contacted, not fail each host.
        prepare(os.path.join(capture_dir, HOSTS_DIR))

    def _write(self, record: _HostRecord):
        with self._lock:
            _write_json(host_path(self.capture_dir, record.data["host"]),
                        record.data)

    def open(self, target: HostTarget) -> HostSession:
        record = _HostRecord(target)
        try:
            inner = self.inner.open(target)
        except errors.HostError as exc:
            record.fail(exc)
            self._write(record)
            raise
        self._write(record)
        return RecordingSession(self, inner, record)


# -- replay -----------------------------------------------------------------

def legacy_argv(argv) -> tuple:
    """The argv an older release recorded for ``argv``: it ran commands in
    a namespace by bare name (``ip netns exec NS ip ...``), today's run them
    by absolute path (``... NS /usr/sbin/ip ...``). Captures saved then
    still replay; an exact match always wins over this one.
    """
    argv = tuple(argv)
    if argv[:3] == ("ip", "netns", "exec") and len(argv) > 4 \
            and argv[4].startswith("/"):
        return argv[:4] + (posixpath.basename(argv[4]),) + argv[5:]
    return argv


class ReplaySession(HostSession):
    def __init__(self, owner, target: HostTarget, by_argv: dict):
        self._owner = owner
        self.target = target
        self._by_argv = by_argv
        self.round_trips = 0

    def run(self, commands: Sequence[Command]) -> list:
        if not commands:
            return []
        self.round_trips += 1
        self._owner._round_trip()
        results = []
        for command in commands:
            found = self._by_argv.get(tuple(command.argv))
            if found is None:
                found = self._by_argv.get(legacy_argv(command.argv))
            if found is None:
                results.append(CommandResult(
                    name=command.name, argv=tuple(command.argv), stdout="",
                    stderr="", exit_status=None, status=models.HOST_ERROR,
                    message=f"{command.name}: not in capture"))
            else:
                results.append(found if found.name == command.name else
                               _renamed(found, command.name))
        return results

    def stream(self, argv, **options):
        raise errors.NetdiagError(
            f"{self.target.name}: a capture saves no stream to replay; "
            "a stream runs live only")


def _renamed(result: CommandResult, name: str) -> CommandResult:
    data = result_to_dict(result)
    data["name"] = name
    return result_from_dict(data)


class ReplayTransport(Transport):
    """Serve recorded results by (host, argv).

    ``latency`` seconds are slept once per open and once per ``run()``
    batch, to stand in for network round trips in benchmarks.
    """

    def __init__(self, capture_dir, latency: float = 0.0):
        self.capture_dir = capture_dir
        self.latency = latency
        self.round_trips = 0
        self._lock = threading.Lock()

    def _round_trip(self):
        with self._lock:
            self.round_trips += 1
        if self.latency:
            time.sleep(self.latency)

    def open(self, target: HostTarget) -> HostSession:
        self._round_trip()
        try:
            data = load_host(self.capture_dir, target.name)
        except FileNotFoundError:
            raise errors.HostError(target.name, models.HOST_ERROR,
                                   "host not in capture") from None
        if data.get("status", models.HOST_OK) != models.HOST_OK:
            raise errors.HostError(target.name, data["status"],
                                   data.get("message", ""))
        # The latest answer to an argv wins when a capture has it twice.
        by_argv = {tuple(c["argv"]): result_from_dict(c)
                   for c in data.get("commands", ())}
        return ReplaySession(self, target, by_argv)
