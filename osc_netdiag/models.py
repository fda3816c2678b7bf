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

"""Result types shared by every command: hops, findings, host states.

Plain frozen dataclasses so that the Python API, ``-f json`` and the tests
all see the same thing.
"""

import dataclasses
import enum


class Status(str, enum.Enum):
    OK = "OK"
    WARN = "WARN"
    ERROR = "ERROR"
    SKIP = "SKIP"

    def __str__(self):
        return self.value


class Severity(str, enum.Enum):
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"

    def __str__(self):
        return self.value


# How a host (or one command on it) could be read. Everything but OK and
# NOT_RUN makes the exit code carry 8 (or 16 for HOSTKEY/AUTH).
HOST_OK = "ok"
HOST_UNREACHABLE = "unreachable"
HOST_TIMEOUT = "timeout"
HOST_HOSTKEY = "hostkey"
HOST_AUTH = "auth"
HOST_PERMISSION = "permission"
HOST_MISSING_COMMAND = "missing-command"
HOST_ERROR = "error"
HOST_NOT_RUN = "not-run"

CREDENTIAL_STATES = frozenset({HOST_HOSTKEY, HOST_AUTH})
UNREADABLE_STATES = frozenset({HOST_UNREACHABLE, HOST_TIMEOUT, HOST_PERMISSION,
                               HOST_MISSING_COMMAND, HOST_ERROR})


@dataclasses.dataclass(frozen=True)
class Evidence:
    """The command that decided a hop and the output lines that mattered."""
    host: str
    command: str
    lines: tuple = ()


@dataclasses.dataclass(frozen=True)
class Hop:
    host: str
    device: str
    kind: str
    state: str
    detail: str
    status: Status
    evidence: tuple = ()          # of Evidence

    def row(self, long=False):
        row = (self.host, self.device, self.kind, self.state, self.detail,
               str(self.status))
        if long:
            row += ("\n".join(f"{e.host}$ {e.command}\n" +
                              "\n".join(e.lines) for e in self.evidence),)
        return row

    def to_dict(self, long=False):
        data = {"host": self.host, "device": self.device, "kind": self.kind,
                "state": self.state, "detail": self.detail,
                "status": str(self.status)}
        if long:
            data["evidence"] = [dataclasses.asdict(e) for e in self.evidence]
        return data


@dataclasses.dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    subject: str
    summary: str
    remedy: str

    def to_dict(self):
        return {"code": self.code, "severity": str(self.severity),
                "subject": self.subject, "summary": self.summary,
                "remedy": self.remedy}


@dataclasses.dataclass(frozen=True)
class HostReport:
    """How one host could be read during a run."""
    host: str
    address: str
    status: str
    message: str = ""
