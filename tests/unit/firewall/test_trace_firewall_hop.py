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

"""port trace's firewall hop, replayed from a trace of the lab's vxlan1
port (openvswitch driver on compute1) saved with --save-capture; the
fault removes the port's firewall flows from what compute1 answered, as
deleting them on the host does."""

import json
import shutil

from osc_netdiag import api
from osc_netdiag import exitcodes
from tests.unit.firewall import lab_cases

TRACE = lab_cases.LAB.parent / "trace" / "vxlan1"


def firewall_hops(trace):
    return [h for h in trace.hops if h.kind == "firewall"]


def test_the_port_in_sync_is_one_ok_row_with_its_inbound_policy():
    trace = api.trace_from_capture(str(TRACE))
    assert trace.exit_code == exitcodes.OK
    (hop,) = firewall_hops(trace)
    assert (hop.host, hop.state, str(hop.status)) == ("compute1", "in sync",
                                                      "OK")
    assert hop.detail.startswith("openvswitch; in: IPv4 any from group ")
    assert "IPv4 icmp from 0.0.0.0/0" in hop.detail


def _without_port_flows(tmp_path, tables=None):
    """The saved trace with the port's flows (those of its reg5) left out
    of compute1's dumps of br-int's ``tables`` (None: every table but 60).
    """
    target = tmp_path / "vxlan1"
    shutil.copytree(TRACE, target)
    context = json.loads((target / "context.json").read_text())
    path = target / "hosts" / "compute1.json"
    data = json.loads(path.read_text())
    # the port's ofport on compute1, from the recorded table 60
    table60 = next(c for c in data["commands"]
                   if c["name"] == "flows:br-int:table=60")["stdout"]
    mac = context["port"]["mac"]
    line = next(x for x in table60.splitlines() if f"dl_dst={mac}" in x)
    reg5 = line.split("load:")[1].split("->")[0]
    for command in data["commands"]:
        name = command["name"]
        if tables is None:
            chosen = name.startswith("flows:br-int:table=") and \
                name != "flows:br-int:table=60"
        else:
            chosen = name in {f"flows:br-int:table={t}" for t in tables}
        if chosen:
            kept = [x for x in command["stdout"].splitlines(keepends=True)
                    if f"reg5={reg5}," not in x and f"reg5={reg5} " not in x]
            assert tables is None or len(kept) < len(
                command["stdout"].splitlines())
            command["stdout"] = "".join(kept)
    path.write_text(json.dumps(data))
    return target


def test_the_ports_firewall_flows_deleted_make_the_trace_exit_4(tmp_path):
    trace = api.trace_from_capture(str(_without_port_flows(tmp_path)))
    assert trace.exit_code == exitcodes.ERROR_FINDING
    codes = {f.code for f in trace.findings}
    assert {"NETDIAG_FW_OF_SPOOF_MISSING", "NETDIAG_FW_OF_RULE_MISSING",
            "NETDIAG_FW_OF_DHCP_SPOOF_MISSING"} <= codes
    (hop,) = firewall_hops(trace)
    assert (hop.state, str(hop.status)) == ("out of sync", "ERROR")
    assert "anti-spoofing: wrong" in hop.detail


def test_a_cleared_tag_is_the_ovs_ports_fault_not_the_firewalls(tmp_path):
    # the recorded tap's tag cleared in ovs-ports (the fault of the lab's
    # test_fault_tag_cleared): the firewall flows are untouched and key
    # on table 60's zone, so the firewall row stays in sync
    target = tmp_path / "vxlan1"
    shutil.copytree(TRACE, target)
    context = json.loads((target / "context.json").read_text())
    tap = "tap" + context["port"]["id"][:11]
    path = target / "hosts" / "compute1.json"
    data = json.loads(path.read_text())
    command = next(c for c in data["commands"] if c["name"] == "ovs-ports")
    table = json.loads(command["stdout"])
    column = table["headings"].index("tag")
    (row,) = [r for r in table["data"] if r[1] == tap]
    row[column] = ["set", []]
    command["stdout"] = json.dumps(table) + "\n"
    path.write_text(json.dumps(data))
    trace = api.trace_from_capture(str(target))
    assert "NETDIAG_OVS_TAG_MISSING" in {f.code for f in trace.findings}
    assert not any(f.code.startswith("NETDIAG_FW_") for f in trace.findings)
    (hop,) = firewall_hops(trace)
    assert (hop.state, str(hop.status)) == ("in sync", "OK")
