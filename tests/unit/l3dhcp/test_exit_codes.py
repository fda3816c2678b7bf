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

"""The exact exit code of each l3dhcp command on every recorded lab
scenario (tests/fixtures/l3dhcp/scenarios), replayed through the command
as a user runs it (--from-capture), with the JSON document's exit_code
and finding codes agreeing.
"""

import json

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.v1 import dhcp as dhcp_cmd
from osc_netdiag.v1 import dns as dns_cmd
from osc_netdiag.v1 import floatingip as floatingip_cmd
from osc_netdiag.v1 import router as router_cmd
from tests.unit import helpers
from tests.unit.l3dhcp import scenario

OK, ERROR = exitcodes.OK, exitcodes.ERROR_FINDING
CASES = [
    (dhcp_cmd.CheckDhcp, "dhcp-network", OK, []),
    (dhcp_cmd.CheckDhcp, "dhcp-port", OK,
     ["NETDIAG_DHCP_EXCHANGE_COMPLETE"]),
    (dns_cmd.CheckDns, "dns-port", OK, []),
    (floatingip_cmd.CheckFloatingIp, "floatingip", OK, []),
    (router_cmd.CheckRouter, "router", OK, []),
    (router_cmd.CheckRouter, "router-dvr", OK, []),
    (router_cmd.CheckRouter, "router-dvr-fip-dnat-deleted", ERROR,
     ["NETDIAG_ROUTER_NAT_RULE_MISSING"]),
    # the fip- namespace gone takes the rfp- end of its veth with it
    (router_cmd.CheckRouter, "router-dvr-fip-namespace-deleted", ERROR,
     ["NETDIAG_ROUTER_DEVICE_BROKEN", "NETDIAG_ROUTER_NAMESPACE_MISSING"]),
    (router_cmd.CheckRouter, "router-dvr-snat-rule-deleted", ERROR,
     ["NETDIAG_ROUTER_NAT_RULE_MISSING"]),
    # the single-node lab: a gateway and a DHCP port on physnet 'nomap',
    # which aio1 does not map, that really failed to bind
    (router_cmd.CheckRouter, "router-single-gateway-unbound", ERROR,
     ["NETDIAG_PORT_BINDING_FAILED"]),
    (dhcp_cmd.CheckDhcp, "dhcp-single-port-unbound", ERROR,
     ["NETDIAG_PORT_BINDING_FAILED"]),
]


def test_every_recorded_scenario_is_listed():
    assert sorted(p.name for p in scenario.SCENARIOS.iterdir()) == \
        sorted(name for _, name, _, _ in CASES)


@pytest.mark.parametrize("command_class, name, code, codes", CASES,
                         ids=[c[1] for c in CASES])
def test_exit_code_of_each_recorded_scenario(monkeypatch, command_class,
                                             name, code, codes):
    from osc_netdiag import api

    def refuse(*a, **k):
        raise AssertionError("no SSH transport may be made")
    monkeypatch.setattr(api, "ssh_transport", refuse)
    got, app = helpers.run_command(command_class, "--from-capture",
                                   str(scenario.SCENARIOS / name), "-f",
                                   "json", conn=None)
    doc = json.loads(app.stdout.getvalue())
    assert got == doc["exit_code"] == code
    assert sorted(f["code"] for f in doc["findings"]) == codes
