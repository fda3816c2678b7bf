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

"""Hand-read values of the ip, iptables, ps, ss, dnsmasq, DNS query, agent
config and tcpdump captures (Open vSwitch: test_known_values.py).

The golden ``*.json`` next to the captures were written by the parsers
themselves, so a parser bug present when they were written would be kept by
them. The values below were read off the raw ``.out`` text by hand (line
numbers are the capture's own, 1-based): VLAN ids, actions, ofports, tags,
addresses, MACs, namespaces, routes, NAT rules, DHCP/DNS answers.
"""

import pathlib

import pytest

from osc_netdiag.parsers import dnsmasq
from osc_netdiag.parsers import dnsquery
from osc_netdiag.parsers import ip
from osc_netdiag.parsers import ip_route
from osc_netdiag.parsers import iptables
from osc_netdiag.parsers import oslo_ini
from osc_netdiag.parsers import ps
from osc_netdiag.parsers import ss
from osc_netdiag.parsers import tcpdump

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures"


def read(name):
    return (FIXTURES / name).read_text()


# --- ip ---------------------------------------------------------------------

@pytest.mark.parametrize("case,with_addresses,with_kind", [
    ("ip-d-j-addr--host", True, True), ("ip-j-addr--host", True, False),
    ("ip-d-j-link--host", False, True), ("ip-j-link--host", False, False),
])
def test_ip_host(case, with_addresses, with_kind):
    links = {i.ifname: i for i in ip.parse_ip_addr(read(f"captures/{case}.out"))}
    assert len(links) == 15
    qvb = links["qvb3f1c9a2b-7d"]
    assert (qvb.ifindex, qvb.operstate, qvb.master, qvb.link) == (
        15, "LOWERLAYERDOWN", "qbr3f1c9a2b-7d", "qvo3f1c9a2b-7d")
    assert links["qvo3f1c9a2b-7d"].mtu == 1450
    assert links["tap3f1c9a2b-7d"].mac == "46:c4:c4:f8:0c:13"
    assert links["tap3f1c9a2b-7d"].operstate == "DOWN"
    br = links["br-eth1"]
    assert [(a.local, a.prefixlen) for a in br.addresses] == (
        [("198.18.0.1", 24), ("2001:db8::1", 64), ("fe80::9c87:aeff:fe54:1e4a", 64)]
        if with_addresses else [])
    assert links["vxlan-42"].kind == ("vxlan" if with_kind else None)
    assert links["qbr3f1c9a2b-7d"].kind == ("bridge" if with_kind else None)


def test_ip_namespaces_addresses():
    lo, qg = ip.parse_ip_addr(read("captures/ip-j-addr--qrouter.out"))
    assert (qg.ifname, qg.ifindex, qg.mac) == ("qg-c4d5e6f7-08", 12, "46:08:36:91:9f:99")
    assert [(a.local, a.prefixlen) for a in qg.addresses] == [("198.18.20.10", 24),
                                                              ("198.18.20.11", 32)]
    assert ip.parse_ip_addr(read("captures/ip-j-addr--empty.out")) == ()
    _, tap = ip.parse_ip_addr(read("l3dhcp/ip-d-j-addr--qdhcp.out"))
    assert (tap.ifname, tap.mac) == ("tap0ca4aaaf-71", "fa:16:3e:e1:cd:5d")
    assert tap.addresses[0] == ip.Address("inet", "198.18.16.10", 24)
    _, qr1, qr2, qg = ip.parse_ip_addr(read("l3dhcp/ip-d-j-addr--qrouter.out"))
    assert (qr1.ifname, qr1.addresses[0].local, qr1.mac) == (
        "qr-12cf768b-a6", "198.18.16.1", "fa:16:3e:7b:34:8e")
    assert (qr2.ifname, qr2.mtu, qr2.addresses[0].local) == ("qr-9b515daf-d3", 1450, "198.18.17.1")
    assert [(a.local, a.prefixlen) for a in qg.addresses[:2]] == [("198.19.0.56", 24),
                                                                  ("198.19.0.43", 32)]


