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

"""Progress of a long run on stderr, for the person watching it.

One line, redrawn in place: hosts done of the planned total, the time
elapsed and the hosts still pending. Only when stderr is a terminal and
``-q`` was not given: a script reading a pipe or a file sees nothing, and
stdout and the exit code are the same either way. The runner calls it
(``runner.Run``'s ``progress`` callback); this module alone knows about
terminals.
"""

import os
import time

PREFIX = "netdiag: "
# a redraw at most this often when only the clock moved
INTERVAL = 1.0
# where the terminal's width cannot be read
FALLBACK_WIDTH = 80


def status_line(done, total, elapsed, pending, width=FALLBACK_WIDTH):
    """'netdiag: 3/10 hosts done, 12 s; pending: compute4, network1 (+5)'.

    Cut to ``width`` - 1 characters: a full line would wrap, and the
    carriage return would then redraw only its last part.
    """
    line = f"{PREFIX}{done}/{total} hosts done, {int(elapsed)} s"
    room = max(width - 1, len(PREFIX))
    pending = [printable(name) for name in pending]
    if pending:
        shown = []
        for name in pending:
            rest = len(pending) - len(shown) - 1
            more = f" (+{rest})" if rest else ""
            text = "; pending: " + ", ".join(shown + [name]) + more
            if len(line) + len(text) > room:
                break
            shown.append(name)
        if shown:
            rest = len(pending) - len(shown)
            line += "; pending: " + ", ".join(shown) + (
                f" (+{rest})" if rest else "")
        else:
            line += f"; {len(pending)} pending"
    return line[:room]


def printable(name):
    """``name`` with what a terminal would act on shown as ``?``.

    Escape sequences and control characters: host names come from the API.
    """
    return "".join(c if c.isprintable() else "?" for c in name)


def terminal_width(stream):
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return FALLBACK_WIDTH
    # a terminal that never set its size (a bare pty) says 0
    return columns or FALLBACK_WIDTH


class Progress:
    """The callback ``progress(done, total, pending)``, drawing on stream.

    close() wipes the line before the result is printed.
    """

    def __init__(self, stream, clock=time.monotonic):
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self.drawn = None          # (done, total, when) of the last redraw

    def __call__(self, done, total, pending):
        now = self.clock()
        if (self.drawn is not None and self.drawn[:2] == (done, total)
                and now - self.drawn[2] < INTERVAL):
            return
        self.drawn = (done, total, now)
        line = status_line(done, total, now - self.started, pending,
                           terminal_width(self.stream))
        # \r: back to the line's start; ESC [K: erase what a longer
        # previous line left
        self.stream.write(f"\r{line}\x1b[K")
        self.stream.flush()

    def close(self):
        if self.drawn is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = None


def for_app(app):
    """The progress callback for a command of ``app`` (OSC's), or None.

    None when its stderr is not a terminal, or with -q (verbose level 0).
    """
    if getattr(getattr(app, "options", None), "verbose_level", 1) == 0:
        return None
    stream = app.stderr
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return None
    return Progress(stream)
