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
