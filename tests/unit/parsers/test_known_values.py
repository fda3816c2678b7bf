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

"""Hand-read values of every real Open vSwitch capture, for the fields the
checks use (the other captures: test_known_values_host.py).

The golden ``*.json`` next to the captures were written by the parsers
themselves, so a parser bug present when they were written would be kept by
them. The values below were read off the raw ``.out`` text by hand (line
numbers are the capture's own, 1-based): VLAN ids, actions, ofports, tags,
addresses, MACs, namespaces, routes, NAT rules, DHCP/DNS answers.
"""

import pathlib

import pytest

from osc_netdiag.parsers import ofctl
from osc_netdiag.parsers import ovs_vsctl

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures"
A = ofctl.Action


def read(name):
    return (FIXTURES / name).read_text()


def flows(case):
    return ofctl.parse_dump_flows(read(f"captures/ovs-ofctl-dump-flows--{case}.out"))


# --- ovs-ofctl dump-flows -------------------------------------------------

@pytest.mark.parametrize("case,in_port", [
    ("br-int-table0-vlan2113", "1"),
    ("br-int-table0-vlan2113-no-names", "1"),
    ("br-int-table0-vlan2113-names", "int-br-eth1"),
])
def test_ingress_translation_2113_to_1(case, in_port):
    (flow,) = flows(case)
    assert (flow.table, flow.priority) == (0, 3)
    assert flow.match == (("in_port", in_port), ("dl_vlan", "2113"))
    assert flow.actions == (A("mod_vlan_vid", "1"), A("resubmit", ",58"))


@pytest.mark.parametrize("case,phy,eth", [
    ("br-eth1", "1", "2"), ("br-eth1-no-names", "1", "2"),
    ("br-eth1-names", "phy-br-eth1", "eth1.100"),
])
def test_egress_translation_1_to_2113(case, phy, eth):
    first, second, third, fourth = flows(case)
    assert first.priority == 4 and first.match == (("in_port", phy), ("dl_vlan", "1"))
    assert first.actions == (A("mod_vlan_vid", "2113"), A("NORMAL"))
    assert (first.n_packets, first.n_bytes) == (2, 176)
    assert second.match == (("in_port", eth), ("dl_vlan", "100"))
    assert second.actions == (A("strip_vlan"), A("output", phy))
    assert third.match == (("in_port", phy),) and third.actions == (A("drop"),)
    assert (fourth.priority, fourth.match, fourth.actions) == (0, (), (A("NORMAL"),))


@pytest.mark.parametrize("case", ["br-int", "br-int-no-names", "br-int-names"])
def test_br_int_dump(case):
    parsed = flows(case)
    ingress = parsed[3]     # the fourth flow line of each dump
    assert ingress.match[-1] == ("dl_vlan", "2113")
    assert ingress.actions[0] == A("mod_vlan_vid", "1")
    (to_port,) = [f for f in parsed if f.table == 60 and f.priority == 90]
    assert to_port.match == (("dl_vlan", "1"), ("dl_dst", "fa:16:3e:5a:2c:91"))
    assert [a.name for a in to_port.actions] == ["load", "load", "strip_vlan", "resubmit"]
    assert to_port.actions[3] == A("resubmit", ",81")


def test_br_int_of10():
    parsed = flows("br-int-of10")
    assert len(parsed) == 37
    assert parsed[0].match == (("dl_vlan", "4095"),) and parsed[0].priority == 65535
    assert parsed[1].match == (("ipv6", None), ("in_port", "3"), ("dl_vlan", "5"),
                               ("ipv6_dst", "ff02::/16"))
    assert parsed[3].actions == (A("mod_vlan_vid", "1"), A("resubmit", ",58"))
    assert parsed[14].idle_timeout == 300 and parsed[14].hard_timeout == 3600
    last_but_one = parsed[-2]
    assert last_but_one.match_get("dl_src") == "fa:16:3e:5a:2c:91"
    assert last_but_one.actions == (A("mod_vlan_vid", "1"), A("output", "2"))


def test_br_int_of13_and_of14():
    of13 = flows("br-int-of13")
    assert of13[3].actions == (A("set_field", "4097->vlan_vid"), A("resubmit", ",58"))
    assert of13[1].actions == (A("pop_vlan"), A("goto_table", "60"))
    assert of13[-2].actions == (A("push_vlan", "0x8100"), A("set_field", "4097->vlan_vid"),
                                A("output", "2"))
    assert of13[0].flags == ("reset_counts",) and of13[1].flags == ()
    of14 = flows("br-int-of14-names")
    assert of14[4].importance == 10
    assert of14[4].match == (("in_port", "trunk0"), ("dl_vlan", "100"))
    assert of14[-2].actions[-1] == A("output", "patch-tun")
    assert of14[-1].duration == 2.0
    assert of14[28].actions[1] == A("output", "tap3f1c9a2b-7d")


