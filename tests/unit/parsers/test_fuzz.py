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

"""Truncated and garbled real captures of every parser: a result or
ParseError, nothing else; a capture cut in the middle (of a line, of the
JSON) is always ParseError, and one cut anywhere else keeps whole records
(see test_properties.py for the deterministic form of these properties).
"""

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from osc_netdiag.errors import ParseError

import parser_cases

CASES = [(p, parser, p.read_text()) for p, parser in parser_cases.cases()]
IDS = [parser_cases.case_id(p) for p, _, _ in CASES]
# Real captures with at least one character to cut (two are empty outputs).
NON_EMPTY = [case for case in CASES if case[2]]
NON_EMPTY_IDS = [parser_cases.case_id(p) for p, _, _ in NON_EMPTY]
# The parsers themselves (the grep-metadata adapter adds a header to text).
PARSERS = sorted({p for _, p, _ in CASES} - {parser_cases.AGENT_PARSERS["grep-metadata"]},
                 key=lambda f: f"{f.__module__}.{f.__qualname__}")
PARSER_IDS = [f"{f.__module__.rsplit('.', 1)[1]}.{f.__name__}" for f in PARSERS]
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def parse_or_parse_error(parser, text):
    try:
        parser(text)
    except ParseError:
        pass


def cut_points(text):
    """Offsets that cut ``text`` strictly inside a line or a JSON document."""
    return [i for i in range(1, len(text)) if text[i - 1] != "\n"]


@pytest.mark.parametrize("path,parser,text", NON_EMPTY, ids=NON_EMPTY_IDS)
@FUZZ
@given(data=st.data())
def test_truncated_mid_line_raises(path, parser, text, data):
    points = cut_points(text)
    cut = data.draw(st.sampled_from(points))
    with pytest.raises(ParseError):
        parser(text[:cut])


@pytest.mark.parametrize("path,parser,text", CASES, ids=IDS)
@FUZZ
@given(data=st.data())
def test_truncated_anywhere_keeps_whole_records(path, parser, text, data):
    cut = data.draw(st.integers(0, len(text)))
    parser_cases.assert_whole_records_or_parse_error(parser, text[:cut],
                                                     parser(text))


@pytest.mark.parametrize("path,parser,text", CASES, ids=IDS)
@FUZZ
@given(data=st.data())
def test_garbled_never_crashes(path, parser, text, data):
    chars = list(text)
    for _ in range(data.draw(st.integers(1, 8))):
        if not chars:
            break
        i = data.draw(st.integers(0, len(chars) - 1))
        op = data.draw(st.sampled_from(["replace", "delete", "insert"]))
        ch = data.draw(st.sampled_from(list(',()[]"=: \n{}0x-\\') + ["\x00", "é"]))
        if op == "replace":
            chars[i] = ch
        elif op == "delete":
            del chars[i]
        else:
            chars.insert(i, ch)
    parse_or_parse_error(parser, "".join(chars))


@pytest.mark.parametrize("path,parser,text", CASES, ids=IDS)
@FUZZ
@given(data=st.data())
def test_lines_dropped_or_duplicated_never_crashes(path, parser, text, data):
    lines = text.splitlines(keepends=True)
    if not lines:
        return
    i = data.draw(st.integers(0, len(lines) - 1))
    if data.draw(st.booleans()):
        del lines[i]
    else:
        lines.insert(i, lines[i])
    parse_or_parse_error(parser, "".join(lines))


@pytest.mark.parametrize("parser", PARSERS, ids=PARSER_IDS)
@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_crashes(parser, text):
    parse_or_parse_error(parser, text)


@pytest.mark.parametrize("parser", PARSERS, ids=PARSER_IDS)
@pytest.mark.parametrize("value", [None, b"[]", 3])
def test_non_text_is_parse_error(parser, value):
    with pytest.raises(ParseError):
        parser(value)
