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

"""port firewall and port trace's firewall hop against the real lab, on
compute1's openvswitch firewall driver.

Each fault breaks one thing on compute1 and is first shown to stop real
traffic (a ping from the network's DHCP namespace, or from an allowed
address pair's VIP); the diagnosis must then name it with its code and
exit 4. Configuration facts (a packet no rule allows, port security off)
answer with exit 0. Every fault restores exactly what it removed.
"""

import contextlib
import os
import pathlib

import openstack
import pytest

from osc_netdiag import api
from osc_netdiag import exitcodes
from tests.lab import conftest as lab_faults

pytestmark = pytest.mark.lab

ROOT = pathlib.Path(__file__).parents[2]
VIP = "198.18.17.240"


@pytest.fixture(scope="module")
def conn(lab):
    os.environ["OS_CLIENT_CONFIG_FILE"] = str(ROOT / ".lab" / "clouds.yaml")
    return openstack.connect(cloud="netdiag-lab")


@pytest.fixture(scope="module")
def hosts(lab):
    inventory = api.load_inventory(str(ROOT / ".lab" / "inventory.yaml"))
    return dict(inventory=inventory,
                transport=api.ssh_transport(inventory))


def firewall(conn, hosts, port_ref, **question):
    packet = api.firewall_packet(**question) if question else None
    return api.port_firewall(conn, port_ref, packet=packet, **hosts)


def codes(result):
    return {f.code for f in result.findings}


def _ofport(host, tap):
    text = lab_faults.lab_exec(host, "ovs-vsctl", "--timeout=10", "get",
                               "Interface", tap, "ofport").stdout.strip()
    assert text.isdigit(), text
    return int(text)


def _dhcp_ping(conn, lab, instance, count=1):
    """Ping the instance from its network's qdhcp- namespace on network1."""
    inst = lab["instances"][instance]
    net = lab["networks"][inst["network"]]["id"]
    done = lab_faults.lab_exec(
        "network1", "ip", "netns", "exec", f"qdhcp-{net}", "ping", "-n",
        "-c", str(count), "-W", "2", inst["ip"], check=False)
    return done.returncode == 0


def fault_port_firewall_flows(lab, instance):
    """Delete the port's flows of table 71.

    Its anti-spoofing, ARP and DHCP: its replies no longer leave.
    """
    inst = lab["instances"][instance]
    ofport = _ofport(inst["host"], inst["tap"])
    return lab_faults._delete_flows(
        inst["host"], "br-int", [f"table=71,reg5={ofport}"],
        lambda line: True, f"table 71 flows of ofport {ofport}")


def fault_vip_anti_spoofing(lab, instance):
    """Delete an allowed address pair's anti-spoofing flows (IP, ARP)."""
    inst = lab["instances"][instance]
    ofport = _ofport(inst["host"], inst["tap"])
    return lab_faults._delete_flows(
        inst["host"], "br-int", [f"table=71,reg5={ofport}"],
        lambda line: f"nw_src={VIP}" in line or f"arp_spa={VIP}" in line,
        f"anti-spoofing flows of {VIP}")


@contextlib.contextmanager
def vip_on(conn, lab, instance):
    """A VIP on the instance, as an allowed address pair.

    The port gets it in the API and its namespace the address (as
    keepalived would): the agent installs the VIP's anti-spoofing;
    undone on exit.
    """
    inst = lab["instances"][instance]
    port = conn.network.get_port(inst["port_id"])
    before = list(port.allowed_address_pairs or [])
    conn.network.update_port(port, allowed_address_pairs=before + [
        {"ip_address": VIP}])
    lab_faults.vm_exec(lab, instance, "ip", "addr", "add", f"{VIP}/32",
                       "dev", "eth0", check=True)
    try:
        lab_faults.wait_until(lambda: f"nw_src={VIP}" in lab_faults.lab_exec(
            inst["host"], "ovs-ofctl", "dump-flows", "br-int",
            f"table=71,reg5={_ofport(inst['host'], inst['tap'])}").stdout,
            60, what="the VIP's anti-spoofing flow")
        yield inst
    finally:
        lab_faults.vm_exec(lab, instance, "ip", "addr", "del", f"{VIP}/32",
                           "dev", "eth0")
        conn.network.update_port(port, allowed_address_pairs=before)
        lab_faults.wait_until(
            lambda: f"nw_src={VIP}" not in lab_faults.lab_exec(
                inst["host"], "ovs-ofctl", "dump-flows", "br-int",
                "table=71").stdout, 60, what="the VIP's flows removed")


def _vip_ping(conn, lab, instance):
    """Ping the DHCP port from the instance, sourced from the VIP."""
    inst = lab["instances"][instance]
    net = lab["networks"][inst["network"]]["id"]
    dhcp = next(conn.network.ports(network_id=net,
                                   device_owner="network:dhcp"))
    target = dhcp.fixed_ips[0]["ip_address"]
    done = lab_faults.vm_exec(lab, instance, "ping", "-n", "-c", "1", "-W",
                              "2", "-I", VIP, target)
    return done.returncode == 0


