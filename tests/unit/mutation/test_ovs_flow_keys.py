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

"""The keys of the openvswitch firewall's rule and anti-spoofing flows,
second look: a TCP rule of the whole port range (1-65535) and of almost
all of it, as Neutron's agent installs them (one value/mask flow per
block of ``port_rule_masking``, never a flow without a port match), a
rule's remote prefix written with host bits, and the anti-spoofing flows
of an allowed address pair of every address (0.0.0.0/0, ::/0), which OVS
prints without an address match.

Each test replays a lab case (``lab_cases``) edited where it says:
the API bodies and the recorded flows changed together into what Neutron
writes and installs for the edited rule or port.

Written against surviving mutants of ``backends.ml2_ovs.fw_ovs_flows``
(named in the comments): each fails one of these tests, or showed a gap
of that module fixed with them (the whole port range, an address pair of
every address), whose tests fail on the code before the fix.
"""

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.firewall import lab_cases as lab
from tests.unit.mutation.test_sweep_fw_ovs_more import _tcp_rule_ports

SL = "stateless-sl-tcp22"
SL_RULE = "1447570a-78f0-4d09-b5c5-cd53953d6196"    # its tcp 22 rule
SL_PORT = "2af956a2-0b65-4062-9a26-12ea35ffb03b"
SL_T82 = "flows:br-int:table=82,reg5=34"
STATES = ("+est-rel-rpl", "+new-est")
# what neutron.common.utils.port_rule_masking (Neutron 29.0.0) returns,
# as ovs-ofctl prints a tp_dst match (an exact port in decimal)
MASKS_2_65535 = ["0x4000/0xc000", "0x2000/0xe000", "0x1000/0xf000",
                 "0x800/0xf800", "0x400/0xfc00", "0x200/0xfe00",
                 "0x100/0xff00", "0x80/0xff80", "0x40/0xffc0",
                 "0x20/0xffe0", "0x10/0xfff0", "0x8/0xfff8", "0x4/0xfffc",
                 "0x2/0xfffe"]
MASKS = {
    (1, 65535): MASKS_2_65535 + ["1", "0x8000/0x8000"],
    (2, 65535): MASKS_2_65535 + ["0x8000/0x8000"],
    (1, 65534): MASKS_2_65535 + [
        "1", "0x8000/0xc000", "0xc000/0xe000", "0xe000/0xf000",
        "0xf000/0xf800", "0xf800/0xfc00", "0xfc00/0xfe00", "0xfe00/0xff00",
        "0xff00/0xff80", "0xff80/0xffc0", "0xffc0/0xffe0", "0xffe0/0xfff0",
        "0xfff0/0xfff8", "0xfff8/0xfffc", "0xfffc/0xfffe", "65534"],
}


def _masked(masks):
    """An edit of the recorded table 82: each of the tcp rule's two flows
    (one per conntrack state, tp_dst=22) becomes one flow per mask, the
    rest of its line as recorded.
    """
    def change(text):
        out = []
        for line in text.splitlines(keepends=True):
            if ",tcp,reg5=0x22,tp_dst=22 " in line:
                out += [line.replace(",tp_dst=22 ", f",tp_dst={m} ")
                        for m in masks]
            else:
                out.append(line)
        assert len(out) == len(text.splitlines()) + 2 * (len(masks) - 1)
        return "".join(out)
    return change


def _rule_rows(result, rule):
    return [(r.state, r.detail, r.status) for r in result.rows
            if r.device == rule]