def test_netns_lists():
    expected = [("qdhcp-b7e3c1d2-9a4f-4e6b-8c0d-1f2a3b4c5d6e", None),
                ("qrouter-5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170", 0)]
    for case in ("ip-j-netns--some", "ip-netns--some"):
        parsed = ip.parse_ip_netns(read(f"captures/{case}.out"))
        assert [(n.name, n.id) for n in parsed] == expected
    network1 = ip.parse_ip_netns(read("l3dhcp/ip-j-netns--network1.out"))
    assert [(n.name, n.id) for n in network1] == [
        ("qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d", 2),
        ("qdhcp-71ad6b9d-4f87-4d0a-b1aa-7f00ba686a0b", 4),
        ("qdhcp-3e2b7484-02f6-43f9-98e7-87a1ff51eff8", 3)]


def test_routes():
    default, qr1, qr2, qg = ip_route.parse_ip_route(read("l3dhcp/ip-j-route--qrouter.out"))
    assert default.is_default
    assert (default.gateway, default.dev) == ("198.19.0.1", "qg-4ed7e451-34")
    assert (qr1.dst, qr1.dev, qr1.prefsrc) == ("198.18.16.0/24", "qr-12cf768b-a6", "198.18.16.1")
    assert (qr2.dst, qr2.dev) == ("198.18.17.0/24", "qr-9b515daf-d3")
    assert (qg.dst, qg.prefsrc, qg.gateway) == ("198.19.0.0/24", "198.19.0.56", None)


# --- iptables ----------------------------------------------------------------

def test_iptables_neutron_like():
    tables = iptables.parse_iptables_save(read("captures/iptables-save-c--neutron-like.out"))
    assert [t.name for t in tables] == ["raw", "filter", "nat"]
    flt = tables[1]
    (to_fallback,) = [r for r in flt.rules_of("neutron-openvswi-i3f1c9a2b-7")
                      if r.comment == "Send unmatched traffic to the fallback chain."]
    assert to_fallback.target == "neutron-openvswi-sg-fallback"
    assert (to_fallback.packets, to_fallback.bytes) == (0, 0)
    plain = iptables.parse_iptables_save(read("captures/iptables-save--neutron-like.out"))
    assert sum(len(t.rules) for t in plain) == 35
    (only,) = iptables.parse_iptables_save(read("captures/iptables-save--filter-table.out"))
    assert only.name == "filter" and len(only.rules) == 26
    assert only.chain("INPUT") == iptables.Chain("INPUT", "ACCEPT", 10, 636)
    assert only.chain("OUTPUT") == iptables.Chain("OUTPUT", "ACCEPT", 11, 676)


@pytest.mark.parametrize("case,names", [
    ("iptables-save--qrouter", ["mangle", "raw", "filter", "nat"]),
    ("iptables-save-t-nat--qrouter", ["nat"]),
])
def test_iptables_qrouter_nat(case, names):
    tables = iptables.parse_iptables_save(read(f"l3dhcp/{case}.out"))
    assert [t.name for t in tables] == names
    nat = tables[-1]
    (dnat,) = nat.rules_of("neutron-l3-agent-PREROUTING")
    assert dnat.text == ("-A neutron-l3-agent-PREROUTING -d 198.19.0.43/32 -j DNAT "
                         "--to-destination 198.18.16.39")
    assert dnat.target == "DNAT"
    (float_snat,) = nat.rules_of("neutron-l3-agent-float-snat")
    assert float_snat.target == "SNAT" and "-s 198.18.16.39/32" in float_snat.text
    assert "--to-source 198.19.0.43 " in float_snat.text
    snat = nat.rules_of("neutron-l3-agent-snat")
    assert [r.target for r in snat] == ["neutron-l3-agent-float-snat", "SNAT", "SNAT"]
    assert "--to-source 198.19.0.56 " in snat[1].text
    (bottom,) = nat.rules_of("neutron-postrouting-bottom")
    assert bottom.comment == "Perform source NAT on outgoing traffic."


# --- processes, sockets, dnsmasq ----------------------------------------------

