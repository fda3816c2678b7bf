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
