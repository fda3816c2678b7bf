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

"""``docker ps --format {{.Names}}`` refusals word for word: the line
number counts from 1 and the line is quoted, cut at 80 characters (found
by the mutation run). The text is the one-name-a-line output of that
format, with the names of Kolla's Open vSwitch containers as in
tests/unit/test_ovs_in_container.py; the bad line is an edit, said in each
test.
"""

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import containers

NAMES = "openvswitch_vswitchd\nopenvswitch_db\nneutron_l3_agent\n"


def refused(text, message):
    with pytest.raises(ParseError) as exc:
        containers.parse_names(text)
    assert str(exc.value) == message


def test_names_in_order():
    assert containers.parse_names(NAMES) == (
        "openvswitch_vswitchd", "openvswitch_db", "neutron_l3_agent")


def test_bad_second_line_is_numbered_from_one():
    # edit: the second name with a space inside
    refused(NAMES.replace("openvswitch_db", "openvswitch db"),
            "line 2: not a container name: 'openvswitch db'")


def test_bad_first_line_is_line_1():
    # edit: the first name starting with '-'
    refused(NAMES.replace("openvswitch_vswitchd", "-openvswitch_vswitchd"),
            "line 1: not a container name: '-openvswitch_vswitchd'")


def test_long_bad_line_is_cut_at_80_characters():
    # edit: the third line made 100 characters long, with a space at 40
    bad = "neutron_l3_agent".ljust(40, "x") + " " + "y" * 59
    assert len(bad) == 100
    refused(NAMES.replace("neutron_l3_agent", bad),
            f"line 3: not a container name: {bad[:80]!r}")
