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

"""``parsers.ovn_db``: the values of each table's rows read off real
captures of the OVN lab (tests/fixtures/ovn/probes) by hand, and each
refusal with its whole message, on those captures edited in one cell (a
value of the wrong type, or one column left out of the headings and the
rows), since a skipped hop shows the parser's message to the operator.
"""

import json
import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import ovn_db

PROBES = pathlib.Path(__file__).parents[2] / "fixtures" / "ovn" / "probes"


def read(name):
    return (PROBES / f"{name}.out").read_text()


LSP = read("ovn-nb-lsp--port-security-wrong-network1")
LOCALNET = read("ovn-nb-localnet--bridge-mapping-removed-network1")
LRP = read("ovn-nb-lrp--bridge-mapping-removed-network1-2")
LS = read("ovn-nb-ls--controller-stopped-network1")
HA_GROUPS = read("ovn-nb-ha-groups--bridge-mapping-removed-network1")
HA_CHASSIS = read("ovn-nb-ha-chassis--bridge-mapping-removed-network1")
PB = read("ovn-sb-pb--bridge-mapping-removed-network1-2")
PB_UNBOUND = read("ovn-sb-pb--iface-id-cleared-network1")
CHASSIS = read("ovn-sb-chassis--stale-duplicate-chassis-network1")
ENCAPS = read("ovn-sb-encaps--stale-duplicate-chassis-network1")
DATAPATHS = read("ovn-sb-datapaths--vlanmap-bridge-mapping-removed-network1")
ACLS = read("ovn-nb-acls--geneve-to-acl-dropped-network1")
SYSTEM_IDS = read("ovs-system-ids--hostcheck-bridge-mapping-removed-network1")


def test_switch_port_values():
    [port] = ovn_db.parse_switch_ports(LSP)
    assert port.uuid == "484a2360-f7d9-491f-a322-2629cf70e1fb"
    assert port.name == "6f5edede-b614-4cf6-8f3f-b88fd24de0d6"
    assert port.type == ""
    assert port.addresses == ("fa:16:3e:17:58:69 198.18.17.64",)
    # the fault of this scenario: port security holds another MAC
    assert port.port_security == ("fa:16:3e:00:00:01 198.18.17.64",)
    assert (port.up, port.enabled, port.tag) == (True, True, None)
    assert port.options == {"requested-chassis": "compute1"}
    assert port.external_ids["neutron:port_name"] == "geneve1"
    assert port.external_ids["neutron:cidrs"] == "198.18.17.64/24"
    assert len(port.external_ids) == 14
    assert port.revision == 14


def test_localnet_port_values():
    vlan, flat = ovn_db.parse_switch_ports(LOCALNET)
    assert (vlan.name, vlan.type, vlan.addresses, vlan.port_security) == (
        "provnet-ec4e983f-2f38-4778-a850-61e203d88484", "localnet",
        ("unknown",), ())
    assert (vlan.up, vlan.enabled, vlan.tag) == (False, None, 2113)
    assert vlan.options["network_name"] == "physnet1"
    assert vlan.external_ids == {"neutron:provnet-physical-network": "physnet1"}
    assert vlan.revision is None
    assert (flat.name, flat.tag, flat.options["network_name"]) == (
        "provnet-fef7c5aa-d426-4e0f-9e0e-627986bba172", None, "public")


def test_router_port_values():
    [port] = ovn_db.parse_router_ports(LRP)
    assert port.uuid == json.loads(LRP)["data"][0][0][1]
    assert port.networks == ("198.19.0.63/24",)
    assert port.ha_chassis_group == "f881c25d-54dd-464d-a94f-07a447369b6d"
    assert port.gateway_chassis == ()
    assert port.name.startswith("lrp-")
    assert port.mac == json.loads(LRP)["data"][0][2]


def test_router_port_without_ha_group():
    [port] = ovn_db.parse_router_ports(
        read("ovn-nb-lrp--bridge-mapping-removed-network1"))
    assert (port.uuid, port.name, port.mac, port.networks) == (
        "4672182a-7fc9-4491-8ab5-7836f6c874bb",
        "lrp-b9293c86-648e-4a44-bb9b-b8e5de62152f", "fa:16:3e:14:20:3e",
        ("198.18.16.1/24",))
    assert (port.ha_chassis_group, port.gateway_chassis) == (None, ())
    assert port.options == {"reside-on-redirect-chassis": "true"}
    assert port.external_ids["neutron:is_ext_gw"] == "False"


