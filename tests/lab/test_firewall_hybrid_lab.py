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

"""port firewall on the lab's iptables_hybrid host (compute2), through the
openstack CLI as an operator runs it: every instance port in sync; each
fault made on compute2 with iptables/ipset first breaks a real ping or TCP
connect, then is caught with its code and exit 4, and is restored; the
configuration cases (no rule allows the packet, port security off) are
answers, exit 0. Read-only: compute2 is the same before and after.
"""

import json
import os
import pathlib
import shlex
import subprocess
import sys
import time

import pytest

from tests.lab import conftest as lab_faults

pytestmark = pytest.mark.lab

ROOT = pathlib.Path(__file__).parents[2]
HOST = "compute2"
SG_FALLBACK = "neutron-openvswi-sg-fallback"
LISTEN_PORT = 5001
LISTENER = ("import socket,sys\n"
            "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, "
            "socket.SO_REUSEADDR, 1)\n"
            "s.bind(('0.0.0.0', int(sys.argv[1]))); s.listen(16)\n"
            "while True:\n    c, _ = s.accept(); c.close()\n")
CONNECT = ("import socket,sys\n"
           "socket.create_connection((sys.argv[1], int(sys.argv[2])), "
           "timeout=3).close()\n")


@pytest.fixture(scope="module")
def cli_env():
    """The CLI of this checkout.

    Its entry points (egg-info, git-ignored) and its modules ahead of the
    virtualenv's install.
    """
    subprocess.run([sys.executable, "setup.py", "-q", "egg_info"], cwd=ROOT,
                   check=True, capture_output=True,
                   env=dict(os.environ, PBR_VERSION="0.0.1"))
    return dict(os.environ, PYTHONPATH=str(ROOT),
                OS_CLIENT_CONFIG_FILE=str(ROOT / ".lab" / "clouds.yaml"))


def firewall(env, port_id, *question):
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "openstack"), "--os-cloud",
         "netdiag-lab", "netdiag", "port", "firewall", port_id, "-f", "json",
         *question], capture_output=True, text=True, env=env, timeout=180)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def codes(doc):
    return sorted({f["code"] for f in doc["findings"]})


def ping(lab, instance, target):
    return lab_faults.vm_exec(lab, instance, "ping", "-n", "-c", "2", "-W",
                              "2", target).returncode == 0


def connects(lab, instance, target, port=LISTEN_PORT):
    return lab_faults.vm_exec(lab, instance, "python3", "-c", CONNECT, target,
                              str(port)).returncode == 0


def chain_rules(chain):
    """``iptables -S CHAIN`` lines after the -N line, in order."""
    out = lab_faults.lab_exec(HOST, "iptables", "-S", chain).stdout
    return [line for line in out.splitlines() if line.startswith("-A ")]


def delete_rule(chain, wanted):
    """Delete the first rule of ``chain`` containing ``wanted``.

    The restore puts it back at its place.
    """
    lines = chain_rules(chain)
    index = next(i for i, line in enumerate(lines) if wanted in line)
    spec = shlex.split(lines[index])[2:]
    lab_faults.lab_exec(HOST, "iptables", "-D", chain, *spec)

    def restore():
        if lines[index] not in chain_rules(chain):
            lab_faults.lab_exec(HOST, "iptables", "-I", chain, str(index + 1),
                                *spec)
    return restore


def chain_of(lab, instance, letter):
    return "neutron-openvswi-" + (letter + lab["instances"][instance]
                                  ["port_id"])[:11]


@pytest.fixture
def listener(lab):
    """A TCP listener on LISTEN_PORT in vxlan2.

    Started here, stopped by its PID.
    """
    ns = lab["instances"]["vxlan2"]["netns"]
    proc = subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-c",
                             LISTENER, str(LISTEN_PORT)])
    try:
        lab_faults.wait_until(lambda: connects(lab, "vxlan1",
                                               lab["instances"]["vxlan2"]["ip"]),
                              20, what="the listener in vxlan2")
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_compute2_runs_iptables_hybrid_and_plugs_through_qbr(lab):
    assert lab["hosts"][HOST]["firewall_driver"] == "iptables_hybrid"
    for name, inst in lab["instances"].items():
        assert inst["plug"] == ("hybrid" if inst["host"] == HOST else "ovs")
        if inst["plug"] == "hybrid":
            master = lab_faults.lab_exec(HOST, "cat", "/sys/class/net/%s/master/"
                                         "uevent" % inst["tap"]).stdout
            assert "INTERFACE=%s" % inst["qbr"] in master, name
    for key in ("gre1-gre2", "vxlan1-vxlan2-vip", "open1-open2"):
        assert lab["connectivity"][key] is True, key


