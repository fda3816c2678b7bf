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

"""The ``ip -j`` parsers' refusals, field by field, on real captures edited
in one place (named in each case): a required field removed, a field of
the wrong type. The message is part of the product's output (a hop whose
output could not be read says "unreadable output: <message>"), so it is
asserted whole: the tool, the field and the object it was missing from.
"""

import json
import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import ip

CAPTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "captures"
ADDR = CAPTURES / "ip-j-addr--qrouter.out"
LINK = CAPTURES / "ip-d-j-link--host.out"
NETNS_JSON = CAPTURES / "ip-j-netns--some.out"
NETNS_TEXT = CAPTURES / "ip-netns--some.out"
WHAT = "ip -j addr/link"


def _objects(path):
    return json.loads(path.read_text())


def _text(objs):
    # ip -j prints one line of JSON; the parser wants its final newline
    return json.dumps(objs, separators=(",", ":")) + "\n"


def _refused(parser, text, message):
    with pytest.raises(ParseError) as exc:
        parser(text)
    assert str(exc.value) == message


def _with_addresses():
    """The real objects of the qrouter- capture and one carrying
    addresses (the parser's addr_info entries come from it).
    """
    objs = _objects(ADDR)
    i = next(i for i, o in enumerate(objs) if o.get("addr_info"))
    return objs, i


@pytest.mark.parametrize("key", ["flags", "ifname", "ifindex", "operstate"])
def test_a_required_interface_field_missing_is_refused(key):
    objs, i = _with_addresses()
    del objs[i][key]
    _refused(ip.parse_ip_addr, _text(objs),
             f"{WHAT}: missing {key!r} in {objs[i]!r:.200}")


@pytest.mark.parametrize("key,value", [
    ("flags", "UP"), ("ifname", 7), ("ifindex", "7"), ("operstate", 1),
    ("mtu", "1500"), ("address", 0), ("master", 3), ("link", 4),
    ("link_netnsid", "0"), ("linkinfo", []), ("addr_info", {}),
    # bool is an int in Python: refused where a number is expected
    ("ifindex", True), ("mtu", False)])
def test_an_interface_field_of_the_wrong_type_is_refused(key, value):
    objs, i = _with_addresses()
    objs[i][key] = value
    _refused(ip.parse_ip_addr, _text(objs),
             f"{WHAT}: {key!r} has unexpected type in {objs[i]!r:.200}")


@pytest.mark.parametrize("key,value", [("info_kind", 1),
                                       ("info_slave_kind", [])])
def test_a_linkinfo_field_of_the_wrong_type_is_refused(key, value):
    objs = _objects(LINK)
    i = next(i for i, o in enumerate(objs) if o.get("linkinfo"))
    objs[i]["linkinfo"][key] = value
    _refused(ip.parse_ip_addr, _text(objs),
             f"{WHAT}: {key!r} has unexpected type in "
             f"{objs[i]['linkinfo']!r:.200}")


def test_flags_that_are_not_strings_are_refused():
    objs, i = _with_addresses()
    objs[i]["flags"] = ["UP", 1]
    _refused(ip.parse_ip_addr, _text(objs),
             f"{WHAT}: bad flags in {objs[i]!r:.200}")


@pytest.mark.parametrize("key", ["family", "local", "prefixlen"])
def test_an_address_field_missing_is_refused(key):
    objs, i = _with_addresses()
    entry = objs[i]["addr_info"][0]
    del entry[key]
    _refused(ip.parse_ip_addr, _text(objs),
             f"{WHAT}: missing {key!r} in {entry!r:.200}")


def test_an_address_entry_that_is_not_an_object_is_refused():
    objs, i = _with_addresses()
    objs[i]["addr_info"][0] = "198.18.16.1/24"
    _refused(ip.parse_ip_addr, _text(objs),
             f"{WHAT}: addr_info entry is not an object: '198.18.16.1/24'")


def test_a_link_address_that_is_no_mac_reads_as_none():
    # edit: a tunnel device's link address (ip prints e.g. 0.0.0.0 for
    # ipip) in place of the real MAC of the capture's device
    objs, i = _with_addresses()
    real = ip.parse_ip_addr(_text(objs))[i]
    objs[i]["address"] = "0.0.0.0"
    edited = ip.parse_ip_addr(_text(objs))[i]
    assert real.mac is not None and edited.mac is None


def test_a_list_member_that_is_no_object_is_refused():
    objs, _ = _with_addresses()
    _refused(ip.parse_ip_addr, _text(objs + ["lo"]),
             f"{WHAT}: expected objects, got 'lo'")


def test_output_that_is_no_json_list_is_refused():
    text = ADDR.read_text()
    # edit: the closing bracket of the list cut (the newline kept)
    cut = text.rstrip("\n")[:-1] + "\n"
    try:
        json.loads(cut)
    except ValueError as exc:
        reason = str(exc)
    _refused(ip.parse_ip_addr, cut,
             f"{WHAT}: not valid JSON (truncated?): {reason}")
    # edit: the first object alone, not in a list
    first = json.dumps(_objects(ADDR)[0], separators=(",", ":")) + "\n"
    _refused(ip.parse_ip_addr, first,
             f"{WHAT}: expected a JSON list, got dict")


def test_an_empty_object_is_skipped_not_the_end():
    # ip -j prints {} for a link a filter excluded; edit: one such {}
    # before the capture's real objects, which must all still be read
    objs = _objects(ADDR)
    assert ip.parse_ip_addr(_text([{}] + objs)) == \
        ip.parse_ip_addr(_text(objs))
    assert len(ip.parse_ip_addr(_text(objs))) == len(objs) > 1


def test_netns_json_values_and_refusals():
    text = NETNS_JSON.read_text()
    assert ip.parse_ip_netns(text) == (
        ip.Netns("qdhcp-b7e3c1d2-9a4f-4e6b-8c0d-1f2a3b4c5d6e", None),
        ip.Netns("qrouter-5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170", 0))
    # leading blank space before the list is still JSON
    assert ip.parse_ip_netns(" " + text) == ip.parse_ip_netns(text)
    objs = json.loads(text)
    _refused(ip.parse_ip_netns, text[:-1],
             "ip -j netns: output does not end with a newline (truncated?)")
    _refused(ip.parse_ip_netns, _text(objs + ["qdhcp-x"]),
             "ip -j netns: expected objects, got 'qdhcp-x'")
    del objs[0]["name"]
    _refused(ip.parse_ip_netns, _text(objs),
             f"ip -j netns: missing 'name' in {objs[0]!r:.200}")
    objs[0]["name"] = "qdhcp-x"
    objs[1]["id"] = "0"
    _refused(ip.parse_ip_netns, _text(objs),
             f"ip -j netns: 'id' has unexpected type in {objs[1]!r:.200}")


def test_netns_text_values_and_refusals():
    text = NETNS_TEXT.read_text()
    assert ip.parse_ip_netns(text) == (
        ip.Netns("qdhcp-b7e3c1d2-9a4f-4e6b-8c0d-1f2a3b4c5d6e", None),
        ip.Netns("qrouter-5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170", 0))
    _refused(ip.parse_ip_netns, text[:-1],
             "ip netns: output does not end with a newline (truncated?)")
    # edit: the id's closing parenthesis cut
    bad = text.replace("(id: 0)", "(id: 0")
    _refused(ip.parse_ip_netns, bad,
             "ip netns: unexpected line "
             "'qrouter-5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170 (id: 0'")
    _refused(ip.parse_ip_netns, None, "ip netns: expected text, got NoneType")
    _refused(ip.parse_ip_netns, text.encode(),
             "ip netns: expected text, got bytes")