def test_switch_values():
    [switch] = ovn_db.parse_switches(LS)
    assert switch.uuid == "020d93e7-c3da-4e43-9adc-979af6ff0866"
    assert switch.name == "neutron-020d93e7-c3da-4e43-9adc-979af6ff0866"
    assert switch.ports == ("71f38a7f-2bc9-40b9-9b59-1a9d7a4e8644",
                            "c8bb8ce0-11d7-46c9-a340-8ca867ad529d",
                            "d5c83be2-a758-41ce-a376-6acc01cb29bf",
                            "ea8f94b5-3146-424f-82fb-8ff2a507ee56")
    assert switch.external_ids["neutron:network_name"] == "geneve-net"
    assert switch.external_ids["neutron:mtu"] == "1442"


def test_ha_group_and_chassis_values():
    groups = ovn_db.parse_ha_groups(HA_GROUPS)
    assert [(g.uuid, g.name, g.ha_chassis) for g in groups] == [
        ("81fe1cc1-5082-457b-8abb-49aa91638949",
         "neutron-5f48a60e-b12c-43ab-a527-e856da44839e",
         ("da7e7d8d-32c5-4ead-9f17-5ee6b0500c70",)),
        ("f881c25d-54dd-464d-a94f-07a447369b6d",
         "neutron-a081a73e-cf49-4a1a-84a2-05dc9f563114",
         ("27a6f1e8-ef75-40f2-a645-179dd68e0c86",)),
        ("abb4e39e-9c84-4949-91ec-f732a0b0e865",
         "neutron-020d93e7-c3da-4e43-9adc-979af6ff0866",
         ("cb8932d3-b559-4314-a2f4-c65810ef1f1c",))]
    chassis = ovn_db.parse_ha_chassis(HA_CHASSIS)
    assert [(c.uuid, c.chassis_name, c.priority) for c in chassis] == [
        ("27a6f1e8-ef75-40f2-a645-179dd68e0c86", "network1", 1),
        ("da7e7d8d-32c5-4ead-9f17-5ee6b0500c70", "network1", 1),
        ("cb8932d3-b559-4314-a2f4-c65810ef1f1c", "network1", 1)]


def test_port_binding_values():
    [binding] = ovn_db.parse_port_bindings(PB)
    assert binding.uuid == json.loads(PB)["data"][0][0][1]
    assert binding.type == "chassisredirect"
    assert binding.chassis == "5fff6b60-f030-41b9-89a2-8428a86a81cb"
    assert binding.up is True
    assert binding.mac == ("fa:16:3e:10:6e:d1 198.19.0.63/24",)
    assert binding.tunnel_key == json.loads(PB)["data"][0][5]
    [unbound] = ovn_db.parse_port_bindings(PB_UNBOUND)
    # the fault of this scenario: no chassis claimed the port
    assert (unbound.chassis, unbound.up, unbound.type, unbound.mac) == (
        None, False, "", ("fa:16:3e:17:58:69 198.18.17.64",))


def test_port_binding_of_a_bound_port():
    [binding] = ovn_db.parse_port_bindings(
        read("ovn-sb-pb--bridge-mapping-removed-network1"))
    assert binding == ovn_db.PortBinding(
        uuid="883a2c4c-b90b-4cc7-8522-662214020fc7",
        logical_port="6b4a6437-50a6-4b35-982b-6addfe8f0f52", type="",
        chassis="37130f89-9acf-4e2e-958e-f6bc1b3fcc6e", up=True, tunnel_key=4,
        mac=("fa:16:3e:80:2f:00 198.18.16.62",),
        options={"requested-chassis": "compute1"})


