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

"""dhcp check and dns check on the lab recordings of
tests/fixtures/l3dhcp/scenarios, each with ONE recorded answer edited so
that something is present but wrong: the finding codes of these checks
(those of the DHCP log: test_dhcp_log_faults), with the row's status and
the exact exit code.

Exit codes asserted: 0 when only WARNING/INFO findings, 4 with an ERROR
finding, 12 with an ERROR finding and an unreadable host.
"""

import dataclasses
import json

from osc_netdiag import exitcodes
from osc_netdiag.l3dhcp import dhcp
from osc_netdiag.l3dhcp import dns
from osc_netdiag.models import Status

from tests.unit.l3dhcp import scenario

PORT_MAC = "fa:16:3e:b9:d1:75"            # dhcp-port: the checked port
PORT_IP = "198.18.16.39"
SUBNET = "da893330-fb0d-410c-941c-f6881b2332fd"     # its subnet (vlan-net)
# The other network's (vxlan-net) subnet, as recorded in the same pgrep.
OTHER_SUBNET = "e9436f6d-a576-4b3a-87e0-1f6fea2e0e50"


def codes(result):
    return sorted(f.code for f in result.findings)


def rows(result, kind):
    return [r for r in result.rows if r.kind == kind]


def replace_in(kind, old, new, count=1):
    """An edit of the recorded stdout of the command whose name is ``kind``
    or ``kind:<what>``: ``old`` must occur exactly ``count`` times.
    """
    def edit(command):
        if command["name"].split(":", 1)[0] == kind:
            assert command["stdout"].count(old) == count, command["name"]
            command["stdout"] = command["stdout"].replace(old, new)
            edit.done += 1
    edit.done = 0
    return edit


def check(name, edit=None, tmp_path=None, context=None):
    context = context or scenario.load_context(name)
    capture = scenario.copy_capture(name, tmp_path, edit)
    assert getattr(edit, "done", 1), "the edit changed nothing"
    checker = dns if name.startswith("dns") else dhcp
    return checker.check_context(context, **scenario.options(capture))


# -- the hosts file: present but wrong ----------------------------------------

HOSTS_LINE = f"{PORT_MAC},host-198-18-16-39.openstacklocal,{PORT_IP}"


