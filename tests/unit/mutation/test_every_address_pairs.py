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

"""The openvswitch firewall's anti-spoofing and base flows of an allowed
address pair of every address, on the lab recording
``ipv4-v6a-every-address-pair`` (v6a with the pair 0.0.0.0/0, whose ARP,
IPv4 and DHCP request flows OVS prints without an address match).

The IPv6 twin, ::/0, cannot be made on this lab: Neutron 29 refuses it
("Subnet ::/0 overlaps with multicast range ff00::/8"), but a pair made by
an older release stays, and its agent writes the same flows as for any
IPv6 source. That test adds the pair to the API body and, to table 71,
copies of the VIP 2001:db8:21::250's own IPv6 flows (priority 65, ND 130,
133 and 135, the advertisement 136, the DHCPv6 request) without their
address match, as OVS prints a match on ::/0 (checked with ``ovs-ofctl
parse-flows``): an edit in those places, said here.
"""

from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.firewall import lab_cases as lab
from tests.unit.mutation.test_members_egress import PAIR
from tests.unit.mutation.test_members_egress import T71

PORT = "102cca40-9198-4d54-a214-8d5bfd8b9042"
MAC = "fa:16:3e:33:11:5a"
VIP6 = "2001:db8:21::250"


def test_the_pairs_arp_flow_missing_is_named(tmp_path):
    # table 71: the pair's ARP flow (priority 95, arp, no arp_spa) removed;
    # its IPv4 flow stays. Kills fw_ovs_flows installed_arp_sources mutants
    # 2, 3 and 4 (the flow test's "and" made "or": other flows of the port
    # without arp_spa, read as 0.0.0.0/0, stand in for the missing one)
    result = lab.run(PAIR, tmp_path, {T71: lab.drop(
        "priority=95,arp,", f"dl_src={MAC} actions=resubmit(,94)")})
    assert [(f.code, f.subject, f.summary) for f in result.findings] == [(
        "NETDIAG_FW_OF_SPOOF_MISSING", f"compute1:{PORT}:0.0.0.0/0",
        f"no anti-spoofing flow lets port {PORT} send from 0.0.0.0/0 "
        f"(allowed address pair, MAC {MAC}) on compute1")]
    assert result.exit_code == exitcodes.ERROR_FINDING


def _legacy_v6_pair(data):
    data["port.json"]["port"]["allowed_address_pairs"].append(
        {"ip_address": "::/0", "mac_address": MAC})


def _vip_flows_without_address(text):
    lines = text.splitlines(keepends=True)
    extra = [line.replace(f",ipv6_src={VIP6}", "").replace(
        f",nd_target={VIP6}", "") for line in lines
        if f"ipv6_src={VIP6}" in line or f"nd_target={VIP6}" in line]
    assert len(extra) == 6      # 65, ND 130/133/135, NA, DHCPv6
    return "".join(lines + extra)


def test_a_legacy_pair_of_every_ipv6_address_is_in_sync(tmp_path):
    # kills fw_ovs_base _egress_key mutants 16 and 21 (the advertisement
    # without nd_target not read as ::/0's) and 62, 64, 65 and 66 (its
    # DHCPv6 request flow read as 0.0.0.0/0's): ND or DHCPv6 of ::/0
    # reported missing
    result = lab.run(PAIR, tmp_path, {T71: _vip_flows_without_address},
                     edit_api=_legacy_v6_pair)
    assert result.findings == ()
    assert [(h.state, h.status) for h in result.rows
            if h.device in ("anti-spoofing", "nd-dhcp-ra")] == [
        ("in sync", Status.OK), ("in sync", Status.OK)]
    assert result.exit_code == exitcodes.OK


def test_the_openvswitch_drivers_own_codes_carry_its_prefix(tmp_path):
    # firewall_codes: NETDIAG_FW_OF_ is the openvswitch driver's family;
    # a fault only that driver can see (its anti-spoofing flow) is named
    # in it, not in the driver-neutral NETDIAG_FW_
    result = lab.run(PAIR, tmp_path, {T71: lab.drop(
        "priority=95,arp,", f"dl_src={MAC} actions=resubmit(,94)")})
    assert [f.code.startswith("NETDIAG_FW_OF_") for f in result.findings] \
        == [True]
