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

"""SSH transport (paramiko): one connection per host, one channel per batch.

Host keys come from ``/etc/ssh/ssh_known_hosts``, ``~/.ssh/known_hosts`` and
the files given, read by :mod:`.known_hosts` and judged by :mod:`.hostkeys`
(``@revoked`` and ``@cert-authority`` lines included); an unknown, changed or
revoked key is refused (never AutoAdd) before any authentication is
attempted, and nothing is ever written to a known_hosts file. Every failure
to reach or log in to a host becomes a
:class:`~osc_netdiag.errors.HostError` with one of the HOST_* statuses:
``unreachable`` when the TCP connection cannot be made (refused, no route,
or no answer to the handshake within the connect timeout), ``timeout`` when
TCP connects but the SSH banner, key exchange or authentication does not
complete in time, ``hostkey`` and ``auth`` for refused credentials.
"""

import logging
import os
import shlex
import socket
import threading
from typing import Sequence

import paramiko

from osc_netdiag import errors
from osc_netdiag import models
from osc_netdiag import ssh_config
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.base import HostSession
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.base import Transport
from osc_netdiag.transport.connect_errors import host_error as _host_error
from osc_netdiag.transport import hostkeys
from osc_netdiag.transport import known_hosts
from osc_netdiag.transport import limits
from osc_netdiag.transport import script
from osc_netdiag.transport import sshio

# Kept importable from here: the CLI and callers use them.
from osc_netdiag.transport.hostkeys import check_fingerprint  # noqa: F401
from osc_netdiag.transport.hostkeys import fingerprint  # noqa: F401

LOG = logging.getLogger(__name__)

SYSTEM_KNOWN_HOSTS = "/etc/ssh/ssh_known_hosts"
USER_KNOWN_HOSTS = "~/.ssh/known_hosts"
REMOTE_SHELL = "/bin/sh -s"


def parse_jump(spec: str, default_user=None):
    """``[user@]host[:port]`` -> (user, host, port)."""
    user, host, port = ssh_config.split_jump(spec)
    return user or default_user, host, int(port or 22)


class SSHSession(HostSession):
    def __init__(self, target: HostTarget, client, jump_client=None,
                 margin: float = script.BATCH_MARGIN, output_limits=None):
        self.target = target
        self._client = client
        self._jump_client = jump_client
        self._margin = margin
        self._limits = limits.limits_of(output_limits)
        self.received = 0        # bytes read from this host, all batches
        self._gone = None        # HostError once the watchdog dropped us
        self.round_trips = 0

    def run(self, commands: Sequence[Command]) -> list:
        if not commands:
            return []
        if self._gone is not None:
            raise self._gone
        budget = self._limits.host_budget(self.target.name, self.received)
        self.round_trips += 1
        nonce = script.new_nonce()
        text = script.build_script(commands, sudo=self.target.sudo,
                                   exec_prefix=self.target.exec_prefix,
                                   nonce=nonce)
        deadline = (sum(float(c.timeout) + script.KILL_AFTER for c in commands)
                    + self._margin)
        transport = self._client.get_transport()
        if transport is None or not transport.is_active():
            raise errors.HostError(self.target.name, models.HOST_UNREACHABLE,
                                   "connection lost")
        try:
            channel = transport.open_session(timeout=self.target.connect_timeout)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise errors.HostError(self.target.name, models.HOST_ERROR,
                                   f"cannot open a channel: {exc}") from exc
        batch = limits.BoundedBatch(script.marker(nonce), len(commands),
                                    self._limits, budget)
        # The deadline covers the exec request and the sends too, which
        # paramiko would wait on for ever (see sshio).
        watchdog = sshio.Watchdog(channel, transport, deadline)
        try:
            with watchdog:
                try:
                    ending = sshio.exchange(channel, REMOTE_SHELL,
                                            text.encode(), deadline, batch)
                finally:
                    # On deadline this drops the channel; the remote
                    # ``timeout`` wrappers make sure no command of ours
                    # keeps running.
                    channel.close()
        except (paramiko.SSHException, OSError, EOFError) as exc:
            if not watchdog.fired:
                raise errors.HostError(self.target.name, models.HOST_ERROR,
                                       f"channel failed: {exc}") from exc
            error = errors.HostError(
                self.target.name, models.HOST_TIMEOUT,
                f"no answer within the batch deadline of {deadline:.0f}s "
                f"(the channel was open; the host stopped answering)")
            if watchdog.closed_connection:
                self._gone = error
            raise error from exc
        finally:
            self.received += batch.received
        if watchdog.fired and ending == sshio.DONE:
            # Its close made the channel look finished (paramiko says an
            # exit status is ready once a channel is closed).
            ending = sshio.DEADLINE
        if ending == sshio.DEADLINE:
            LOG.warning("%s: batch of %d commands passed its %.0fs deadline",
                        self.target.name, len(commands), deadline)
        out, err = batch.streams()
        return batch.timed(batch.mark_cuts(script.parse_framed(
            out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
            commands, nonce, sudo=self.target.sudo,
            cut_status=models.HOST_TIMEOUT if ending == sshio.DEADLINE
            else models.HOST_ERROR)))

    def stream(self, argv, *, deadline, on_line, stop, max_bytes=None):
        """See HostSession.stream: on a new channel of this connection."""
        from osc_netdiag.transport import stream
        return stream.run_ssh(self, shlex.join(argv), deadline, on_line,
                              stop, max_bytes)

    def open_channel(self):
        """A new session channel on this host's connection, for callers
        that run one long script with its own deadline (port capture).
        """
        transport = self._client.get_transport()
        if transport is None or not transport.is_active():
            raise errors.HostError(self.target.name, models.HOST_UNREACHABLE,
                                   "connection lost")
        return transport.open_session(timeout=self.target.connect_timeout)

    def close(self):
        _close_client(self._client)
        if self._jump_client is not None:
            _close_client(self._jump_client)