@pytest.mark.parametrize("case,first_out,second_out", [
    ("br-tun", "2", "3"), ("br-tun-no-names", "2", "3"),
    ("br-tun-names", "vxlan-c6120102", "vxlan-c6120103"),
])
def test_br_tun_dump(case, first_out, second_out):
    parsed = flows(case)
    tun3, tun_default = [f for f in parsed if f.table == 4]
    assert (tun_default.priority, tun_default.actions) == (0, (A("drop"),))
    assert tun3.match == (("tun_id", "0x3"),)
    assert tun3.actions == (A("mod_vlan_vid", "1"), A("resubmit", ",10"))
    unicast = [f for f in parsed if f.table == 20 and f.priority == 2]
    assert unicast[0].match == (("dl_vlan", "1"), ("dl_dst", "fa:16:3e:77:88:99"))
    assert unicast[0].actions == (A("strip_vlan"), A("load", "0x3->NXM_NX_TUN_ID[]"),
                                  A("output", first_out))
    flood_1, flood_2 = [f for f in parsed if f.table == 22 and f.priority == 1]
    assert flood_1.actions[2:4] == (A("output", first_out), A("output", second_out))
    assert flood_2.actions == (A("strip_vlan"), A("set_tunnel", "0x4"),
                               A("output", first_out), A("output", second_out))


@pytest.mark.parametrize("case", ["br-tun-table22", "br-tun-table22-names"])
def test_br_tun_table22(case):
    flood_1, flood_2, default = flows(case)
    assert flood_1.match == (("dl_vlan", "1"),)
    assert (flood_1.n_packets, flood_1.n_bytes) == (2, 176)
    assert flood_2.match == (("dl_vlan", "2"),)
    assert (default.priority, default.actions) == (0, (A("drop"),))


def test_br_tun_table4_and_opsguide():
    (flow,) = flows("br-tun-table4-tun3")
    assert (flow.table, flow.priority, flow.match) == (4, 1, (("tun_id", "0x3"),))
    (guide,) = flows("opsguide-br-int")
    assert guide.match == (("in_port", "1"), ("dl_vlan", "2113"))
    assert guide.actions == (A("mod_vlan_vid", "7"), A("NORMAL"))
    assert (guide.cookie, guide.hard_age, guide.idle_age) == (0, 65534, 0)
    tun2, flood = flows("opsguide-br-tun")
    assert (tun2.table, tun2.match) == (2, (("tun_id", "0x3"),))
    assert flood.actions[:3] == (A("strip_vlan"), A("set_tunnel", "0x3"), A("output", "4"))
    assert flood.actions[-1] == A("output", "39")
    assert flows("br-int-table99-empty") == ()


# --- ovs-ofctl show -------------------------------------------------------

@pytest.mark.parametrize("case", ["br-int", "br-int-no-names"])
def test_ofctl_show_br_int(case):
    show = ofctl.parse_ofctl_show(read(f"captures/ovs-ofctl-show--{case}.out"))
    assert show.dpid == "00005afce620de41"
    assert [(p.number, p.name) for p in show.ports] == [
        (1, "int-br-eth1"), (2, "patch-tun"), (3, "tap3f1c9a2b-7d"),
        (4, "tapa1b2c3d4-e5"), (5, "qr-c4d5e6f7-08"), (6, "trunk0"), ("LOCAL", "br-int")]
    assert show.port("tap3f1c9a2b-7d").mac == "46:c4:c4:f8:0c:13"
    assert show.port("int-br-eth1").mac == "66:49:a0:fb:20:f4"


def test_ofctl_show_br_eth1_and_br_tun():
    eth1 = ofctl.parse_ofctl_show(read("captures/ovs-ofctl-show--br-eth1.out"))
    assert eth1.dpid == "00009e87ae541e4a"
    assert [(p.number, p.name) for p in eth1.ports] == [
        (1, "phy-br-eth1"), (2, "eth1.100"), ("LOCAL", "br-eth1")]
    assert eth1.port("phy-br-eth1").mac == "2e:9b:92:8c:75:ae"
    for case in ("br-tun", "br-tun-names"):
        tun = ofctl.parse_ofctl_show(read(f"captures/ovs-ofctl-show--{case}.out"))
        assert tun.dpid == "00000adb7fb1954a"
        assert tun.port_by_number(1).name == "patch-int"
        assert tun.port_by_number(2).name == "vxlan-c6120102"
        assert tun.port_by_number(2).mac == "d2:c1:66:b7:9f:19"