def test_healthy_port_is_in_sync(lab, conn, hosts):
    port = lab["instances"]["vxlan1"]["port_id"]
    result = firewall(conn, hosts, port)
    assert result.exit_code == exitcodes.OK, result.to_dict()
    assert result.driver == "openvswitch"
    assert result.findings == ()
    trace = api.trace_port(conn, port, **hosts)
    (hop,) = [h for h in trace.hops if h.kind == "firewall"]
    assert (hop.state, str(hop.status)) == ("in sync", "OK")


def test_a_ports_firewall_flows_deleted(lab, conn, hosts, fault):
    port = lab["instances"]["vxlan1"]["port_id"]
    assert _dhcp_ping(conn, lab, "vxlan1", count=2)
    with fault(fault_port_firewall_flows, "vxlan1"):
        assert not _dhcp_ping(conn, lab, "vxlan1")
        result = firewall(conn, hosts, port)
        assert result.exit_code == exitcodes.ERROR_FINDING
        assert {"NETDIAG_FW_OF_SPOOF_MISSING",
                "NETDIAG_FW_OF_DHCP_SPOOF_MISSING"} <= codes(result)
        trace = api.trace_port(conn, port, **hosts)
        assert trace.exit_code == exitcodes.ERROR_FINDING
        assert "NETDIAG_FW_OF_SPOOF_MISSING" in codes(trace)
        (hop,) = [h for h in trace.hops if h.kind == "firewall"]
        assert (hop.state, str(hop.status)) == ("out of sync", "ERROR")
    lab_faults.wait_until(lambda: _dhcp_ping(conn, lab, "vxlan1"), 30,
                          what="ping after the flows are back")
    assert firewall(conn, hosts, port).exit_code == exitcodes.OK


def test_an_allowed_address_pairs_anti_spoofing_missing(lab, conn, hosts,
                                                        fault):
    port = lab["instances"]["vxlan1"]["port_id"]
    with vip_on(conn, lab, "vxlan1"):
        lab_faults.wait_until(lambda: _vip_ping(conn, lab, "vxlan1"), 30,
                              what="ping from the VIP")
        assert firewall(conn, hosts, port).exit_code == exitcodes.OK
        with fault(fault_vip_anti_spoofing, "vxlan1"):
            assert not _vip_ping(conn, lab, "vxlan1")
            result = firewall(conn, hosts, port)
            assert result.exit_code == exitcodes.ERROR_FINDING
            # the fault takes the VIP's DHCP request flow (nw_src=VIP)
            # with it
            assert codes(result) == {"NETDIAG_FW_OF_SPOOF_MISSING",
                                     "NETDIAG_FW_OF_DHCP_CLIENT_MISSING"}
            (spoof,) = [f for f in result.findings
                        if f.code == "NETDIAG_FW_OF_SPOOF_MISSING"]
            assert VIP in spoof.summary
            assert "allowed address pair" in spoof.summary


def test_a_packet_no_rule_allows_is_an_answer(lab, conn, hosts):
    inst = lab["instances"]["vxlan1"]
    # the real thing first: TCP 22 from the DHCP namespace is dropped
    net = lab["networks"][inst["network"]]["id"]
    done = lab_faults.lab_exec(
        "network1", "ip", "netns", "exec", f"qdhcp-{net}", "timeout", "5",
        "bash", "-c", f"exec 3<>/dev/tcp/{inst['ip']}/22", check=False)
    assert done.returncode != 0
    result = firewall(conn, hosts, inst["port_id"], remote_ip="203.0.113.5",
                      protocol="tcp", port=22)
    assert result.exit_code == exitcodes.OK
    assert codes(result) == set()
    assert (result.api_verdict.decision,
            result.host_verdict.decision) == ("deny", "deny")
    assert "no rule of default allows" in result.api_verdict.detail
    assert result.host_verdict.decided_by.startswith("table 82: ")


def test_port_security_off_is_exit_0(lab, conn, hosts):
    inst = lab["instances"]["open1"]
    result = firewall(conn, hosts, inst["port_id"], remote_ip="203.0.113.5",
                      protocol="tcp", port=22)
    assert result.exit_code == exitcodes.OK
    assert codes(result) == {"NETDIAG_FW_PORT_SECURITY_OFF"}
    assert (result.api_verdict.decision,
            result.host_verdict.decision) == ("allow", "allow")


@pytest.mark.parametrize("instance, question", [
    ("vxlan1", {}),
    ("vxlan1", {"remote_ip": "203.0.113.5", "protocol": "tcp", "port": 22,
                "established": True}),
    ("vxlan1", {"remote_ip": "2001:db8::5", "protocol": "icmp",
                "direction": "egress"}),
    ("vxlan2", {"remote_ip": "203.0.113.5", "protocol": "icmp"}),
])
def test_port_firewall_changes_nothing(lab, conn, hosts, instance,
                                       question):
    # the read-only promise (doc/source/safety.rst), as test_safety_lab
    # checks it for the other commands: every host's snapshot identical
    names = sorted(lab["hosts"])
    before = {h: lab_faults.snapshot(h) for h in names}
    result = firewall(conn, hosts, lab["instances"][instance]["port_id"],
                      **question)
    after = {h: lab_faults.snapshot(h) for h in names}
    assert result.exit_code == exitcodes.OK, result.to_dict()
    for host in names:
        for key in before[host]:
            assert after[host][key] == before[host][key], (host, key)
