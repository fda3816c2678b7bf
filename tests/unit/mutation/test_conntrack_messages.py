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

"""The conntrack parsers' refusals, word for word, and the optional
fields of ``dpctl/dump-conntrack`` (zone left out, timeout given). Every
case is a real capture (tests/fixtures/captures: compute2's kernel
conntrack, compute1's userspace datapath) edited in one place, named in the
case. A refusal names the whole line: the message is what a user reads in
the output, so it is asserted exactly (found by the mutation run).
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import conntrack
from osc_netdiag.parsers.conntrack import Entry
from osc_netdiag.parsers.conntrack import Tuple

CAPTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "captures"
ICMP = (CAPTURES / "conntrack-L--compute2-icmp.out").read_text()
DPCTL = (CAPTURES / "dpctl-dump-conntrack--compute1-zone2.out").read_text()
A, B = "198.18.17.93", "198.18.17.19"
KERNEL = conntrack.parse_conntrack_list
USERSPACE = conntrack.parse_dpctl_conntrack


def edit(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


def edited_line(text, new):
    """The line of ``text`` that holds ``new`` (the edited one)."""
    (line,) = [x for x in text.splitlines() if new in x]
    return line


KERNEL_CASES = [
    # a letter in the timeout (words[2])
    ("icmp     1 22", "icmp     1 x22", "conntrack: not an entry: {line!r}"),
    # a letter in the protocol number (words[1])
    ("icmp     1 22", "icmp     x1 22", "conntrack: not an entry: {line!r}"),
    # the line cut after the first tuple's addresses: five words
    (" type=8 code=0 id=14572 src=198.18.17.19 dst=198.18.17.93 type=0 "
     "code=0 id=14572 mark=0 zone=4097 use=1", "",
     "conntrack: no reply tuple in {line!r}"),
    # a word that is not key=value
    ("mark=0", "mark", "conntrack: unexpected 'mark' in {line!r}"),
    # a third tuple in place of mark=0
    ("mark=0", "src=198.18.17.19", "conntrack: three tuples in {line!r}"),
    ("zone=4097", "zone=40x97",
     "conntrack: zone='40x97' is not a number in {line!r}"),
    # a number field of the original and of the reply tuple
    ("type=8", "type=x8", "conntrack: type='x8' is not a number in {line!r}"),
    ("type=0", "type=x0", "conntrack: type='x0' is not a number in {line!r}"),
    ("type=8", "tipe=8", "conntrack: unexpected tipe= in {line!r}"),
    # a second '=' in a value: the key is what precedes the first one
    (f"dst={B}", f"dst={B}=x",
     f"conntrack: dst='{B}=x' is not an address in {{line!r}}"),
    # the reply's destination not an address
    (f"dst={A}", f"dst={A}.1",
     f"conntrack: dst='{A}.1' is not an address in {{line!r}}"),
    # the original direction without dst= (src= is there)
    (f"dst={B} ", "", "conntrack: a tuple without src/dst in {line!r}"),
]


@pytest.mark.parametrize("old,new,message", KERNEL_CASES)
def test_kernel_line_refusal_message(old, new, message):
    text = edit(ICMP, old, new)
    line = text.rstrip("\n")
    with pytest.raises(ParseError) as exc:
        KERNEL(text)
    assert str(exc.value) == message.format(line=line)


TCP_ORIG = f"orig=(src={A},dst={B},sport=59026,dport=5001)"
USERSPACE_CASES = [
    ("tcp,orig", "tcp orig",
     "dpctl/dump-conntrack: not an entry: {line!r}"),
    # the same key twice
    ("zone=2,", "zone=2,zone=2,",
     "dpctl/dump-conntrack: unexpected 'zone=2' in {line!r}"),
    # a key not known (reply misspelt)
    ("reply=(", "replay=(",
     f"dpctl/dump-conntrack: unexpected 'replay=(src={B},dst={A},"
     "sport=5001,dport=59026)' in {line!r}"),
    ("zone=2,", "zone,",
     "dpctl/dump-conntrack: unexpected 'zone' in {line!r}"),
    (f",reply=(src={B},dst={A},sport=5001,dport=59026)", "",
     "dpctl/dump-conntrack: no orig/reply in {line!r}"),
    # a group that does not end with ')'
    ("protoinfo=(state=ESTABLISHED)", "protoinfo=(state=ESTABLISHED)x",
     "dpctl/dump-conntrack: expected (...) in {line!r}"),
    # top level: a '(' never closed, a ')' never opened
    ("protoinfo=(state=ESTABLISHED)", "protoinfo=(state=ESTABLISHED",
     "dpctl/dump-conntrack: unbalanced {line!r}"),
    ("dport=5001)", "dport=5001))",
     "dpctl/dump-conntrack: unbalanced {line!r}"),
    # inside a group: balanced at the top, not inside
    ("protoinfo=(state=ESTABLISHED)", "protoinfo=(state)(ESTABLISHED)",
     "dpctl/dump-conntrack: unbalanced {line!r}"),
    # a group nested in a group: the inner one is read as one pair
    (TCP_ORIG, f"orig=({TCP_ORIG[5:]})",
     "conntrack: unexpected (src= in {line!r}"),
    # a pair without '=' in protoinfo, orig and reply
    ("protoinfo=(state=ESTABLISHED)", "protoinfo=(state)",
     "dpctl/dump-conntrack: 'state' in {line!r}"),
    (f"orig=(src={A},", "orig=(src,",
     "dpctl/dump-conntrack: 'src' in {line!r}"),
    (f"reply=(src={B},", "reply=(src,",
     "dpctl/dump-conntrack: 'src' in {line!r}"),
    # an address that is none, in orig and in reply
    (f"orig=(src={A},", f"orig=(src={A}0,",
     f"conntrack: src='{A}0' is not an address in {{line!r}}"),
    (f"reply=(src={B},", f"reply=(src={B}x,",
     f"conntrack: src='{B}x' is not an address in {{line!r}}"),
    ("zone=2,", "zone=x2,",
     "conntrack: zone='x2' is not a number in {line!r}"),
    ("zone=2,", "zone=2,timeout=x7,",
     "conntrack: timeout='x7' is not a number in {line!r}"),
]


@pytest.mark.parametrize("old,new,message", USERSPACE_CASES)
def test_userspace_line_refusal_message(old, new, message):
    text = edit(DPCTL, old, new)
    line = edited_line(text, new) if new else text.splitlines()[0]
    with pytest.raises(ParseError) as exc:
        USERSPACE(text)
    assert str(exc.value) == message.format(line=line)


def test_cut_short_names_the_command():
    with pytest.raises(ParseError) as exc:
        KERNEL(ICMP[:-1])
    assert str(exc.value) == (
        "conntrack -L: output does not end with a newline (truncated?)")
    with pytest.raises(ParseError) as exc:
        USERSPACE(DPCTL[:-1])
    assert str(exc.value) == ("dpctl/dump-conntrack: output does not end "
                              "with a newline (truncated?)")


def test_userspace_entry_without_zone_is_zone_0():
    # edit: the TCP entry without ",zone=2" (OVS leaves zone 0 out)
    tcp, icmp = USERSPACE(edit(DPCTL, ",zone=2,", ","))
    assert tcp == Entry("tcp", "ESTABLISHED", Tuple(A, B, 59026, 5001),
                        Tuple(B, A, 5001, 59026), 0, (), None)
    assert icmp.zone == 2


def test_userspace_timeout_is_read():
    # edit: ",timeout=7" after the TCP entry's zone (what
    # dpctl/dump-conntrack -s prints); the ICMP entry has none
    tcp, icmp = USERSPACE(edit(DPCTL, "zone=2,", "zone=2,timeout=7,"))
    assert tcp == Entry("tcp", "ESTABLISHED", Tuple(A, B, 59026, 5001),
                        Tuple(B, A, 5001, 59026), 2, (), 7)
    assert icmp.timeout is None
