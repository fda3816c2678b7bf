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

"""``ipset list`` refusals word for word: the message names the set and
the field a user has to look at (found by the mutation run). Every case is
the real capture of compute2's iptables_hybrid sets
(tests/fixtures/captures) edited in one place, named in the case.
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import ipset

TEXT = (pathlib.Path(__file__).parents[2] / "fixtures" / "captures" /
        "ipset-list--compute2-hybrid.out").read_text()
V4 = "NIPv47f282516-7042-4b2b-bcd2-"
V6 = "NIPv67f282516-7042-4b2b-bcd2-"


@pytest.mark.parametrize("old,new,message", [
    # two headers of the first set cut out (one contiguous cut)
    ("Header: family inet hashsize 1024 maxelem 65536 bucketsize 12 "
     "initval 0xe44a66e8\nSize in memory: 840\nReferences: 3\n", "",
     f"ipset list: set {V4} lacks Header, References"),
    # the first set's name emptied and its Type line cut (one contiguous
    # replacement): '?' stands for the name
    (f"Name: {V4}\nType: hash:net\n", "Name: \n",
     "ipset list: set ? lacks Type"),
    ("Number of entries: 8", "Number of entries: eight",
     "ipset list: Number of entries is not a number: 'eight'"),
    ("References: 3\nNumber of entries: 8",
     "References: x3\nNumber of entries: 8",
     "ipset list: References is not a number: 'x3'"),
    ("198.18.17.51\n", "198.18.17.x\n",
     f"ipset list: member '198.18.17.x' of {V4} is not an address"),
    # the first set's Members: line and members cut (one contiguous cut)
    ("Members:\n198.18.16.50\n198.18.17.51\n198.18.16.16\n198.18.17.250\n"
     "198.18.19.49\n198.18.18.82\n198.18.17.77\n198.18.18.98\n", "",
     f"ipset list: set {V4} has no Members: line"),
    # the last set's Members: line cut: the output ends inside the set
    ("Number of entries: 0\nMembers:\n", "Number of entries: 0\n",
     f"ipset list: set {V6} has no Members: line (truncated?)"),
    ("Type: hash:net\nRevision: 7\nHeader: family inet ",
     "Type: hash:net\nType: hash:ip\nRevision: 7\nHeader: family inet ",
     f"ipset list: Type twice in set {V4}"),
    # the first set's Name: line cut
    (f"Name: {V4}\n", "", "ipset list: Type before Name"),
    # an empty line before the first set
    (f"Name: {V4}\n", f"\nName: {V4}\n",
     "ipset list: empty line outside a set"),
])
def test_refusal_message(old, new, message):
    assert TEXT.count(old) == 1, old
    text = TEXT.replace(old, new)
    with pytest.raises(ParseError) as exc:
        ipset.parse_ipset_list(text)
    assert str(exc.value) == message


def test_cut_short_names_the_command():
    with pytest.raises(ParseError) as exc:
        ipset.parse_ipset_list(TEXT[:-1])
    assert str(exc.value) == (
        "ipset list: output does not end with a newline (truncated?)")
