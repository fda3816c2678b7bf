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

"""network vlan-map on healthy lab recordings with one flow of compute1's
real ``ovs-ofctl dump-flows`` output edited in one place (EDITS): present
but wrong (a wrong local VLAN, segmentation ID, tunnel ID, match or
output), and the whole report of each case.

The whole ``-f json`` document must equal the stored one
(tests/fixtures/reports/vlanmap-edits/, a delta against the healthy report:
an unchanged list item is "="), and every edit must show in it. Stored from
the command's output when the test was added and read through then;
rewrite with ``NETDIAG_WRITE_REPORTS=1`` after a deliberate change.
"""

import json
import pathlib

import pytest

from osc_netdiag.v1 import network as network_cmd
from tests.unit.edited import EditedCapture
from tests.unit import helpers
from tests.unit.mutation import reports

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "vlanmap"
STORED = FIXTURES.parent / "reports" / "vlanmap-edits"
INT0, ETH0 = "flows:br-int:table=0", "flows:br-eth1:table=0"
TUN4, TUN22 = "flows:br-tun:table=4", "flows:br-tun:table=22"

TAP_VX = ('"tapa5bfc8b1-af",["uuid","d03ea7ea-cc14-4371-9550-0495673d1e39"],'
          '2,["set",[]],["map",[["net_uuid","71ad6b9d-4f87-4d0a-b1aa-'
          '7f00ba686a0b"],["network_type","vxlan"],["physical_network",'
          '"None"],["segmentation_id","1295"]')
TAP_VL = ('"tapc5f2011d-5a",["uuid","02c2bc32-bbff-4d97-8a8b-007169a0d6d8"],'
          '1,["set",[]],["map",[["net_uuid","3e2b7484-02f6-43f9-98e7-'
          '87a1ff51eff8"],["network_type","vlan"],["physical_network",'
          '"physnet1"],["segmentation_id","2113"]')

