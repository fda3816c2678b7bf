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

"""A host check's result in the text format node_exporter's textfile
collector reads (``--prometheus-file``): per host whether it could be read
and its worst finding, the findings by host, severity and code, how long
the check took and each host's part of it, and when it ran.

The file is written whole or not at all: to a temporary file in the same
folder (named so that the collector, which reads ``*.prom`` only, never
sees it half-written), then renamed over the target.
"""

import os
import tempfile

from osc_netdiag import errors
from osc_netdiag import models
from osc_netdiag.subjects import finding_host

PREFIX = "netdiag_host_check"
SUFFIX = ".prom"
# the status gauge: the worst thing known about a host
STATUS_OK, STATUS_WARNING, STATUS_ERROR, STATUS_UNREADABLE = 0, 1, 2, 3
_SEVERITY_STATUS = {"INFO": STATUS_OK, "WARNING": STATUS_WARNING,
                    "ERROR": STATUS_ERROR}

HELP = {
    "up": "1 when netdiag read the host, else 0; state says how it went "
          "(ok, unreachable, timeout, hostkey, auth, permission, "
          "missing-command, error)",
    "status": "Worst thing found on the host: 0 nothing above INFO, "
              "1 WARNING, 2 ERROR, 3 not read",
    "findings": "Findings of the last check by host, severity and code "
                "(host is empty for a finding about no single host)",
    "duration_seconds": "How long the whole check took (hosts are read "
                        "in parallel)",
    "host_duration_seconds": "How long reading the host took: its login "
                             "and every batch of commands (the whole check "
                             "takes about the longest host's)",
    "last_run_timestamp_seconds": "When the check finished (Unix time)",
    "exit_code": "The check's exit code (0 healthy; see netdiag's exit "
                 "codes)",
}


def escape_label(value):
    """A label value as the text format wants it."""
    return (str(value).replace("\\", "\\\\").replace("\"", "\\\"")
            .replace("\n", "\\n"))


def _sample(name, labels, value):
    text = ",".join(f'{k}="{escape_label(v)}"' for k, v in labels)
    return f"{PREFIX}_{name}{{{text}}} {value}" if labels else \
        f"{PREFIX}_{name} {value}"


def _number(value):
    return repr(float(value)) if isinstance(value, float) else str(value)


def render(result, *, duration, finished):
    """The textfile text of a HostCheck result.

    The result has ``rows``, ``findings``, ``hosts`` and ``exit_code``; it
    took ``duration`` seconds and finished at Unix time ``finished``.
    """
    hosts = [h.host for h in result.hosts]
    # a host not opened (not run) has none
    seconds = dict(getattr(result, "durations", ()))
    status = {}
    for report in result.hosts:
        status[report.host] = (STATUS_OK if report.status == models.HOST_OK
                               else STATUS_UNREADABLE)
    counts = {}
    for finding in result.findings:
        host = finding_host(finding.subject, hosts)
        key = (host, str(finding.severity), finding.code)
        counts[key] = counts.get(key, 0) + 1
        if host and status.get(host) != STATUS_UNREADABLE:
            status[host] = max(status[host],
                               _SEVERITY_STATUS[str(finding.severity)])
    series = {
        "up": [((("host", h.host), ("state", h.status)),
                int(h.status == models.HOST_OK)) for h in result.hosts],
        "status": [((("host", h),), status[h]) for h in hosts],
        "findings": [((("host", host), ("severity", severity),
                       ("code", code)), count)
                     for (host, severity, code), count
                     in sorted(counts.items())],
        "duration_seconds": [((), round(float(duration), 3))],
        "host_duration_seconds": [
            ((("host", h),), round(float(seconds[h]), 3))
            for h in hosts if h in seconds],
        "last_run_timestamp_seconds": [((), round(float(finished), 3))],
        "exit_code": [((), int(result.exit_code))],
    }
    lines = []
    for name, samples in series.items():
        help_text = HELP[name].replace("\\", "\\\\").replace("\n", "\\n")
        lines += [f"# HELP {PREFIX}_{name} {help_text}",
                  f"# TYPE {PREFIX}_{name} gauge"]
        lines += [_sample(name, labels, _number(value))
                  for labels, value in samples]
    return "\n".join(lines) + "\n"


def check_path(path):
    """Refuse a file the collector would not read, before anything runs.

    The name must end in ``.prom`` and its folder exist.
    """
    if not str(path).endswith(SUFFIX):
        raise errors.NetdiagError(
            f"--prometheus-file {path}: node_exporter's textfile collector "
            f"reads only *{SUFFIX} files")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise errors.NetdiagError(f"--prometheus-file {path}: no folder "
                                  f"{folder}")
    return path


def write_atomic(path, text):
    """Write ``text`` to ``path``: a reader sees the old file or the new.

    Never a part of it; mode 0644, as node_exporter runs as its own user.
    """
    path = check_path(path)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    return path
