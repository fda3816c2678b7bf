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

"""doc/source/netdiag.sudoers grants ``port firewall --conntrack``'s
probes exactly (the zone a number, family and protocol from a fixed list,
listing only) and nothing near them: the re-implementation of sudo's
matching and, as root, the real sudo as the netdiag user in a namespace
of its own."""

import pytest

from osc_netdiag.backends.ml2_ovs import fw_hybrid
from osc_netdiag.backends.ml2_ovs import fw_openvswitch
from osc_netdiag import probes_fw
from tests.safety import sudoers_lib as lib

PORT = "85bbfe3b-99c4-4166-b43c-6d39b3a2f922"
PROBES = (fw_hybrid.conntrack_zone_probes(None) +
          [fw_hybrid.conntrack_probe(4097, 4, 6),
           fw_hybrid.conntrack_probe(65535, 6, 58),
           fw_hybrid.conntrack_probe(0, 4, 1),
           fw_hybrid.conntrack_probe(7, 6, 17),
           fw_hybrid.conntrack_probe(7, 4, 132),
           fw_openvswitch.conntrack_probe(2, 4, 6)])
GRANTED = [list(lib.sudo_argv(p.command)) for p in PROBES]
REFUSED = [
    # conntrack: anything but a listing, or a listing that writes
    ["conntrack", "-D", "-w", "4097", "-f", "ipv4", "-p", "tcp"],
    ["conntrack", "-F"],
    ["conntrack", "-E"],
    ["conntrack", "-L"],
    ["conntrack", "-L", "-w", "4097", "-f", "ipv4", "-p", "tcp", "-o",
     "xml"],
    ["conntrack", "-L", "-w", "123456", "-f", "ipv4", "-p", "tcp"],
    ["conntrack", "-L", "-w", "-1", "-f", "ipv4", "-p", "tcp"],
    ["conntrack", "-L", "-w", "1", "-f", "bridge", "-p", "tcp"],
    ["conntrack", "-L", "-w", "1", "-f", "ipv4", "-p", "gre"],
    ["conntrack", "-L", "-w", "1", "-f", "ipv4", "-p", "tcp", "-D"],
    ["conntrack", "-U", "-w", "1", "-f", "ipv4", "-p", "tcp"],
    # the raw table only, without counters or files
    ["iptables-save", "-t", "nat"],
    ["iptables-save", "-t", "raw", "-f", "/etc/shadow"],
    ["iptables-restore", "-t", "raw"],
    # ovs-appctl: the dump of one zone only
    ["ovs-appctl", "dpctl/flush-conntrack"],
    ["ovs-appctl", "dpctl/flush-conntrack", "zone=2"],
    ["ovs-appctl", "dpctl/dump-conntrack"],
    ["ovs-appctl", "dpctl/dump-conntrack", "zone=2", "-m"],
    ["ovs-appctl", "dpctl/dump-conntrack", "zone=123456"],
    ["ovs-appctl", "dpctl/ct-set-maxconns", "1"],
]


def test_the_probes_run_these_commands():
    assert GRANTED == [
        ["iptables-save", "-t", "raw"],
        ["conntrack", "-L", "-w", "4097", "-f", "ipv4", "-p", "tcp"],
        ["conntrack", "-L", "-w", "65535", "-f", "ipv6", "-p", "icmpv6"],
        ["conntrack", "-L", "-w", "0", "-f", "ipv4", "-p", "icmp"],
        ["conntrack", "-L", "-w", "7", "-f", "ipv6", "-p", "udp"],
        ["conntrack", "-L", "-w", "7", "-f", "ipv4", "-p", "sctp"],
        ["ovs-appctl", "dpctl/dump-conntrack", "zone=2"]]


@pytest.mark.parametrize("zone", [-1, 65536])
def test_a_zone_out_of_range_is_refused_before_argv(zone):
    with pytest.raises(ValueError):
        probes_fw.conntrack_list(zone, 4, 6)
    with pytest.raises(ValueError):
        probes_fw.dpctl_conntrack(zone)


def test_a_protocol_not_listed_is_refused_before_argv():
    with pytest.raises(KeyError):
        probes_fw.conntrack_list(1, 4, 47)


