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

"""split_top's character scan (osc_netdiag.parsers._text._split_scan).

The scan only runs for action lists whose pieces mix quotes with
parentheses or hold a backslash; no recorded flow has one, so the other
tests never checked its result. The inputs are OVS action syntax: a quoted
port name (OVS quotes names that need it, escaping '"' and '\\' with a
backslash) next to nested ct()/exec() actions.
"""

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import split_top


@pytest.mark.parametrize("text,items", [
    # a quote and a parenthesis in one comma piece: the scan decides
    ('output:"a,(b",ct(commit,exec(set_field:1->ct_mark)),drop',
     ['output:"a,(b"', 'ct(commit,exec(set_field:1->ct_mark))', 'drop']),
    # a quote at the very first character
    ('"p,(q",NORMAL', ['"p,(q"', 'NORMAL']),
    # an escaped quote inside a quoted name does not close it
    ('output:"a\\",b",drop', ['output:"a\\",b"', 'drop']),
    # an escaped character right before the closing quote
    ('output:"a\\"",drop', ['output:"a\\""', 'drop']),
    # a backslash outside quotes is an ordinary character
    ('note:a\\b,resubmit(,58)', ['note:a\\b', 'resubmit(,58)']),
    ('load:0x1->NXM_NX_REG6[],"x\\y",learn(table=1,a=(b,c))',
     ['load:0x1->NXM_NX_REG6[]', '"x\\y"', 'learn(table=1,a=(b,c))']),
])
def test_scan_splits_on_top_level_commas_only(text, items):
    assert split_top(text) == items


@pytest.mark.parametrize("text,message", [
    ('"x(",a)', 'unbalanced \')\' in \'"x(",a)\''),
    ('"x(,a', 'unterminated quote in \'"x(,a\''),
    ('"x(\\",a', 'unterminated quote in \'"x(\\\\",a\''),
    ('ct(a,"b(c"', 'unbalanced brackets in \'ct(a,"b(c"\''),
])
def test_scan_refuses_unbalanced_text(text, message):
    with pytest.raises(ParseError) as exc:
        split_top(text)
    assert str(exc.value) == message


# -- unquote: port names as ovs-ofctl prints them --------------------------

@pytest.mark.parametrize("text,name", [
    ('"tap-1"', "tap-1"),
    ('""', ""),
    ('"a"', "a"),
    ('"a\\"b"', 'a"b'),               # an escaped quote inside
    ('"a\\\\b"', "a\\b"),             # an escaped backslash inside
    ('"a\\\\\\"b"', 'a\\"b'),
    ("tap-1", "tap-1"),               # unquoted names stay as they are
    ("a", "a"),
])
def test_unquote(text, name):
    from osc_netdiag.parsers._text import unquote
    assert unquote(text) == name


@pytest.mark.parametrize("text", ['"', 'a"', '"a', 'a"b'])
def test_unquote_refuses_a_stray_quote(text):
    from osc_netdiag.parsers._text import unquote
    with pytest.raises(ParseError) as exc:
        unquote(text)
    assert str(exc.value) == f"stray quote in {text!r}"