def test_chassis_values():
    network1, compute1, *others = ovn_db.parse_chassis(CHASSIS)
    assert (network1.uuid, network1.name, network1.hostname, network1.encaps) == (
        "5fff6b60-f030-41b9-89a2-8428a86a81cb", "network1", "network1",
        ("506eccb6-6fab-4a73-b886-2082b0909076",))
    assert network1.is_gateway is True
    assert network1.bridge_mappings == {"physnet1": "br-eth1", "public": "br-ex"}
    assert network1.other_config["datapath-type"] == "netdev"
    assert (compute1.uuid, compute1.name, compute1.encaps) == (
        "37130f89-9acf-4e2e-958e-f6bc1b3fcc6e", "compute1",
        ("9f5041a6-58f6-4f49-ba26-4f2a1e84fc69",))
    # "ovn-cms-options" is there, empty
    assert compute1.is_gateway is False
    assert compute1.bridge_mappings == {"physnet1": "br-eth1", "public": "br-ex"}


def test_encap_values():
    encaps = ovn_db.parse_encaps(ENCAPS)
    assert [(e.uuid, e.type, e.ip, e.chassis_name) for e in encaps] == [
        ("506eccb6-6fab-4a73-b886-2082b0909076", "geneve", "198.18.1.13", "network1"),
        ("9f5041a6-58f6-4f49-ba26-4f2a1e84fc69", "geneve", "198.18.1.11", "compute1"),
        ("64851813-a5e6-4f82-b873-713c1eb8cb73", "geneve", "198.18.1.12", "compute2"),
        ("d1a9a9cb-9233-4f71-a4a2-1b6c660d789d", "geneve", "198.18.1.99",
         "compute1-old-system-id")]


def test_datapath_values():
    router, geneve, vlan, public = ovn_db.parse_datapaths(DATAPATHS)
    assert (router.uuid, router.tunnel_key, router.switch) == (
        "3433e6b4-47d9-4b72-a43e-b56bb5f9d44c", 4, None)
    assert router.external_ids["name2"] == "lab-router"
    assert (geneve.uuid, geneve.tunnel_key, geneve.switch) == (
        "76c88ffd-8667-42a0-ac79-6c05d631e32e", 3,
        "020d93e7-c3da-4e43-9adc-979af6ff0866")
    assert (vlan.tunnel_key, vlan.switch) == (2, "5f48a60e-b12c-43ab-a527-e856da44839e")
    assert (public.tunnel_key, public.external_ids["name2"]) == (1, "public")


def test_acl_values():
    acls = ovn_db.parse_acls(ACLS)
    first, drop = acls[0], acls[2]
    assert (first.uuid, first.priority, first.direction, first.action) == (
        "2e4d0170-5312-41bf-b163-56192839876d", 1002, "to-lport", "allow-related")
    assert first.match == ("outport == @pg_b834c88f_2b71_4812_8598_b7ff8476187c "
                           "&& ip4 && ip4.src == 198.18.0.0/15 && icmp4")
    assert first.rule_id == "33ac83e2-73b7-4dcc-b281-338f4eb85b67"
    assert (drop.priority, drop.direction, drop.match, drop.action) == (
        1000, "from-lport", "inport == @neutron_pg_drop && ip", "drop")
    assert (drop.external_ids, drop.rule_id) == ({}, None)


def test_system_ids_values():
    ids = ovn_db.parse_open_vswitch_ids(SYSTEM_IDS)
    assert ids.get("system-id") == "network1"
    assert ids.get("ovn-encap-ip") == "198.18.1.13"
    assert ids.get("ovn-remote") == "tcp:198.18.64.1:6642"
    assert ids.get("no-such-key") is None
    assert ids.get("no-such-key", "x") == "x"
    assert len(ids.external_ids) == 9


@pytest.mark.parametrize("text,expected", [
    ("physnet1:br-eth1,public:br-ex", {"physnet1": "br-eth1", "public": "br-ex"}),
    # spaces around an entry, an empty entry, an entry without a bridge
    (" physnet1:br-eth1 ,,public", {"physnet1": "br-eth1", "public": ""}),
    ("", {}),
    (None, {}),
])
def test_bridge_mappings_text(text, expected):
    assert ovn_db.mappings(text) == expected


def test_connection_status():
    assert ovn_db.parse_connection_status(
        read("ovn-controller-status--bridge-mapping-removed-compute1")) == "connected"
    assert ovn_db.parse_connection_status("not connected\n") == "not connected"


@pytest.mark.parametrize("text,message", [
    ("connected", "ovn-appctl connection-status: output does not end with a "
                  "newline (truncated?)"),
    ("connected\nconnected\n",
     "ovn-appctl connection-status: unexpected output 'connected\\nconnected\\n'"),
    ("Connected\n", "ovn-appctl connection-status: unexpected output 'Connected\\n'"),
])
def test_connection_status_refusals(text, message):
    with pytest.raises(ParseError) as exc:
        ovn_db.parse_connection_status(text)
    assert str(exc.value) == message


