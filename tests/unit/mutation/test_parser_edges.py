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

"""Parser edges the other parser tests let through (found by the mutation
run): exact refusal messages, optional fields left out, separators that
occur twice. Each case is a real capture edited in one place, named in the
test.
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import dnsmasq
from osc_netdiag.parsers import ovs_vsctl
from osc_netdiag.parsers import ps
from osc_netdiag.parsers import ss

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
SS = (FIXTURES / "l3dhcp" / "ss-lnup--qdhcp-dns.out").read_text()
DNSMASQ = (FIXTURES / "l3dhcp" / "pgrep-a--dnsmasq.out").read_text()
RANGE = ("set:subnet-e9436f6d-a576-4b3a-87e0-1f6fea2e0e50,198.18.17.0,"
         "static,255.255.255.0,86400s")


def edited(text, old, new):
    assert text.count(old) == 1, old
    return text.replace(old, new)


def refused(parser, text, message):
    with pytest.raises(ParseError) as exc:
        parser(text)
    assert str(exc.value) == message


# -- ss -H -l -n -p (the DNS listeners of a qdhcp- namespace) ---------------

def test_ss_real_capture():
    assert [(s.address, s.port, s.interface) for s in ss.parse_ss(SS)] == [
        ("127.0.0.1", 53, None), ("198.18.16.10", 53, None), ("::1", 53, None),
        ("fe80::f816:3eff:fee1:cd5d", 53, "tap0ca4aaaf-71")]


def test_ss_blank_line_is_skipped_not_the_end():
    # edit: an empty line after the first listener
    text = edited(SS, "fd=8)) \n", "fd=8)) \n\n")
    assert len(ss.parse_ss(text)) == 4


def test_ss_interface_name_holding_a_percent_sign():
    # edit: the interface name gets a '%' (Linux allows it in a name)
    text = edited(SS, "%tap0ca4aaaf-71:", "%tap%0ca4aaaf-71:")
    last = ss.parse_ss(text)[-1]
    assert (last.address, last.interface) == ("fe80::f816:3eff:fee1:cd5d",
                                              "tap%0ca4aaaf-71")


def test_ss_refusals_name_the_tool_and_the_line():
    refused(ss.parse_ss, SS[:-1],
            "ss: output does not end with a newline (truncated?)")
    line = SS.splitlines()[0]
    # edit: the first line's state in lower case
    refused(ss.parse_ss, edited(SS, "UNCONN " + line[7:], "unconn " + line[7:]),
            f"ss: unexpected line {'unconn ' + line[7:]!r}")
    # edit: a service name where ss -n prints the port number
    text = edited(SS, "198.18.16.10:53 ", "198.18.16.10:domain ")
    bad = text.splitlines()[1]
    refused(ss.parse_ss, text,
            f"ss: no port in '198.18.16.10:domain' ({bad!r})")


# -- dnsmasq --dhcp-range (the command line Neutron starts dnsmasq with) ----

def ranges(text):
    # the first of the two dnsmasq processes (pid 29017) holds RANGE
    first = ps.parse_ps(text)[0]
    assert first.pid == 29017
    return dnsmasq.dhcp_ranges(first)


def test_dhcp_range_real_capture():
    assert ranges(DNSMASQ) == (dnsmasq.DhcpRange(
        "subnet-e9436f6d-a576-4b3a-87e0-1f6fea2e0e50", "198.18.17.0",
        "static", "255.255.255.0", "86400s"),)


def test_dhcp_range_tag_holding_a_colon():
    # edit: "set:tag:subnet-..." sets the tag "tag:subnet-..."
    text = edited(DNSMASQ, "set:subnet-e9436f6d", "set:tag:subnet-e9436f6d")
    assert ranges(text)[0].tag == "tag:subnet-e9436f6d-a576-4b3a-87e0-1f6fea2e0e50"


def test_dhcp_range_without_tag_lease_or_netmask():
    # edit: the IPv6 form Neutron writes (prefix length, no netmask)
    text = edited(DNSMASQ, RANGE, RANGE.replace("255.255.255.0", "64"))
    assert (ranges(text)[0].netmask, ranges(text)[0].lease) == (None, "86400s")
    # edit: no tag and no lease
    text = edited(DNSMASQ, RANGE, "198.18.17.0,static,255.255.255.0")
    assert ranges(text) == (dnsmasq.DhcpRange(
        None, "198.18.17.0", "static", "255.255.255.0", None),)
    # edit: the start address alone
    text = edited(DNSMASQ, RANGE, "198.18.17.0")
    assert ranges(text) == (dnsmasq.DhcpRange(
        None, "198.18.17.0", None, None, None),)


def test_dhcp_range_with_a_tag_only_is_refused():
    text = edited(DNSMASQ, RANGE, "set:subnet-x")
    refused(dnsmasq.dhcp_ranges, ps.parse_ps(text)[0], "dnsmasq: empty --dhcp-range=set:subnet-x")


# -- ovs-vsctl topology lookups of names that are not there ----------------

def topology():
    def read(name):
        return (FIXTURES / "captures" / name).read_text()

    return ovs_vsctl.build_topology(
        ovs_vsctl.parse_bridges(read("ovs-vsctl-list-bridge--compute.out")),
        ovs_vsctl.parse_ports(read("ovs-vsctl-list-port--compute.out")),
        ovs_vsctl.parse_interfaces(read("ovs-vsctl-list-interface--compute.out")))


def test_topology_lookups_of_absent_names_are_none():
    topo = topology()
    assert topo.port_of_interface("tapdoesnotexi") is None
    assert topo.interface_by_iface_id(
        "00000000-0000-4000-8000-000000000000") is None
    assert topo.port_of_interface("br-int").name == "br-int"


# -- dnsmasq --dhcp-hostsfile (Neutron's host file of a network) -----------

HOSTS = (FIXTURES / "l3dhcp" / "dnsmasq-hostsfile--vxlan.out").read_text()
FIRST_IP = "host-198-18-17-43.openstacklocal,198.18.17.43\n"


@pytest.mark.parametrize("address,ip", [
    # edit: the first entry's address in the IPv6 form Neutron writes
    ("[fd00::f816:3eff:fe49:9745]", "fd00::f816:3eff:fe49:9745"),
    ("[FD00::F816:3EFF:FE49:9745]", "FD00::F816:3EFF:FE49:9745"),
    ("[fd00::5]", "fd00::5"),
])
def test_hosts_file_ipv6_address(address, ip):
    text = edited(HOSTS, FIRST_IP, FIRST_IP.replace("198.18.17.43\n",
                                                    address + "\n"))
    first = dnsmasq.parse_hosts_file(text)[0]
    assert (first.mac, first.name, first.ip) == (
        "fa:16:3e:49:97:45", "host-198-18-17-43.openstacklocal", ip)


def test_hosts_file_line_without_mac_is_refused_by_number():
    # edit: the second line's MAC removed
    text = edited(HOSTS, "fa:16:3e:13:d4:50,", "")
    refused(dnsmasq.parse_hosts_file, text,
            "dnsmasq hosts file line 2: expected 'MAC,NAME,IP' (optionally "
            "after id:/set:/tag: fields), found no MAC address")
    refused(dnsmasq.parse_hosts_file, HOSTS[:-1],
            "dnsmasq hosts file: output does not end with a newline "
            "(truncated?)")


# -- ovs-ofctl dump-flows: Flow.has_match ------------------------------------

def test_flow_has_match_names_the_match_fields_only():
    from osc_netdiag.parsers import ofctl
    text = (FIXTURES / "captures" /
            "ovs-ofctl-dump-flows--br-int-table0-vlan2113-names.out").read_text()
    [flow] = ofctl.parse_dump_flows(text)
    assert flow.has_match("dl_vlan") and flow.has_match("in_port")
    assert not flow.has_match("mod_vlan_vid")      # an action, not a match
    assert not flow.has_match("priority")