@pytest.mark.parametrize("low,high", [(1, 65535), (2, 65535), (1, 65534)])
def test_a_tcp_rule_of_nearly_every_port_in_sync(tmp_path, low, high):
    # lab case stateless-sl-tcp22, two edits: the API's tcp rule 22-22 ->
    # low-high (1-65535: a rule stored before Neutron began to store the
    # whole range as no range, which it still holds), and its two table 82
    # flows (tp_dst=22) -> the flows the agent installs for that range:
    # the rule is installed, nothing is found
    # 1-65535 fails on the code that took that range for "no port match"
    # (and so for missing: its 16 masked flows cover 1-65535, not "all");
    # kills fw_ovs_flows rule_keys mutants 25 ((2, 65535) taken for every
    # port) and 26 ((1, 65536): 1-65535 never so) of that code
    result = lab.run(SL, tmp_path, {SL_T82: _masked(MASKS[(low, high)])},
                     packet=None, edit_api=_tcp_rule_ports(low, high))
    assert _rule_rows(result, SL_RULE) == [
        ("ndfw-stateless", f"ingress IPv4 tcp {low}-{high} from anywhere",
         Status.OK),
        ("installed", f"ingress IPv4 tcp {low}-{high} from anywhere: table "
         "82 priority 77", Status.OK)]
    assert [f.code for f in result.findings] == [
        "NETDIAG_FW_OF_STATELESS_TRACKED"]
    assert result.exit_code == exitcodes.OK


def test_a_whole_range_rule_with_one_mask_missing(tmp_path):
    # as above for 1-65535, but the +new-est flow of 0x8000/0x8000 (ports
    # 32768-65535) left out: the rule is missing
    masks = MASKS[(1, 65535)]

    def change(text):
        text = _masked(masks)(text)
        return lab.drop("ct_state=+new-est,tcp,reg5=0x22,"
                        "tp_dst=0x8000/0x8000 ")(text)
    result = lab.run(SL, tmp_path, {SL_T82: change}, packet=None,
                     edit_api=_tcp_rule_ports(1, 65535))
    what = "ingress IPv4 tcp 1-65535 from anywhere"
    assert _rule_rows(result, SL_RULE)[1] == (
        "missing", f"{what}: table 82 priority 77; no +new-est flow",
        Status.ERROR)
    assert [(f.code, f.subject, f.summary) for f in result.findings][1] == (
        "NETDIAG_FW_OF_RULE_MISSING", f"compute1:{SL_PORT}:{SL_RULE}",
        f"rule {SL_RULE} ({what}) is not installed in table 82 on compute1")
    assert result.exit_code == exitcodes.ERROR_FINDING


V6A = "ipv6-v6a-tcp80-denied"
V6A_TCP8080 = "1c3df5ce-6f66-4b1a-94bf-e826c6cd11ed"   # from 198.18.21.0/24


def test_a_remote_prefix_with_host_bits_matches_its_network(tmp_path):
    # lab case ipv6-v6a-tcp80-denied, the API body edited in one place:
    # the tcp 8080 rule's remote_ip_prefix 198.18.21.0/24 -> 198.18.21.75/24
    # (Neutron keeps the prefix as the user wrote it and adds
    # normalized_cidr 198.18.21.0/24, as recorded); the agent's flows match
    # nw_src=198.18.21.0/24, as recorded: the rule is installed
    # kills fw_ovs_flows _remote_of mutants 7 and 8 (the prefix read
    # strictly: ValueError, host bits set)
    def host_bits(data):
        (rule,) = [r for name, body in data.items()
                   if name.startswith("security-group-")
                   for r in body["security_group"]["security_group_rules"]
                   if r["id"] == V6A_TCP8080]
        assert rule["normalized_cidr"] == rule["remote_ip_prefix"] == \
            "198.18.21.0/24"
        rule["remote_ip_prefix"] = "198.18.21.75/24"
    result = lab.run(V6A, tmp_path, packet=None, edit_api=host_bits)
    what = "ingress IPv4 tcp 8080 from 198.18.21.75/24"
    assert _rule_rows(result, V6A_TCP8080) == [
        ("ndfw-v6", what, Status.OK),
        ("installed", f"{what}: table 82 priority 77", Status.OK)]
    assert result.findings == ()
    assert result.exit_code == exitcodes.OK


