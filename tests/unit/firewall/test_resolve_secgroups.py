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

"""resolve.secgroups: a port's firewall intent from real API bodies
captured from the lab (the vxlan1 instance port in the default group)."""

import pytest

from osc_netdiag.errors import ResolveError
from osc_netdiag.resolve import secgroups
from osc_netdiag import secgroups as sg
from tests.unit.firewall.api_fixtures import lab_connection

PORT = "6fac3c6e-9ada-4658-ae0b-add3ccd62a87"
GROUP = "9ffd6b23-9784-4895-8129-e7287c58c9a7"
MEMBERS_V4 = ("198.18.16.23", "198.18.16.88", "198.18.17.16",
              "198.18.17.63", "198.18.18.74", "198.18.18.99",
              "198.18.19.69", "198.18.19.98")


def _intent(**edits):
    conn = lab_connection(**edits)
    return secgroups.find_intent(conn, PORT)[1]


def test_the_port_and_its_group_as_the_api_gives_them():
    intent = _intent()
    assert intent.port_id == PORT
    assert intent.host == "compute1"
    assert intent.mac_address == "fa:16:3e:04:a5:1b"
    assert intent.fixed_ips == ("198.18.17.16",)
    assert intent.port_security_enabled is True
    assert intent.port_filter is True and intent.hybrid_plug is False
    assert intent.filtered and intent.stateful
    assert intent.allowed_address_pairs == ()
    (group,) = intent.security_groups
    assert (group.id, group.name, group.stateful) == (GROUP, "default", True)
    assert len(group.rules) == 5


def test_remote_group_rules_carry_the_members_addresses_of_their_type():
    intent = _intent()
    by_id = {r.id: r for r in intent.rules}
    v4 = by_id["58c028d4-5974-400a-9530-4d1ec1030384"]
    assert (v4.direction, v4.ethertype, v4.protocol) == ("ingress", "IPv4",
                                                         None)
    assert v4.remote_group_id == GROUP
    assert v4.remote_addresses == MEMBERS_V4
    # the lab's ports have no IPv6 address: the IPv6 rule admits nobody
    v6 = by_id["9f4ccfd5-f0e5-43cd-bf70-df7f88766cfb"]
    assert v6.remote_addresses == ()
    icmp = by_id["97fd6fa8-1daf-4003-ad42-dfb72d1465b0"]
    assert (icmp.protocol, icmp.remote_ip_prefix,
            icmp.remote_addresses) == ("icmp", "0.0.0.0/0", ())


def test_a_member_allowed_address_pair_is_a_remote_address():
    # a real capture, edited: the port gets a VIP as an allowed pair, and
    # so does its entry among the group's members
    def add_pair(port):
        port["allowed_address_pairs"] = [{"ip_address": "198.18.17.200",
                                          "mac_address": None}]
    conn = lab_connection(edit_port=add_pair)
    members = conn.network._members[GROUP]
    for member in members:
        if member["id"] == PORT:
            add_pair(member)
    intent = secgroups.find_intent(conn, PORT)[1]
    assert intent.allowed_address_pairs == (
        sg.AddressPair("198.18.17.200", "fa:16:3e:04:a5:1b"),)
    rule = next(r for r in intent.rules if r.remote_group_id
                and r.ethertype == sg.IPV4)
    assert "198.18.17.200" in rule.remote_addresses


def test_port_security_off_and_a_stateless_group():
    def off(port):
        port["port_security_enabled"] = False

    def stateless(group):
        group["stateful"] = False
    intent = _intent(edit_port=off, edit_group=stateless)
    assert intent.port_security_enabled is False
    assert not intent.filtered
    assert intent.stateful is False


def test_hybrid_plug_is_read_from_the_binding():
    def hybrid(port):
        port["binding:vif_details"]["ovs_hybrid_plug"] = True
    assert _intent(edit_port=hybrid).hybrid_plug is True


def test_one_group_read_once_and_its_members_listed_once():
    conn = lab_connection()
    secgroups.find_intent(conn, PORT)
    calls = conn.network.calls
    assert calls.count(("get_security_group", GROUP)) == 1
    assert calls.count(("ports", ("security_group_ids",))) == 1


def test_an_unbound_port_is_refused_before_its_groups_are_read():
    def unbind(port):
        port["binding:host_id"] = ""
        port["binding:vif_type"] = "unbound"
    conn = lab_connection(edit_port=unbind)
    with pytest.raises(ResolveError):
        secgroups.find_intent(conn, PORT)
    assert not any(c[0] == "get_security_group" for c in conn.network.calls)


@pytest.mark.parametrize("flow", [
    "-generate", "--log-file=/tmp/x", "in_port=1 -generate", "in_port=1;id",
    "IN_PORT=1", "", "in_port=1," + "x" * 260])
def test_a_trace_flow_outside_the_allow_list_is_refused(flow):
    from osc_netdiag.errors import UnsafeNameError
    from osc_netdiag import names
    with pytest.raises(UnsafeNameError):
        names.checked_trace_flow(flow)
