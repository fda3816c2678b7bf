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

"""The ``ovs-vsctl --format=json list`` parsers' refusals, column by
column, on the real compute-node captures with one cell of the first row
edited (named in each case): a value of the wrong type, a set member of
the wrong type, a map that is not one, a column missing, an OVSDB value
of no known shape. The message names the table and the value, and is
what a hop shows as "unreadable output: <message>", so it is asserted
whole.
"""

import json
import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import ovs_vsctl

CAPTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "captures"
TABLES = {
    "Bridge": ("ovs-vsctl-list-bridge--compute.out", ovs_vsctl.parse_bridges),
    "Port": ("ovs-vsctl-list-port--compute.out", ovs_vsctl.parse_ports),
    "Interface": ("ovs-vsctl-list-interface--compute.out",
                  ovs_vsctl.parse_interfaces),
    "Controller": ("ovs-vsctl-list-controller--compute.out",
                   ovs_vsctl.parse_controllers),
}


def _edited(table, column, value):
    """The table's capture with ``column`` of its first row set to
    ``value`` (OVSDB's JSON encoding), or removed if value is None.
    """
    doc = json.loads((CAPTURES / TABLES[table][0]).read_text())
    i = doc["headings"].index(column)
    if value is None:
        del doc["headings"][i]
        for row in doc["data"]:
            del row[i]
    else:
        doc["data"][0][i] = value
    return json.dumps(doc, separators=(",", ":")) + "\n"


def _refused(table, text, message):
    with pytest.raises(ParseError) as exc:
        TABLES[table][1](text)
    assert str(exc.value) == message


# (table, column, OVSDB value, how the message shows the decoded value)
WRONG_VALUES = [
    ("Bridge", "_uuid", 5, "unexpected value 5"),
    ("Bridge", "name", 5, "unexpected value 5"),
    ("Bridge", "ports", ["set", [5]], "unexpected set member 5"),
    ("Bridge", "datapath_type", 5, "unexpected value 5"),
    ("Bridge", "fail_mode", True, "unexpected value True"),
    ("Bridge", "external_ids", "x", "expected a map, got 'x'"),
    ("Bridge", "controller", ["set", [5]], "unexpected set member 5"),
    ("Port", "_uuid", 5, "unexpected value 5"),
    ("Port", "name", 5, "unexpected value 5"),
    ("Port", "interfaces", ["set", [5]], "unexpected set member 5"),
    ("Port", "tag", "1", "unexpected value '1'"),
    # bool is an int in Python: refused where a number is expected
    ("Port", "tag", True, "unexpected value True"),
    ("Port", "trunks", ["set", ["1"]], "unexpected set member '1'"),
    ("Port", "trunks", ["set", [True]], "unexpected set member True"),
    ("Port", "other_config", "x", "expected a map, got 'x'"),
    ("Interface", "_uuid", 5, "unexpected value 5"),
    ("Interface", "name", 5, "unexpected value 5"),
    ("Interface", "type", 5, "unexpected value 5"),
    ("Interface", "ofport", "1", "unexpected value '1'"),
    ("Interface", "ofport", False, "unexpected value False"),
    ("Interface", "options", "x", "expected a map, got 'x'"),
    ("Interface", "external_ids", "x", "expected a map, got 'x'"),
    ("Interface", "error", 5, "unexpected value 5"),
    ("Interface", "admin_state", 5, "unexpected value 5"),
    ("Interface", "link_state", 5, "unexpected value 5"),
    ("Interface", "mac_in_use", 5, "unexpected value 5"),
    ("Interface", "mtu", "1500", "unexpected value '1500'"),
    ("Controller", "_uuid", 5, "unexpected value 5"),
    ("Controller", "target", 5, "unexpected value 5"),
    ("Controller", "is_connected", 1, "unexpected value 1"),
]


@pytest.mark.parametrize("table,column,value,message", WRONG_VALUES,
                         ids=[f"{t}.{c}={v!r}" for t, c, v, _ in WRONG_VALUES])
def test_a_cell_of_the_wrong_type_is_refused(table, column, value, message):
    _refused(table, _edited(table, column, value),
             f"ovs-vsctl list {table}: {message}")


@pytest.mark.parametrize("table,column", [
    ("Bridge", "name"), ("Port", "tag"), ("Interface", "ofport"),
    ("Controller", "is_connected")])
