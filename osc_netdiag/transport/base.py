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

"""The transport interface: run a batch of commands on one host.

Three implementations share it: SSH (paramiko), local (subprocess) and
replay/record (captured outputs). A batch is one round trip: every command
of the batch travels in one remote script, and the results come back framed.
"""

import abc
import dataclasses
from typing import Optional
from typing import Sequence

from osc_netdiag import models


@dataclasses.dataclass(frozen=True)
class Command:
    """One read-only command to run on a host.

    ``argv`` is never joined unquoted: transports quote every element.
    ``ovs`` commands get the host's exec prefix (containerised Open vSwitch,
    e.g. ``docker exec openvswitch_vswitchd``).
    """
    name: str                      # stable id; also the capture key
    argv: tuple
    timeout: float = 10.0
    ovs: bool = False


@dataclasses.dataclass(frozen=True)
class CommandResult:
    name: str
    argv: tuple
    stdout: str
    stderr: str
    exit_status: Optional[int]     # None when the command never finished
    status: str = models.HOST_OK   # ok, timeout, missing-command, permission, error
    duration: float = 0.0
    message: str = ""              # why status is not ok (empty when ok)

    @property
    def ok(self):
        return self.status == models.HOST_OK and self.exit_status == 0


@dataclasses.dataclass(frozen=True)
class HostTarget:
    """How to reach one Neutron host; built by the inventory."""
    name: str                      # the Neutron host name (binding:host_id)
    address: str
    port: int = 22
    user: Optional[str] = None
    key_filename: Optional[str] = None
    sudo: bool = False
    jump: Optional[str] = None     # [user@]host[:port] of a bastion
    proxy_command: Optional[str] = None
    exec_prefix: tuple = ()        # argv prefix for ovs commands
    known_hosts: tuple = ()        # extra known_hosts files
    connect_timeout: float = 5.0
    # The jump host as ~/.ssh/config describes it (HostName, User, Port,
    # IdentityFile of its own Host block); None: ``jump`` is used as written.
    jump_target: Optional["HostTarget"] = None


class HostSession(abc.ABC):
    """An open connection to one host, reused for every batch."""

    round_trips = 0

    @abc.abstractmethod
    def run(self, commands: Sequence[Command]) -> list:
        """Run ``commands`` in one round trip; return CommandResults in order.

        Raises HostError only when the host as a whole cannot be read.
        """

    def stream(self, argv: Sequence[str], *, deadline: float, on_line,
               stop, max_bytes: Optional[int] = None):
        """Run ``argv`` (quoted, never joined raw) for up to ``deadline``
        seconds with its stdin kept open, calling ``on_line`` with each
        output line as it comes; ``stop`` (a threading.Event) closes its
        stdin and waits a grace period for its last lines. Returns the exit
        status, or None when it had to be cut. Bounded as
        ``transport.stream`` says. A transport that cannot (a replay)
        raises NetdiagError.
        """
        from osc_netdiag.errors import NetdiagError
        raise NetdiagError(f"{type(self).__name__} cannot stream")

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Transport(abc.ABC):
    @abc.abstractmethod
    def open(self, target: HostTarget) -> HostSession:
        """Connect to ``target``; raises HostError (hostkey, auth, ...)."""
