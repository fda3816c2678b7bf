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

"""dnsmasq's hosts file read field by field, and its log source's refusal
word for word (found by the mutation run). Every case is the real hosts
file and log of the lab's vxlan network (tests/fixtures/l3dhcp) edited in
one place, named in the test. dnsmasq's hosts file syntax allows comments,
id:/set:/tag: fields before the MAC and fields after the address (a tag,
a lease time); Neutron writes a subset, an operator may add the rest.
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import dnsmasq
from osc_netdiag.parsers.dnsmasq import HostEntry

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "l3dhcp"
HOSTS = (FIXTURES / "dnsmasq-hostsfile--vxlan.out").read_text()
LOG = (FIXTURES / "dnsmasq-log--vxlan.out").read_text()
MAC = "fa:16:3e:49:97:45"
NAME = "host-198-18-17-43.openstacklocal"
IP = "198.18.17.43"
REST = [HostEntry("fa:16:3e:13:d4:50", "host-198-18-17-1.openstacklocal",
                  "198.18.17.1"),
        HostEntry("fa:16:3e:75:62:49", "host-198-18-17-41.openstacklocal",
                  "198.18.17.41")]


def edited(old, new):
    assert HOSTS.count(old) == 1, old
    return HOSTS.replace(old, new)


def test_comment_first_line_is_skipped_and_reading_goes_on():
    # edit: a comment line before the first entry
    text = "# written by hand\n" + HOSTS
    assert list(dnsmasq.parse_hosts_file(text)) == [
        HostEntry(MAC, NAME, IP)] + REST


def test_indented_comment_is_skipped():
    # edit: an indented comment between the first two entries
    text = edited(f"{IP}\n", f"{IP}\n   # moved to rack 4\n")
    assert list(dnsmasq.parse_hosts_file(text)) == [
        HostEntry(MAC, NAME, IP)] + REST


def test_tag_before_the_mac_goes_to_extra():
    # edit: "set:port-1," before the first entry's MAC
    text = edited(f"{MAC},", f"set:port-1,{MAC},")
    assert list(dnsmasq.parse_hosts_file(text)) == [
        HostEntry(MAC, NAME, IP, ("set:port-1",))] + REST


def test_fields_after_the_address_go_to_extra_in_order():
    # edit: a tag and a lease time after the first entry's address; the
    # lease looks like a host name but the name is already read
    text = edited(f"{IP}\n", f"{IP},set:port-1,infinite\n")
    assert list(dnsmasq.parse_hosts_file(text)) == [
        HostEntry(MAC, NAME, IP, ("set:port-1", "infinite"))] + REST


def test_entry_without_a_name_keeps_the_tag_in_extra():
    # edit: the first entry's name left out, a tag after its address
    text = edited(f",{NAME},{IP}\n", f",{IP},set:port-1\n")
    assert list(dnsmasq.parse_hosts_file(text)) == [
        HostEntry(MAC, None, IP, ("set:port-1",))] + REST


def test_name_with_capitals_is_a_name():
    # edit: the first entry's name in capitals (an instance host name)
    text = edited(NAME, "Web-01.openstacklocal")
    assert list(dnsmasq.parse_hosts_file(text)) == [
        HostEntry(MAC, "Web-01.openstacklocal", IP)] + REST


def test_log_source_cut_short_names_the_log():
    parser = dnsmasq.MacLines("fa:16:3e:75:62:49", 10)
    assert LOG.endswith("\n")
    with pytest.raises(ParseError) as exc:
        parser(LOG[:-1])
    assert str(exc.value) == (
        "dnsmasq log: output does not end with a newline (truncated?)")
