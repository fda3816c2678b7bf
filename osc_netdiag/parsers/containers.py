"""``docker ps --format {{.Names}}`` / ``podman ps --format {{.Names}}``:
the names of the running containers, one a line (the format netdiag asks
for, so nothing else can appear). Strict: a line that is not a container
name is a ParseError."""

import re

from osc_netdiag.errors import ParseError

# Docker's and Podman's rule for container names
_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*\Z")


def parse_names(text):
    names = []
    for number, line in enumerate(text.splitlines(), 1):
        if not _NAME.match(line):
            raise ParseError(f"line {number}: not a container name: "
                             f"{line[:80]!r}")
        names.append(line)
    return tuple(names)
