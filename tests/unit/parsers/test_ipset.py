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

"""parsers.ipset on the real ``ipset list`` of the lab's iptables_hybrid
host (compute2: the default group's IPv4 and IPv6 sets), hand-read values
and refusals. Truncation and fuzzing run on the same capture through
parser_cases (test_properties.py, test_fuzz.py)."""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import ipset

CAPTURE = (pathlib.Path(__file__).parents[2] / "fixtures" / "captures" /
           "ipset-list--compute2-hybrid.out")
TEXT = CAPTURE.read_text()
V4 = "NIPv47f282516-7042-4b2b-bcd2-"
V6 = "NIPv67f282516-7042-4b2b-bcd2-"


def test_the_default_groups_sets_as_listed():
    v4, v6 = ipset.parse_ipset_list(TEXT)
    assert v4 == ipset.IpSet(V4, "hash:net", "inet", 3, (
        "198.18.16.50", "198.18.17.51", "198.18.16.16", "198.18.17.250",
        "198.18.19.49", "198.18.18.82", "198.18.17.77", "198.18.18.98"))
    # the IPv6 set exists though no member has an IPv6 address
    assert v6 == ipset.IpSet(V6, "hash:net", "inet6", 3, ())
    assert set(ipset.by_name((v4, v6))) == {V4, V6}


def test_empty_output_is_no_set():
    assert ipset.parse_ipset_list("") == ()


def test_member_options_keep_the_address():
    # edit: ipset's per-member options after the first member
    text = TEXT.replace("198.18.16.50\n", "198.18.16.50 timeout 30\n", 1)
    assert ipset.parse_ipset_list(text)[0].members[0] == "198.18.16.50"


@pytest.mark.parametrize("old,new,message", [
    # a member that is no address
    ("198.18.17.51\n", "198.18.17.x\n", "is not an address"),
    # an IPv6 member in the inet set
    ("198.18.17.51\n", "2001:db8::1\n", "is not of family inet"),
    # a member fewer than the count says (cut short)
    ("198.18.18.98\n", "", "says 8 entries, 7 listed"),
    # an unknown header line
    ("Revision: 7\n", "Revision: 7\nColour: red\n", "unexpected line"),
    # a count that is no number
    ("Number of entries: 8", "Number of entries: eight", "not a number"),
    # a header without the family
    ("family inet hashsize", "hashsize", "no family"),
])
def test_refusals(old, new, message):
    text = TEXT.replace(old, new, 1)
    with pytest.raises(ParseError, match=message):
        ipset.parse_ipset_list(text)


def test_a_set_without_members_line_is_refused():
    first = TEXT.split("\n\n")[0]
    cut = first.split("Members:")[0]            # edit: headers only
    with pytest.raises(ParseError, match="no Members: line"):
        ipset.parse_ipset_list(cut)


def test_a_set_with_a_header_twice_is_refused():
    text = TEXT.replace("Type: hash:net\n", "Type: hash:net\nType: hash:ip\n", 1)
    with pytest.raises(ParseError, match="Type twice"):
        ipset.parse_ipset_list(text)
