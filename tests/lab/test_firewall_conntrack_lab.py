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

"""port firewall --conntrack on the lab, through the openstack CLI: a real
TCP connection from vxlan1 (compute1, openvswitch driver) to vxlan2
(compute2, iptables_hybrid) held open, then listed on both ends, each
from its own driver's conntrack; and read-only (the hosts' snapshots,
ip6tables included, are the same after)."""

import subprocess
import time

import pytest

from tests.lab import conftest as lab_faults
from tests.lab.test_firewall_hybrid_lab import cli_env  # noqa: F401
from tests.lab.test_firewall_hybrid_lab import codes
from tests.lab.test_firewall_hybrid_lab import firewall

pytestmark = pytest.mark.lab

LISTEN_PORT = 5002
# both ends keep the connection open (the other lab tests' listener
# closes each one it accepts)
SERVE = ("import socket,sys,time\n"
         "s = socket.socket()\n"
         "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
         "s.bind(('0.0.0.0', int(sys.argv[1]))); s.listen(4)\n"
         "c, _ = s.accept()\n"
         "time.sleep(60)\n")
HOLD = ("import socket,sys,time\n"
        "c = socket.create_connection((sys.argv[1], int(sys.argv[2])), "
        "timeout=5)\n"
        "print('up', flush=True)\n"
        "time.sleep(60)\n")


@pytest.fixture
def held(lab):
    """A TCP connection vxlan1 -> vxlan2:LISTEN_PORT, held open by both.

    Both processes started here, stopped by their PIDs.
    """
    server = subprocess.Popen(
        ["ip", "netns", "exec", lab["instances"]["vxlan2"]["netns"],
         "python3", "-c", SERVE, str(LISTEN_PORT)])
    client = None
    try:
        deadline = time.monotonic() + 20
        while True:
            client = subprocess.Popen(
                ["ip", "netns", "exec", lab["instances"]["vxlan1"]["netns"],
                 "python3", "-c", HOLD, lab["instances"]["vxlan2"]["ip"],
                 str(LISTEN_PORT)], stdout=subprocess.PIPE, text=True)
            if client.stdout.readline().strip() == "up":
                break
            client.wait(timeout=10)
            assert time.monotonic() < deadline, "no connection to vxlan2"
            time.sleep(0.5)
        yield client
    finally:
        for proc in (client, server):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)


def established(doc):
    return [e for e in doc["conntrack"]["entries"]
            if e["state"] == "ESTABLISHED"]


def test_the_held_connection_on_both_drivers(lab, cli_env, held):  # noqa: F811,E501
    vxlan1 = lab["instances"]["vxlan1"]
    vxlan2 = lab["instances"]["vxlan2"]
    rc, doc = firewall(cli_env, vxlan2["port_id"], "--protocol", "tcp",
                       "--port", str(LISTEN_PORT), "--remote-ip",
                       vxlan1["ip"], "--conntrack")
    assert (rc, codes(doc), doc["driver"]) == (0, [], "iptables_hybrid")
    assert doc["evaluated"] == "new"
    (entry,) = established(doc)
    assert (entry["orig"]["src"], entry["orig"]["dst"],
            entry["orig"]["dport"], entry["opened_by"]) == (
        vxlan1["ip"], vxlan2["ip"], LISTEN_PORT, "opened by the remote end")
    assert doc["conntrack"]["zone"] == entry["zone"] >= 1
    rc, doc = firewall(cli_env, vxlan1["port_id"], "--direction", "egress",
                       "--protocol", "tcp", "--port", str(LISTEN_PORT),
                       "--remote-ip", vxlan2["ip"], "--conntrack")
    assert (rc, codes(doc), doc["driver"]) == (0, [], "openvswitch")
    (entry,) = established(doc)
    assert (entry["orig"]["sport"], entry["opened_by"]) == (
        entry["reply"]["dport"], "opened by the port")


def test_no_entry_for_a_flow_never_made(lab, cli_env):  # noqa: F811
    rc, doc = firewall(cli_env, lab["instances"]["gre2"]["port_id"],
                       "--protocol", "udp", "--port", "9",
                       "--remote-ip", "198.18.19.250", "--conntrack")
    assert rc == 0
    assert doc["conntrack"]["entries"] == []
    rows = [r for r in doc["rows"] if r["kind"] == "conntrack"]
    assert [r["state"] for r in rows] == ["no entry"]


def test_conntrack_questions_are_read_only(lab, cli_env):  # noqa: F811
    before = {h: lab_faults.snapshot(h) for h in ("compute1", "compute2")}
    for instance in ("vxlan1", "vxlan2"):
        rc, _ = firewall(cli_env, lab["instances"][instance]["port_id"],
                         "--ethertype", "IPv6", "--protocol", "icmp",
                         "--remote-ip", "2001:db8::5", "--conntrack")
        assert rc == 0
    time.sleep(1)
    assert {h: lab_faults.snapshot(h) for h in before} == before
