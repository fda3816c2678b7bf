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

"""port trace's firewall hop, second look: the saved trace of the lab's
vxlan1 port (openvswitch driver on compute1) with the port's flows taken
out of some of the firewall tables, as deleting them on the host does;
the whole firewall row an operator reads (state, status, the driver, the
inbound policy and the first five parts out of sync, then how many more).
"""

import json
import shutil

import pytest

from osc_netdiag import api
from osc_netdiag import exitcodes
from osc_netdiag.models import Evidence
from tests.unit.firewall.test_trace_firewall_hop import _without_port_flows
from tests.unit.firewall.test_trace_firewall_hop import firewall_hops
from tests.unit.firewall.test_trace_firewall_hop import TRACE

POLICY = ("openvswitch; in: IPv4 any from group default (8 addresses); IPv4 "
          "icmp from 0.0.0.0/0; IPv6 any from group default (0 addresses)")
GROUP = Evidence("api", "openstack security group show "
                 "33b8e875-1bc3-4e3c-84f6-2f0b40cdef1a", ("name default",))
# the port's egress rules (table 72) and ingress rules (table 82)
EGRESS = ("5e019781-0519-44fe-ad1e-2e0f36388153",
          "652b9baa-7667-4ae9-b377-72777c64584b")
INGRESS = ("f1e4336e-694d-44fb-9303-958ef0d6aeed",
           "05a61e49-bb94-401c-8df0-9c07e3d6f112",
           "f620b20f-7cdf-47f1-a7b7-e4342f3fc94a")


def _without_port_flows_in(tmp_path, tables):
    """The saved trace with the port's flows (those of its reg5) left out
    of compute1's dumps of br-int's ``tables`` only.
    """
    return api.trace_from_capture(str(_without_port_flows(tmp_path, tables)))


def _missing(rules):
    return [f"{rule}: missing" for rule in rules]


@pytest.mark.parametrize("tables,wrong", [
    # five parts out of sync: all listed, nothing "more"
    ((71, 82), ["anti-spoofing: wrong", "nd-dhcp-ra: wrong"]
     + _missing(INGRESS)),
    # six: five listed and one more
    ((72, 81, 82), ["nd-dhcp-ra: wrong"] + _missing(EGRESS + INGRESS)[:4]
     + ["(+1 more)"]),
    # seven (every table of the port): five listed and two more
    ((71, 72, 73, 81, 82), ["anti-spoofing: wrong", "nd-dhcp-ra: wrong"]
     + _missing(EGRESS + INGRESS)[:3] + ["(+2 more)"]),
], ids=["five", "six", "seven"])
def test_firewall_row_out_of_sync(tmp_path, tables, wrong):
    # kills fw_hop check mutants 83-85 and 87-90 (the separators, the
    # first five parts out of sync and the count of the others), and
    # 77, 79-82, 86, 91 of the same detail
    trace = _without_port_flows_in(tmp_path, tables)
    listed = "; ".join(w for w in wrong if not w.startswith("("))
    more = "".join(f" {w}" for w in wrong if w.startswith("("))
    assert [(h.host, h.device, h.kind, h.state, h.detail, str(h.status),
             h.evidence) for h in firewall_hops(trace)] == [(
                 "compute1", "firewall", "firewall", "out of sync",
                 f"{POLICY}; {listed}{more}", "ERROR", (GROUP,))]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_firewall_row_with_extra_flows_only_warns(tmp_path):
    # the saved trace's API intent without the egress IPv6 rule 652b9baa
    # (deleted in the API, its two flows still in compute1's table 72, as
    # until the agent catches up): the flows are extra, a warning, and
    # the row is out of sync but WARN, not ERROR
    # kills fw_hop check mutant 67 (a row with warnings only said OK)
    target = tmp_path / "vxlan1"
    shutil.copytree(TRACE, target)
    context = json.loads((target / "context.json").read_text())
    group = context["firewall"]["security_groups"][0]
    group["rules"] = [r for r in group["rules"] if r["id"] != EGRESS[1]]
    (target / "context.json").write_text(json.dumps(context))
    trace = api.trace_from_capture(str(target))
    assert [(h.host, h.device, h.kind, h.state, h.detail, str(h.status),
             h.evidence) for h in firewall_hops(trace)] == [(
                 "compute1", "firewall", "firewall", "out of sync",
                 f"{POLICY}; table 72: extra; table 72: extra", "WARN",
                 (GROUP,))]
    assert [(f.code, str(f.severity)) for f in trace.findings] == [
        ("NETDIAG_FW_OF_RULE_EXTRA", "WARNING")] * 2
    assert trace.exit_code == exitcodes.OK


def test_noop_firewall_row_names_the_remote_groups(tmp_path):
    # the saved trace's API intent with port_filter false (the binding
    # says no firewall: the noop driver): the row says nothing is
    # filtered, reads nothing on the host, and still names the group its
    # ingress rule comes from
    # kills fw_hop check mutant 31 (the noop row without that evidence)
    target = tmp_path / "vxlan1"
    shutil.copytree(TRACE, target)
    context = json.loads((target / "context.json").read_text())
    context["firewall"]["port_filter"] = False
    (target / "context.json").write_text(json.dumps(context))
    trace = api.trace_from_capture(str(target))
    assert [(h.host, h.device, h.kind, h.state, h.detail, str(h.status),
             h.evidence) for h in firewall_hops(trace)] == [(
                 "compute1", "firewall", "firewall", "not filtered",
                 "noop; no firewall on the binding: everything allowed in",
                 "OK", (GROUP,))]
    assert trace.exit_code == exitcodes.OK