def test_connection_status_message_shows_200_characters_of_the_output():
    # the real line followed by 30 more of it: the message keeps the first
    # 200 characters of what came back
    text = "connected\n" * 31
    with pytest.raises(ParseError) as exc:
        ovn_db.parse_connection_status(text)
    assert str(exc.value) == ("ovn-appctl connection-status: unexpected output "
                              + repr(text[:200]))
    assert repr(text[:200]) != repr(text[:201])


# -- refusals, one edited cell each ------------------------------------------

def _dump(doc):
    # compact, as the OVSDB clients print it (checked in _edited)
    return json.dumps(doc, separators=(",", ":")) + "\n"


def _edited(text, column, value, row=0):
    doc = json.loads(text)
    assert _dump(doc) == text
    doc["data"][row][doc["headings"].index(column)] = value
    return _dump(doc)


def _without(text, column):
    doc = json.loads(text)
    i = doc["headings"].index(column)
    del doc["headings"][i]
    for row in doc["data"]:
        del row[i]
    return _dump(doc)


# (parser, capture, its name in messages, its columns by kind)
TABLES = [
    (ovn_db.parse_switch_ports, LSP, "ovn-nb-lsp", "ovn-nbctl Logical_Switch_Port"),
    (ovn_db.parse_router_ports, LRP, "ovn-nb-lrp", "ovn-nbctl Logical_Router_Port"),
    (ovn_db.parse_switches, LS, "ovn-nb-ls", "ovn-nbctl Logical_Switch"),
    (ovn_db.parse_ha_groups, HA_GROUPS, "ovn-nb-ha-groups", "ovn-nbctl HA_Chassis_Group"),
    (ovn_db.parse_ha_chassis, HA_CHASSIS, "ovn-nb-ha-chassis", "ovn-nbctl HA_Chassis"),
    (ovn_db.parse_port_bindings, PB, "ovn-sb-pb", "ovn-sbctl Port_Binding"),
    (ovn_db.parse_chassis, CHASSIS, "ovn-sb-chassis", "ovn-sbctl Chassis"),
    (ovn_db.parse_encaps, ENCAPS, "ovn-sb-encaps", "ovn-sbctl Encap"),
    (ovn_db.parse_datapaths, DATAPATHS, "ovn-sb-datapaths", "ovn-sbctl Datapath_Binding"),
    (ovn_db.parse_acls, ACLS, "ovn-nb-acls", "ovn-nbctl ACL"),
    (ovn_db.parse_open_vswitch_ids, SYSTEM_IDS, "ovs-system-ids",
     "ovs-vsctl list Open_vSwitch"),
]
COLUMNS = {
    "ovn-nb-lsp": ovn_db.LSP_COLUMNS, "ovn-nb-lrp": ovn_db.LRP_COLUMNS,
    "ovn-nb-ls": ovn_db.SWITCH_COLUMNS, "ovn-nb-ha-groups": ovn_db.HA_GROUP_COLUMNS,
    "ovn-nb-ha-chassis": ovn_db.HA_CHASSIS_COLUMNS,
    "ovn-sb-pb": ovn_db.BINDING_COLUMNS, "ovn-sb-chassis": ovn_db.CHASSIS_COLUMNS,
    "ovn-sb-encaps": ovn_db.ENCAP_COLUMNS, "ovn-sb-datapaths": ovn_db.DATAPATH_COLUMNS,
    "ovn-nb-acls": ovn_db.ACL_COLUMNS, "ovs-system-ids": ovn_db.OPEN_VSWITCH_COLUMNS,
}
# The columns each parser reads, by the type it requires.
STRINGS = {"_uuid", "name", "type", "mac", "chassis_name", "logical_port",
           "hostname", "ip", "direction", "match", "action"}
INTEGERS = {"priority", "tunnel_key"}
BOOLEANS = {"up", "enabled"}
OPTIONAL = {"up", "enabled", "tag", "chassis", "ha_chassis_group"}
SETS = {"addresses", "port_security", "networks", "gateway_chassis", "ports",
        "ha_chassis", "encaps"}
