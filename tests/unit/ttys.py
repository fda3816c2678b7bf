"""A terminal (a pty) and a pipe for stderr, as the progress tests use
them: each yields (text stream to write to, read() of what got through).
"""

import contextlib
import io
import os
import pty
import select


@contextlib.contextmanager
def terminal():
    """A stream on a pty's terminal side; read() what reached it."""
    controller, side = pty.openpty()
    stream = io.TextIOWrapper(io.FileIO(side, "w"), write_through=True)

    def read():
        data = b""
        while select.select([controller], [], [], 0.2)[0]:
            data += os.read(controller, 65536)
        return data.decode()
    try:
        yield stream, read
    finally:
        stream.close()
        os.close(controller)


@contextlib.contextmanager
def pipe():
    """A stream on a pipe's writing end; read() closes it and reads."""
    reader, writer = os.pipe()
    stream = io.TextIOWrapper(io.FileIO(writer, "w"), write_through=True)

    def read():
        stream.close()
        with io.FileIO(reader, "r", closefd=False) as end:
            return end.read().decode()
    try:
        yield stream, read
    finally:
        if not stream.closed:
            stream.close()
        os.close(reader)
