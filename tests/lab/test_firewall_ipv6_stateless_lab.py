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

"""port firewall against the real lab for an IPv6 port and a port in a
stateless group, on compute1's openvswitch driver.

The ports, their network and groups are made for this module and removed
after (``fw_objects``); the session holds the lab's lock. Each answer is
first shown on real traffic: a ping6 between two ports of the group, a
packet from an address the port does not own, a TCP connection whose
reply no stateless rule allows. The fault leaves a flow present but
wrong and is restored exactly.
"""

import os
import pathlib
import subprocess
import time

import openstack
import pytest

from osc_netdiag import api
from osc_netdiag import exitcodes
from tests.lab import conftest as lab_faults
from tests.lab import fw_objects

pytestmark = pytest.mark.lab

ROOT = pathlib.Path(__file__).parents[2]
FOREIGN6 = "2001:db8:21::99"


@pytest.fixture(scope="module")
def conn(lab):
    os.environ["OS_CLIENT_CONFIG_FILE"] = str(ROOT / ".lab" / "clouds.yaml")
    return openstack.connect(cloud="netdiag-lab")


@pytest.fixture(scope="module")
def hosts(lab):
    inventory = api.load_inventory(str(ROOT / ".lab" / "inventory.yaml"))
    return dict(inventory=inventory,
                transport=api.ssh_transport(inventory))


@pytest.fixture(scope="module")
def objs(lab):
    with fw_objects.extra_ports() as made:
        yield made


def firewall(conn, hosts, the_port, **question):
    packet = api.firewall_packet(**question) if question else None
    return api.port_firewall(conn, the_port["id"], packet=packet, **hosts)


def codes(result):
    return sorted(f.code for f in result.findings)


def _ping6(source, target, address=None):
    fw_objects.vm(source, "ip", "-6", "neigh", "flush", "dev", "eth0")
    argv = ["ping", "-6", "-n", "-c", "2", "-W", "2"]
    if address:
        argv += ["-I", address]
    return fw_objects.vm(source, *argv, target).returncode == 0


def fault_nd_target_wrong(lab, port, address, wrong):
    """Rewrite the port's neighbour advertisement flow to another target.

    Same table, priority and cookie: present, and wrong. The port's
    neighbour advertisements for ``address`` are then dropped (table 71's
    last flow), so its neighbours cannot resolve it.
    """
    ofport = fw_objects.ofport(port["id"])
    lines = [x for x in fw_objects.flows(f"table=71,reg5={ofport}")
             .splitlines() if f"nd_target={address} " in x]
    assert len(lines) == 1, lines
    spec = lab_faults._strip_flow(lines[0])
    match, actions = spec.split(" actions=")
    fields = [p.strip() for p in match.split(",") if p.strip()]
    strict = [f for f in fields if not f.startswith("cookie=")]
    wrong_fields = [f.replace(f"nd_target={address}", f"nd_target={wrong}")
                    for f in fields]

    def exec_ofctl(*argv):
        lab_faults.lab_exec(fw_objects.HOST, "ovs-ofctl", *argv)
    exec_ofctl("--strict", "del-flows", "br-int", ",".join(strict))
    exec_ofctl("add-flow", "br-int",
               f"{','.join(wrong_fields)},actions={actions}")

    def restore():
        exec_ofctl("--strict", "del-flows", "br-int", ",".join(
            f for f in wrong_fields if not f.startswith("cookie=")))
        exec_ofctl("add-flow", "br-int", f"{','.join(fields)},actions={actions}")
    return lab_faults._restorer(restore)


def test_the_ipv6_port_is_in_sync_and_pings(objs, conn, hosts):
    ports = objs["ports"]
    assert _ping6("v6b", fw_objects.address(ports["v6a"], 6))
    result = firewall(conn, hosts, ports["v6a"])
    assert result.exit_code == exitcodes.OK, result.to_dict()
    assert codes(result) == []
    (row,) = [r for r in result.rows if r.device == "nd-dhcp-ra"]
    assert row.state == "in sync"
    # the packet question on the same ping, answered from ofproto/trace
    answer = firewall(conn, hosts, ports["v6a"], protocol="icmp",
                      remote_ip=fw_objects.address(ports["v6b"], 6))
    assert answer.exit_code == exitcodes.OK
    assert (answer.api_verdict.decision,
            answer.host_verdict.decision) == ("allow", "allow")
    assert answer.host_verdict.decided_by.startswith("table 82: ")