@pytest.mark.parametrize("instance", ["vlan2", "vxlan2", "dvr2", "gre2"])
def test_every_compute2_port_is_in_sync(lab, cli_env, instance):
    rc, doc = firewall(cli_env, lab["instances"][instance]["port_id"])
    assert (rc, doc["driver"], codes(doc)) == (0, "iptables_hybrid", [])
    rules = [r for r in doc["rows"] if r["kind"] == "iptables-rule"]
    assert rules and {r["state"] for r in rules} == {"installed"}


def test_port_security_off_is_an_answer(lab, cli_env):
    port = lab["instances"]["open2"]["port_id"]
    rc, doc = firewall(cli_env, port, "--protocol", "tcp", "--port", "80",
                       "--remote-ip", "198.18.20.99")
    assert (rc, doc["driver"]) == (0, "iptables_hybrid")
    assert codes(doc) == ["NETDIAG_FW_PORT_SECURITY_OFF"]
    assert (doc["api_verdict"], doc["host_verdict"]) == ("allow", "allow")
    assert "port security is disabled" in doc["host_decided_by"]


def test_no_rule_allows_it_is_an_answer(lab, cli_env, listener):
    gre2 = lab["instances"]["gre2"]
    gre1_ip = lab["instances"]["gre1"]["ip"]
    rc, doc = firewall(cli_env, gre2["port_id"], "--protocol", "tcp", "--port",
                       "80", "--remote-ip", gre1_ip)
    assert (rc, codes(doc)) == (0, [])
    assert (doc["api_verdict"], doc["host_verdict"], doc["agree"]) == \
        ("deny", "deny", True)
    assert doc["host_decided_by"].startswith("-A %s " % SG_FALLBACK)


def test_rule_deleted_from_the_ports_chain(lab, cli_env, fault):
    gre2 = lab["instances"]["gre2"]
    gre1_ip = lab["instances"]["gre1"]["ip"]
    chain = chain_of(lab, "gre2", "i")
    assert ping(lab, "gre1", gre2["ip"])
    with fault(lambda _lab: delete_rule(chain, "-p icmp -j RETURN")):
        assert not ping(lab, "gre1", gre2["ip"])
        rc, doc = firewall(cli_env, gre2["port_id"], "--protocol", "icmp",
                           "--remote-ip", gre1_ip)
        assert rc == 4
        assert codes(doc) == ["NETDIAG_FW_IPT_RULE_MISSING",
                              "NETDIAG_FW_VERDICT_DISAGREE"]
        assert (doc["api_verdict"], doc["host_verdict"]) == ("allow", "deny")
    lab_faults.wait_until(lambda: ping(lab, "gre1", gre2["ip"]), 20,
                          what="ICMP to gre2 again")


def test_ipset_member_removed(lab, cli_env, fault, listener):
    vxlan1_ip = lab["instances"]["vxlan1"]["ip"]
    vxlan2 = lab["instances"]["vxlan2"]
    group = lab["security_groups"]["default"]
    name = ("NIPv4" + group)[:29]

    def remove(_lab):
        lab_faults.lab_exec(HOST, "ipset", "del", name, vxlan1_ip)
        return lambda: lab_faults.lab_exec(HOST, "ipset", "add", name,
                                           vxlan1_ip, "-exist")
    with fault(remove):
        assert not connects(lab, "vxlan1", vxlan2["ip"])
        rc, doc = firewall(cli_env, vxlan2["port_id"], "--protocol", "tcp",
                           "--port", str(LISTEN_PORT), "--remote-ip",
                           vxlan1_ip)
        assert rc == 4
        assert codes(doc) == ["NETDIAG_FW_IPT_IPSET_MEMBER_MISSING",
                              "NETDIAG_FW_VERDICT_DISAGREE"]
        missing = [f for f in doc["findings"]
                   if f["code"] == "NETDIAG_FW_IPT_IPSET_MEMBER_MISSING"]
        assert missing[0]["summary"] == (
            "%s is missing from ipset %s on compute2" % (vxlan1_ip, name))
    assert connects(lab, "vxlan1", vxlan2["ip"])


