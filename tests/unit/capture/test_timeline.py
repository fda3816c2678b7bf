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
