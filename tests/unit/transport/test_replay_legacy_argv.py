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

"""Captures recorded before commands in a namespace ran by absolute path
(``ip netns exec NS ip ...``) still replay for today's probes
(``ip netns exec NS /usr/sbin/ip ...``); an exact argv always wins.
"""

import json
import pathlib
import shutil

from osc_netdiag.linux import nat
from osc_netdiag import models
from osc_netdiag import probes
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport import replay

ROUTER = pathlib.Path(__file__).parents[2] / "fixtures" / "l3dhcp" / \
    "scenarios" / "router"
NS = "qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d"   # in that recording


def _recorded(capture, name):
    data = json.loads((capture / "hosts" / "network1.json").read_text())
    [command] = [c for c in data["commands"] if c["name"] == name]
    return command


def _replay(capture, probe):
    session = replay.ReplayTransport(str(capture)).open(
        HostTarget("network1", "192.0.2.1"))
    [result] = session.run([probe.command])
    return result


def test_legacy_argv_is_the_inner_commands_basename():
    assert replay.legacy_argv(
        ("ip", "netns", "exec", NS, "/usr/sbin/iptables-save", "-t", "nat")
    ) == ("ip", "netns", "exec", NS, "iptables-save", "-t", "nat")
    # Anything else is its own legacy form.
    for argv in (("ip", "-j", "netns", "list"),
                 ("ovs-ofctl", "dump-flows", "br-int", "table=0"),
                 ("ip", "netns", "exec", NS, "ip", "-j", "route", "show"),
                 ("ip", "netns", "exec", NS)):
        assert replay.legacy_argv(argv) == argv


def test_a_recording_of_the_bare_names_replays_for_todays_probes():
    # The recording (tests/fixtures, not rewritten) has the bare names.
    recorded = _recorded(ROUTER, f"ns-iptables:{NS}")
    assert recorded["argv"][4] == "iptables-save"
    probe = nat.iptables_save(NS)
    assert probe.argv[4] == "/usr/sbin/iptables-save"
    result = _replay(ROUTER, probe)
    assert result.status == models.HOST_OK
    assert result.exit_status == 0
    assert result.stdout == recorded["stdout"] != ""
    for probe in (probes.netns_addr(NS), probes.netns_routes(NS)):
        assert _replay(ROUTER, probe).stdout == \
            _recorded(ROUTER, probe.name)["stdout"]


def test_an_exact_argv_wins_over_the_legacy_one(tmp_path):
    capture = tmp_path / "router"
    shutil.copytree(ROUTER, capture)
    path = capture / "hosts" / "network1.json"
    data = json.loads(path.read_text())
    probe = nat.iptables_save(NS)
    # The same command recorded again by today's release, after the old
    # entry, with other output (so the test tells them apart).
    data["commands"].append(dict(_recorded(ROUTER, probe.name),
                                 argv=list(probe.argv), stdout="*nat\n"))
    data["commands"].insert(0, data["commands"].pop())
    path.write_text(json.dumps(data))
    assert _replay(capture, probe).stdout == "*nat\n"


def test_a_command_in_neither_form_is_not_in_capture():
    probe = probes.Probe("x", probes.in_netns(NS, ("ss", "-H")), str)
    result = _replay(ROUTER, probe)
    assert result.status == models.HOST_ERROR
    assert result.message == "x: not in capture"