def test_dnsmasq_processes():
    for name in ("captures/ps--dnsmasq.out", "captures/pgrep-a--dnsmasq.out"):
        (proc,) = ps.parse_ps(read(name))
        assert proc.pid == 9158
        assert proc.option("interface") == "tapa1b2c3d4-e5"
        assert proc.option("dhcp-hostsfile") == \
            "/var/lib/neutron/dhcp/b7e3c1d2-9a4f-4e6b-8c0d-1f2a3b4c5d6e/host"
        (rng,) = dnsmasq.dhcp_ranges(proc)
        assert rng == dnsmasq.DhcpRange("subnet-0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f",
                                        "198.18.10.0", "static", "255.255.255.0", "86400s")
    first, second = ps.parse_ps(read("l3dhcp/pgrep-a--dnsmasq.out"))
    assert (first.pid, second.pid) == (29017, 29020)
    starts = [r.start for p in (first, second) for r in dnsmasq.dhcp_ranges(p)]
    assert sorted(starts) == ["198.18.16.0", "198.18.17.0"]


def test_dhcp_agent_processes_and_config():
    master, worker, probe = ps.parse_ps(read("l3dhcp/agent/pgrep-a-f--dhcp-agent.out"))
    assert (master.pid, worker.pid, probe.pid) == (1983, 2103, 30482)
    assert master.args.startswith("neutron-dhcp-agent: master process [/usr/bin/")
    ini = oslo_ini.parse_oslo_ini(read("l3dhcp/agent/cat--dhcp_agent.ini.out"))
    assert ini["DEFAULT"]["enable_isolated_metadata"] == "false"
    assert ini["DEFAULT"]["dhcp_driver"] == "neutron.agent.linux.dhcp.Dnsmasq"
    assert ini["ovs"] == {"integration_bridge": "br-int"}
    conf = oslo_ini.parse_oslo_ini(read("l3dhcp/agent/cat--neutron.conf.out"))
    assert conf["DEFAULT"]["host"] == "network1"
    assert conf["agent"]["root_helper"] == "sudo"
    for case, isolated in (("dhcp_agent.ini-isolated", "true"), ("dhcp_agent.ini", "false")):
        flags = oslo_ini.parse_oslo_ini(
            "[DEFAULT]\n" + read(f"l3dhcp/agent/grep-metadata--{case}.out"))
        assert flags == {"DEFAULT": {"enable_isolated_metadata": isolated,
                                     "force_metadata": "false"}}


def test_dns_listeners():
    sockets = ss.parse_ss(read("l3dhcp/ss-lnup--qdhcp-dns.out"))
    assert [(s.address, s.port, s.interface) for s in sockets] == [
        ("127.0.0.1", 53, None), ("198.18.16.10", 53, None), ("::1", 53, None),
        ("fe80::f816:3eff:fee1:cd5d", 53, "tap0ca4aaaf-71")]
    assert {s.processes for s in sockets} == {(("dnsmasq", 8115),)}
    assert ss.parse_ss(read("l3dhcp/ss-lnup--none.out")) == ()


def test_hosts_file_and_log():
    entries = dnsmasq.parse_hosts_file(read("l3dhcp/dnsmasq-hostsfile--vxlan.out"))
    assert [(e.mac, e.ip) for e in entries] == [
        ("fa:16:3e:49:97:45", "198.18.17.43"), ("fa:16:3e:13:d4:50", "198.18.17.1"),
        ("fa:16:3e:75:62:49", "198.18.17.41")]
    assert entries[0].name == "host-198-18-17-43.openstacklocal"
    log = dnsmasq.parse_log(read("l3dhcp/dnsmasq-log--vxlan.out"))
    assert len(log) == 183
    assert log[0].program == "dnsmasq" and log[0].pid == 26329 and log[0].event is None
    discover, offer, request, ack = (log[i - 1].event for i in (25, 27, 40, 42))
    assert discover == dnsmasq.DhcpEvent("1351728466", "DHCPDISCOVER", "tap6bdcf039-02",
                                         None, "fa:16:3e:75:62:49", "")
    assert (offer.kind, offer.ip, offer.mac) == ("DHCPOFFER", "198.18.17.41", "fa:16:3e:75:62:49")
    assert (request.kind, request.ip) == ("DHCPREQUEST", "198.18.17.41")
    assert (ack.kind, ack.ip, ack.note) == ("DHCPACK", "198.18.17.41", "host-198-18-17-41")


