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

"""Parse an oslo.config file (``neutron.conf``, ``dhcp_agent.ini``, ...).

Sample::

    [DEFAULT]
    interface_driver = openvswitch
    enable_isolated_metadata = true

Output::

    {"DEFAULT": {"interface_driver": "openvswitch",
                 "enable_isolated_metadata": "true"}}

Values stay text (see :func:`as_bool` for oslo's booleans); a key given
twice keeps its last value, as oslo.config does. Comments (``#``, ``;``)
and blank lines are skipped. A line outside any section, a section header
that does not close, or a line that is neither ``key = value`` nor a
continuation raises ParseError: a file we cannot read must not be taken
for one that says nothing. So does a text that does not end with a newline
(``cat``/``grep`` output cut short): its last value may be cut in half.
Errors give the line number and what was expected, never the line (a
config file holds passwords).
"""

import re

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import complete_lines

_SECTION = re.compile(r"\[([^\]]+)\]\s*\Z")
_OPTION = re.compile(r"([A-Za-z0-9_.-]+)\s*[=:]\s*(.*?)\s*\Z")
_TRUE = {"true", "1", "on", "yes", "y", "t"}
_FALSE = {"false", "0", "off", "no", "n", "f"}


def parse_oslo_ini(text: str, section: str = None,
                   what: str = "config") -> dict:
    """Parse ``text`` (module doc). ``section``: where lines before any
    header go (for option lines read out of a file); ``what`` names the
    text in errors.
    """
    sections, current, last_key = {}, None, None
    if section is not None:
        current = sections.setdefault(section, {})
    for number, line in enumerate(complete_lines(text, what), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if line[0] in " \t" and last_key is not None:
            # oslo.config (iniparser) continues a value on indented lines.
            current[last_key] = f"{current[last_key]}\n{stripped}".strip()
            continue
        if stripped.startswith("["):
            match = _SECTION.match(stripped)
            if match is None:
                raise ParseError(f"{what} line {number}: expected a "
                                 f"section header '[name]'")
            current = sections.setdefault(match.group(1), {})
            last_key = None
            continue
        match = _OPTION.match(stripped)
        if match is None or current is None:
            raise ParseError(f"{what} line {number}: expected "
                             f"'key = value' in a section")
        last_key = match.group(1)
        current[last_key] = match.group(2)
    return sections


def as_bool(value):
    """oslo.config's boolean spelling; None for anything else."""
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def parse_option_lines(text):
    """Option lines grepped out of a config file (no section header: the
    options read this way live in [DEFAULT]).
    """
    return parse_oslo_ini(text, section="DEFAULT", what="option lines read,")
