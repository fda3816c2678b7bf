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

"""Every real capture parses to exactly its reviewed expected JSON, plus
targeted checks of what the diagnostics rely on.
"""

import json

import pytest

from osc_netdiag.parsers import ip
from osc_netdiag.parsers import iptables
from osc_netdiag.parsers import ofctl
from osc_netdiag.parsers import ovs_vsctl
from osc_netdiag.parsers import ps

import capture_cases

CAPTURES = capture_cases.CAPTURES
PORT_ID = "3f1c9a2b-7d4e-4b1a-9c55-0e2f4a6b8c1d"
TAP = "tap3f1c9a2b-7d"


def read(name):
    return (CAPTURES / name).read_text()


@pytest.mark.parametrize("path", capture_cases.captures(), ids=lambda p: p.stem)
def test_capture_matches_expected(path):
    expected = path.with_suffix(".json")
    assert expected.exists(), f"{expected.name} missing: run capture_cases.py --write"
    assert capture_cases.expected_of(path) == json.loads(expected.read_text())


def test_every_expected_has_a_capture():
    outs = {p.stem for p in capture_cases.captures()}
    assert {p.stem for p in CAPTURES.glob("*.json")} == outs


def test_every_capture_has_a_parser():
    for path in capture_cases.captures():
        capture_cases.parser_for(path)


# --- ovs-vsctl ---------------------------------------------------------------

def topology():
    return ovs_vsctl.build_topology(
        ovs_vsctl.parse_bridges(read("ovs-vsctl-list-bridge--compute.out")),
        ovs_vsctl.parse_ports(read("ovs-vsctl-list-port--compute.out")),
        ovs_vsctl.parse_interfaces(read("ovs-vsctl-list-interface--compute.out")))


def test_tap_port_tag_and_neutron_metadata():
    topo = topology()
    port = topo.port(TAP)
    assert port.tag == 1
    assert port.other_config["segmentation_id"] == "2113"
    assert port.other_config["network_type"] == "vlan"
    assert port.other_config["physical_network"] == "physnet1"
    assert topo.bridge_of_port(TAP).name == "br-int"
    iface = topo.interface_by_iface_id(PORT_ID)
    assert iface.name == TAP
    assert iface.external_ids["attached-mac"] == "fa:16:3e:5a:2c:91"
    assert iface.external_ids["iface-status"] == "active"
    assert topo.port_of_interface(TAP) is port


def test_bridges_patch_ports_and_tunnels():
    topo = topology()
    assert {b.name for b in topo.bridges} == {"br-int", "br-tun", "br-eth1"}
    assert all(b.datapath_type == "netdev" for b in topo.bridges)
    assert all(b.fail_mode == "secure" for b in topo.bridges)
    assert all(len(b.controller) == 1 for b in topo.bridges)
    assert topo.interface("patch-tun").options == {"peer": "patch-int"}
    assert topo.interface("int-br-eth1").type == "patch"
    vxlan = [i for i in topo.interfaces if i.type == "vxlan"]
    assert len(vxlan) == 36
    assert all(i.options["local_ip"] == "198.18.0.1" for i in vxlan)
    names = {p.name for p in topo.ports_of_bridge("br-tun")}
    assert "patch-int" in names and "gre-c6120202" in names


def test_optional_and_set_columns_normalised():
    topo = topology()
    assert topo.port("trunk0").tag is None
    assert topo.port("trunk0").trunks == (100, 101, 102)
    missing = topo.interface("eth1-missing")
    assert missing.ofport == -1
    assert "No such device" in missing.error
    assert missing.mtu is None and missing.link_state is None
    assert topo.interface(TAP).error is None


def test_find_interface_and_no_match():
    found = ovs_vsctl.parse_interfaces(read("ovs-vsctl-find-interface--iface-id.out"))
    assert [i.name for i in found] == [TAP]
    assert ovs_vsctl.parse_interfaces(read("ovs-vsctl-find-interface--none.out")) == ()


def test_generic_list_decoding():
    rows = ovs_vsctl.parse_ovs_list(read("ovs-vsctl-list-port--compute.out"))
    tap = next(r for r in rows if r["name"] == TAP)
    assert tap["tag"] == 1
    assert tap["trunks"] == ()
    assert isinstance(tap["interfaces"], str)  # a one-element set prints bare
    trunk = next(r for r in rows if r["name"] == "trunk0")
    assert trunk["trunks"] == (100, 101, 102)


def test_controllers():
    ctl = ovs_vsctl.parse_controllers(read("ovs-vsctl-list-controller--compute.out"))
    assert {c.target for c in ctl} == {"tcp:127.0.0.1:6633"}
    assert all(c.is_connected is False for c in ctl)


# --- ovs-ofctl -----------------------------------------------------------------

