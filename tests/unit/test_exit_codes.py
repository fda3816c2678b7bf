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

"""The exact exit code of port trace, host check and network vlan-map on
every recorded lab scenario, and of their combinations (an ERROR finding
with an unreadable host is 12, a refused host key 16 whatever its finding's
severity, ...), through the commands as OSC runs them.

Every recording under tests/fixtures/{scenarios,hostcheck,vlanmap} must
have its entry here: a new one without an expected code fails.
"""

import json
import pathlib

import pytest

from osc_netdiag import api
from osc_netdiag import exitcodes
from osc_netdiag.v1 import host as host_cmd
from osc_netdiag.v1 import network as network_cmd
from osc_netdiag.v1 import port as port_cmd
from tests.unit.edited import EditedCapture
from tests.unit import helpers

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
OK, ERROR, UNREADABLE, REFUSED = (exitcodes.OK, exitcodes.ERROR_FINDING,
                                  exitcodes.UNREADABLE,
                                  exitcodes.CREDENTIALS_REFUSED)

TRACE = {
    "vlan-healthy": OK, "vxlan-healthy": OK, "dvr-lab-vlan-healthy": OK,
    "dvr-lab-distributed-router-healthy": OK,
    "dvr-lab-dvr2-snat-healthy": OK,
    "vlan-network-node-unreachable": UNREADABLE,
    "vlan-tag-missing": ERROR, "vlan-ingress-flow-missing": ERROR,
    "vlan-egress-flow-missing": ERROR, "vxlan-patch-peer-wrong": ERROR,
    "vlan-tap-down": ERROR, "vxlan-tunnel-to-network-node-missing": ERROR,
    "vlan-qrouter-missing": ERROR, "vlan-dnsmasq-killed": ERROR,
    "dvr-lab-vlan-egress-flow-missing": ERROR,
    "gre-healthy": OK, "gre-tunnel-to-network-node-missing": ERROR,
    # the single-node lab: alone on physnet1 (a WARNING), on its VXLAN
    # network (INFO); qg- without its address on the compute host itself
    "single-vlan-healthy": OK, "single-vxlan-healthy": OK,
    "single-vlan-qg-address-missing": ERROR,
}
HOST_CHECK = {
    "healthy": OK, "dvr-lab-healthy": OK, "stale-namespace": OK,
    "tunnel-removed": ERROR, "dvr-lab-tunnel-removed": ERROR,
    "patch-peer": ERROR,
    "gre-healthy": OK, "gre-tunnel-removed": ERROR,
}
VLAN_MAP = {
    "vlan-healthy": OK, "vxlan-healthy": OK, "flat-all-hosts": OK,
    "dvr-lab-vlan-healthy": OK, "dvr-lab-flat-all-hosts": OK,
    "ingress-deleted": ERROR, "tunnel-removed": ERROR,
    "shared-local-vlan": ERROR,
    "gre-healthy": OK, "gre-tunnel-removed": ERROR,
    "single-vxlan-healthy": OK,
}
COMMANDS = {"scenarios": (port_cmd.TracePort, TRACE),
            "hostcheck": (host_cmd.CheckHost, HOST_CHECK),
            "vlanmap": (network_cmd.ShowVlanMap, VLAN_MAP)}


def run(folder, capture, fmt="json"):
    """(exit code, the JSON document's exit_code) of the folder's command."""
    command_class, _ = COMMANDS[folder]
    code, app = helpers.run_command(command_class, "--from-capture",
                                    str(capture), "-f", fmt)
    doc = json.loads(app.stdout.getvalue()) if fmt == "json" else None
    return code, (doc["exit_code"] if doc is not None else None)


@pytest.mark.parametrize("folder", sorted(COMMANDS))
def test_every_recording_has_an_expected_exit_code(folder):
    recorded = {p.name for p in (FIXTURES / folder).iterdir() if p.is_dir()}
    assert recorded == set(COMMANDS[folder][1])


@pytest.mark.parametrize("folder,name", [
    (folder, name) for folder, (_cls, table) in sorted(COMMANDS.items())
    for name in sorted(table)])
def test_exact_exit_code_of_each_recording(folder, name):
    expected = COMMANDS[folder][1][name]
    assert run(folder, FIXTURES / folder / name) == (expected, expected)
    code, _ = run(folder, FIXTURES / folder / name, fmt="table")
    assert code == expected


