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

"""The per-item match cache of the flow parser (made for vlan-map's whole
flow tables) keeps the parser's results and its strictness.
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import ofctl

CAPTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "captures"


def _uncached(text):
    for cache in (ofctl._MATCH_CACHE, ofctl._MATCH_ITEM_CACHE,
                  ofctl._ACTIONS_CACHE, ofctl._ACTION_CACHE):
        cache.clear()
    return ofctl.parse_dump_flows(text)


@pytest.mark.parametrize("capture", sorted(
    p.name for p in CAPTURES.glob("ovs-ofctl-dump-flows--*.out")))
def test_cached_parse_equals_a_cold_parse(capture):
    text = (CAPTURES / capture).read_text()
    cold = _uncached(text)
    warm = ofctl.parse_dump_flows(text)
    assert [(f.priority, f.match, f.actions) for f in warm] == \
        [(f.priority, f.match, f.actions) for f in cold]


def test_items_shared_between_flows_keep_their_meaning():
    text = (" cookie=0x1, duration=1.0s, table=0, n_packets=0, n_bytes=0, "
            "priority=3,in_port=\"int-br-eth1\",dl_vlan=2113,metadata=0x1 "
            "actions=drop\n"
            " cookie=0x1, duration=1.0s, table=0, n_packets=0, n_bytes=0, "
            "priority=3,in_port=\"int-br-eth1\",dl_vlan=2113,metadata=0x2 "
            "actions=drop\n")
    first, second = _uncached(text)
    assert first.priority == second.priority == 3
    assert first.match_get("in_port") == second.match_get("in_port") \
        == "int-br-eth1"
    assert (first.match_get("metadata"), second.match_get("metadata")) == \
        ("0x1", "0x2")


def test_a_bad_item_is_refused_every_time():
    bad = (" cookie=0x1, duration=1.0s, table=0, n_packets=0, n_bytes=0, "
           "priority=x{k},dl_vlan=1 actions=drop\n")
    for k in (1, 2):
        with pytest.raises(ParseError):
            ofctl.parse_dump_flows(bad.format(k=""))
    with pytest.raises(ParseError):
        ofctl.parse_dump_flows(bad.replace("priority=x{k}", "9bad=1"))
