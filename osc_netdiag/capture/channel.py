"""Run one host's capture script and read its tagged lines as they come.

Not the batch transport (short read-only commands, one framed script on
stdin): a capture runs for its whole duration and needs its stdin kept open,
because closing it is how the remote script learns that the client stopped
or died (see ``remote``).
"""

import os
import select
import subprocess
import threading
import time

from osc_netdiag.transport.local import LocalSession

STOP_GRACE = 8.0           # seconds to wait for the remote cleanup report


def _lines(buffer, chunk):
    buffer += chunk
    *complete, rest = buffer.split(b"\n")
    return [c.decode("utf-8", "replace") for c in complete], rest


def run_ssh(session, command, deadline, on_line, stop: threading.Event):
    """Run ``command`` on an SSHSession's connection; return the exit status.

    On ``stop`` the channel's stdin is closed (the remote script cleans up
    and says so); the lines keep being read for up to STOP_GRACE seconds.
    """
    channel = session.open_channel()
    try:
        channel.exec_command(command)
        end = time.monotonic() + deadline + STOP_GRACE
        buffer = b""
        stopping = False
        while True:
            if stop.is_set() and not stopping:
                stopping = True
                channel.shutdown_write()
                end = min(end, time.monotonic() + STOP_GRACE)
            while channel.recv_stderr_ready():
                channel.recv_stderr(65536)
            if channel.recv_ready():
                data = channel.recv(65536)
                if not data:
                    break
                lines, buffer = _lines(buffer, data)
                for line in lines:
                    on_line(line)
                continue
            if channel.eof_received or channel.closed:
                # Data may have arrived just before the EOF we now see;
                # nothing comes after it, so an empty buffer means done.
                if channel.recv_ready():
                    continue
                break
            if time.monotonic() >= end:
                return None
            select.select([channel.fileno()], [], [], 0.2)
        return channel.recv_exit_status() if channel.exit_status_ready() \
            else None
    finally:
        channel.close()


def run_local(command_argv, deadline, on_line, stop: threading.Event):
    """The same on this machine (``--local``)."""
    proc = subprocess.Popen(list(command_argv), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL,
                            start_new_session=True)
    end = time.monotonic() + deadline + STOP_GRACE
    buffer = b""
    stopping = False
    try:
        while True:
            if stop.is_set() and not stopping:
                stopping = True
                proc.stdin.close()
                end = min(end, time.monotonic() + STOP_GRACE)
            ready, _, _ = select.select([proc.stdout], [], [], 0.2)
            if ready:
                data = os.read(proc.stdout.fileno(), 65536)
                if not data:
                    break
                lines, buffer = _lines(buffer, data)
                for line in lines:
                    on_line(line)
            elif time.monotonic() >= end:
                return None
        return proc.wait(timeout=STOP_GRACE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream and not stream.closed:
                stream.close()


def is_local(session):
    return isinstance(session, LocalSession)