@pytest.mark.parametrize("case,in_port", [
    ("br-int-table0-vlan2113", "1"),
    ("br-int-table0-vlan2113-no-names", "1"),
    ("br-int-table0-vlan2113-names", "int-br-eth1"),
])
def test_ingress_translation_flow(case, in_port):
    (flow,) = ofctl.parse_dump_flows(read(f"ovs-ofctl-dump-flows--{case}.out"))
    assert flow.table == 0 and flow.priority == 3
    assert flow.match == (("in_port", in_port), ("dl_vlan", "2113"))
    assert flow.actions == (ofctl.Action("mod_vlan_vid", "1"),
                            ofctl.Action("resubmit", ",58"))
    assert flow.cookie == 0x9C3B6A0F2E1D4C5B
    assert flow.text.startswith(" cookie=0x9c3b6a0f2e1d4c5b")


def test_egress_translation_on_br_eth1():
    flows = ofctl.parse_dump_flows(read("ovs-ofctl-dump-flows--br-eth1-names.out"))
    (flow,) = [f for f in flows if f.match_get("dl_vlan") == "1"]
    assert flow.match_get("in_port") == "phy-br-eth1"
    assert [str(a) for a in flow.actions] == ["mod_vlan_vid:2113", "NORMAL"]
    assert flow.n_packets >= 1


def test_flood_flow_outputs():
    flows = ofctl.parse_dump_flows(read("ovs-ofctl-dump-flows--br-tun-table22-names.out"))
    flood = next(f for f in flows if f.match_get("dl_vlan") == "1")
    outputs = flood.actions_named("output")
    assert len(outputs) == 38
    assert outputs[0].arg == "vxlan-c6120102"
    assert outputs[-1].arg == "gre-c6120203"
    assert flood.actions[0] == ofctl.Action("strip_vlan")
    assert flood.actions[1] == ofctl.Action("load", "0x3->NXM_NX_TUN_ID[]")
    old = next(f for f in flows if f.match_get("dl_vlan") == "2")
    assert old.actions_named("set_tunnel") == (ofctl.Action("set_tunnel", "0x4"),)


def test_tunnel_ingress_and_learn():
    flows = ofctl.parse_dump_flows(read("ovs-ofctl-dump-flows--br-tun-names.out"))
    (tun,) = [f for f in flows if f.match_get("tun_id") == "0x3"]
    assert tun.table == 4
    assert [str(a) for a in tun.actions] == ["mod_vlan_vid:1", "resubmit:,10"]
    (learn,) = [f for f in flows if f.actions_named("learn")]
    assert learn.actions[0].arg.startswith("table=20,hard_timeout=300,")
    assert learn.actions[0].arg.endswith(",output:OXM_OF_IN_PORT[]")
    assert learn.actions[1] == ofctl.Action("output", "patch-int")
    assert len([f for f in flows if f.table == 0]) == 40


def test_firewall_ct_flows():
    flows = ofctl.parse_dump_flows(read("ovs-ofctl-dump-flows--br-int-names.out"))
    commit = [f for f in flows if f.match_get("ct_mark") == "0"]
    assert commit[0].actions == (ofctl.Action(
        "ct", "commit,zone=NXM_NX_REG6[0..15],exec(load:0x1->NXM_NX_CT_MARK[])"),)
    ssh = next(f for f in flows if f.match_get("tp_dst") == "22")
    assert [a.name for a in ssh.actions] == ["ct", "output", "resubmit"]
    assert ssh.match_get("tcp", "absent") is None  # bare flag
    assert ssh.match_get("udp", "absent") == "absent"
    assert ssh.match_get("ct_state") == "+new-est"


def test_of13_and_of14_extras():
    of14 = ofctl.parse_dump_flows(read("ovs-ofctl-dump-flows--br-int-of14-names.out"))
    imp = next(f for f in of14 if f.importance is not None)
    assert imp.importance == 10 and imp.flags == ("reset_counts",)
    assert imp.actions == (ofctl.Action("output", "trunk0"),)
    of13 = ofctl.parse_dump_flows(read("ovs-ofctl-dump-flows--br-int-of13.out"))
    assert any(f.actions_named("goto_table") for f in of13)
    assert all(f.idle_age is None for f in of13)
    timed = next(f for f in of13 if f.idle_timeout)
    assert (timed.idle_timeout, timed.hard_timeout) == (300, 3600)


def test_opsguide_seed():
    (flow,) = ofctl.parse_dump_flows(read("ovs-ofctl-dump-flows--opsguide-br-int.out"))
    assert (flow.n_packets, flow.n_bytes) == (7676140, 444818637)
    assert flow.duration == 173615.481 and flow.hard_age == 65534
    assert [str(a) for a in flow.actions] == ["mod_vlan_vid:7", "NORMAL"]
    tun = ofctl.parse_dump_flows(read("ovs-ofctl-dump-flows--opsguide-br-tun.out"))
    assert tun[0].actions[1] == ofctl.Action("resubmit", ",10")
    assert tun[1].table == 21 and len(tun[1].actions_named("output")) == 36