@pytest.mark.parametrize("case,server,name,qtype,status,answers", [
    ("forward", "198.18.16.10", "host-198-18-16-39", "A", "NOERROR", ("198.18.16.39",)),
    ("reverse", "198.18.16.10", "39.16.18.198.in-addr.arpa", "PTR", "NOERROR",
     ("host-198-18-16-39.openstacklocal",)),
    ("refused", "198.18.16.10", "nosuch-host", "A", "REFUSED", ()),
    ("nxdomain", "127.0.0.1", "nosuch-host.openstacklocal", "A", "NXDOMAIN", ()),
    ("timeout", "198.18.16.77", "host-198-18-16-39", "A", "TIMEOUT", ()),
])
def test_dns_answers(case, server, name, qtype, status, answers):
    answer = dnsquery.parse_dns_query(read(f"l3dhcp/dnsquery--{case}.out"))
    assert (answer.server, answer.name, answer.type, answer.status, answer.answers) == (
        server, name, qtype, status, answers)


# --- tcpdump ------------------------------------------------------------------

@pytest.mark.parametrize("case,count,src,dst,vlan", [
    ("arp-tap", 2, "fa:16:3e:b9:d1:75", "ff:ff:ff:ff:ff:ff", None),
    ("dhcp-qdhcp", 4, "fa:16:3e:dc:01:01", "ff:ff:ff:ff:ff:ff", None),
    ("dhcp-tap", 4, "fa:16:3e:dc:01:01", "ff:ff:ff:ff:ff:ff", None),
    ("dns-qdhcp", 6, "fa:16:3e:dc:01:01", "fa:16:3e:dc:01:02", None),
    ("dns-tap", 6, "fa:16:3e:dc:01:01", "fa:16:3e:dc:01:02", None),
    ("icmp-tap", 6, "fa:16:3e:b9:d1:75", "fa:16:3e:7b:34:8e", None),
    ("vlan-eth1", 4, "fa:16:3e:b9:d1:75", "fa:16:3e:7b:34:8e", 2113),
    ("vxlan-eth2", 4, "de:ff:40:e0:4f:49", "0e:25:57:d8:ee:45", None),
])
def test_tcpdump_first_packet(case, count, src, dst, vlan):
    packets = tcpdump.parse_tcpdump(read(f"capture/tcpdump--{case}.out"))
    assert len(packets) == count
    assert (packets[0].src_mac, packets[0].dst_mac, packets[0].vlan) == (src, dst, vlan)


def test_tcpdump_values():
    (icmp, *_) = tcpdump.parse_tcpdump(read("capture/tcpdump--icmp-tap.out"))
    assert (icmp.time, icmp.length) == (1795638878.538064, 98)
    assert icmp.summary == ("198.18.16.39 > 198.18.16.1: ICMP echo request, id 6061, "
                            "seq 1, length 64")
    (tagged, *_) = tcpdump.parse_tcpdump(read("capture/tcpdump--vlan-eth1.out"))
    assert (tagged.ethertype, tagged.length) == ("IPv4", 102)
    assert tagged.summary.startswith("198.18.16.39 > 198.18.16.1: ICMP echo request, id 6113")
    (outer, *_) = tcpdump.parse_tcpdump(read("capture/tcpdump--vxlan-eth2.out"))
    inner = outer.frame()
    assert (inner.src_mac, inner.dst_mac) == ("fa:16:3e:75:62:49", "fa:16:3e:49:97:45")
    assert inner.summary.startswith("198.18.17.41 > 198.18.17.43: ICMP echo request, id 6316")
    (arp, _) = tcpdump.parse_tcpdump(read("capture/tcpdump--arp-tap.out"))
    assert (arp.ethertype, arp.length) == ("ARP", 42)
