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

"""The l3dhcp checks on real lab captures, healthy and with faults made by
editing one recorded command's output.
"""

import json

from osc_netdiag import exitcodes
from osc_netdiag.inventory import Inventory
from osc_netdiag.l3dhcp import dhcp
from osc_netdiag.l3dhcp import floatingip
from osc_netdiag.l3dhcp import router
from osc_netdiag.models import Status

from tests.unit.l3dhcp import scenario


class _NoHosts:
    """A transport that must never be used: the check needs no host."""

    def open(self, target):
        raise AssertionError(f"opened {target.name}")


NO_HOSTS = _NoHosts()


def rows_by(result, check):
    return [r for r in result.rows if r.kind == check]


def codes(result):
    return {f.code for f in result.findings}


def test_dhcp_port_healthy(tmp_path):
    context = scenario.load_context("dhcp-port")
    result = dhcp.check_context(
        context, **scenario.options(scenario.copy_capture("dhcp-port",
                                                          tmp_path)))
    assert result.exit_code == exitcodes.OK
    assert {r.kind: str(r.status) for r in result.rows} == {
        "dhcp-agent": "OK", "namespace": "OK", "dhcp-port": "OK",
        "dhcp-server": "OK", "dhcp-range": "OK", "dhcp-config": "OK",
        "dhcp-host": "OK", "dhcp-log": "OK", "console-log": "SKIP",
        # recorded before the agent's configuration was read: not run
        "metadata": "SKIP"}
    log, = rows_by(result, "dhcp-log")
    assert log.state == "acknowledged"
    assert "DHCPDISCOVER" in log.detail and "DHCPACK" in log.detail
    assert codes(result) == {"NETDIAG_DHCP_EXCHANGE_COMPLETE"}
    assert "port capture" in result.notes[0]


def test_dhcp_network_checks_every_port_in_the_hosts_file(tmp_path):
    context = scenario.load_context("dhcp-network")
    result = dhcp.check_context(
        context, **scenario.options(scenario.copy_capture("dhcp-network",
                                                          tmp_path)))
    assert result.exit_code == exitcodes.OK
    summary, = rows_by(result, "dhcp-hosts")
    served = [p for p in context.ports if dhcp._dhcp_ips(p, context)]
    assert summary.detail.startswith(f"{len(served)}/{len(served)} ports")
    assert not rows_by(result, "dhcp-log")


def _drop_hosts_line(mac):
    def edit(command):
        if command["name"].startswith("dnsmasq-hosts:"):
            command["stdout"] = "".join(
                line for line in command["stdout"].splitlines(True)
                if not line.startswith(mac))
    return edit


def test_dhcp_port_missing_from_hosts_file(tmp_path):
    context = scenario.load_context("dhcp-port")
    capture = scenario.copy_capture("dhcp-port", tmp_path,
                                    _drop_hosts_line(context.port.mac))
    result = dhcp.check_context(context, **scenario.options(capture))
    assert result.exit_code == exitcodes.ERROR_FINDING
    host_row, = rows_by(result, "dhcp-host")
    assert host_row.status == Status.ERROR
    assert "NETDIAG_DHCP_HOST_ENTRY_MISSING" in codes(result)


def test_dhcp_dnsmasq_not_running(tmp_path):
    context = scenario.load_context("dhcp-port")

    def edit(command):
        if command["name"] == "dnsmasq":
            command["stdout"] = "".join(
                line for line in command["stdout"].splitlines(True)
                if context.network_id not in line)
    capture = scenario.copy_capture("dhcp-port", tmp_path, edit)
    # Without dnsmasq's command line the log is looked for in syslog.
    result = dhcp.check_context(context, **scenario.options(capture))
    assert "NETDIAG_DHCP_DNSMASQ_NOT_RUNNING" in codes(result)
    server, = rows_by(result, "dhcp-server")
    assert server.state == "not running"
    assert not rows_by(result, "dhcp-range")
    # ERROR, and the syslog sources the check then reads are not in the
    # recording (a command that could not be read): 4 | 8
    assert result.exit_code == (exitcodes.ERROR_FINDING |
                                exitcodes.UNREADABLE) == 12


def test_dhcp_tap_down(tmp_path):
    context = scenario.load_context("dhcp-port")

    def edit(command):
        if command["name"].startswith("ns-addr:qdhcp-"):
            links = json.loads(command["stdout"])
            for link in links:
                if link["ifname"].startswith("tap"):
                    link["flags"] = [f for f in link["flags"]
                                     if f not in ("UP", "LOWER_UP")]
                    link["operstate"] = "DOWN"
            command["stdout"] = json.dumps(links) + "\n"
    capture = scenario.copy_capture("dhcp-port", tmp_path, edit)
    result = dhcp.check_context(context, **scenario.options(capture))
    tap, = rows_by(result, "dhcp-port")
    assert tap.status == Status.ERROR and "DOWN" in tap.detail
    assert "NETDIAG_DHCP_TAP_BROKEN" in codes(result)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_dhcp_log_without_the_mac_points_at_the_way_in(tmp_path):
    context = scenario.load_context("dhcp-port")

    def edit(command):
        if command["name"].startswith("dnsmasq-log:"):
            command["stdout"], command["exit_status"] = "", 1
    capture = scenario.copy_capture("dhcp-port", tmp_path, edit)
    result = dhcp.check_context(context, **scenario.options(capture))
    log, = rows_by(result, "dhcp-log")
    assert log.state == "no exchange" and log.status == Status.WARN
    assert "NETDIAG_DHCP_NO_REQUEST" in codes(result)
    assert result.exit_code == exitcodes.OK          # a WARNING