@pytest.mark.parametrize("argv", GRANTED, ids=lambda a: " ".join(a)[:40])
def test_granted_by_the_file(argv):
    entries = lib.sudoers_commands()
    assert lib.allowed(argv, entries)


@pytest.mark.parametrize("argv", REFUSED, ids=lambda a: " ".join(a)[:40])
def test_near_misses_refused_by_the_file(argv):
    assert not lib.allowed(argv, lib.sudoers_commands())


@pytest.fixture(scope="module")
def real():
    why = lib.real_sudo_missing()
    if why:
        pytest.skip(f"needs sudo: {why}")
    with lib.sudo_namespace("fwct") as prefix:
        yield lib.sudo_list_many(prefix, GRANTED + REFUSED)


@pytest.mark.parametrize("argv", GRANTED, ids=lambda a: " ".join(a)[:40])
def test_real_sudo_grants(real, argv):
    if not lib.installed(argv):
        pytest.skip(f"{argv[0]} not installed here")
    status, stdout, stderr = real[tuple(argv)]
    assert status == 0, stderr
    assert stdout.rstrip("\n").split(" ", 1)[1] == " ".join(argv[1:])


@pytest.mark.parametrize("argv", REFUSED, ids=lambda a: " ".join(a)[:40])
def test_real_sudo_refuses(real, argv):
    if not lib.installed(argv):
        pytest.skip(f"{argv[0]} not installed here")
    status, stdout, _ = real[tuple(argv)]
    assert (status, stdout) == (1, "")


def _aliases():
    """Cmnd_Alias name -> its commands, and the names the user line grants.

    Read from the shipped sudoers file.
    """
    joined = lib.SUDOERS.read_text().replace("\\\n", " ")
    aliases = {}
    granted = ()
    for line in joined.splitlines():
        if line.startswith("Cmnd_Alias "):
            name, commands = line[len("Cmnd_Alias "):].split(" = ", 1)
            aliases[name.strip()] = [c.strip() for c in commands.split(", ")]
        elif line.startswith("netdiag ALL = (root) NOPASSWD:"):
            granted = [n.strip() for n in line.split(":", 1)[1].split(",")]
    return aliases, granted


def test_the_firewall_aliases_are_granted_and_hold_only_their_probes():
    # NETDIAG_FW (ofproto/trace) and NETDIAG_FW_CT (the conntrack reads) are
    # sudoers aliases, not finding codes: each must be on the user line,
    # and NETDIAG_FW_CT must hold exactly the three read-only forms
    aliases, granted = _aliases()
    assert "NETDIAG_FW" in granted and "NETDIAG_FW_CT" in granted
    assert "NETDIAG_FW" in aliases
    assert aliases["NETDIAG_FW_CT"] == [
        "/usr/sbin/iptables-save -t raw",
        "/usr/sbin/conntrack ^-L -w [0-9]{1,5} -f ipv[46] -p "
        "(tcp|udp|icmp|icmpv6|sctp)$",
        "/usr/bin/ovs-appctl ^dpctl/dump-conntrack zone=[0-9]{1,5}$"]


def test_the_router_nat_alias_is_granted_and_reads_only_nat_tables():
    # NETDIAG_NAT (the router check's NAT reads) is a sudoers alias, not a
    # finding code: it must be on the user line and hold exactly one form,
    # iptables-save of the nat table in a router's own namespace
    aliases, granted = _aliases()
    assert "NETDIAG_NAT" in granted
    uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    assert aliases["NETDIAG_NAT"] == [
        f"/usr/sbin/ip ^netns exec (qrouter|snat|fip)-{uuid} "
        "/usr/sbin/iptables-save -t nat$"]


def test_the_dns_alias_is_granted_and_reads_only_the_dhcp_listeners():
    # NETDIAG_DNS (the dns check's read of what listens on UDP 53) is a
    # sudoers alias, not a finding code: on the user line, and exactly ss
    # of UDP port 53 listeners inside a qdhcp- namespace
    aliases, granted = _aliases()
    assert "NETDIAG_DNS" in granted
    uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    assert aliases["NETDIAG_DNS"] == [
        f"/usr/sbin/ip ^netns exec qdhcp-{uuid} "
        "/usr/bin/ss -H -l -n -u -p sport = :53$"]