def test_empty_dump():
    assert ofctl.parse_dump_flows(read("ovs-ofctl-dump-flows--br-int-table99-empty.out")) == ()


def test_ofctl_show():
    show = ofctl.parse_ofctl_show(read("ovs-ofctl-show--br-int.out"))
    assert len(show.dpid) == 16
    assert show.port("int-br-eth1").number == 1
    assert show.port_by_number("LOCAL").name == "br-int"
    assert show.port("qr-c4d5e6f7-08").config == ("PORT_DOWN",)
    assert show.port(TAP).state == ("LINK_DOWN",)
    assert show.port("patch-tun").config == () and show.port("patch-tun").state == ()
    tun = ofctl.parse_ofctl_show(read("ovs-ofctl-show--br-tun.out"))
    assert len(tun.ports) == 40


# --- ip, iptables, ps -------------------------------------------------------------

def test_ip_addr_host():
    links = {i.ifname: i for i in ip.parse_ip_addr(read("ip-d-j-addr--host.out"))}
    br = links["br-eth1"]
    assert br.admin_up and br.oper_up and br.kind == "tun"
    assert ip.Address("inet", "198.18.0.1", 24) in br.addresses
    qvb = links["qvb3f1c9a2b-7d"]
    assert (qvb.kind, qvb.link, qvb.master) == ("veth", "qvo3f1c9a2b-7d", "qbr3f1c9a2b-7d")
    assert qvb.slave_kind == "bridge"
    assert links["qvo3f1c9a2b-7d"].mtu == 1450
    assert links["vxlan-42"].kind == "vxlan"
    assert links[TAP].admin_up and not links[TAP].oper_up  # nobody on the tap
    assert links["lo"].oper_up  # UNKNOWN + LOWER_UP
    # Without -d there is no linkinfo.
    plain = {i.ifname: i for i in ip.parse_ip_addr(read("ip-j-link--host.out"))}
    assert plain["qvb3f1c9a2b-7d"].kind is None and plain["br-eth1"].addresses == ()


def test_ip_addr_in_namespace_and_empty():
    (lo, qg) = ip.parse_ip_addr(read("ip-j-addr--qrouter.out"))
    assert qg.link_netnsid == 0
    assert [a.local for a in qg.addresses] == ["198.18.20.10", "198.18.20.11"]
    assert ip.parse_ip_addr(read("ip-j-addr--empty.out")) == ()
    assert ip.parse_ip_addr("[]\n") == ()


def test_netns_both_forms():
    expected = (ip.Netns("qdhcp-b7e3c1d2-9a4f-4e6b-8c0d-1f2a3b4c5d6e", None),
                ip.Netns("qrouter-5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170", 0))
    assert ip.parse_ip_netns(read("ip-j-netns--some.out")) == expected
    assert ip.parse_ip_netns(read("ip-netns--some.out")) == expected
    assert ip.parse_ip_netns(read("ip-j-netns--none.out")) == ()
    assert ip.parse_ip_netns(read("ip-netns--none.out")) == ()


def test_iptables_neutron_chains():
    text = read("iptables-save-c--neutron-like.out")
    tables = {t.name: t for t in iptables.parse_iptables_save(text)}
    assert set(tables) == {"raw", "filter", "nat"}
    flt = tables["filter"]
    assert flt.chain("INPUT").policy == "ACCEPT"
    assert flt.chain("neutron-openvswi-sg-fallback").policy is None
    (fallback,) = flt.rules_of("neutron-openvswi-sg-fallback")
    assert fallback.comment == "Default drop rule for unmatched traffic."
    assert fallback.target == "DROP" and fallback.packets == 0
    spoof = flt.rules_of("neutron-openvswi-s3f1c9a2b-7")
    assert spoof[0].comment == "Allow traffic from defined IP/MAC pairs."
    assert spoof[0].target == "RETURN"
    assert not spoof[0].text.startswith("[")
    plain = iptables.parse_iptables_save(read("iptables-save--neutron-like.out"))
    assert all(r.packets is None for t in plain for r in t.rules)


def test_ps_dnsmasq():
    for name in ("ps--dnsmasq.out", "pgrep-a--dnsmasq.out"):
        (proc,) = ps.parse_ps(read(name))
        assert proc.args.startswith("dnsmasq --no-hosts")
        assert proc.option("interface") == "tapa1b2c3d4-e5"
        assert proc.option("dhcp-range").startswith("set:subnet-0c9d8e7f")
    assert ps.parse_ps("") == ()