def test_hosts_entry_with_the_right_mac_and_the_wrong_ip(tmp_path):
    # hosts file: the port's line keeps its MAC, its IP .39 becomes .93
    result = check("dhcp-port", replace_in(
        "dnsmasq-hosts", HOSTS_LINE,
        f"{PORT_MAC},host-198-18-16-39.openstacklocal,198.18.16.93"),
        tmp_path)
    assert codes(result) == ["NETDIAG_DHCP_EXCHANGE_COMPLETE",
                             "NETDIAG_DHCP_HOST_ENTRY_MISSING"]
    row, = rows(result, "dhcp-host")
    assert (row.state, row.status) == ("missing", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_network_hosts_entry_with_the_wrong_ip(tmp_path):
    # dhcp-network (vxlan-net): port .41's line keeps its MAC, IP -> .14
    result = check("dhcp-network", replace_in(
        "dnsmasq-hosts", "fa:16:3e:75:62:49,host-198-18-17-41.openstacklocal"
        ",198.18.17.41", "fa:16:3e:75:62:49,host-198-18-17-41.openstacklocal"
        ",198.18.17.14"), tmp_path)
    assert codes(result) == ["NETDIAG_DHCP_HOST_ENTRY_MISSING"]
    summary, = rows(result, "dhcp-hosts")
    assert summary.status == Status.ERROR
    assert summary.detail.startswith("2/3 ports")
    bad, = rows(result, "dhcp-host")
    assert (bad.device, bad.status) == ("fa:16:3e:75:62:49", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_upper_case_mac_in_the_hosts_file_matches(tmp_path):
    # hosts file: the port's MAC written in upper case (dnsmasq matches
    # MACs case-insensitively, so the entry serves the port)
    result = check("dhcp-port", replace_in(
        "dnsmasq-hosts", HOSTS_LINE, HOSTS_LINE.replace(
            PORT_MAC, PORT_MAC.upper())), tmp_path)
    assert codes(result) == ["NETDIAG_DHCP_EXCHANGE_COMPLETE"]
    row, = rows(result, "dhcp-host")
    assert (row.state, row.status) == ("present", Status.OK)
    assert result.exit_code == exitcodes.OK


def test_upper_case_mac_in_the_log_is_the_port(tmp_path):
    # dnsmasq log: the MAC of the last DHCPACK line in upper case
    last_ack = (f"644920578 DHCPACK(tap0ca4aaaf-71) {PORT_IP} {PORT_MAC} "
                "host-198-18-16-39")
    edited = replace_in("dnsmasq-log", last_ack,
                        last_ack.replace(PORT_MAC, PORT_MAC.upper()))
    result = check("dhcp-port", edited, tmp_path)
    log, = rows(result, "dhcp-log")
    assert (log.state, log.status) == ("acknowledged", Status.OK)
    assert "DHCPACK x3" in log.detail
    assert result.exit_code == exitcodes.OK


# -- dnsmasq's command line ---------------------------------------------------

RANGE = f"--dhcp-range=set:subnet-{SUBNET},198.18.16.0,static,255.255.255.0"


def test_dhcp_range_that_misses_the_subnet(tmp_path):
    # pgrep: the port's network's --dhcp-range starts at 198.18.61.0
    result = check("dhcp-port", replace_in(
        "dnsmasq", RANGE, RANGE.replace("198.18.16.0", "198.18.61.0")),
        tmp_path)
    assert codes(result) == ["NETDIAG_DHCP_EXCHANGE_COMPLETE",
                             "NETDIAG_DHCP_RANGE_WRONG"]
    row, = rows(result, "dhcp-range")
    assert (row.device, row.state, row.status) == (
        "198.18.16.0/24", "wrong", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_dhcp_range_with_the_wrong_netmask(tmp_path):
    # pgrep: the range's netmask 255.255.255.0 -> 255.255.0.0
    result = check("dhcp-port", replace_in(
        "dnsmasq", RANGE, RANGE.replace("255.255.255.0", "255.255.0.0")),
        tmp_path)
    assert codes(result) == ["NETDIAG_DHCP_EXCHANGE_COMPLETE",
                             "NETDIAG_DHCP_RANGE_WRONG"]
    row, = rows(result, "dhcp-range")
    assert (row.state, row.status) == ("wrong", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_dhcp_range_of_another_subnet_is_stale_and_ours_is_missing(tmp_path):
    # pgrep: the range's tag names the other network's subnet
    result = check("dhcp-port", replace_in(
        "dnsmasq", RANGE, RANGE.replace(SUBNET, OTHER_SUBNET)), tmp_path)
    assert codes(result) == ["NETDIAG_DHCP_EXCHANGE_COMPLETE",
                             "NETDIAG_DHCP_RANGE_STALE",
                             "NETDIAG_DHCP_RANGE_WRONG"]
    assert sorted((r.state, str(r.status)) for r in
                  rows(result, "dhcp-range")) == [("stale", "WARN"),
                                                  ("wrong", "ERROR")]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_extra_range_of_a_deleted_subnet_is_only_a_warning(tmp_path):
    # pgrep: a second --dhcp-range (the other network's, as recorded on the
    # same host) added after the port network's own
    extra = ("--dhcp-range=set:subnet-" + OTHER_SUBNET +
             ",198.18.17.0,static,255.255.255.0,86400s")
    result = check("dhcp-port", replace_in(
        "dnsmasq", RANGE + ",86400s", f"{RANGE},86400s {extra}"), tmp_path)
    assert codes(result) == ["NETDIAG_DHCP_EXCHANGE_COMPLETE",
                             "NETDIAG_DHCP_RANGE_STALE"]
    stale, = [r for r in rows(result, "dhcp-range") if r.state == "stale"]
    assert (stale.device, stale.status) == (f"subnet-{OTHER_SUBNET}",
                                            Status.WARN)
    assert result.exit_code == exitcodes.OK


def test_dnsmasq_without_a_hosts_file(tmp_path):
    # pgrep: the port network's dnsmasq lost its --dhcp-hostsfile option
    option = ("--dhcp-hostsfile=/var/lib/neutron/dhcp/"
              "3e2b7484-02f6-43f9-98e7-87a1ff51eff8/host ")
    result = check("dhcp-port", replace_in("dnsmasq", option, ""), tmp_path)
    assert codes(result) == ["NETDIAG_DHCP_EXCHANGE_COMPLETE",
                             "NETDIAG_DHCP_RANGE_WRONG"]
    row, = rows(result, "dhcp-config")
    assert (row.state, row.status) == ("incomplete", Status.ERROR)
    assert not rows(result, "dhcp-host")
    assert result.exit_code == exitcodes.ERROR_FINDING


# -- the DHCP tap in qdhcp- ---------------------------------------------------

def test_dhcp_tap_with_the_wrong_address(tmp_path):
    # ip addr in qdhcp-: the DHCP port's 198.18.16.10 became .11
    result = check("dhcp-port", replace_in(
        "ns-addr", '"local":"198.18.16.10"', '"local":"198.18.16.11"'),
        tmp_path)
    assert codes(result) == ["NETDIAG_DHCP_EXCHANGE_COMPLETE",
                             "NETDIAG_DHCP_TAP_BROKEN"]
    row, = rows(result, "dhcp-port")
    assert (row.state, row.status) == ("broken", Status.ERROR)
    assert "missing 198.18.16.10" in row.detail
    assert result.exit_code == exitcodes.ERROR_FINDING


# -- the instance's console log (the API side) -------------------------------
# The lab has no Nova, so there is no recorded console log: these texts
# are written after the udhcpc and wget messages of a CirrOS boot (NOT a
# recording); the check only looks for the two signs in them. The
# dhcp-port context is used with its console set.

NO_LEASE = "Sending discover...\nSending discover...\nNo lease, failing\n"
NO_METADATA = ("checking http://169.254.169.254/2009-04-04/instance-id\n"
               "wget: can't connect to remote host (169.254.169.254): "
               "Network is unreachable\n")


def _with_console(text):
    context = scenario.load_context("dhcp-port")
    return dataclasses.replace(context, console=text, console_skip="")


def test_console_no_lease(tmp_path):
    result = check("dhcp-port", None, tmp_path, _with_console(NO_LEASE))
    assert codes(result) == ["NETDIAG_DHCP_CONSOLE_NO_LEASE",
                             "NETDIAG_DHCP_EXCHANGE_COMPLETE"]
    row, = rows(result, "console-log")
    assert (row.state, row.status) == ("failure signs", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_console_no_metadata_is_a_warning(tmp_path):
    result = check("dhcp-port", None, tmp_path, _with_console(NO_METADATA))
    assert codes(result) == ["NETDIAG_DHCP_CONSOLE_NO_METADATA",
                             "NETDIAG_DHCP_EXCHANGE_COMPLETE"]
    row, = rows(result, "console-log")
    assert (row.state, row.status) == ("failure signs", Status.ERROR)
    assert result.exit_code == exitcodes.OK


def test_clean_console(tmp_path):
    result = check("dhcp-port", None, tmp_path,
                   _with_console("Lease of 198.18.16.39 obtained\n"))
    row, = rows(result, "console-log")
    assert (row.state, row.status) == ("clean", Status.OK)
    assert result.exit_code == exitcodes.OK


# -- a fault and an unreadable host together ----------------------------------

def test_error_and_unreadable_host_is_12(tmp_path):
    # a second DHCP agent (network2) hosts the network and could not be
    # reached; on network1 the hosts entry has the wrong IP
    context = scenario.load_context("dhcp-port")
    other = dataclasses.replace(context.agents[0], host="network2")
    context = dataclasses.replace(context,
                                  agents=context.agents + (other,))
    capture = scenario.copy_capture("dhcp-port", tmp_path, replace_in(
        "dnsmasq-hosts", HOSTS_LINE, HOSTS_LINE.replace(PORT_IP,
                                                        "198.18.16.93")))
    (capture / "hosts" / "network2.json").write_text(json.dumps(
        {"host": "network2", "address": "network2", "status": "unreachable",
         "message": "ssh: connect to host network2 port 22: No route to "
                    "host", "commands": []}))
    result = dhcp.check_context(context, **scenario.options(capture))
    assert codes(result) == ["NETDIAG_DHCP_EXCHANGE_COMPLETE",
                             "NETDIAG_DHCP_HOST_ENTRY_MISSING",
                             "NETDIAG_HOST_UNREADABLE"]
    assert {h.host: h.status for h in result.hosts} == {
        "network1": "ok", "network2": "unreachable"}
    assert result.exit_code == (exitcodes.ERROR_FINDING |
                                exitcodes.UNREADABLE) == 12


# -- dns check ----------------------------------------------------------------

def test_dns_forward_lookup_unanswered(tmp_path):
    # the A query's answer replaced by the recorded timeout answer (a
    # query of the same lab's dnsmasq that got none)
    timeout = (scenario.SCENARIOS.parent / "dnsquery--timeout.out"
               ).read_text()

    def edit(command):
        if command["name"].startswith("dns-query:") and ":A:" in \
                command["name"]:
            command["stdout"] = timeout
    result = check("dns-port", edit, tmp_path)
    assert codes(result) == ["NETDIAG_DNS_NO_ANSWER"]
    row, = rows(result, "dns-forward")
    assert (row.state, row.status) == ("timeout", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_dns_forward_answer_with_the_wrong_address(tmp_path):
    # the A answer's address 198.18.16.39 -> 198.18.16.93
    def edit(command):
        if command["name"].startswith("dns-query:") and ":A:" in \
                command["name"]:
            command["stdout"] = command["stdout"].replace(
                '"answers": ["198.18.16.39"]', '"answers": ["198.18.16.93"]')
    result = check("dns-port", edit, tmp_path)
    assert codes(result) == ["NETDIAG_DNS_FORWARD_FAILED"]
    row, = rows(result, "dns-forward")
    assert (row.state, row.status) == ("NOERROR", Status.ERROR)
    assert result.exit_code == exitcodes.OK          # a WARNING finding


# -- the metadata address in qdhcp- -------------------------------------------
# The dhcp-port recording predates the metadata check: the answers of the
# DHCP agent's command line, its processes' owners and configuration
# (recorded on the same lab's network1 with enable_isolated_metadata =
# true, tests/fixtures/l3dhcp/agent) are added to it, and the tap's
# addresses get the metadata address as the agent adds it
# (169.254.169.254/32), or a wrong one.

def _with_agent_and_address(address):
    from osc_netdiag.l3dhcp import metadata
    agent = scenario.SCENARIOS.parent / "agent"
    answers = [
        (metadata.agent_process_probe(), 0,
         (agent / "pgrep-a-f--dhcp-agent.out").read_text()),
        (metadata.config_probe("/etc/neutron/neutron.conf"), 1,
         (agent / "grep-metadata--neutron.conf.out").read_text()),
        (metadata.config_probe("/etc/neutron/dhcp_agent.ini"), 0,
         (agent / "grep-metadata--dhcp_agent.ini-isolated.out").read_text()),
    ]

    def edit(command):
        if not command["name"].startswith("ns-addr:qdhcp-"):
            return
        links = json.loads(command["stdout"])
        tap, = [link for link in links if link["ifname"].startswith("tap")]
        tap["addr_info"].append({
            "family": "inet", "local": address, "prefixlen": 32,
            "scope": "global", "label": tap["ifname"],
            "valid_life_time": 4294967295,
            "preferred_life_time": 4294967295})
        command["stdout"] = json.dumps(links) + "\n"
        edit.done += 1
    edit.done = 0
    return answers, edit


def _metadata_check(tmp_path, address):
    answers, edit = _with_agent_and_address(address)
    capture = scenario.copy_capture("dhcp-port", tmp_path, edit)
    assert edit.done == 1
    path = capture / "hosts" / "network1.json"
    data = json.loads(path.read_text())
    data["commands"] += [{"name": probe.name, "argv": list(probe.argv),
                          "stdout": stdout, "stderr": "",
                          "exit_status": rc}
                         for probe, rc, stdout in answers]
    # the owners of the agent's two processes, from the owners list recorded
    # with the pgrep answer (the scenario's own list predates them)
    agent_owners = [line for line in (scenario.SCENARIOS.parent / "agent" /
                                      "ps-owners--network1.out"
                                      ).read_text().splitlines(True)
                    if line.split()[-1] in ("1983", "2103")]
    assert len(agent_owners) == 2
    for command in data["commands"]:
        if command["name"] == "process-owners":
            command["stdout"] += "".join(agent_owners)
    path.write_text(json.dumps(data))
    return dhcp.check_context(scenario.load_context("dhcp-port"),
                              **scenario.options(capture))


def test_metadata_address_present_when_expected(tmp_path):
    result = _metadata_check(tmp_path, "169.254.169.254")
    row, = rows(result, "metadata")
    assert (row.state, row.status) == ("present", Status.OK)
    assert result.exit_code == exitcodes.OK


def test_metadata_address_wrong_in_qdhcp(tmp_path):
    # the tap carries 169.254.196.254/32 instead of 169.254.169.254/32
    result = _metadata_check(tmp_path, "169.254.196.254")
    assert codes(result) == ["NETDIAG_DHCP_EXCHANGE_COMPLETE",
                             "NETDIAG_DHCP_METADATA_ADDRESS_MISSING"]
    row, = rows(result, "metadata")
    assert (row.state, row.status) == ("absent", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING
