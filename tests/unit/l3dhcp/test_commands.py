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

"""The l3dhcp commands as OSC runs them: exit codes, no write without
--yes, no host contacted when the object does not resolve.
"""

import json

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.v1 import dhcp as dhcp_cmd
from osc_netdiag.v1 import dns as dns_cmd
from osc_netdiag.v1 import floatingip as floatingip_cmd
from osc_netdiag.v1 import ip as ip_cmd
from osc_netdiag.v1 import router as router_cmd
from tests.unit import helpers
from tests.unit.l3dhcp import scenario
from tests.unit.l3dhcp import test_reclaim


def run(command_class, conn, *argv):
    return helpers.run_command(command_class, *argv, conn=conn)


@pytest.fixture
def no_hosts(monkeypatch):
    from osc_netdiag.transport import pool

    def refuse(*a, **k):
        raise AssertionError("no host may be contacted")
    monkeypatch.setattr(pool, "HostPool", refuse)


def test_reclaim_without_yes_exits_2_and_creates_nothing(no_hosts):
    conn, neutron = test_reclaim.cloud()
    code, app = run(ip_cmd.ReclaimIp, conn, "198.18.16.77", "--network",
                    "vlan-net", "-f", "json")
    assert code == exitcodes.USAGE
    assert neutron.created == []
    doc = json.loads(app.stdout.getvalue())
    assert doc["created"] is None and doc["exit_code"] == exitcodes.USAGE
    assert doc["command"].startswith("openstack port create --network ")


def test_reclaim_with_yes_creates_the_port(no_hosts):
    conn, neutron = test_reclaim.cloud()
    code, app = run(ip_cmd.ReclaimIp, conn, "198.18.16.77", "--network",
                    "vlan-net", "--yes", "-f", "json")
    assert code == exitcodes.OK
    assert len(neutron.created) == 1
    assert json.loads(app.stdout.getvalue())["created"]["id"]


def test_reclaim_of_a_held_address_exits_4(no_hosts):
    conn, neutron = test_reclaim.cloud()
    code, app = run(ip_cmd.ReclaimIp, conn, "198.18.16.10", "--network",
                    "vlan-net", "--yes")
    assert code == exitcodes.ERROR_FINDING
    assert neutron.created == []
    assert "NETDIAG_IP_IN_USE" in app.stderr.getvalue()


def test_unknown_network_exits_3(no_hosts):
    conn, _ = test_reclaim.cloud()
    code, app = run(ip_cmd.ReclaimIp, conn, "198.18.16.77", "--network",
                    "nope")
    assert code == exitcodes.UNRESOLVED


def test_router_not_found_exits_3(no_hosts):
    conn, neutron = test_reclaim.cloud()
    neutron.find_router = lambda ref, ignore_missing=True: None
    code, app = run(router_cmd.CheckRouter, conn, "r1")
    assert code == exitcodes.UNRESOLVED
    assert "No router found" in app.stderr.getvalue()


def test_missing_target_is_a_usage_error(no_hosts):
    conn, _ = test_reclaim.cloud()
    with pytest.raises(SystemExit) as exc:
        run(dhcp_cmd.CheckDhcp, conn)
    assert exc.value.code == exitcodes.USAGE


@pytest.fixture
def no_ssh(monkeypatch):
    from osc_netdiag import api

    def refuse(*a, **k):
        raise AssertionError("no SSH transport may be made")
    monkeypatch.setattr(api, "ssh_transport", refuse)


@pytest.mark.parametrize("command_class, scenario_name", [
    (dhcp_cmd.CheckDhcp, "dhcp-port"),
    (router_cmd.CheckRouter, "router"),
    (floatingip_cmd.CheckFloatingIp, "floatingip"),
    (dns_cmd.CheckDns, "dns-port"),
])
def test_from_capture_replays_a_lab_recording(no_ssh, command_class,
                                              scenario_name):
    code, app = run(command_class, None, "--from-capture",
                    str(scenario.SCENARIOS / scenario_name), "-f", "json")
    doc = json.loads(app.stdout.getvalue())
    assert code == exitcodes.OK == doc["exit_code"]
    assert doc["rows"] and all(r["status"] in ("OK", "SKIP")
                               for r in doc["rows"])