DENIED = "ingress-tcp22-denied"
DENIED_PORT = "142e0e0c-2cc5-45ec-94ed-77725476eb86"
MAC = "fa:16:3e:b7:78:ce"
V6_OWN = "fe80::f816:3eff:feb7:78ce"    # the port's link-local address
T71 = "flows:br-int:table=71,reg5=5"
# the port's own recorded table 71 flows that Neutron also writes for an
# allowed address pair with the port's MAC, and their address match
OWN_FLOWS = (("priority=95,arp,", ",arp_spa=198.18.17.51"),
             ("priority=65,ip,", ",nw_src=198.18.17.51"),
             ("nw_src=198.18.17.51,tp_src=68", ",nw_src=198.18.17.51"),
             ("priority=65,ipv6,", f",ipv6_src={V6_OWN}"))


def _whole_pairs(data):
    data["port.json"]["port"]["allowed_address_pairs"] = [
        {"ip_address": "0.0.0.0/0", "mac_address": MAC},
        {"ip_address": "::/0", "mac_address": MAC}]


def _pair_flows(leave_out=()):
    """An edit of the recorded table 71: each flow of OWN_FLOWS copied
    once more without its address match (as OVS prints a match on
    0.0.0.0/0 or ::/0: not at all), but those whose needle is in
    ``leave_out``.
    """
    def change(text):
        lines = text.splitlines(keepends=True)
        extra = []
        for needle, match in OWN_FLOWS:
            if needle in leave_out:
                continue
            (line,) = [line for line in lines if needle in line]
            assert match in line
            extra.append(line.replace(match, ""))
        return "".join(lines + extra)
    return change


def _spoofing(result):
    (hop,) = [h for h in result.rows if h.device == "anti-spoofing"]
    return hop.state, hop.detail, hop.status


SOURCES = (f"4 source(s) allowed: 198.18.17.51 ({MAC}), 0.0.0.0/0 ({MAC}), "
           f"::/0 ({MAC}), {V6_OWN} ({MAC})")


def test_address_pairs_of_every_address_in_sync(tmp_path):
    # lab case ingress-tcp22-denied, two edits: the API's port gets
    # allowed address pairs 0.0.0.0/0 and ::/0 with its own MAC, and
    # table 71 the anti-spoofing flows Neutron's agent adds for them (the
    # port's own ARP, IPv4, DHCP and IPv6 flows once more, without an
    # address match): the anti-spoofing hop is in sync
    # fails on the code before the fix (ValueError: an ARP flow without
    # arp_spa; and no such IP flow counted); fw_ovs_flows
    # installed_sources mutant 25 (``source or mac``) was that gap
    result = lab.run(DENIED, tmp_path, {T71: _pair_flows()}, packet=None,
                     edit_api=_whole_pairs)
    assert _spoofing(result) == ("in sync", SOURCES, Status.OK)
    assert [f for f in result.findings if "SPOOF" in f.code] == []


@pytest.mark.parametrize("leave_out,address", [
    ("priority=65,ip,", "0.0.0.0/0"),
    ("priority=65,ipv6,", "::/0"),
])
def test_an_address_pair_of_every_address_without_its_flow(
        tmp_path, leave_out, address):
    # as above, one of the pairs' IP flows left out: that pair is missing
    result = lab.run(DENIED, tmp_path, {T71: _pair_flows((leave_out,))},
                     packet=None, edit_api=_whole_pairs)
    assert _spoofing(result) == (
        "wrong", f"{SOURCES}; allowed address pair {address} missing",
        Status.ERROR)
    assert [(f.code, f.subject, f.summary) for f in result.findings
            if "SPOOF" in f.code] == [(
                "NETDIAG_FW_OF_SPOOF_MISSING",
                f"compute1:{DENIED_PORT}:{address}",
                f"no anti-spoofing flow lets port {DENIED_PORT} send from "
                f"{address} (allowed address pair, MAC {MAC}) on compute1")]
    assert result.exit_code == exitcodes.ERROR_FINDING