# -- combinations ----------------------------------------------------------

def host_fails(capture, host, status, message):
    """The host's record says the connection failed with ``status``."""
    path = capture.path / "hosts" / f"{host}.json"
    data = json.loads(path.read_text())
    data.update(status=status, message=message, commands=[])
    path.write_text(json.dumps(data))


def wrong_ingress_vlan(capture):
    # compute1's br-int flow maps VLAN 2113 to local VLAN 7, not 1.
    capture.replace("compute1", "flows:br-int:table=0,dl_vlan=2113",
                    "actions=mod_vlan_vid:1,", "actions=mod_vlan_vid:7,")


def test_trace_error_finding_and_unreachable_network_node_is_12(tmp_path):
    capture = EditedCapture(FIXTURES / "scenarios" /
                            "vlan-network-node-unreachable", tmp_path)
    wrong_ingress_vlan(capture)
    assert run("scenarios", capture) == (ERROR | UNREADABLE,) * 2


def test_trace_warning_and_unreachable_network_node_is_8(tmp_path):
    capture = EditedCapture(FIXTURES / "scenarios" /
                            "vlan-network-node-unreachable", tmp_path)
    capture.edit_context(lambda d: d["port"].update(status="DOWN"))
    assert run("scenarios", capture) == (UNREADABLE,) * 2


def test_trace_refused_host_key_is_16_not_20(tmp_path):
    # The refusal's finding has severity ERROR, but carries 16 alone.
    capture = EditedCapture(FIXTURES / "scenarios" / "vlan-healthy", tmp_path)
    host_fails(capture, "network1", "hostkey", "host key refused")
    trace = api.trace_from_capture(str(capture))
    assert [(f.code, str(f.severity)) for f in trace.findings] == [
        ("NETDIAG_HOST_KEY_REFUSED", "ERROR")]
    assert run("scenarios", capture) == (REFUSED,) * 2


def test_trace_refused_host_key_and_error_finding_is_20(tmp_path):
    capture = EditedCapture(FIXTURES / "scenarios" / "vlan-healthy", tmp_path)
    host_fails(capture, "network1", "hostkey", "host key refused")
    wrong_ingress_vlan(capture)
    assert run("scenarios", capture) == (ERROR | REFUSED,) * 2


def test_trace_refused_auth_and_unreachable_host_is_24(tmp_path):
    capture = EditedCapture(FIXTURES / "scenarios" /
                            "vlan-network-node-unreachable", tmp_path)
    host_fails(capture, "compute1", "auth", "authentication refused")
    assert run("scenarios", capture) == (REFUSED | UNREADABLE,) * 2


def test_host_check_all_bits_but_cleanup_is_28(tmp_path):
    # compute1: controller disconnected (ERROR); compute2: unreachable;
    # network1: authentication refused.
    capture = EditedCapture(FIXTURES / "hostcheck" / "healthy", tmp_path)
    capture.replace("compute1", "ovs-controllers",
                    '"tcp:127.0.0.1:6633",true],[["uuid","4a67',
                    '"tcp:127.0.0.1:6633",false],[["uuid","4a67')
    host_fails(capture, "compute2", "unreachable", "no route to host")
    host_fails(capture, "network1", "auth", "authentication refused")
    assert run("hostcheck", capture) == (ERROR | UNREADABLE | REFUSED,) * 2


def test_vlan_map_error_finding_and_unreadable_host_is_12(tmp_path):
    capture = EditedCapture(FIXTURES / "vlanmap" / "vlan-healthy", tmp_path)
    capture.replace("compute1", "flows:br-int:table=0",
                    "dl_vlan=2113 actions=mod_vlan_vid:1,",
                    "dl_vlan=2113 actions=mod_vlan_vid:7,")
    host_fails(capture, "network1", "timeout", "no answer in 10 s")
    assert run("vlanmap", capture) == (ERROR | UNREADABLE,) * 2


def test_combine_of_several_traces():
    assert exitcodes.combine([OK, ERROR, UNREADABLE]) == 12
    assert exitcodes.combine([ERROR, REFUSED]) == 20
    assert exitcodes.combine([OK, OK]) == OK
    assert exitcodes.combine([ERROR, exitcodes.UNRESOLVED]) == \
        exitcodes.UNRESOLVED
