"""Truncated and garbled real captures: a result or ParseError, nothing else;
a capture cut in the middle (of a line, of the JSON) is always ParseError."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osc_netdiag.errors import ParseError

import capture_cases

CASES = [(p, capture_cases.parser_for(p), p.read_text()) for p in capture_cases.captures()]
IDS = [p.stem for p, _, _ in CASES]
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


@pytest.mark.parametrize("path,parser,text", CASES, ids=IDS)
@FUZZ
@given(data=st.data())
def test_truncated_mid_line_raises(path, parser, text, data):
    points = cut_points(text)
    if not points:
        pytest.skip("empty capture")
    cut = data.draw(st.sampled_from(points))
    with pytest.raises(ParseError):
        parser(text[:cut])


@pytest.mark.parametrize("path,parser,text", CASES, ids=IDS)
@FUZZ
@given(data=st.data())
def test_truncated_anywhere_never_crashes(path, parser, text, data):
    cut = data.draw(st.integers(0, len(text)))
    parse_or_parse_error(parser, text[:cut])


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


@pytest.mark.parametrize("parser", sorted({p for _, p, _ in CASES}, key=lambda f: f.__name__))
@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_crashes(parser, text):
    parse_or_parse_error(parser, text)


@pytest.mark.parametrize("parser", sorted({p for _, p, _ in CASES}, key=lambda f: f.__name__))
@pytest.mark.parametrize("value", [None, b"[]", 3])
def test_non_text_is_parse_error(parser, value):
    with pytest.raises(ParseError):
        parser(value)
