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

"""dhcp check, router check, floatingip check and ip reclaim against the
real lab, healthy and with a fault injected (restored in ``finally``).

Each command runs exactly as an operator runs it (the openstack CLI,
openstacksdk, SSH to the lab hosts).
"""

import json
import os
import pathlib
import subprocess
import uuid

import pytest

from tests.lab import conftest as lab_faults

pytestmark = pytest.mark.lab

ROOT = pathlib.Path(__file__).parents[2]
CLOUD = "netdiag-lab"


def netdiag(*argv):
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(ROOT / ".lab" /
                                                     "clouds.yaml"))
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "openstack"), "--os-cloud", CLOUD,
         "netdiag", *argv, "-f", "json"], capture_output=True, text=True,
        env=env, timeout=180)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def rows(doc, kind):
    return [r for r in doc["rows"] if r["kind"] == kind]


def codes(doc):
    return {f["code"] for f in doc["findings"]}


@pytest.fixture(scope="module")
def conn(lab):
    import openstack
    os.environ["OS_CLIENT_CONFIG_FILE"] = str(ROOT / ".lab" / "clouds.yaml")
    return openstack.connect(cloud=CLOUD)


def _dnsmasq_args(network_id):
    out = lab_faults.lab_exec("network1", "pgrep", "-a", "-x",
                              "dnsmasq").stdout
    line = next(line for line in out.splitlines() if network_id in line)
    pid, _, args = line.partition(" ")
    return int(pid), args.split()


def _option(argv, name):
    return next(a.split("=", 1)[1] for a in argv
                if a.startswith(f"--{name}="))


def fault_dnsmasq_dead_agent_down(lab):
    """dnsmasq killed while the DHCP agent is stopped, so the agent's
    process monitor cannot respawn it before the check runs (with the
    agent up, the kill races the respawn).
    """
    before = lab_faults._dnsmasq_pids()
    networks = lab_faults._dnsmasq_by_network()
    lab_faults._tool("stop", "network1", "dhcp-agent")
    lab_faults.lab_exec("network1", "kill", "-9", *before, check=False)
    lab_faults.wait_until(lambda: not set(before) &
                          set(lab_faults._dnsmasq_pids()), 10,
                          what="dnsmasq gone")

    def restore():
        lab_faults._tool("restart", "network1", "dhcp-agent", timeout=240)
        lab_faults.wait_dnsmasq_settled(networks)
    return lab_faults._restorer(restore)


# -- dhcp check -----------------------------------------------------------

def test_dhcp_check_healthy_and_read_only(lab):
    port = lab["floating_ip"]["port_id"]
    before = lab_faults.snapshot("network1")
    code, doc = netdiag("dhcp", "check", port)
    assert lab_faults.snapshot("network1") == before
    assert code == 0, doc["findings"]
    assert {r["kind"] for r in doc["rows"]} >= {
        "namespace", "dhcp-port", "dhcp-server", "dhcp-range", "dhcp-host",
        "dhcp-log", "console-log"}
    log, = rows(doc, "dhcp-log")
    assert log["status"] == "OK" and "DHCPACK" in log["detail"]
    console, = rows(doc, "console-log")
    assert console["status"] == "SKIP"


def test_dhcp_check_dnsmasq_killed(lab, fault):
    port = lab["floating_ip"]["port_id"]
    with fault(fault_dnsmasq_dead_agent_down):
        code, doc = netdiag("dhcp", "check", port)
    assert code == 4, doc["findings"]
    assert "NETDIAG_DHCP_DNSMASQ_NOT_RUNNING" in codes(doc)
    server, = rows(doc, "dhcp-server")
    assert server["state"] == "not running"
    # The log is still read (syslog, as no dnsmasq names its file now)
    # or reported unreadable; either way it is not taken as healthy.
    assert all(r["status"] != "OK" for r in rows(doc, "dhcp-log"))


def test_dhcp_check_port_removed_from_hosts_file(lab, conn):
    vlan = lab["networks"]["vlan"]["id"]
    port = conn.network.get_port(lab["floating_ip"]["port_id"])
    pid, argv = _dnsmasq_args(vlan)
    path = _option(argv, "dhcp-hostsfile")
    original = lab_faults.lab_exec("network1", "cat", path).stdout
    assert port.mac_address in original
    try:
        lab_faults.lab_exec("network1", "sed", "-i",
                            f"/^{port.mac_address},/d", path)
        code, doc = netdiag("dhcp", "check", port.id)
    finally:
        lab_faults.lab_exec("network1", "sh", "-c", 'printf %s "$1" > "$2"',
                            "sh", original, path)
        lab_faults.lab_exec("network1", "kill", "-HUP", str(pid),
                            check=False)
    assert lab_faults.lab_exec("network1", "cat", path).stdout == original
    assert code == 4, doc["findings"]
    assert "NETDIAG_DHCP_HOST_ENTRY_MISSING" in codes(doc)
    entry, = rows(doc, "dhcp-host")
    assert entry["status"] == "ERROR"