MAPS = {"options", "external_ids", "other_config"}
# A value of the wrong type for each column, as OVSDB would print it, and
# how the message shows it.
WRONG = {
    "string": (7, "7"),
    "integer": ("7", "'7'"),
    # a boolean is an int to Python; not to OVSDB
    "integer-bool": (True, "True"),
    "boolean": ("true", "'true'"),
    "boolean-int": (1, "1"),
    "set": (["set", ["fa:16:3e:17:58:69", 7]], "7"),
}


def _cases():
    for parser, text, short, w in TABLES:
        for column in COLUMNS[short]:
            if column in STRINGS or column == "chassis" or column == "ha_chassis_group":
                kinds = ["string"]
            elif column in INTEGERS or column == "tag":
                kinds = ["integer", "integer-bool"]
            elif column in BOOLEANS:
                kinds = ["boolean", "boolean-int"]
            elif column in SETS:
                kinds = ["set"]
            else:
                assert column in MAPS, column
                kinds = []
            for kind in kinds:
                value, shown = WRONG[kind]
                yield pytest.param(parser, _edited(text, column, value),
                                   f"{w}: unexpected value {shown}",
                                   id=f"{short}-{column}-{kind}")
            if column in MAPS:
                yield pytest.param(
                    parser, _edited(text, column, ["map", [["k", 7]]]),
                    f"{w}: expected a map of strings, got {{'k': 7}}",
                    id=f"{short}-{column}-map-value")
                yield pytest.param(
                    parser, _edited(text, column, ["map", [[7, "v"]]]),
                    f"{w}: expected a map of strings, got {{7: 'v'}}",
                    id=f"{short}-{column}-map-key")
                yield pytest.param(
                    parser, _edited(text, column, "k=v"),
                    f"{w}: expected a map of strings, got 'k=v'",
                    id=f"{short}-{column}-map-string")
            yield pytest.param(parser, _without(text, column),
                               f"{w}: missing columns [{column!r}]",
                               id=f"{short}-{column}-missing")


@pytest.mark.parametrize("parser,text,message", list(_cases()))
def test_a_cell_of_the_wrong_type_or_a_missing_column_is_refused(parser, text, message):
    with pytest.raises(ParseError) as exc:
        parser(text)
    assert str(exc.value) == message


@pytest.mark.parametrize("parser,text,short,w", TABLES)
def test_every_column_missing_is_named(parser, text, short, w):
    doc = json.loads(text)
    doc["headings"] = ["other"]
    doc["data"] = [["x"] for _ in doc["data"]]
    with pytest.raises(ParseError) as exc:
        parser(_dump(doc))
    assert str(exc.value) == f"{w}: missing columns {list(COLUMNS[short])}"


def test_an_empty_optional_value_is_none_and_a_set_of_one_is_a_tuple():
    # the bound port's chassis emptied: OVSDB prints an empty set
    [binding] = ovn_db.parse_port_bindings(_edited(PB, "chassis", ["set", []]))
    assert binding.chassis is None
    [port] = ovn_db.parse_switch_ports(_edited(LSP, "tag", 100))
    assert port.tag == 100


def test_a_long_wrong_value_is_cut_in_the_message():
    long_value = "x" * 300
    with pytest.raises(ParseError) as exc:
        ovn_db.parse_ha_chassis(_edited(HA_CHASSIS, "priority", long_value))
    assert str(exc.value) == ("ovn-nbctl HA_Chassis: unexpected value "
                              + repr(long_value)[:200])
    with pytest.raises(ParseError) as exc:
        ovn_db.parse_datapaths(_edited(DATAPATHS, "external_ids",
                                       ["map", [[long_value, 7]]]))
    assert str(exc.value) == ("ovn-sbctl Datapath_Binding: expected a map of "
                              "strings, got " + repr({long_value: 7})[:200])


def test_open_vswitch_has_exactly_one_row():
    doc = json.loads(SYSTEM_IDS)
    for rows in ([], doc["data"] * 2):
        with pytest.raises(ParseError) as exc:
            ovn_db.parse_open_vswitch_ids(_dump({"data": rows,
                                                 "headings": doc["headings"]}))
        assert str(exc.value) == (f"ovs-vsctl list Open_vSwitch: expected one "
                                  f"row, got {len(rows)}")
