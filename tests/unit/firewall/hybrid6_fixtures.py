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

"""The lab's compute2 (iptables_hybrid) as recorded by
tools/capture_hybrid_ipv6_fixtures: both families' filter tables and the
ipsets of one moment, with the API bodies of the same moment (vlan2 then
had the IPv6 allowed address pair fd00:198:18::50)."""

import json
import pathlib

from osc_netdiag.backends.ml2_ovs import fw_hybrid
from osc_netdiag.resolve import secgroups
from tests.unit.firewall.api_fixtures import FakeConnection
from tests.unit.firewall.api_fixtures import FakeNetwork

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
API = FIXTURES / "firewall" / "hybrid6" / "api"
CAPTURES = FIXTURES / "captures"
SUFFIX = "--compute2-hybrid6.out"
IP6TABLES = (CAPTURES / f"ip6tables-save-c-t-filter{SUFFIX}").read_text()
IPTABLES = (CAPTURES / f"iptables-save-c-t-filter{SUFFIX}").read_text()
IPSETS = (CAPTURES / f"ipset-list{SUFFIX}").read_text()


def _body(name):
    return json.loads((API / name).read_text())


def intent(name, edit_port=None):
    """The PortFirewallIntent of the lab instance ``name`` (vlan2, ...)."""
    ports = [_body(p.name)["port"] for p in sorted(API.glob("port-*.json"))]
    port = next(p for p in ports if p["name"] == name)
    if edit_port:
        edit_port(port)
    groups, members = [], {}
    for path in sorted(API.glob("security-group-*.json")):
        group = _body(path.name)["security_group"]
        groups.append(group)
        gname = path.name[len("security-group-"):-len(".json")]
        members[group["id"]] = _body(f"ports-of-{gname}.json")["ports"]
    conn = FakeConnection(FakeNetwork(ports, groups, members))
    return secgroups.intent_of(conn, conn.network.find_port(port["id"]))


def outputs(ip6tables=IP6TABLES, iptables=IPTABLES, ipsets=IPSETS):
    """The probes' raw outputs as the transport hands them over."""
    return {fw_hybrid.FILTER: iptables, fw_hybrid.FILTER6: ip6tables,
            fw_hybrid.IPSETS: ipsets}