def _dhcp_tap(conn, network_id):
    """(qdhcp namespace, the DHCP port's tap in it) of a lab network."""
    dhcp_port = next(conn.network.ports(network_id=network_id,
                                        device_owner="network:dhcp"))
    return f"qdhcp-{network_id}", "tap" + dhcp_port.id[:11]


def test_dhcp_check_tap_down(lab, conn):
    vlan = lab["networks"]["vlan"]["id"]
    ns, tap = _dhcp_tap(conn, vlan)
    try:
        lab_faults.lab_exec("network1", "ip", "netns", "exec", ns, "ip",
                            "link", "set", tap, "down")
        code, doc = netdiag("dhcp", "check", vlan)
    finally:
        lab_faults.lab_exec("network1", "ip", "netns", "exec", ns, "ip",
                            "link", "set", tap, "up")
    assert code == 4, doc["findings"]
    assert "NETDIAG_DHCP_TAP_BROKEN" in codes(doc)
    row, = rows(doc, "dhcp-port")
    assert row["status"] == "ERROR" and row["device"] == tap


def test_dhcp_check_metadata_address_removed(lab, conn):
    # The lab's DHCP agent runs with enable_isolated_metadata = true, so
    # Neutron puts 169.254.169.254 on every DHCP tap it sets up.
    vlan = lab["networks"]["vlan"]["id"]
    ns, tap = _dhcp_tap(conn, vlan)
    code, doc = netdiag("dhcp", "check", vlan)
    row, = rows(doc, "metadata")
    assert (row["state"], row["status"]) == ("present", "OK"), row
    try:
        lab_faults.lab_exec("network1", "ip", "netns", "exec", ns, "ip",
                            "addr", "del", "169.254.169.254/32", "dev", tap)
        code, doc = netdiag("dhcp", "check", vlan)
    finally:
        lab_faults.lab_exec("network1", "ip", "netns", "exec", ns, "ip",
                            "addr", "replace", "169.254.169.254/32", "dev",
                            tap, check=False)
    assert code == 4, doc["findings"]
    assert "NETDIAG_DHCP_METADATA_ADDRESS_MISSING" in codes(doc)
    row, = rows(doc, "metadata")
    assert row["status"] == "ERROR"
    assert "enable_isolated_metadata = true" in row["detail"]


# -- router check -----------------------------------------------------------

def test_router_check_healthy_and_read_only(lab):
    before = lab_faults.snapshot("network1")
    code, doc = netdiag("router", "check", lab["router"]["id"])
    assert lab_faults.snapshot("network1") == before
    assert code == 0, doc["findings"]
    nat = rows(doc, "nat-rule")
    assert {r["device"] for r in nat} >= {
        f"DNAT {lab['floating_ip']['address']}"}
    assert all(r["status"] == "OK" for r in doc["rows"])


def test_router_check_fip_dnat_rule_deleted(lab, conn):
    fip = conn.network.get_ip(lab["floating_ip"]["id"])
    ns = f"qrouter-{lab['router']['id']}"
    rule = ["neutron-l3-agent-PREROUTING", "-d",
            f"{fip.floating_ip_address}/32", "-j", "DNAT",
            "--to-destination", fip.fixed_ip_address]
    try:
        lab_faults.lab_exec("network1", "ip", "netns", "exec", ns,
                            "iptables", "-t", "nat", "-D", *rule)
        code, doc = netdiag("router", "check", lab["router"]["id"])
    finally:
        present = lab_faults.lab_exec("network1", "ip", "netns", "exec", ns,
                                      "iptables", "-t", "nat", "-C", *rule,
                                      check=False).returncode == 0
        if not present:
            lab_faults.lab_exec("network1", "ip", "netns", "exec", ns,
                                "iptables", "-t", "nat", "-A", *rule)
    assert code == 4, doc["findings"]
    assert "NETDIAG_ROUTER_NAT_RULE_MISSING" in codes(doc)
    bad = [r for r in rows(doc, "nat-rule") if r["status"] != "OK"]
    assert [r["device"] for r in bad] == [
        f"DNAT {fip.floating_ip_address}"]


