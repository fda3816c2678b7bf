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

"""host check on a healthy lab recording with one
command's real output edited in one place (EDITS says where and how): the
whole report of each case.

The fault tests elsewhere assert the finding codes of such edits; here the
whole ``-f json`` document must equal the stored one
(tests/fixtures/reports/host-edits/, a delta against the healthy report: an
unchanged list item is "="), so a wrong peer, address, port name or detail
fails too. Stored from the command's output when the test was added and
read through then; rewrite with ``NETDIAG_WRITE_REPORTS=1`` after a
deliberate change and review the diff.
"""

import json
import pathlib

import pytest

from osc_netdiag import hostcheck
from osc_netdiag.v1 import host as host_cmd
from osc_netdiag.v1 import network as network_cmd
from tests.unit.edited import EditedCapture
from tests.unit import helpers
from tests.unit.mutation import reports

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
STORED = FIXTURES / "reports" / "host-edits"
COMMANDS = {"hostcheck": host_cmd.CheckHost, "vlanmap": network_cmd.ShowVlanMap}
GRE_D = '"gre-c612010d","gre",5'
VXLAN_C = '"vxlan-c612010c","vxlan",2'
TO_13 = ('["remote_ip","198.18.1.13"]]],["map",[]],["set",[]],"up","up",'
         '"aa:75:88:ea:15:91"')            # gre-c612010d's options' end
FROM_11_TO_12 = ('["local_ip","198.18.1.11"],["out_key","flow"],'
                 '["remote_ip","198.18.1.12"]]],["map",[]],["set",[]],"up",'
                 '"up","46:eb:ff')          # vxlan-c612010c
ETH1 = ('"ifname":"eth1","flags":["BROADCAST","MULTICAST","PROMISC","UP",'
        '"LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP"')

# name: (command, old text, new text) on compute1 of
# tests/fixtures/hostcheck/healthy.
EDITS = {
    "tunnel-remote-ip-of-no-agent": (
        "ovs-interfaces", TO_13, TO_13.replace("198.18.1.13", "198.18.1.99")),
    "tunnel-local-ip-wrong": (
        "ovs-interfaces", FROM_11_TO_12,
        FROM_11_TO_12.replace("198.18.1.11", "198.18.1.77")),
    "two-vxlan-ports-to-one-peer": (
        "ovs-interfaces", GRE_D, GRE_D.replace('"gre"', '"vxlan"')),
    "geneve-port-the-agent-does-not-use": (
        "ovs-interfaces", GRE_D, GRE_D.replace('"gre"', '"geneve"')),
    "tunnel-ofport-minus-one": (
        "ovs-interfaces", VXLAN_C, VXLAN_C.replace(",2", ",-1")),
    "tunnel-port-error": (
        "ovs-interfaces", '["set",[]],"up","up","46:eb:ff:53:ce:9d"',
        '"could not add network device vxlan-c612010c (File exists)",'
        '"up","up","46:eb:ff:53:ce:9d"'),
    "patch-int-peer-wrong": (
        "ovs-interfaces", '["peer","patch-tun"]', '["peer","patch-xyz"]'),
    "int-br-eth1-peer-wrong": (
        "ovs-interfaces", '["peer","phy-br-eth1"]', '["peer","phy-br-xyz"]'),
    "br-tun-missing": ("ovs-bridges", '"br-tun"', '"br-tux"'),
    "br-eth1-missing": ("ovs-bridges", '"br-eth1"', '"br-ethx"'),
    "controller-disconnected": (
        "ovs-controllers", '6633",true],[["uuid","4a67',
        '6633",false],[["uuid","4a67'),
    # two edits: every controller of compute1's bridges disconnected
    "all-controllers-disconnected": (
        "ovs-controllers", '6633",true],[["uuid","4a67',
        '6633",false],[["uuid","4a67', '6633",true],[["uuid","14b1',
        '6633",false],[["uuid","14b1', '6633",true]],"headings"',
        '6633",false]],"headings"'),
    "eth1-down": ("ip-addr", ETH1, ETH1.replace('"operstate":"UP"',
                                                '"operstate":"DOWN"')),
}
# name: (host, command, old text, new text) on another host
OTHER_HOST_EDITS = {
    "qrouter-namespace-missing": (
        "network1", "netns",
        '{"name":"qrouter-7e9218af-4b0f-4fff-a748-64f7fa833d1d","id":2},', ""),
    "qdhcp-namespace-missing": (
        "network1", "netns",
        '{"name":"qdhcp-71ad6b9d-4f87-4d0a-b1aa-7f00ba686a0b","id":4},', ""),
}


def _ovs_agent(host, **changes):
    return lambda d: d["ovs_agents"][host].update(changes)


def _ovs_config(host, **changes):
    return lambda d: d["ovs_agents"][host]["configurations"].update(changes)


# name: edit of the recorded API context
CONTEXT_EDITS = {
    "compute1-agent-dead": _ovs_agent("compute1", alive=False),
    "compute1-l2-population": _ovs_config("compute1", l2_population=True),
    "compute1-without-tunnel-types": _ovs_config("compute1", tunnel_types=[]),
    "compute1-other-tunneling-ip": _ovs_config("compute1",
                                               tunneling_ip="198.18.1.77"),
    "network1-hosts-no-router": lambda d: d["hosted_routers"].update(
        network1=[]),
    "network1-l3-agent-dvr-snat": lambda d: d["l3_agents"]["network1"][
        "configurations"].update(agent_mode="dvr_snat"),
}
RECORDINGS = (("hostcheck", "healthy"),)
CASES = [(folder, name, edit) for folder, name in RECORDINGS
         for edit in sorted(EDITS)]


def _run(folder, capture):
    code, app = helpers.run_command(COMMANDS[folder], "--from-capture",
                                    str(capture), "-f", "json")
    doc = json.loads(app.stdout.getvalue())
    assert doc["exit_code"] == code
    # The rows' evidence, which only the API result carries (host check
    # has no --long).
    doc["rows_long"] = json.loads(json.dumps(
        [r.to_dict(long=True) for r in
         hostcheck.check_from_capture(str(capture)).rows]))
    return doc


@pytest.mark.parametrize("folder,name,edit", CASES,
                         ids=[f"{f}/{n}/{e}" for f, n, e in CASES])
def test_report_with_one_edited_output(folder, name, edit, tmp_path):
    command, *pairs = EDITS[edit]
    capture = EditedCapture(FIXTURES / folder / name, tmp_path)
    for old, new in zip(pairs[::2], pairs[1::2]):
        capture.replace("compute1", command, old, new)
    _compare(folder, name, edit, capture)


@pytest.mark.parametrize("edit", sorted(OTHER_HOST_EDITS))
def test_report_with_an_edited_output_on_network1(edit, tmp_path):
    capture = EditedCapture(FIXTURES / "hostcheck" / "healthy", tmp_path)
    capture.replace(*OTHER_HOST_EDITS[edit])
    _compare("hostcheck", "healthy", edit, capture)


@pytest.mark.parametrize("edit", sorted(CONTEXT_EDITS))
def test_report_with_an_edited_context(edit, tmp_path):
    capture = EditedCapture(FIXTURES / "hostcheck" / "healthy", tmp_path)
    capture.edit_context(CONTEXT_EDITS[edit])
    _compare("hostcheck", "healthy", f"context-{edit}", capture)


def _compare(folder, name, edit, capture):
    doc = reports.delta(_run(folder, capture),
                        _run(folder, FIXTURES / folder / name))
    stored = STORED / folder / name / f"{edit}.json"
    reports.check(doc, stored)
