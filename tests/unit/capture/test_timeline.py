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

import pathlib

from osc_netdiag.capture import timeline
from osc_netdiag.parsers import tcpdump

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "capture"
PORT_MAC = "fa:16:3e:b9:d1:75"          # vlan1 in the lab


def packets(name):
    return tcpdump.parse_tcpdump((FIXTURES / name).read_text())


def test_direction_and_flow_keys():
    merged = timeline.merge([("tap", "compute1",
                              packets("tcpdump--icmp-tap.out"))], PORT_MAC)
    assert [s.direction for s in merged] == ["egress", "ingress"] * 3
    assert {s.summary for s in merged} == {
        "198.18.16.39 > 198.18.16.1: ICMP echo request",
        "198.18.16.1 > 198.18.16.39: ICMP echo reply"}


def test_request_seen_at_tap_and_patch_not_at_qr():
    tap = packets("tcpdump--icmp-tap.out")
    trunk = packets("tcpdump--vlan-eth1.out")       # same flows, tagged
    merged = timeline.merge([("tap", "compute1", tap),
                             ("patch", "compute1", trunk)], PORT_MAC)
    result = {v.direction: v for v in timeline.verdicts(
        merged, ["tap", "patch", "qr"], {"tap", "patch", "qr"},
        {"tap": "compute1", "patch": "compute1", "qr": "network1"})}
    request = result["egress"]
    assert request.seen_at == ("tap", "patch")
    assert request.last_seen == "patch"
    assert request.missing_at == ("qr",)
    assert request.text.endswith("not at qr on network1")
    reply = result["ingress"]              # from outside: patch, then tap
    assert reply.seen_at == ("patch", "tap")
    assert reply.missing_at == ()


def test_point_stopped_at_its_count_is_never_called_missing():
    merged = timeline.merge([("tap", "compute1",
                              packets("tcpdump--icmp-tap.out"))], PORT_MAC)
    verdicts = timeline.verdicts(merged, ["tap", "patch"], {"tap"},
                                 {"tap": "compute1", "patch": "compute1"})
    assert all(v.missing_at == () for v in verdicts)


def test_broadcast_from_the_port_is_egress():
    merged = timeline.merge([("tap", "compute1",
                              packets("tcpdump--arp-tap.out"))], PORT_MAC)
    assert {s.direction for s in merged} == {"egress"}


def test_tunnel_packets_are_judged_by_their_inner_frame():
    merged = timeline.merge([("nic", "compute1",
                              packets("tcpdump--vxlan-eth2.out"))],
                            "fa:16:3e:75:62:49")       # vxlan1 in the lab
    assert [s.direction for s in merged] == ["egress"] * 3 + ["ingress"]
    assert merged[0].summary == "198.18.17.41 > 198.18.17.43: ICMP echo request"
    assert merged[0].packet.vlan is None and "VXLAN" in merged[0].packet.summary


def test_blind_point_is_never_called_missing():
    merged = timeline.merge([("tap", "compute1",
                              packets("tcpdump--icmp-tap.out"))], PORT_MAC)
    path, hosts = ["tap", "patch", "nic"], dict.fromkeys(
        ["tap", "patch", "nic"], "compute1")
    (request,) = [v for v in timeline.verdicts(
        merged, path, set(path), hosts, blind={("patch", "egress")})
        if v.direction == "egress"]
    assert request.missing_at == ("nic",)


# Real dhclient <-> dnsmasq and glibc lookups (tools/capture_pcap_fixtures):
# "tap" is the instance's end of the veth, "dhcp" the server's end.
VM_MAC = "fa:16:3e:dc:01:01"
DHCP_PATH = ["tap", "dhcp"]
DHCP_HOSTS = {"tap": "compute1", "dhcp": "network1"}
DISCOVER = ("0.0.0.0.68 > 255.255.255.255.67: BOOTP/DHCP, "
            "Request from fa:16:3e:dc:01:01")


def both_ends(preset):
    return timeline.merge(
        [("tap", "compute1", packets(f"tcpdump--{preset}-tap.out")),
         ("dhcp", "network1", packets(f"tcpdump--{preset}-qdhcp.out"))],
        VM_MAC)


def test_dhcp_exchange_directions_and_flows():
    merged = [s for s in both_ends("dhcp") if s.point == "tap"]
    # DISCOVER, OFFER, REQUEST, ACK (broadcast requests, unicast replies)
    assert [s.direction for s in merged] == ["egress", "ingress"] * 2
    requests = {s.summary for s in merged if s.direction == "egress"}
    replies = {s.summary for s in merged if s.direction == "ingress"}
    assert requests == {DISCOVER}
    (reply,) = replies
    assert reply.startswith("198.18.220.2.67 > 198.18.220.1")
    assert reply.endswith(".68: BOOTP/DHCP, Reply")


def test_dhcp_exchange_seen_at_both_ends():
    verdicts = {v.direction: v for v in timeline.verdicts(
        both_ends("dhcp"), DHCP_PATH, set(DHCP_PATH), DHCP_HOSTS)}
    assert verdicts["egress"].seen_at == ("tap", "dhcp")
    assert verdicts["egress"].packets == 4          # 2 requests x 2 points
    assert verdicts["ingress"].seen_at == ("dhcp", "tap")
    assert all(v.missing_at == () for v in verdicts.values())


def test_dhcp_request_that_never_reaches_the_server_is_named():
    # The instance's end alone, the DHCP namespace's capture complete and
    # empty: the requests were lost between the two.
    merged = timeline.merge([("tap", "compute1",
                              packets("tcpdump--dhcp-tap.out"))], VM_MAC)
    verdicts = {v.direction: v for v in timeline.verdicts(
        merged, DHCP_PATH, set(DHCP_PATH), DHCP_HOSTS)}
    assert verdicts["egress"].flow == DISCOVER
    assert verdicts["egress"].missing_at == ("dhcp",)
    assert verdicts["egress"].text.endswith("not at dhcp on network1")


def test_dns_queries_and_answers():
    merged = both_ends("dns")
    at_tap = [s for s in merged if s.point == "tap"]
    assert [s.direction for s in at_tap] == ["egress", "ingress"] * 3
    answers = [s.summary.split(": ", 1)[1] for s in at_tap
               if s.direction == "ingress"]
    assert answers[0].endswith("1/0/0 A 198.18.220.10 (47)")
    assert answers[1].endswith("1/0/0 PTR vm1.ndpc.test. (71)")
    assert "Refused" in answers[2]                 # no upstream for it
    verdicts = timeline.verdicts(merged, DHCP_PATH, set(DHCP_PATH),
                                 DHCP_HOSTS)
    assert len(verdicts) == 6                      # each query its own flow
    assert all(len(v.seen_at) == 2 and v.missing_at == () for v in verdicts)
