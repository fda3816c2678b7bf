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
import os
import pathlib

import pytest

from osc_netdiag.v1 import network as network_cmd
from tests.unit import helpers
from tests.unit.edited import EditedCapture

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "vlanmap"
STORED = FIXTURES.parent / "reports" / "vlanmap-edits"
INT0, ETH0 = "flows:br-int:table=0", "flows:br-eth1:table=0"
TUN4, TUN22 = "flows:br-tun:table=4", "flows:br-tun:table=22"

# recording: {name: (command on compute1, old text, new text)}
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
    },
}
CASES = [(name, edit) for name in sorted(EDITS) for edit in sorted(EDITS[name])]


def _run(capture):
    code, app = helpers.run_command(network_cmd.ShowVlanMap, "--from-capture",
                                    str(capture), "-f", "json")
    doc = json.loads(app.stdout.getvalue())
    assert doc["exit_code"] == code
    return doc


def _delta(doc, healthy):
    out = {}
    for key, value in doc.items():
        base = healthy.get(key)
        if isinstance(value, list) and isinstance(base, list):
            value = ["=" if i < len(base) and item == base[i] else item
                     for i, item in enumerate(value)]
        out[key] = value
    return out


@pytest.mark.parametrize("name,edit", CASES, ids=[f"{n}/{e}" for n, e in CASES])
def test_report_with_one_edited_flow(name, edit, tmp_path):
    command, old, new = EDITS[name][edit]
    capture = EditedCapture(FIXTURES / name, tmp_path)
    capture.replace("compute1", command, old, new)
    doc = _delta(_run(capture), _run(FIXTURES / name))
    assert any(item != "=" for value in doc.values() if isinstance(value, list)
               for item in value)
    stored = STORED / name / f"{edit}.json"
    if os.environ.get("NETDIAG_WRITE_REPORTS"):
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    assert doc == json.loads(stored.read_text())