def _close_client(client):
    """Close and wait for paramiko's reader thread (it polls every 0.1 s)."""
    transport = client.get_transport()
    client.close()
    if (transport is not None and transport.ident is not None
            and transport is not threading.current_thread()):
        transport.join(2.0)


# OpenSSH's sshd starts dropping unauthenticated connections at its
# MaxStartups "start" value (10 by default). Reading 64 hosts behind one
# bastion means 64 logins to that bastion at once; keep them under the
# default so none is refused. Direct hosts are separate sshds and need no
# gate.
LOGINS_PER_GATEWAY = 8


class _GatewayGates:
    """One semaphore per jump host or proxy command, made on first use."""

    def __init__(self, size=LOGINS_PER_GATEWAY):
        self._size = size
        self._lock = threading.Lock()
        self._gates = {}

    def __call__(self, key):
        with self._lock:
            gate = self._gates.get(key)
            if gate is None:
                gate = self._gates[key] = threading.BoundedSemaphore(
                    self._size)
            return gate


class SSHTransport(Transport):
    """Open SSH sessions with paramiko; see the module docstring.

    ``ssh_config_path`` is kept for callers; ``~/.ssh/config`` is applied by
    the inventory when it builds each HostTarget, not here.
    ``output_limits``: an OutputLimits, or a per-command cap in MiB
    (``--max-output``); None for the defaults (see ``limits``).
    """

    def __init__(self, known_hosts_files=(), ssh_config_path=None,
                 connect_timeout=5, banner_timeout=5, auth_timeout=5,
                 allow_agent=True, accept_new_host_keys=(),
                 output_limits=None):
        self.output_limits = limits.limits_of(output_limits)
        self.known_hosts_files = tuple(known_hosts_files)
        # HOST=SHA256:... each; a key is accepted for the host named only.
        self._accepted = tuple(hostkeys.check_accept(a)
                               for a in accept_new_host_keys or ())
        self.accept_new_host_keys = tuple("=".join(a) for a in self._accepted)
        self.ssh_config_path = ssh_config_path
        self.connect_timeout = connect_timeout
        self.banner_timeout = banner_timeout
        self.auth_timeout = auth_timeout
        self.allow_agent = allow_agent
        self._gateway_gate = _GatewayGates()
        self._parsed_lock = threading.Lock()
        self._parsed = {}

    # -- host keys -------------------------------------------------------
    def _known_hosts(self, target: HostTarget):
        files = [SYSTEM_KNOWN_HOSTS, os.path.expanduser(USER_KNOWN_HOSTS)]
        files += [os.path.expanduser(f) for f in self.known_hosts_files]
        files += [os.path.expanduser(f) for f in target.known_hosts]
        return [f for f in dict.fromkeys(files) if os.path.isfile(f)]

    def _entries(self, path):
        """The entries of one known_hosts file, read once per transport."""
        with self._parsed_lock:
            if path not in self._parsed:
                try:
                    with open(path, encoding="utf-8", errors="replace") as f:
                        parsed = known_hosts.parse(f.read(), path)
                except OSError as exc:
                    LOG.warning("cannot read known_hosts file %s: %s", path, exc)
                    parsed = known_hosts.Parsed((), ())
                for where, why in parsed.problems:
                    LOG.warning("known_hosts %s: line skipped: %s", where, why)
                self._parsed[path] = parsed.entries
            return self._parsed[path]

    def _client(self, target: HostTarget, names):
        entries = [e for path in self._known_hosts(target)
                   for e in self._entries(path)]
        view = known_hosts.for_host(entries, target.address, target.port)
        client = paramiko.SSHClient()
        # No key is loaded into paramiko: it asks the policy about each one.
        client.set_missing_host_key_policy(
            hostkeys.HostKeyPolicy(view, names, self._accepted))
        return client, view

    # -- connecting ------------------------------------------------------
    def open(self, target: HostTarget) -> HostSession:
        jump_client = None
        try:
            sock = None
            jump = _jump_target(target)
            if jump is not None:
                host = jump.name
                with self._gateway_gate(("jump", jump.user, jump.address,
                                         jump.port)):
                    jump_client = self._connect(
                        jump, None, name=f"{target.name} (jump host {host})")
                try:
                    sock = jump_client.get_transport().open_channel(
                        "direct-tcpip", (target.address, target.port),
                        ("127.0.0.1", 0), timeout=self._timeout(target))
                except paramiko.ChannelException as exc:
                    raise errors.HostError(
                        target.name, models.HOST_UNREACHABLE,
                        f"jump host {host} cannot reach "
                        f"{target.address}:{target.port}: {exc}") from exc
                except (paramiko.SSHException, OSError, EOFError) as exc:
                    raise errors.HostError(
                        target.name, models.HOST_TIMEOUT
                        if isinstance(exc, socket.timeout) else
                        models.HOST_ERROR,
                        f"through jump host {host}: {exc}") from exc
            elif target.proxy_command:
                try:
                    sock = paramiko.ProxyCommand(target.proxy_command)
                except (OSError, paramiko.SSHException) as exc:
                    raise errors.HostError(
                        target.name, models.HOST_UNREACHABLE,
                        f"proxy command failed: {exc}") from exc
                # A proxy command usually logs in to a bastion (ssh -W %h:%p);
                # its expanded text differs per host, so all proxied logins
                # share one gate.
                with self._gateway_gate(("proxy",)):
                    client = self._connect(target, sock)
                return SSHSession(target, client, None,
                                  output_limits=self.output_limits)
            client = self._connect(target, sock)
        except BaseException:
            if jump_client is not None:
                _close_client(jump_client)
            raise
        return SSHSession(target, client, jump_client,
                          output_limits=self.output_limits)

    def _timeout(self, target):
        return min(self.connect_timeout, target.connect_timeout or
                   self.connect_timeout)

    def _connect(self, target: HostTarget, sock, name=None):
        """Log in to ``target``; ``name`` is the host errors are reported
        for (a jump host's errors belong to the host behind it).
        """
        name = name or target.name
        timeout = self._timeout(target)
        where = f"{target.address}:{target.port}"
        if sock is None:
            try:
                sock = socket.create_connection((target.address, target.port),
                                                timeout=timeout)
            except socket.timeout as exc:
                # The TCP handshake itself did not complete (packets
                # dropped, host down): the host is unreachable. ``timeout``
                # is kept for a host that connects but does not speak SSH.
                raise errors.HostError(name, models.HOST_UNREACHABLE,
                                       f"no TCP answer from {where} "
                                       f"within {timeout:g}s") from exc
            except socket.gaierror as exc:
                raise errors.HostError(name, models.HOST_UNREACHABLE,
                                       f"cannot resolve {target.address}: "
                                       f"{exc.strerror}") from exc
            except OSError as exc:
                raise errors.HostError(name, models.HOST_UNREACHABLE,
                                       f"cannot connect to {where}: "
                                       f"{exc.strerror or exc}") from exc
        # The host as the operator names it in --accept-new-host-key.
        accept_as = (target.name, target.address)
        client = None
        key = os.path.expanduser(target.key_filename) \
            if target.key_filename else None
        try:
            client, view = self._client(target, accept_as)

            def transport_factory(sock, **kwargs):
                transport = paramiko.Transport(sock, **kwargs)
                options = transport.get_security_options()
                options.key_types = hostkeys.preferred_types(
                    view, options.key_types)
                return transport

            client.connect(
                target.address, port=target.port, username=target.user,
                # paramiko uses ``timeout`` for the key exchange when given a
                # socket; let the banner timeout speak first.
                key_filename=key, sock=sock,
                timeout=max(timeout, self.banner_timeout) + 0.5,
                banner_timeout=self.banner_timeout,
                auth_timeout=self.auth_timeout,
                allow_agent=self.allow_agent and key is None,
                look_for_keys=key is None,
                transport_factory=transport_factory)
        except BaseException as exc:
            if client is not None:
                _close_client(client)
            _close_sock(sock)
            if isinstance(exc, hostkeys.HostKeyRefused):
                raise hostkeys.host_error(name, exc, accept_as[0]) from exc
            if isinstance(exc, Exception):
                raise _host_error(name, where, exc) from exc
            raise
        return client


def _jump_target(target: HostTarget):
    """The jump host's own target: the inventory's (resolved through
    ~/.ssh/config) or, for a bare ``[user@]host[:port]``, that.
    """
    if getattr(target, "jump_target", None) is not None:
        return target.jump_target
    if not target.jump:
        return None
    user, host, port = parse_jump(target.jump, target.user)
    return HostTarget(name=host, address=host, port=port, user=user,
                      key_filename=target.key_filename,
                      known_hosts=target.known_hosts,
                      connect_timeout=target.connect_timeout)


def _close_sock(sock):
    try:
        sock.close()
    except Exception:  # already closed or a dead proxy command
        pass
