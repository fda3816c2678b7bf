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

"""The façade: one entry point per command, and ``replay`` running any
saved diagnosis again from its folder (the same result the command's own
replay prints).
"""

import pathlib

import pytest

from osc_netdiag import api
from osc_netdiag import exitcodes

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
L3DHCP = FIXTURES / "l3dhcp" / "scenarios"

# (command, a folder it saved, the exit code recorded for it)
SAVED = [
    ("port trace", FIXTURES / "scenarios" / "vlan-tap-down",
     exitcodes.ERROR_FINDING),
    ("host check", FIXTURES / "hostcheck" / "tunnel-removed",
     exitcodes.ERROR_FINDING),
    ("network vlan-map", FIXTURES / "vlanmap" / "ingress-deleted",
     exitcodes.ERROR_FINDING),
    ("dhcp check", L3DHCP / "dhcp-port", exitcodes.OK),
    ("dns check", L3DHCP / "dns-port", exitcodes.OK),
    ("router check", L3DHCP / "router-dvr-snat-rule-deleted",
     exitcodes.ERROR_FINDING),
    ("floatingip check", L3DHCP / "floatingip", exitcodes.OK),
    ("port firewall", FIXTURES / "firewall" / "scenarios" /
     "hybrid-vxlan2-icmp-allowed", exitcodes.OK),
]


def test_every_replayable_command_has_a_saved_folder_here():
    assert sorted(c for c, _, _ in SAVED) == sorted(api.REPLAYABLE)


@pytest.mark.parametrize("command,folder,code", SAVED,
                         ids=[c for c, _, _ in SAVED])
def test_replay_gives_the_saved_diagnosis(command, folder, code):
    result = api.replay(str(folder), command)
    assert result.exit_code == code
    assert result.to_dict()["exit_code"] == code


def test_replay_names_the_commands_it_knows():
    with pytest.raises(ValueError) as exc:
        api.replay(str(L3DHCP / "router"), "port capture")
    assert str(exc.value) == (
        "cannot replay 'port capture': one of port trace, host check, "
        "network vlan-map, dhcp check, dns check, router check, "
        "floatingip check, port firewall")


def test_cleanup_of_all_hosts_asks_the_api_for_them(monkeypatch):
    from osc_netdiag.capture import cleanup as cleanup_mod
    from osc_netdiag import resolve
    seen = {}
    monkeypatch.setattr(resolve, "ovs_agent_hosts", lambda conn: [
        "compute2", "compute1", "compute2"])
    monkeypatch.setattr(cleanup_mod, "cleanup",
                        lambda hosts, **kw: seen.setdefault("hosts", hosts))
    assert api.cleanup(all_hosts=True, connection=object()) == [
        "compute2", "compute1"]
