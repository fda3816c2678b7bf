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

"""port trace on healthy lab recordings with one command's real output
edited in one place (EDITS): present but wrong (a wrong tag, local VLAN,
segmentation or tunnel ID, tunnel remote_ip or local_ip, patch peer, an
unusable tunnel port, a flood flow missing a tunnel), and the whole report
of each case.

The whole ``--long -f json`` document must equal the stored one
(tests/fixtures/reports/trace-edits/, a delta against the healthy report:
an unchanged list item is "="), and every edit must show in it. Stored from
the command's output when the test was added and read through then;
rewrite with ``NETDIAG_WRITE_REPORTS=1`` after a deliberate change.
"""

import json
import pathlib

import pytest

from osc_netdiag.v1 import port as port_cmd
from tests.unit.edited import EditedCapture
from tests.unit import helpers
from tests.unit.mutation import reports

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"
STORED = FIXTURES.parent / "reports" / "trace-edits"
TUN, TUN22 = "flows:br-tun:tun_id=0x50f", "flows:br-tun:table=22"
INT, ETH = "flows:br-int:table=0,dl_vlan=2113", "flows:br-eth1:table=0"
IFACES, PORTS = "ovs-interfaces", "ovs-ports"
VXLAN_C = ('"vxlan-c612010c","vxlan",2,["map",[["df_default","true"],'
           '["egress_pkt_mark","0"],["in_key","flow"],["local_ip",'
           '"198.18.1.11"],["out_key","flow"],["remote_ip","198.18.1.12"]]]')
VXLAN_D = VXLAN_C.replace("c612010c", "c612010d").replace(",2,", ",4,") \
    .replace("198.18.1.12", "198.18.1.13")
VXLAN_TAG = '["segmentation_id","1295"],["tag","2"]]]'

# recording: {name: (host, command, old text, new text)}
EDITS = {
    "vxlan-healthy": {
        "tap-tag-wrong": ("compute1", PORTS, '"tapa5bfc8b1-af",["uuid",'
                          '"d03ea7ea-cc14-4371-9550-0495673d1e39"],2,',
                          '"tapa5bfc8b1-af",["uuid",'
                          '"d03ea7ea-cc14-4371-9550-0495673d1e39"],6,'),
        "tunnel-flow-to-wrong-local-vlan": (
            "compute1", TUN, "actions=mod_vlan_vid:2,", "actions=mod_vlan_vid:5,"),
        "flood-sets-wrong-tunnel-id": (
            "compute1", TUN22, "load:0x50f->", "load:0x510->"),
        "flood-misses-network1": (
            "compute1", TUN22, ",output:2,output:4\n", ",output:2\n"),
        "flood-of-another-local-vlan": (
            "compute1", TUN22, "priority=1,dl_vlan=2 ", "priority=1,dl_vlan=7 "),
        "tunnel-to-network1-remote-ip-wrong": (
            "compute1", IFACES, VXLAN_D, VXLAN_D.replace("198.18.1.13",
                                                         "198.18.1.99")),
        "tunnel-to-network1-ofport-minus-one": (
            "compute1", IFACES, VXLAN_D, VXLAN_D.replace(",4,", ",-1,")),
        "tunnel-to-compute2-local-ip-wrong": (
            "compute1", IFACES, VXLAN_C, VXLAN_C.replace("198.18.1.11",
                                                         "198.18.1.77")),
        "patch-int-peer-wrong": (
            "compute1", IFACES, '["peer","patch-tun"]', '["peer","patch-xyz"]'),
        "network1-tunnel-flow-to-wrong-local-vlan": (
            "network1", TUN, "actions=mod_vlan_vid:3,", "actions=mod_vlan_vid:5,"),
    },
    "vlan-healthy": {
        "ingress-to-wrong-local-vlan": (
            "compute1", INT, "actions=mod_vlan_vid:1,", "actions=mod_vlan_vid:7,"),
        "egress-to-wrong-segmentation-id": (
            "compute1", ETH, "actions=mod_vlan_vid:2113,",
            "actions=mod_vlan_vid:2114,"),
        "egress-of-another-local-vlan": (
            "compute1", ETH, "in_port=2,dl_vlan=1 ", "in_port=2,dl_vlan=5 "),
        "int-br-eth1-peer-wrong": (
            "compute1", IFACES, '["peer","phy-br-eth1"]', '["peer","phy-br-xyz"]'),
        "network1-egress-to-wrong-segmentation-id": (
            "network1", ETH, "actions=mod_vlan_vid:2113,",
            "actions=mod_vlan_vid:2114,"),
    },
}
CASES = [(name, edit) for name in sorted(EDITS) for edit in sorted(EDITS[name])]


def _run(capture):
    code, app = helpers.run_command(port_cmd.TracePort, "--from-capture",
                                    str(capture), "-f", "json", "--long")
    doc = json.loads(app.stdout.getvalue())
    assert doc["exit_code"] == code
    return doc


@pytest.mark.parametrize("name,edit", CASES, ids=[f"{n}/{e}" for n, e in CASES])
def test_trace_with_one_edited_output(name, edit, tmp_path):
    host, command, old, new = EDITS[name][edit]
    capture = EditedCapture(FIXTURES / name, tmp_path)
    capture.replace(host, command, old, new)
    doc = reports.delta(_run(capture), _run(FIXTURES / name))
    assert any(item != "=" for value in doc.values() if isinstance(value, list)
               for item in value)
    stored = STORED / name / f"{edit}.json"
    reports.check(doc, stored)
