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

"""The conntrack parsers on real captures from the lab (a TCP connection
and a ping from vxlan1 to vxlan2: compute2's kernel conntrack, zone 4097
of the hybrid port; compute1's userspace datapath, zone 2), exact; each
strictness case is a real line edited in one place (said there)."""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import conntrack
from osc_netdiag.parsers.conntrack import Entry
from osc_netdiag.parsers.conntrack import Tuple

CAPTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "captures"
TCP = (CAPTURES / "conntrack-L--compute2-tcp.out").read_text()
ICMP = (CAPTURES / "conntrack-L--compute2-icmp.out").read_text()
DPCTL = (CAPTURES / "dpctl-dump-conntrack--compute1-zone2.out").read_text()
A, B = "198.18.17.93", "198.18.17.19"


def test_kernel_tcp_entries():
    assert conntrack.parse_conntrack_list(TCP) == (
        Entry("tcp", "TIME_WAIT", Tuple(A, B, 60634, 5001),
              Tuple(B, A, 5001, 60634), 4097, ("ASSURED",), 17),
        Entry("tcp", "ESTABLISHED", Tuple(A, B, 36614, 5001),
              Tuple(B, A, 5001, 36614), 4097, ("ASSURED",), 431990))


def test_kernel_icmp_entry_has_no_state():
    (entry,) = conntrack.parse_conntrack_list(ICMP)
    assert entry == Entry("icmp", None, Tuple(A, B, None, None, 8, 0, 14572),
                          Tuple(B, A, None, None, 0, 0, 14572), 4097, (), 22)


def test_userspace_datapath_entries():
    assert conntrack.parse_dpctl_conntrack(DPCTL) == (
        Entry("tcp", "ESTABLISHED", Tuple(A, B, 59026, 5001),
              Tuple(B, A, 5001, 59026), 2),
        Entry("icmp", None, Tuple(A, B, None, None, 8, 0, 19580),
              Tuple(B, A, None, None, 0, 0, 19580), 2))


def test_no_entry_is_empty():
    assert conntrack.parse_conntrack_list("") == ()
    assert conntrack.parse_dpctl_conntrack("") == ()


@pytest.mark.parametrize("edit", [
    ("use=1\n", "use=1"),                       # cut short: no newline
    ("mark=0", "mork=0"),                       # a key not known
    ("sport=60634 dport=5001 src=198.18.17.19",
     "sport=60634 dport=5001 srcx=198.18.17.19"),   # no reply tuple
    ("src=198.18.17.93", "src=198.18.17"),      # not an address
    ("dport=5001", "dport=50x1"),               # not a number
    ("tcp      6 17", "tcp      6 x17"),        # not an entry
    ("[ASSURED]", "ASSURED"),                   # a word, not key=value
])
def test_kernel_line_edited_is_refused(edit):
    old, new = edit
    assert old in TCP
    with pytest.raises(ParseError):
        conntrack.parse_conntrack_list(TCP.replace(old, new, 1))


@pytest.mark.parametrize("edit", [
    ("zone=2\n", "zone=2"),                     # cut short
    ("protoinfo=(state=ESTABLISHED)", "protoinfo=(state=ESTABLISHED"),
    ("reply=(", "replay=("),                    # a key not known
    (",reply=(src=198.18.17.19,dst=198.18.17.93,sport=5001,dport=59026)",
     ""),                                       # no reply
    ("tcp,orig", "tcp orig"),                   # not an entry
    ("dst=198.18.17.19,sport", "dst=198.18.17.19,sport=1,sport"),  # twice
])
def test_dpctl_line_edited_is_refused(edit):
    old, new = edit
    assert old in DPCTL
    with pytest.raises(ParseError):
        conntrack.parse_dpctl_conntrack(DPCTL.replace(old, new, 1))


def test_describe():
    tcp, icmp = conntrack.parse_dpctl_conntrack(DPCTL)
    assert tcp.orig.describe() == f"{A} 59026 -> {B} 5001"
    assert icmp.reply.describe() == f"{B} -> {A} type 0 code 0 id 19580"