def test_a_missing_column_is_refused(table, column):
    _refused(table, _edited(table, column, None),
             f"ovs-vsctl list {table}: missing columns [{column!r}]")


# (OVSDB value, the part of it the message names)
NO_SHAPE = [
    (["set", "x"], ["set", "x"]),          # a set whose body is no list
    (["map", "x"], ["map", "x"]),          # a map whose body is no list
    (["uuid", 5], ["uuid", 5]),            # a uuid that is no string
    (["frob", []], ["frob", []]),          # no such OVSDB type
    (["set", [1], 2], ["set", [1], 2]),    # three elements
    ([1, "x"], [1, "x"]),                  # the type is no string
    (["set", [["frob", 1]]], ["frob", 1]),  # a bad member inside a set
    (["map", [[["frob", 1], "x"]]], ["frob", 1]),  # a bad key of a map
    (["map", [["k", ["frob", 1]]]], ["frob", 1]),  # a bad value of a map
]


@pytest.mark.parametrize("value,named", NO_SHAPE)
def test_an_ovsdb_value_of_no_known_shape_is_refused(value, named):
    _refused("Port", _edited("Port", "trunks", value),
             f"ovs-vsctl --format=json: unknown OVSDB value {named!r}")


def test_a_named_uuid_reads_as_its_name():
    # ovs-vsctl prints ["named-uuid", name] for a row made in the same
    # transaction; edit: the first bridge's first port given as one
    text = _edited("Bridge", "ports", ["set", [["named-uuid", "row1"]]])
    assert ovs_vsctl.parse_bridges(text)[0].ports == ("row1",)


def test_a_set_of_one_reads_as_a_tuple_of_one():
    # OVSDB prints a one-member set as the bare member: the real first
    # port of the capture, and the same with its member put in a set
    real = ovs_vsctl.parse_ports((CAPTURES / TABLES["Port"][0]).read_text())
    member = real[0].interfaces[0]
    text = _edited("Port", "interfaces", ["set", [["uuid", member]]])
    assert ovs_vsctl.parse_ports(text)[0].interfaces == (member,)
    text = _edited("Port", "interfaces", ["uuid", member])
    assert ovs_vsctl.parse_ports(text)[0].interfaces == (member,)


def test_a_bad_map_entry_is_refused():
    text = _edited("Port", "other_config", ["map", [["net_uuid"]]])
    _refused("Port", text,
             "ovs-vsctl --format=json: bad map entry ['net_uuid']")
    text = _edited("Port", "other_config", ["map", [[["set", []], "x"]]])
    _refused("Port", text,
             "ovs-vsctl --format=json: bad map key [['set', []], 'x']")


def test_output_that_is_no_ovs_json_table_is_refused():
    text = (CAPTURES / TABLES["Port"][0]).read_text()
    # edit: the closing brace of the document cut (the newline kept)
    cut = text.rstrip("\n")[:-1] + "\n"
    try:
        json.loads(cut)
    except ValueError as exc:
        reason = str(exc)
    _refused("Port", cut, "ovs-vsctl --format=json: not valid JSON "
             f"(truncated?): {reason}")
    # edit: the rows alone, without the headings (the message shows the
    # first 200 characters of what it got)
    rows = json.dumps(json.loads(text)["data"]) + "\n"
    assert len(str(json.loads(rows))) > 201
    _refused("Port", rows, "ovs-vsctl --format=json: expected "
             f"{{'data','headings'}}, got {str(json.loads(rows))[:200]!r}")
    # edits: a heading that is no string; rows that are no list
    doc = json.loads(text)
    doc["headings"][1] = 5
    _refused("Port", json.dumps(doc) + "\n",
             "ovs-vsctl --format=json: bad headings or data")
    # edit: the first row one cell short
    doc = json.loads(text)
    short = doc["data"][0][:-1]
    doc["data"][0] = short
    _refused("Port", json.dumps(doc) + "\n",
             "ovs-vsctl --format=json: row does not match headings: "
             f"{short!r:.200}")
    doc = json.loads(text)
    doc["data"] = {}
    _refused("Port", json.dumps(doc) + "\n",
             "ovs-vsctl --format=json: bad headings or data")