def test_summarise_exchange_on_real_lines():
    from osc_netdiag.parsers import dnsmasq
    text = (scenario.SCENARIOS.parent / "dnsmasq-log--vxlan.out").read_text()
    lines = [line for line in dnsmasq.parse_log(text)
             if line.event and line.event.mac == "fa:16:3e:75:62:49"]
    first_four = lines[:4]
    assert dhcp.summarise_exchange(first_four)[2] == \
        "NETDIAG_DHCP_EXCHANGE_COMPLETE"
    assert dhcp.summarise_exchange(first_four[:2])[0] == "offered"
    assert dhcp.summarise_exchange(first_four[:1])[0] == "unanswered"
    assert dhcp.summarise_exchange([])[2] == "NETDIAG_DHCP_NO_REQUEST"


def test_router_healthy(tmp_path):
    context = scenario.load_context("router")
    result = router.check_context(
        context, **scenario.options(scenario.copy_capture("router",
                                                          tmp_path)))
    assert result.exit_code == exitcodes.OK
    nat = rows_by(result, "nat-rule")
    assert len(nat) == 1 + 2 * len(context.floating_ips)
    assert all(r.status == Status.OK for r in result.rows)
    assert len(rows_by(result, "router-port")) == len(context.interfaces)


def test_router_fip_dnat_rule_missing(tmp_path):
    context = scenario.load_context("router")
    fip = context.floating_ips[0]

    def edit(command):
        if command["name"].startswith("ns-iptables:"):
            command["stdout"] = "".join(
                line for line in command["stdout"].splitlines(True)
                if not ("PREROUTING" in line and f"-d {fip.address}/32"
                        in line))
    capture = scenario.copy_capture("router", tmp_path, edit)
    result = router.check_context(context, **scenario.options(capture))
    assert result.exit_code == exitcodes.ERROR_FINDING
    bad = [r for r in rows_by(result, "nat-rule") if r.status != Status.OK]
    assert [r.device for r in bad] == [f"DNAT {fip.address}"]
    assert "NETDIAG_ROUTER_NAT_RULE_MISSING" in codes(result)


def test_router_namespace_missing(tmp_path):
    context = scenario.load_context("router")

    def edit(command):
        if command["name"] == "netns":
            spaces = [n for n in json.loads(command["stdout"])
                      if context.id not in n["name"]]
            command["stdout"] = json.dumps(spaces) + "\n"
    capture = scenario.copy_capture("router", tmp_path, edit)
    result = router.check_context(context, **scenario.options(capture))
    assert "NETDIAG_ROUTER_NAMESPACE_MISSING" in codes(result)
    assert not rows_by(result, "nat-rule")
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_floatingip_healthy_and_device_gone(tmp_path):
    states = scenario.load_context("floatingip")
    result = floatingip.check_states(
        states, **scenario.options(scenario.copy_capture("floatingip",
                                                         tmp_path / "a")))
    assert result.exit_code == exitcodes.OK
    assert [r.state for r in result.rows] == ["present"] * len(states)
    tap = floatingip.expected_device(states[0].port)

    def edit(command):
        if command["name"] == "ip-addr":
            links = [link for link in json.loads(command["stdout"])
                     if link["ifname"] != tap]
            command["stdout"] = json.dumps(links) + "\n"
    capture = scenario.copy_capture("floatingip", tmp_path / "b", edit)
    result = floatingip.check_states(states, **scenario.options(capture))
    assert result.exit_code == exitcodes.ERROR_FINDING
    finding, = result.findings
    assert finding.code == "NETDIAG_FIP_DEVICE_GONE"
    assert f"openstack floating ip unset --port {states[0].id}" in \
        finding.remedy


def test_floatingip_port_gone_needs_no_host():
    states = scenario.load_context("floatingip")
    gone = tuple(floatingip.FipState(s.id, s.address, s.port_id, None)
                 for s in states)
    result = floatingip.check_states(gone, transport=NO_HOSTS,
                                     inventory=Inventory())
    assert {f.code for f in result.findings} == {"NETDIAG_FIP_PORT_GONE"}
    assert result.hosts == ()
    assert result.exit_code == exitcodes.ERROR_FINDING
