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

"""One batch over an SSH exec channel, under its deadline and output caps.

paramiko bounds opening a channel, but not what follows: the exec request
waits for the server's answer without a timeout (``Channel.exec_command``
waits on an event), and a write blocks while the connection cannot take
more. A host whose session process stops right after the channel opened
would hold the caller for ever. So the whole batch, exec request included,
runs under a :class:`Watchdog`, and the read loop checks the deadline and
the byte caps (``limits``) after every chunk.
"""

import select
import threading
import time

DONE, DEADLINE, CAPPED = "done", "deadline", "capped"
# After closing the channel at the deadline, how long the watchdog lets the
# caller wake up before it closes the whole connection (a caller blocked
# writing on the connection itself is only woken by that).
GRACE = 2.0
CHUNK = 65536


def _quietly(call):
    try:
        call()
    except Exception:  # noqa: BLE001 - closing is best effort
        pass


class Watchdog:
    """Close ``channel`` at ``seconds`` unless the caller is done by then.

    Closing the channel wakes a waiting exec request (it then raises) and
    ends the read loop. Done in a thread of its own, since closing sends a
    message and that can block on the same stuck connection; if the caller
    is still not done ``grace`` seconds later, ``connection`` (the paramiko
    Transport) is closed too, which ends every wait on it.
    """

    def __init__(self, channel, connection, seconds, grace=GRACE):
        self._channel = channel
        self._connection = connection
        self._seconds = seconds
        self._grace = grace
        self._done = threading.Event()
        self.fired = False
        self.closed_connection = False
        self._thread = threading.Thread(target=self._watch, daemon=True,
                                        name="netdiag-watchdog")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()

    def _watch(self):
        if self._done.wait(self._seconds):
            return
        self.fired = True
        closer = threading.Thread(target=_quietly, args=(self._channel.close,),
                                  daemon=True, name="netdiag-watchdog-close")
        closer.start()
        if not self._done.wait(self._grace):
            self.closed_connection = True
            _quietly(self._connection.close)
        closer.join(self._grace)


def exchange(channel, remote_command: str, stdin: bytes, deadline: float,
             batch) -> str:
    """Run one exec request, feeding its two streams to ``batch``
    (a ``limits.BoundedBatch``); return DONE, DEADLINE or CAPPED.
    """
    end = time.monotonic() + deadline
    channel.settimeout(max(1.0, deadline))
    channel.exec_command(remote_command)
    channel.sendall(stdin)
    channel.shutdown_write()
    fd = channel.fileno()
    while True:
        ending = _drain(channel, batch, end)
        if ending:
            return ending
        if channel.eof_received or channel.closed:
            # paramiko's reader thread may have buffered the last data, the
            # EOF and the close between our drain and this check; the
            # buffers keep what came before them, so one more drain takes
            # everything (returning here without it cut busy hosts' output).
            # Nothing comes after the EOF: what is buffered is finite, and
            # is read whatever the clock says.
            ending = _drain(channel, batch, None)
            if ending == CAPPED:
                return ending
            return (DONE if channel.eof_received
                    or channel.exit_status_ready() else DEADLINE)
        left = end - time.monotonic()
        if left <= 0:
            return DEADLINE
        select.select([fd], [], [], min(left, 1.0))


def _drain(channel, batch, end):
    """Read what is buffered; None, or why reading must stop now.

    The deadline is checked per chunk: a host sending without pause keeps
    ``recv_ready`` true, and must not keep us here past it.
    """
    while channel.recv_ready() or channel.recv_stderr_ready():
        if channel.recv_ready():
            batch.feed_out(channel.recv(CHUNK))
        if channel.recv_stderr_ready():
            batch.feed_err(channel.recv_stderr(CHUNK))
        if batch.exhausted:
            return CAPPED
        if end is not None and time.monotonic() >= end:
            return DEADLINE
    return None