def test_address_pair_anti_spoofing_rule_missing(lab, cli_env, fault):
    vxlan2 = lab["instances"]["vxlan2"]
    chain = chain_of(lab, "vxlan2", "s")
    assert ping(lab, "vxlan1", vxlan2["vip"])
    with fault(lambda _lab: delete_rule(chain, "-s %s/32" % vxlan2["vip"])):
        # the VIP's replies are dropped; the fixed IP still answers
        assert not ping(lab, "vxlan1", vxlan2["vip"])
        assert ping(lab, "vxlan1", vxlan2["ip"])
        rc, doc = firewall(cli_env, vxlan2["port_id"])
        assert rc == 4
        assert codes(doc) == ["NETDIAG_FW_IPT_SPOOF_MISSING"]
    lab_faults.wait_until(lambda: ping(lab, "vxlan1", vxlan2["vip"]), 20,
                          what="the VIP answering again")


def test_port_firewall_is_read_only(lab, cli_env):
    before = lab_faults.snapshot(HOST)
    for instance, question in (("gre2", ()), ("vxlan2", (
            "--protocol", "tcp", "--port", "22", "--remote-ip",
            "203.0.113.5")), ("open2", ("--direction", "egress", "--protocol",
                                        "udp", "--port", "53", "--remote-ip",
                                        "198.18.20.1"))):
        rc, _ = firewall(cli_env, lab["instances"][instance]["port_id"],
                         *question)
        assert rc == 0
    time.sleep(1)
    assert lab_faults.snapshot(HOST) == before


# -- port trace's hybrid hops ------------------------------------------------

def trace(env, port_id):
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "openstack"), "--os-cloud",
         "netdiag-lab", "netdiag", "port", "trace", port_id, "-f", "json"],
        capture_output=True, text=True, env=env, timeout=180)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def compute_hops(doc, port_id):
    return [(h["device"], h["kind"], h["state"], h["status"])
            for h in doc["hops"] if h["host"] == HOST
            and port_id[:11] in h["device"]]


def test_trace_shows_tap_qbr_qvb_qvo_as_they_are(lab, cli_env):
    inst = lab["instances"]["vxlan2"]
    rc, doc = trace(cli_env, inst["port_id"])
    assert rc == 0
    hops = compute_hops(doc, inst["port_id"])
    tag = hops[-1][2]
    assert hops == [(inst["tap"], "tap", "UP", "OK"),
                    (inst["qbr"], "linux-bridge", "UP", "OK"),
                    (inst["qvb"], "veth", "UP", "OK"),
                    (inst["qvo"], "veth", "UP", "OK"),
                    (inst["qvo"], "ovs-port", tag, "OK")]
    assert tag.startswith("tag ")


def test_qvb_in_another_bridge(lab, cli_env, fault):
    """qvb present and UP, but enslaved to another Linux bridge."""
    inst = lab["instances"]["vxlan2"]
    other = "qbrfault0000"

    def move(_lab):
        lab_faults.lab_exec(HOST, "ip", "link", "add", other, "type", "bridge")
        lab_faults.lab_exec(HOST, "ip", "link", "set", other, "up")
        lab_faults.lab_exec(HOST, "ip", "link", "set", inst["qvb"], "master",
                            other)

        def restore():
            lab_faults.lab_exec(HOST, "ip", "link", "set", inst["qvb"],
                                "master", inst["qbr"])
            lab_faults.lab_exec(HOST, "ip", "link", "del", other, check=False)
        return restore
    assert ping(lab, "vxlan1", inst["ip"])
    with fault(move):
        assert not ping(lab, "vxlan1", inst["ip"])
        rc, doc = trace(cli_env, inst["port_id"])
        assert rc == 4
        assert "NETDIAG_HYBRID_BRIDGE_BROKEN" in codes(doc)
        qvb = [h for h in doc["hops"] if h["device"] == inst["qvb"]]
        assert (qvb[0]["state"], qvb[0]["status"]) == ("wrong", "ERROR")
        assert "in %s, not %s" % (other, inst["qbr"]) in qvb[0]["detail"]
    lab_faults.wait_until(lambda: ping(lab, "vxlan1", inst["ip"]), 20,
                          what="vxlan2 answering again")
