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

"""Exceptions the library raises.

A non-zero exit of a remote command is data (a finding), never an exception:
only transport failures, parse failures and resolution failures raise.
"""


class NetdiagError(Exception):
    """Base of every error this package raises on purpose."""


class ParseError(NetdiagError):
    """Output of a tool did not have the shape its parser expects.

    Parsers raise only this, so a truncated or garbled output is reported as
    unreadable (partial), never silently taken for a healthy one.
    """


class ResolveError(NetdiagError):
    """A Neutron object could not be resolved (exit code 3).

    ``reason`` is one of: ``not-found``, ``ambiguous``, ``unbound``,
    ``not-admin``, ``unsupported``. ``candidates`` lists rows describing the
    matches when the reference was ambiguous.
    """

    def __init__(self, reason, message, candidates=()):
        super().__init__(message)
        self.reason = reason
        self.candidates = tuple(candidates)


class UnsafeNameError(NetdiagError):
    """A device, bridge or namespace name failed the allow-list."""


class HostError(NetdiagError):
    """A host could not be reached or read as a whole.

    ``status`` is one of the HOST_* strings in :mod:`osc_netdiag.models`
    (``unreachable``, ``timeout``, ``hostkey``, ``auth``, ``permission``,
    ``error``).
    """

    def __init__(self, host, status, message):
        super().__init__(f"{host}: {status}: {message}")
        self.host = host
        self.status = status
        self.message = message
