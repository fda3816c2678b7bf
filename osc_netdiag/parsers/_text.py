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

"""Helpers shared by the line-oriented parsers (not a public API)."""

from __future__ import annotations

import re

from osc_netdiag.errors import ParseError


def complete_lines(text: str, what: str) -> list[str]:
    """Split ``text`` into lines, refusing output cut in the middle of a line.

    Every tool read here ends its output with a newline, so a non-empty text
    whose last character is not one was truncated (a lost connection, a
    deadline): refuse it rather than parse a partial last line as complete.
    """
    if not isinstance(text, str):
        raise ParseError(f"{what}: expected text, got {type(text).__name__}")
    if not text:
        return []
    if not text.endswith("\n"):
        raise ParseError(f"{what}: output does not end with a newline (truncated?)")
    return text[:-1].split("\n")


_SPECIAL = re.compile(r'[,()"\\]')


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split ``text`` on commas that are not inside () or "...".

    ``ct(commit,zone=NXM_NX_REG6[0..15],exec(load:0x1->NXM_NX_CT_MARK[]))``
    stays one item. Unbalanced parentheses or an open quote raise ParseError.
    """
    assert sep == ","
    # Fast paths (a dump-flows of 100k lines goes through here twice a line):
    # brackets never hold a comma in OVS syntax (NXM_NX_REG6[0..15]), so only
    # parentheses and quotes can; rejoin comma-split pieces while a
    # parenthesis or a quote is open. Pieces mixing quotes with parentheses
    # or backslashes take the exact character scan below.
    if "(" not in text and '"' not in text:
        if ")" in text:
            raise ParseError(f"unbalanced ')' in {text!r}")
        return text.split(",")
    if "\\" not in text:
        items = []
        buf = None
        depth = 0
        quoted = False
        for piece in text.split(","):
            buf = piece if buf is None else buf + "," + piece
            if '"' in piece:
                if "(" in piece or ")" in piece:
                    break
                quoted ^= piece.count('"') & 1
            elif not quoted and ("(" in piece or ")" in piece):
                depth += piece.count("(") - piece.count(")")
                if depth < 0:
                    raise ParseError(f"unbalanced ')' in {text!r}")
            if not depth and not quoted:
                items.append(buf)
                buf = None
        else:
            if buf is not None:
                raise ParseError(f"unbalanced brackets or quote in {text!r}")
            return items
    return _split_scan(text)


def _split_scan(text: str) -> list[str]:
    items = []
    depth = 0
    quoted = False
    escaped_until = -1
    start = 0
    # Visit only the characters that matter, not every character.
    for m in _SPECIAL.finditer(text):
        i = m.start()
        if i < escaped_until:
            continue
        ch = text[i]
        if quoted:
            if ch == "\\":
                escaped_until = i + 2
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ParseError(f"unbalanced {ch!r} in {text!r}")
        elif ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    if quoted:
        raise ParseError(f"unterminated quote in {text!r}")
    if depth:
        raise ParseError(f"unbalanced brackets in {text!r}")
    items.append(text[start:])
    return items


def unquote(value: str) -> str:
    """Remove the double quotes OVS puts around some port names."""
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        body = value[1:-1]
        if "\\" in body:
            body = body.replace('\\"', '"').replace("\\\\", "\\")
        return body
    if '"' in value:
        raise ParseError(f"stray quote in {value!r}")
    return value


def require_final_newline(text: str, what: str) -> None:
    """Refuse text that was cut short (every tool read here ends with one)."""
    if not isinstance(text, str):
        raise ParseError(f"{what}: expected text, got {type(text).__name__}")
    if text and not text.endswith("\n"):
        raise ParseError(f"{what}: output does not end with a newline (truncated?)")