# recording: {name: (command on compute1, old, new[, old, new...])}
EDITS = {
    "vxlan-healthy": {
        "tunnel-to-wrong-local-vlan": (
            TUN4, "tun_id=0x50f actions=mod_vlan_vid:2,",
            "tun_id=0x50f actions=mod_vlan_vid:5,"),
        "tunnel-flow-for-another-id": (
            TUN4, "tun_id=0x50f actions", "tun_id=0x511 actions"),
        "flood-sets-wrong-tunnel-id": (
            TUN22, "load:0x50f->NXM_NX_TUN_ID[]", "load:0x510->NXM_NX_TUN_ID[]"),
        "flood-misses-one-tunnel": (TUN22, ",output:2,output:4\n", ",output:2\n"),
        "flood-to-unknown-port": (TUN22, ",output:4\n", ",output:9\n"),
        "flood-of-another-local-vlan": (
            TUN22, "priority=1,dl_vlan=2 ", "priority=1,dl_vlan=7 "),
        # the port's other_config (what the agent wired it to)
        "port-wired-to-another-segmentation-id": (
            "ovs-ports", TAP_VX, TAP_VX.replace('"1295"', '"1296"')),
        "port-wired-to-another-network-type": (
            "ovs-ports", TAP_VX, TAP_VX.replace('"vxlan"', '"gre"')),
        "port-other-config-without-segment": (
            "ovs-ports", TAP_VX, TAP_VX.replace(
                '["network_type","vxlan"],', '').replace(
                ',["segmentation_id","1295"]', '')),
        # two edits: neither tunnel translation of this segment left
        "no-ingress-and-no-egress": (
            TUN4, "tun_id=0x50f actions", "tun_id=0x511 actions",
            TUN22, "load:0x50f->", "load:0x510->"),
    },
    "vlan-healthy": {
        "ingress-to-wrong-local-vlan": (
            INT0, "dl_vlan=2113 actions=mod_vlan_vid:1,",
            "dl_vlan=2113 actions=mod_vlan_vid:7,"),
        "ingress-from-another-vlan": (
            INT0, "in_port=1,dl_vlan=2113 ", "in_port=1,dl_vlan=2114 "),
        "egress-to-wrong-segmentation-id": (
            ETH0, "actions=mod_vlan_vid:2113,", "actions=mod_vlan_vid:2114,"),
        "egress-of-another-local-vlan": (
            ETH0, "in_port=2,dl_vlan=1 ", "in_port=2,dl_vlan=5 "),
        "egress-from-another-port": (
            ETH0, "in_port=2,dl_vlan=1 ", "in_port=3,dl_vlan=1 "),
        "port-wired-to-another-segmentation-id": (
            "ovs-ports", TAP_VL, TAP_VL.replace('"2113"', '"2114"')),
        "port-wired-to-another-network-type": (
            "ovs-ports", TAP_VL, TAP_VL.replace('"vlan"', '"flat"')),
        # two edits: neither VLAN translation of this segment left
        "no-ingress-and-no-egress": (
            INT0, "in_port=1,dl_vlan=2113 ", "in_port=1,dl_vlan=2114 ",
            ETH0, "actions=mod_vlan_vid:2113,", "actions=mod_vlan_vid:2114,"),
    },
}
# recording: {name: edit of the recorded API context}
CONTEXT_EDITS = {
    "vxlan-healthy": {
        "compute1-agent-missing": lambda d: d["ovs_agents"].pop("compute1"),
        "compute2-agent-without-tunneling-ip": lambda d: d["ovs_agents"][
            "compute2"]["configurations"].update(tunneling_ip=None),
        "compute2-agent-without-vxlan": lambda d: d["ovs_agents"][
            "compute2"]["configurations"].update(tunnel_types=["gre"]),
        "compute2-agent-with-compute1s-ip": lambda d: d["ovs_agents"][
            "compute2"]["configurations"].update(tunneling_ip="198.18.1.11"),
    },
    "vlan-healthy": {
        "compute1-agent-missing": lambda d: d["ovs_agents"].pop("compute1"),
        "compute1-agent-without-mappings": lambda d: d["ovs_agents"][
            "compute1"]["configurations"].update(bridge_mappings={}),
    },
}
CASES = [(name, edit) for name in sorted(EDITS) for edit in sorted(EDITS[name])]
CONTEXT_CASES = [(name, edit) for name in sorted(CONTEXT_EDITS)
                 for edit in sorted(CONTEXT_EDITS[name])]


def _run(capture):
    code, app = helpers.run_command(network_cmd.ShowVlanMap, "--from-capture",
                                    str(capture), "-f", "json")
    doc = json.loads(app.stdout.getvalue())
    assert doc["exit_code"] == code
    return doc


@pytest.mark.parametrize("name,edit", CASES, ids=[f"{n}/{e}" for n, e in CASES])
def test_report_with_one_edited_flow(name, edit, tmp_path):
    capture = EditedCapture(FIXTURES / name, tmp_path)
    edit_spec = EDITS[name][edit]
    for i in range(0, len(edit_spec), 3):
        command, old, new = edit_spec[i:i + 3]
        capture.replace("compute1", command, old, new)
    _compare(capture, name, edit)


@pytest.mark.parametrize("name,edit", CONTEXT_CASES,
                         ids=[f"{n}/context-{e}" for n, e in CONTEXT_CASES])
def test_report_with_an_edited_context(name, edit, tmp_path):
    capture = EditedCapture(FIXTURES / name, tmp_path)
    capture.edit_context(CONTEXT_EDITS[name][edit])
    _compare(capture, name, f"context-{edit}")


# Edits after which the report must stay exactly the healthy one: a port
# whose other_config names no segment is not checked against one, and a
# peer without a usable tunneling_ip is not expected in the flood flow.
UNCHANGED = {"port-other-config-without-segment",
             "context-compute2-agent-without-tunneling-ip",
             "context-compute2-agent-with-compute1s-ip"}


def _compare(capture, name, edit):
    doc = reports.delta(_run(capture), _run(FIXTURES / name))
    changed = any(item != "=" for value in doc.values()
                  if isinstance(value, list) for item in value)
    assert changed != (edit in UNCHANGED)
    stored = STORED / name / f"{edit}.json"
    reports.check(doc, stored)