# --- ovs-vsctl ------------------------------------------------------------

def test_vsctl_ports():
    ports = {p.name: p for p in ovs_vsctl.parse_ports(
        read("captures/ovs-vsctl-list-port--compute.out"))}
    tap = ports["tap3f1c9a2b-7d"]
    assert tap.uuid == "769d25af-b711-41a6-acc0-557ed8630535"
    assert tap.tag == 1 and tap.interfaces == ("57822cfe-9ed0-4e24-a8f2-4f560e91d3de",)
    assert tap.other_config == {"net_uuid": "b7e3c1d2-9a4f-4e6b-8c0d-1f2a3b4c5d6e",
                                "network_type": "vlan", "physical_network": "physnet1",
                                "segmentation_id": "2113", "tag": "1"}
    assert ports["tapa1b2c3d4-e5"].tag == 1 and ports["qr-c4d5e6f7-08"].tag == 1
    assert ports["patch-tun"].tag is None and ports["int-br-eth1"].tag is None
    assert ports["trunk0"].trunks == (100, 101, 102)


def test_vsctl_interfaces():
    ifaces = {i.name: i for i in ovs_vsctl.parse_interfaces(
        read("captures/ovs-vsctl-list-interface--compute.out"))}
    assert ifaces["patch-tun"].options == {"peer": "patch-int"}
    assert ifaces["patch-int"].options == {"peer": "patch-tun"}
    assert ifaces["int-br-eth1"].options == {"peer": "phy-br-eth1"}
    assert ifaces["phy-br-eth1"].options == {"peer": "int-br-eth1"}
    assert (ifaces["patch-tun"].ofport, ifaces["int-br-eth1"].ofport) == (2, 1)
    vxlan = ifaces["vxlan-c6120102"]
    assert (vxlan.type, vxlan.ofport) == ("vxlan", 2)
    assert (vxlan.options["local_ip"], vxlan.options["remote_ip"]) == ("198.18.0.1", "198.18.1.2")
    gre = ifaces["gre-c6120202"]
    assert (gre.type, gre.ofport, gre.options["remote_ip"]) == ("gre", 38, "198.18.2.2")
    tap = ifaces["tap3f1c9a2b-7d"]
    assert (tap.ofport, tap.link_state, tap.mac_in_use, tap.mtu) == (
        3, "down", "46:c4:c4:f8:0c:13", 1500)
    assert tap.iface_id == "3f1c9a2b-7d4e-4b1a-9c55-0e2f4a6b8c1d"
    assert tap.external_ids["attached-mac"] == "fa:16:3e:5a:2c:91"
    missing = ifaces["eth1-missing"]
    assert missing.ofport == -1
    assert missing.error == "could not open network device eth1-missing (No such device)"


def test_vsctl_find_bridges_controllers():
    (tap,) = ovs_vsctl.parse_interfaces(read("captures/ovs-vsctl-find-interface--iface-id.out"))
    assert (tap.uuid, tap.name, tap.ofport) == ("57822cfe-9ed0-4e24-a8f2-4f560e91d3de",
                                                "tap3f1c9a2b-7d", 3)
    assert tap.external_ids["vm-uuid"] == "8d2f6a0e-41b7-4c3e-a0d5-6f1e2b3c4d5e"
    bridges = ovs_vsctl.parse_bridges(read("captures/ovs-vsctl-list-bridge--compute.out"))
    assert [b.name for b in bridges] == ["br-tun", "br-int", "br-eth1"]
    assert bridges[0].uuid == "b17fdb0a-3967-4a95-9c84-e8a7562e92e5"
    assert bridges[1].external_ids == {"bridge-id": "br-int", "netdiag-capture": "1"}
    assert {(b.datapath_type, b.fail_mode) for b in bridges} == {("netdev", "secure")}
    controllers = ovs_vsctl.parse_controllers(
        read("captures/ovs-vsctl-list-controller--compute.out"))
    assert [c.uuid for c in controllers] == ["d1651480-4fb0-4367-9757-8ca1da258045",
                                             "670def92-c317-4eb9-8e42-9ee1feeb674d",
                                             "225579a3-0f4d-4d23-b85c-9d9b1b9d858f"]
