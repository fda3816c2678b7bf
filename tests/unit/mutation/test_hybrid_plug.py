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

"""The iptables_hybrid plug (tap -> qbr Linux bridge -> qvb/qvo veth -> OVS)
checked on a real host listing, tests/fixtures/captures/ip-d-j-addr--host.out
(``ip -d -j addr show`` of a host whose qbr3f1c9a2b-7d, qvb and qvo exist
half built: the veth pair down, the tap in no bridge). Each test edits the
listing's JSON as its comment says and asserts the whole outcome: every
finding (code, subject, summary) and every hop (host, device, kind, state,
detail, status) with the evidence lines of the bridge hop.
"""

import dataclasses
import json
import pathlib
import types

from osc_netdiag.checks.engine import HostView
from osc_netdiag.checks.engine import Report
from osc_netdiag import context as ctx_mod
from osc_netdiag.linux import devices
from osc_netdiag import probes
from osc_netdiag.transport.base import CommandResult

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
LISTING = json.loads((FIXTURES / "captures" / "ip-d-j-addr--host.out")
                     .read_text())
PORT_ID = "3f1c9a2b-7d00-4c56-9283-39926459378a"
TAP, QBR, QVB, QVO = (f"{p}3f1c9a2b-7d" for p in ("tap", "qbr", "qvb", "qvo"))
ARGV = "ip -d -j addr show"


def run(edit=lambda links: None, call_hybrid_only=False, fail=False):
    links = json.loads(json.dumps(LISTING))
    edit({link["ifname"]: link for link in links} | {"_all": links})
    probe = probes.ip_addr()
    result = CommandResult(probe.name, probe.argv,
                           json.dumps(links) + "\n", "boom" if fail else "",
                           1 if fail else 0)
    view = HostView("compute1", types.SimpleNamespace(
        error=None, results=[result]), [probe])
    context = ctx_mod.PortContext.from_json(json.loads(
        (FIXTURES / "scenarios" / "vlan-healthy" / "context.json").read_text()))
    port = dataclasses.replace(context.port, id=PORT_ID,
                               vif_details={"ovs_hybrid_plug": True})
    report = Report()
    if call_hybrid_only:
        devices._check_hybrid(report, view, port, None)
    else:
        assert devices.check_instance_device(report, view, port,
                                             context.network) == QVO
    return report


def findings(report):
    return [(f.code, f.subject, f.summary) for f in report.findings]


def hops(report):
    return [(h.host, h.device, h.kind, h.state, h.detail, str(h.status))
            for h in report.hops]


def up(link):
    link["operstate"] = "UP"
    if "UP" not in link["flags"]:
        link["flags"].append("UP")


def healthy(links):
    # edits: the tap enslaved to the qbr bridge, tap, qvb and qvo UP
    links[TAP]["master"] = QBR
    for name in (TAP, QVB, QVO):
        up(links[name])


def test_half_built_plug_as_recorded():
    report = run()
    assert findings(report)[1] == (
        "NETDIAG_HYBRID_BRIDGE_BROKEN", f"compute1:{QBR}",
        "hybrid plug on compute1 is broken: tap master is -, qvb/qvo not UP")
    assert hops(report)[1] == ("compute1", QBR, "linux-bridge", "broken",
                               "tap master is -, qvb/qvo not UP", "ERROR")
    assert [(e.host, e.command, e.lines) for e in report.hops[1].evidence] == [
        ("compute1", ARGV, (f"{QBR}: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu "
                            "1500 state DOWN master - kind bridge",)),
        ("compute1", ARGV, (f"{QVB}: <NO-CARRIER,BROADCAST,MULTICAST,UP,"
                            f"M-DOWN> mtu 1500 state LOWERLAYERDOWN master "
                            f"{QBR} kind veth",)),
        ("compute1", ARGV, (f"{QVO}: <BROADCAST,MULTICAST> mtu 1450 state "
                            "DOWN master - kind veth",))]


def test_healthy_plug():
    report = run(healthy)
    assert findings(report) == []
    assert hops(report)[1] == (
        "compute1", QBR, "linux-bridge", "UP",
        f"{TAP} and {QVB} enslaved; {QVB}<->{QVO} veth UP "
        "(iptables_hybrid firewall)", "OK")
    assert [e.command for e in report.hops[1].evidence] == [ARGV] * 3


def test_one_veth_end_down():
    def edit(links):
        healthy(links)
        links[QVO]["operstate"] = "DOWN"       # edit: qvo down again
    assert hops(run(edit))[1][3:5] == ("broken", "qvb/qvo not UP")


def test_one_veth_end_missing():
    def edit(links):
        healthy(links)
        links["_all"].remove(links[QVO])        # edit: no qvo
    assert hops(run(edit))[1][3:5] == ("broken", "qvb/qvo veth pair missing")


def test_bridge_missing_or_down():
    def missing(links):
        healthy(links)
        links["_all"].remove(links[QBR])        # edit: no qbr
    assert hops(run(missing))[1][4] == f"{QBR} missing"

    def down(links):
        healthy(links)
        links[QBR]["flags"].remove("UP")        # edit: qbr admin down
    assert hops(run(down))[1][4] == f"{QBR} down"


def test_qvb_in_another_bridge_or_none():
    def other(links):
        healthy(links)
        links[QVB]["master"] = "br-x"           # edit: qvb in br-x
    assert hops(run(other))[1][4] == f"{QVB} master is br-x"

    def none(links):
        healthy(links)
        del links[QVB]["master"]                # edit: qvb in no bridge
    assert hops(run(none))[1][4] == f"{QVB} master is -"


def test_tap_missing_is_not_a_bridge_problem():
    def edit(links):
        healthy(links)
        links["_all"].remove(links[TAP])        # edit: no tap
    report = run(edit)
    assert [f[0] for f in findings(report)] == ["NETDIAG_TAP_MISSING"]
    assert hops(report)[1][3] == "UP"


def test_unreadable_listing_skips_the_bridge():
    report = run(call_hybrid_only=True, fail=True)
    assert hops(report) == [("compute1", QBR, "linux-bridge", "error",
                             "not checked: error, exit 1: boom", "SKIP")]
    assert findings(report) == [(
        "NETDIAG_COMMAND_FAILED", f"compute1:{QBR}",
        f"could not read '{ARGV}' on compute1: error, exit 1: boom; "
        f"not checked: linux-bridge {QBR}")]
