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

"""Which line of the published sudoers file grants a command.

``--show-commands`` prints, next to each command, the ``Cmnd_Alias`` entry
of ``netdiag.sudoers`` under which ``sudo -n`` would run it: read from the
file itself (installed under ``share/osc-netdiag``, or the source tree's
``doc/source``), never from a second list, so what is printed is what
ships. Matching follows sudo's rules for the forms the file uses: the
command's path by its last component (sudo finds a bare ``argv[0]`` on
PATH), then the arguments joined by single spaces, either literally or,
for ``^...$``, as a regular expression over the whole line.
"""

import dataclasses
import os
import pathlib
import re
import sys
from typing import Optional

FILE_NAME = "netdiag.sudoers"
# where setup.cfg installs it, under the installation's prefix
SHARE_DIR = ("share", "osc-netdiag")


@dataclasses.dataclass(frozen=True)
class Entry:
    alias: str                  # the Cmnd_Alias it is listed under
    path: str                   # absolute path of the command
    args: Optional[str]         # None: any arguments
    regex: bool

    def line(self):
        return f"{self.path} {self.args}" if self.args else self.path

    def grants(self, argv) -> bool:
        if pathlib.PurePosixPath(self.path).name != \
                pathlib.PurePosixPath(argv[0]).name:
            return False
        if argv[0].startswith("/") and argv[0] != self.path:
            return False
        line = " ".join(argv[1:])
        if self.args is None:
            return True
        if self.regex:
            pattern = self.args[1:]
            pattern = pattern[:-1] if pattern.endswith("$") else pattern
            return re.fullmatch(pattern, line) is not None
        return self.args == line


def parse(text):
    """[Entry] of every ``Cmnd_Alias`` of a sudoers file's text."""
    text = re.sub(r"\\\n", " ", text)
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith("Cmnd_Alias"):
            continue
        name, _, value = line[len("Cmnd_Alias"):].partition("=")
        # entries are separated by a comma before the next absolute path
        for item in re.split(r",\s+(?=/)", value.strip()):
            path, _, args = item.strip().partition(" ")
            args = args.strip()
            entries.append(Entry(name.strip(), path, args or None,
                                 args.startswith("^")))
    return entries


def shipped_path():
    """The installed file, else the source tree's; None if neither."""
    candidates = [os.path.join(sys.prefix, *SHARE_DIR, FILE_NAME),
                  pathlib.Path(__file__).resolve().parents[1] / "doc" /
                  "source" / FILE_NAME]
    for candidate in candidates:
        if os.path.isfile(candidate):
            return str(candidate)
    return None


def load(path=None):
    """The entries of ``path`` (default: the shipped file).

    [] when no file is found, so that a caller says "not found" rather than
    "not granted".
    """
    path = path or shipped_path()
    if path is None:
        return []
    with open(path, encoding="utf-8") as handle:
        return parse(handle.read())


def granting(argv, entries) -> Optional[Entry]:
    """The first entry that grants ``argv`` (what follows ``sudo -n --``)."""
    for entry in entries:
        if entry.grants(tuple(argv)):
            return entry
    return None
