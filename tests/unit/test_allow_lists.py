"""Every allow-list regex must match the whole string: Python's ``$`` also
matches before a final newline, which once let ``br-int\\n`` through."""

import pytest

from osc_netdiag import names
from osc_netdiag import resolve
from osc_netdiag.capture import mirror
from osc_netdiag.capture import run
from osc_netdiag.l3dhcp import dhcp


@pytest.mark.parametrize("pattern,good", [
    (names._PATH_RE, "/var/lib/neutron/dhcp/x/host"),
    (run._BPF_RE, "icmp or arp"),
    (mirror._RUN_RE, "0123abcd"),
    (dhcp._MAC_RE, "fa:16:3e:11:22:33"),
    (resolve._MAC_RE, "fa:16:3e:11:22:33"),
])
def test_trailing_newline_refused(pattern, good):
    assert pattern.match(good)
    assert not pattern.match(good + "\n")
