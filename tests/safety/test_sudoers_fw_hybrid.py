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

"""doc/source/netdiag.sudoers grants the iptables_hybrid firewall view's
three probes exactly (fixed argv, no free field) and nothing near them: the
re-implementation of sudo's matching and, as root, the real sudo as the
netdiag user in a namespace of its own."""

import pytest

from osc_netdiag.backends.ml2_ovs import fw_hybrid
from tests.safety import sudoers_lib as lib

PORT = "85bbfe3b-99c4-4166-b43c-6d39b3a2f922"
GRANTED = [list(lib.sudo_argv(p.command)) for p in fw_hybrid.probes(PORT)]
REFUSED = [
    # iptables-save's other tables, a file to write, a program to run
    ["iptables-save", "-c", "-t", "nat"],
    ["iptables-save", "-c", "-t", "filter", "-f", "/etc/shadow"],
    ["iptables-save", "-M", "/tmp/x", "-c", "-t", "filter"],
    ["iptables-save"],
    # ip6tables-save: the same near misses
    ["ip6tables-save", "-c", "-t", "nat"],
    ["ip6tables-save", "-c", "-t", "raw"],
    ["ip6tables-save", "-c", "-t", "filter", "-f", "/etc/shadow"],
    ["ip6tables-save", "-M", "/tmp/x", "-c", "-t", "filter"],
    ["ip6tables-save", "-c", "-t", "filter", "-t", "nat"],
    ["ip6tables-save"],
    ["ip6tables-restore"],
    ["ip6tables", "-S"],
    # ipset: any other action, or a set name, or an output file
    ["ipset", "flush"],
    ["ipset", "destroy"],
    ["ipset", "list", "-file", "/etc/shadow"],
    ["ipset", "save"],
    ["ipset", "list", "NIPv4x"],
    ["ipset", "restore"],
]


def test_the_probes_run_these_commands():
    assert GRANTED == [["iptables-save", "-c", "-t", "filter"],
                       ["ip6tables-save", "-c", "-t", "filter"],
                       ["ipset", "list"]]


@pytest.mark.parametrize("argv", GRANTED, ids=lambda a: a[0])
def test_granted_exactly_by_the_file(argv):
    entries = lib.sudoers_commands()
    assert lib.allowed(argv, entries)
    assert lib.free_positions(argv, entries) == []


@pytest.mark.parametrize("argv", REFUSED, ids=lambda a: " ".join(a)[:40])
def test_near_misses_refused_by_the_file(argv):
    assert not lib.allowed(argv, lib.sudoers_commands())


@pytest.fixture(scope="module")
def real():
    why = lib.real_sudo_missing()
    if why:
        pytest.skip(f"needs sudo: {why}")
    with lib.sudo_namespace("fwh") as prefix:
        yield lib.sudo_list_many(prefix, GRANTED + REFUSED)


@pytest.mark.parametrize("argv", GRANTED, ids=lambda a: a[0])
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
