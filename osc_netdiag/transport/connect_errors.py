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

"""A failure to connect or log in -> a HostError with its HOST_* status.

Host key refusals are worded by :mod:`.hostkeys`; this module sorts what
socket and paramiko raise otherwise (see the SSH transport's docstring for
what each status means).
"""

import errno
import socket

import paramiko

from osc_netdiag import errors
from osc_netdiag import models

_UNREACHABLE_ERRNOS = {errno.ECONNREFUSED, errno.EHOSTUNREACH,
                       errno.ENETUNREACH, errno.ECONNRESET,
                       errno.EADDRNOTAVAIL}


def host_error(name, where, exc) -> errors.HostError:
    if isinstance(exc, paramiko.PasswordRequiredException):
        return errors.HostError(
            name, models.HOST_AUTH,
            "private key is encrypted: load it into ssh-agent")
    if isinstance(exc, paramiko.AuthenticationException):
        text = str(exc)
        if "timeout" in text.lower():
            return errors.HostError(name, models.HOST_TIMEOUT,
                                    f"authentication timed out at {where}")
        return errors.HostError(name, models.HOST_AUTH,
                                f"authentication refused at {where}: {text}")
    if isinstance(exc, socket.timeout):
        return errors.HostError(name, models.HOST_TIMEOUT,
                                f"no answer from {where}")
    if isinstance(exc, paramiko.SSHException):
        text = str(exc)
        if "banner" in text.lower():
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, socket.timeout) or "timed out" in text.lower():
                return errors.HostError(name, models.HOST_TIMEOUT,
                                        f"no SSH banner from {where}")
            return errors.HostError(name, models.HOST_UNREACHABLE,
                                    f"no SSH banner from {where}: {text}")
        if ("negotiation" in text.lower() or "timeout" in text.lower()
                or "no existing session" in text.lower()):
            return errors.HostError(name, models.HOST_TIMEOUT,
                                    f"SSH negotiation with {where}: {text}")
        return errors.HostError(name, models.HOST_ERROR, f"{where}: {text}")
    if isinstance(exc, OSError):
        status = (models.HOST_UNREACHABLE if exc.errno in _UNREACHABLE_ERRNOS
                  else models.HOST_ERROR)
        return errors.HostError(name, status, f"{where}: {exc}")
    if isinstance(exc, EOFError):
        return errors.HostError(name, models.HOST_UNREACHABLE,
                                f"{where} closed the connection")
    return errors.HostError(name, models.HOST_ERROR, f"{where}: {exc!r}")
