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

"""The match and actions fields of an ``ovs-ofctl dump-flows`` line.

Two parsers for each field, with the same results (see ofctl's module doc
for the syntax):

* ``parse_match`` and ``parse_actions`` are strict: they take any text and
  raise ParseError on a fault;
* ``validated_match`` and ``validated_actions`` take only text that
  ``ofctl._FAST`` has already accepted (which admits none of the faults the
  strict parsers refuse), so they skip the checks: they are what a flow's
  match and actions are parsed with on first access.

Not a public API: use ``osc_netdiag.parsers.ofctl``.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Optional

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import split_top
from osc_netdiag.parsers._text import unquote

DEFAULT_PRIORITY = 32768

_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_ACTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Action:
    name: str
    arg: Optional[str] = None

    def __str__(self) -> str:
        return self.name if self.arg is None else f"{self.name}:{self.arg}"


# Parsed actions and match items are immutable and repeat a lot between
# flows (the flood flows of br-tun): parse each distinct text once.
ACTION_CACHE: dict = {}
ACTIONS_CACHE: dict = {}
MATCH_CACHE: dict = {}
MATCH_ITEM_CACHE: dict = {}
_CACHE_MAX = 50000


def _remember(cache: dict, key: str, value):
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = value
    return value


# --- Strict ----------------------------------------------------------------

def _match_item(item: str, line: str):
    """One match item -> (name, value), or an int for ``priority=N``."""
    name, eq, value = item.partition("=")
    if not _FIELD_NAME.match(name):
        raise ParseError(f"bad match field {item!r} in flow: {line!r}")
    if not eq:
        return (name, None)
    if not value:
        raise ParseError(f"empty value for {name!r} in flow: {line!r}")
    if name == "priority":
        # isascii: str.isdigit() is also true of "²", which int() refuses.
        if not (value.isascii() and value.isdigit()):
            raise ParseError(f"bad priority {value!r} in flow: {line!r}")
        return int(value)
    if value[0] == '"':
        value = unquote(value)
    return (name, value)


def parse_match(text: str, line: str) -> tuple:
    """(priority, match) of a flow's match text (``""``: no match)."""
    if not text:
        return DEFAULT_PRIORITY, ()
    parsed = MATCH_CACHE.get(text)
    if parsed is not None:
        return parsed
    return _match_of(text, split_top(text),
                     lambda item: _match_item(item, line))


def _match_of(text, items, parse_item):
    """(priority, match) from a match text's items, each item parsed once
    (MATCH_ITEM_CACHE) and the whole text remembered (MATCH_CACHE); the
    strict and the fast path differ only in how they split and parse.
    """
    priority = DEFAULT_PRIORITY
    match = []
    cache = MATCH_ITEM_CACHE
    for item in items:
        parsed = cache.get(item)
        if parsed is None:
            parsed = _remember(cache, item, parse_item(item))
        if parsed.__class__ is int:
            priority = parsed
        else:
            match.append(parsed)
    return _remember(MATCH_CACHE, text, (priority, tuple(match)))


def _parse_action(item: str, line: str) -> Action:
    m = _ACTION_NAME.match(item)
    if m is None:
        raise ParseError(f"bad action {item!r} in flow: {line!r}")
    end = m.end()
    if end == len(item):
        return Action(item)
    name = item[:end]
    sep = item[end]
    if sep == ":":
        arg = item[end + 1:]
        if not arg:
            raise ParseError(f"action {name!r} without argument in flow: {line!r}")
        if arg[0] == '"':
            arg = unquote(arg)
        return Action(name, arg)
    if sep == "(":
        if not item.endswith(")"):
            # e.g. check_pkt_larger(1500)->NXM_NX_REG0[0]: keep the rest as is.
            return Action(name, item[end:])
        return Action(name, item[end + 1:-1])
    raise ParseError(f"bad action {item!r} in flow: {line!r}")


def parse_actions(text: str, line: str) -> tuple:
    """The tuple of Action of a flow's actions text."""
    actions = ACTIONS_CACHE.get(text)
    if actions is None:
        if not text:
            raise ParseError(f"flow with empty actions: {line!r}")
        cache = ACTION_CACHE
        items = []
        for item in split_top(text):
            action = cache.get(item)
            if action is None:
                action = _remember(cache, item, _parse_action(item, line))
            items.append(action)
        actions = _remember(ACTIONS_CACHE, text, tuple(items))
    return actions


# --- Pre-validated ---------------------------------------------------------
# The regular expressions ofctl._FAST checks the match and actions text
# with, before anything below reads it. They accept only text that the
# strict parsers above accept: items are non-empty; no comma inside a
# match value; a value or action argument is either unquoted (no quote, no
# backslash) or one whole quoted string without escapes; a priority value
# is ASCII digits; parentheses are balanced (4 levels at most) and hold no
# quote; no spaces. The shared caches hold the same values whichever parser
# filled them.

_VALUE = r'(?:"[^"\\,() ]*"|[^"\\,() ]+)'
_MATCH_ITEM = r"(?:priority=[0-9]+|(?!priority=)[A-Za-z_][A-Za-z0-9_.]*(?:=" + _VALUE + r")?)"


def _nested(depth: int) -> str:
    # Parenthesised text without quotes or backslashes, commas allowed,
    # nested up to ``depth`` levels; unrolled ("a*(?:\(...\)a*)*") so that a
    # line that does not match fails in linear time.
    plain = r'[^"\\() ]*'
    body = plain
    for _ in range(depth - 1):
        body = plain + r"(?:\(" + body + r"\)" + plain + r")*"
    return r"\(" + body + r"\)"


_ACTION_ITEM = (r"[A-Za-z_][A-Za-z0-9_]*(?::" + _VALUE + "|" + _nested(4)
                + r'[^"\\,() ]*)?')
VALIDATED_MATCH = _MATCH_ITEM + r"(?:," + _MATCH_ITEM + r")*"
VALIDATED_ACTIONS = _ACTION_ITEM + r"(?:," + _ACTION_ITEM + r")*"


def validated_match(text: str) -> tuple:
    """parse_match for text that _FAST accepted."""
    if not text:
        return DEFAULT_PRIORITY, ()
    parsed = MATCH_CACHE.get(text)
    if parsed is not None:
        return parsed
    return _match_of(text, text.split(","), _validated_match_item)


def _validated_match_item(item: str):
    """One item of a match text _FAST accepted: no nesting, no escapes."""
    name, eq, value = item.partition("=")
    if not eq:
        return (name, None)
    if name == "priority":
        return int(value)
    if value[0] == '"':
        return (name, value[1:-1])
    return (name, value)


def validated_actions(text: str) -> tuple:
    """parse_actions for text that _FAST accepted."""
    actions = ACTIONS_CACHE.get(text)
    if actions is not None:
        return actions
    cache = ACTION_CACHE
    items = []
    for item in split_top(text) if "(" in text else text.split(","):
        action = cache.get(item)
        if action is None:
            # The name ends at the first ":" or "(" (names hold neither).
            colon = item.find(":")
            paren = item.find("(")
            if paren >= 0 and (colon < 0 or paren < colon):
                if item[-1] == ")":
                    action = Action(item[:paren], item[paren + 1:-1])
                else:
                    action = Action(item[:paren], item[paren:])
            elif colon >= 0:
                arg = item[colon + 1:]
                action = Action(item[:colon], arg[1:-1] if arg[0] == '"' else arg)
            else:
                action = Action(item)
            _remember(cache, item, action)
        items.append(action)
    return _remember(ACTIONS_CACHE, text, tuple(items))
