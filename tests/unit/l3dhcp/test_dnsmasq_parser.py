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

"""The dnsmasq parsers against real output captured from the lab."""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import dnsmasq
from osc_netdiag.parsers import ps

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "l3dhcp"


def read(name):
    return (FIXTURES / name).read_text()


def test_hosts_file():
    entries = dnsmasq.parse_hosts_file(read("dnsmasq-hostsfile--vxlan.out"))
    assert [(e.mac, e.ip) for e in entries] == [
        ("fa:16:3e:49:97:45", "198.18.17.43"),
        ("fa:16:3e:13:d4:50", "198.18.17.1"),
        ("fa:16:3e:75:62:49", "198.18.17.41")]
    assert entries[0].name == "host-198-18-17-43.openstacklocal"
    assert all(e.extra == () for e in entries)


def test_hosts_file_truncated_is_refused():
    text = read("dnsmasq-hostsfile--vxlan.out")
    with pytest.raises(ParseError):
        dnsmasq.parse_hosts_file(text[:-5])


def test_hosts_file_line_without_mac_is_refused():
    with pytest.raises(ParseError):
        dnsmasq.parse_hosts_file("host-1.openstacklocal,198.18.17.43\n")


def test_log_events_of_a_full_exchange():
    lines = dnsmasq.parse_log(read("dnsmasq-log--vxlan.out"))
    assert len(lines) == 183
    assert all(line.program in dnsmasq.DNSMASQ_PROGRAMS for line in lines)
    mine = [line.event for line in lines
            if line.event and line.event.mac == "fa:16:3e:75:62:49"]
    kinds = [e.kind for e in mine]
    assert kinds[:4] == ["DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST",
                         "DHCPACK"]
    assert mine[0].ip is None and mine[1].ip == "198.18.17.41"
    assert mine[0].interface.startswith("tap")
    assert mine[0].xid == mine[3].xid
    assert mine[3].note == "host-198-18-17-41"


def test_log_line_with_syslog_host_field():
    line = read("dnsmasq-log--vxlan.out").splitlines()[-1]
    stamp, rest = line[:15], line[16:]
    parsed, = dnsmasq.parse_log(f"{stamp} network1 {rest}\n")
    assert parsed.host == "network1"
    assert parsed.text == f"{stamp} network1 {rest}"


def test_log_rejects_a_line_that_is_not_syslog():
    with pytest.raises(ParseError):
        dnsmasq.parse_log("DHCPACK(tap1) 10.0.0.3 fa:16:3e:00:00:01\n")


def test_dhcp_ranges_from_the_command_line():
    procs = ps.parse_ps(read("pgrep-a--dnsmasq.out"))
    ranges = {p.pid: dnsmasq.dhcp_ranges(p) for p in procs}
    assert len(procs) == 2
    for found in ranges.values():
        rng, = found
        assert rng.tag.startswith("subnet-")
        assert rng.mode == "static"
        assert rng.netmask == "255.255.255.0"
        assert rng.lease == "86400s"
    assert {r[0].start for r in ranges.values()} == {"198.18.16.0",
                                                     "198.18.17.0"}