def test_an_nd_target_for_the_wrong_address(objs, conn, hosts, fault):
    ports = objs["ports"]
    address = fw_objects.address(ports["v6a"], 6)
    with fault(fault_nd_target_wrong, ports["v6a"], address, FOREIGN6):
        assert not _ping6("v6b", address)
        result = firewall(conn, hosts, ports["v6a"])
        assert result.exit_code == exitcodes.ERROR_FINDING
        assert codes(result) == ["NETDIAG_FW_OF_ND_MISSING",
                                 "NETDIAG_FW_OF_ND_STALE"]
        missing = next(f for f in result.findings
                       if f.code == "NETDIAG_FW_OF_ND_MISSING")
        assert address in missing.summary
        # port trace reads the whole firewall tables: its firewall row
        # names the same fault
        trace = api.trace_port(conn, ports["v6a"]["id"], **hosts)
        assert trace.exit_code & exitcodes.ERROR_FINDING
        assert "NETDIAG_FW_OF_ND_MISSING" in codes(trace)
        (hop,) = [h for h in trace.hops if h.kind == "firewall"]
        assert (hop.state, str(hop.status)) == ("out of sync", "ERROR")
        assert "nd-dhcp-ra: wrong" in hop.detail
    lab_faults.wait_until(lambda: _ping6("v6b", address), 20,
                          what="ping6 after the flow is back")
    assert firewall(conn, hosts, ports["v6a"]).exit_code == exitcodes.OK


def test_an_egress_packet_from_an_address_the_port_does_not_own(objs, conn,
                                                                hosts):
    ports = objs["ports"]
    target = fw_objects.address(ports["v6b"], 6)
    fw_objects.vm("v6a", "ip", "addr", "add", f"{FOREIGN6}/64", "dev",
                  "eth0", "nodad", check=True)
    try:
        # the real thing: dropped by anti-spoofing; from the port's own
        # address the same ping goes through
        assert not _ping6("v6a", target, FOREIGN6)
        assert _ping6("v6a", target, fw_objects.address(ports["v6a"], 6))
    finally:
        fw_objects.vm("v6a", "ip", "addr", "del", f"{FOREIGN6}/64", "dev",
                      "eth0")
    result = firewall(conn, hosts, ports["v6a"], protocol="icmp",
                      direction="egress", remote_ip=target,
                      local_ip=FOREIGN6)
    assert result.exit_code == exitcodes.OK
    assert (result.api_verdict.decision, result.api_verdict.decided_by) == \
        ("deny", "anti-spoofing")
    assert result.host_verdict.decision == "deny"
    assert result.host_verdict.decided_by.startswith("table 71: ")
    own = firewall(conn, hosts, ports["v6a"], protocol="icmp",
                   direction="egress", remote_ip=target)
    assert (own.api_verdict.decision, own.host_verdict.decision) == \
        ("allow", "allow")


def _connect(source, target, port, timeout=5):
    done = fw_objects.vm(source, "timeout", str(timeout), "bash", "-c",
                         f"exec 3<>/dev/tcp/{target}/{port}")
    return done.returncode == 0


def test_a_stateless_groups_replies_are_let_in_by_conntrack(objs, conn,
                                                            hosts):
    ports = objs["ports"]
    server = fw_objects.address(ports["v6b"], 4)
    listener = subprocess.Popen(
        ["ip", "netns", "exec", fw_objects.vm_ns("v6b"), "python3", "-c",
         "import socket; s = socket.socket(); s.setsockopt(socket."
         "SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', "
         f"{fw_objects.LISTEN_PORT})); s.listen(4)\n"
         "while True:\n    c, _ = s.accept(); c.close()"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        # sl's group allows only tcp 22 and icmp in: a stateless firewall
        # would drop the SYN-ACK; compute1's openvswitch driver tracks
        # the connection and lets it in
        assert _connect("sl", server, fw_objects.LISTEN_PORT)
    finally:
        listener.kill()
        listener.wait()
    plain = firewall(conn, hosts, ports["sl"])
    assert plain.exit_code == exitcodes.OK
    assert codes(plain) == ["NETDIAG_FW_OF_STATELESS_TRACKED"]
    reply = firewall(conn, hosts, ports["sl"], protocol="tcp",
                     remote_ip=server, port=40000, established=True)
    assert reply.exit_code == exitcodes.ERROR_FINDING
    assert codes(reply) == ["NETDIAG_FW_OF_STATELESS_TRACKED",
                            "NETDIAG_FW_VERDICT_DISAGREE"]
    assert (reply.api_verdict.decision,
            reply.host_verdict.decision) == ("deny", "allow")


def test_port_firewall_on_these_ports_changes_nothing(objs, conn, hosts,
                                                      lab):
    names = sorted(lab["hosts"])
    before = {h: lab_faults.snapshot(h) for h in names}
    ports = objs["ports"]
    firewall(conn, hosts, ports["v6a"], protocol="tcp", port=443,
             direction="egress", remote_ip="2001:db8::5", local_ip=FOREIGN6)
    firewall(conn, hosts, ports["sl"], protocol="tcp", port=40000,
             remote_ip="203.0.113.5", established=True)
    after = {h: lab_faults.snapshot(h) for h in names}
    for host in names:
        for key in before[host]:
            assert after[host][key] == before[host][key], (host, key)