def test_router_check_qrouter_deleted(lab, fault):
    with fault(lab_faults.fault_delete_qrouter):
        code, doc = netdiag("router", "check", lab["router"]["id"])
    assert code == 4, doc["findings"]
    assert "NETDIAG_ROUTER_NAMESPACE_MISSING" in codes(doc)
    assert not rows(doc, "nat-rule")


# -- floatingip check ---------------------------------------------------------

def test_floatingip_check_fip_on_a_port_whose_device_is_gone(lab, conn):
    """Neutron disassociates a floating IP when its port is deleted, so the
    leftover is made the way it happens: a port bound to compute1 for an
    instance (device_owner compute:nova) whose tap is not on compute1.
    """
    vlan = lab["networks"]["vlan"]
    port = conn.network.create_port(
        network_id=vlan["id"], name="netdiag-lab-leftover",
        device_owner="compute:nova", device_id=str(uuid.uuid4()),
        binding_host_id="compute1")
    fip = None
    try:
        fip = conn.network.create_ip(
            floating_network_id=lab["networks"]["external"]["id"],
            port_id=port.id)
        code, doc = netdiag("floatingip", "check", fip.id)
        all_code, all_doc = netdiag("floatingip", "check")
    finally:
        if fip is not None:
            conn.network.delete_ip(fip.id, ignore_missing=True)
        conn.network.delete_port(port.id, ignore_missing=True)
    assert code == 4, doc["findings"]
    finding, = doc["findings"]
    assert finding["code"] == "NETDIAG_FIP_DEVICE_GONE"
    assert f"openstack floating ip unset --port {fip.id}" in \
        finding["remedy"]
    assert all_code == 4, all_doc["findings"]
    healthy = [r for r in all_doc["rows"]
               if lab["floating_ip"]["address"] in r["device"]]
    assert [r["status"] for r in healthy] == ["OK"]


# -- ip reclaim -----------------------------------------------------------------

def test_ip_reclaim_refuses_without_yes_then_creates(lab, conn):
    vlan = lab["networks"]["vlan"]
    used = {ip["ip_address"] for p in conn.network.ports(network_id=vlan["id"])
            for ip in p.fixed_ips}
    free = next(f"198.18.16.{n}" for n in range(200, 250)
                if f"198.18.16.{n}" not in used)
    code, doc = netdiag("ip", "reclaim", free, "--network", vlan["id"])
    assert code == 2
    assert doc["created"] is None and doc["port"]["fixed_ips"] == [
        {"subnet_id": vlan["subnet_id"], "ip_address": free}]
    assert not list(conn.network.ports(
        network_id=vlan["id"], fixed_ips=[f"ip_address={free}"]))
    created = None
    try:
        code, doc = netdiag("ip", "reclaim", free, "--network", vlan["id"],
                            "--yes")
        created = doc["created"]
        assert code == 0
        port = conn.network.get_port(created["id"])
        assert [ip["ip_address"] for ip in port.fixed_ips] == [free]
        code, doc = netdiag("ip", "reclaim", free, "--network", vlan["id"],
                            "--yes")
        assert code == 4 and doc["holders"][0]["id"] == created["id"]
    finally:
        if created:
            conn.network.delete_port(created["id"], ignore_missing=True)


# -- dns check ------------------------------------------------------------------

def test_dns_check_healthy_and_read_only(lab):
    port = lab["floating_ip"]["port_id"]
    before = lab_faults.snapshot("network1")
    code, doc = netdiag("dns", "check", port)
    assert lab_faults.snapshot("network1") == before
    assert code == 0, doc["findings"]
    forward, = rows(doc, "dns-forward")
    reverse, = rows(doc, "dns-reverse")
    assert forward["status"] == "OK" and reverse["status"] == "OK"
    assert reverse["detail"].startswith("host-")


def test_dns_check_dnsmasq_killed(lab, fault):
    with fault(fault_dnsmasq_dead_agent_down):
        code, doc = netdiag("dns", "check", lab["networks"]["vlan"]["id"])
    assert code == 4, doc["findings"]
    assert "NETDIAG_DNS_NOT_LISTENING" in codes(doc)
    assert "NETDIAG_DNS_NO_ANSWER" in codes(doc)
