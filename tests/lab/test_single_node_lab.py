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

"""The single-node lab (``tools/lab up --single-node``): one host, aio1, is
the compute node, the DHCP host and the (legacy) L3 host at once, alone on
its physnet (br-eth1 has no NIC) and on its tunnel network (no peer).

Healthy traces exit 0 with the layout said as a WARNING or INFO; faults
in aio1's qdhcp-, qrouter- and qg- are caught although they live on the
port's own host; a router gateway on an external network whose physnet
aio1 does not map really fails to bind and is an ERROR.

This file has its own session fixture: it reads the single flavour's
``.lab-single/status.json`` and ``clouds.yaml`` through ``tools/lab
--flavour single`` and holds ``.lab-single/tests.lock`` while it runs.
"""

import contextlib
import fcntl
import json
import os
import subprocess
import time
import uuid

import pytest

pytestmark = pytest.mark.lab

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
LAB_TOOL = os.path.join(REPO, "tools", "lab")
SINGLE_DIR = os.path.join(REPO, ".lab-single")
OPENSTACK = os.path.join(REPO, ".venv", "bin", "openstack")
HOST = "aio1"
OK, ERROR_FINDING = 0, 4


def _tool(*args, timeout=120, check=True):
    cp = subprocess.run([LAB_TOOL, "--flavour", "single"] + list(args),
                        capture_output=True, text=True, timeout=timeout)
    if check and cp.returncode != 0:
        raise AssertionError(f"tools/lab {' '.join(args)} failed "
                             f"({cp.returncode}): {cp.stderr[-2000:]}")
    return cp


@pytest.fixture(scope="session")
def single():
    """tools/lab status of the single flavour (brought up if needed)."""
    if os.geteuid() != 0:
        pytest.skip("needs root: the lab (network namespaces, OVS, sshd)")
    status = json.loads(_tool("status", timeout=60).stdout)
    if not status.get("up"):
        _tool("up", "--single-node", timeout=1200)
        status = json.loads(_tool("status", timeout=60).stdout)
    assert status.get("up"), status
    os.makedirs(SINGLE_DIR, exist_ok=True)
    with open(os.path.join(SINGLE_DIR, "tests.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield status


def aio(*argv, check=True):
    cp = _tool("exec", HOST, "--", *map(str, argv), check=False)
    if check and cp.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))}: {cp.stderr}")
    return cp


def _env():
    return dict(os.environ, PYTHONPATH=REPO, OS_CLIENT_CONFIG_FILE=os.path.join(
        SINGLE_DIR, "clouds.yaml"))


def netdiag(*args):
    """(exit code, parsed -f json) of ``openstack netdiag ARGS``."""
    cp = subprocess.run([OPENSTACK, "--os-cloud", "netdiag-lab", "netdiag",
                         *args, "-f", "json"], capture_output=True,
                        text=True, timeout=180, env=_env())
    return cp.returncode, json.loads(cp.stdout or "null")


def cli(*args):
    """``openstack ARGS -f json`` against the single lab's Neutron."""
    cp = subprocess.run([OPENSTACK, "--os-cloud", "netdiag-lab", *args,
                         "-f", "json"], capture_output=True, text=True,
                        timeout=120, env=_env(), check=True)
    return json.loads(cp.stdout or "null")


def cli_quiet(*args):
    subprocess.run([OPENSTACK, "--os-cloud", "netdiag-lab", *args],
                   capture_output=True, text=True, timeout=120, env=_env())


def codes(result):
    return sorted(f["code"] for f in result["findings"])


def hops_on(result, host, status=None):
    return [(h["device"], h["kind"], h["status"]) for h in result["hops"]
            if h["host"] == host and (status is None or h["status"] == status)]


def port_of(single, name):
    return single["instances"][name]["port_id"]


def qrouter(single):
    return f"qrouter-{single['router']['id']}"


def _router_ports(single):
    ports = cli("port", "list", "--device-id", single["router"]["id"],
                "--long")
    gw = next(p for p in ports
              if p["Device Owner"] == "network:router_gateway")
    return gw


def _dhcp_port(single, network):
    ports = cli("port", "list", "--network",
                single["networks"][network]["id"], "--device-owner",
                "network:dhcp")
    return ports[0]


# -- healthy ---------------------------------------------------------------

def test_healthy_vlan_trace_judges_every_hop_on_the_one_host(single):
    rc, result = netdiag("port", "trace", port_of(single, "vlan1"))
    # br-eth1 has no NIC, and nothing outside aio1 needs VLAN 2113: said,
    # as a WARNING, not an ERROR
    assert codes(result) == ["NETDIAG_PHYS_PATH_LOCAL_ONLY"]
    assert rc == OK
    kinds = {kind for _device, kind, _status in hops_on(result, HOST)}
    # the DHCP and router hops of the port's own host are judged
    assert {"dhcp-port", "dhcp-server", "router-port",
            "gateway-port", "route"} <= kinds
    assert hops_on(result, HOST, "WARN") == [("br-eth1", "nic", "WARN")]
    assert hops_on(result, HOST, "ERROR") == []


def test_healthy_vxlan_trace_has_no_peer_to_flood_to(single):
    rc, result = netdiag("port", "trace", port_of(single, "vxlan1"))
    assert codes(result) == ["NETDIAG_TUNNEL_NO_PEERS"]
    assert rc == OK
    assert hops_on(result, HOST, "ERROR") == []


def test_healthy_vlan_map_of_the_tunnel_network(single):
    rc, result = netdiag("network", "vlan-map",
                         single["networks"]["vxlan"]["id"])
    assert codes(result) == ["NETDIAG_TUNNEL_NO_PEERS"]
    assert rc == OK


# -- faults in qrouter-, qg- and qdhcp- on the port's own host --------------

@contextlib.contextmanager
def _restored(restore):
    try:
        yield
    finally:
        restore()


def test_qg_without_its_address_is_caught_on_the_compute_host(single):
    # present but wrong: qg- stays in qrouter-, its address is removed
    ns, gw = qrouter(single), _router_ports(single)
    qg = "qg-" + gw["ID"][:11]
    ip = gw["Fixed IP Addresses"][0]["ip_address"]
    upstream = single["networks"]["external"]["gateway_ip"]

    def restore():
        aio("ip", "netns", "exec", ns, "ip", "addr", "replace", f"{ip}/24",
            "dev", qg, check=False)
        aio("ip", "netns", "exec", ns, "ip", "route", "replace", "default",
            "via", upstream, "dev", qg, check=False)

    aio("ip", "netns", "exec", ns, "ip", "addr", "del", f"{ip}/24", "dev", qg)
    with _restored(restore):
        rc, result = netdiag("port", "trace", port_of(single, "vlan1"))
        assert codes(result) == ["NETDIAG_PHYS_PATH_LOCAL_ONLY",
                                 "NETDIAG_ROUTER_DEVICE_BROKEN"]
        assert (qg, "gateway-port", "ERROR") in hops_on(result, HOST)
        assert rc == ERROR_FINDING
    rc, result = netdiag("port", "trace", port_of(single, "vlan1"))
    assert rc == OK, result["findings"]


def test_qrouter_without_default_route_is_an_error(single):
    ns, gw = qrouter(single), _router_ports(single)
    qg = "qg-" + gw["ID"][:11]
    upstream = single["networks"]["external"]["gateway_ip"]

    def restore():
        aio("ip", "netns", "exec", ns, "ip", "route", "replace", "default",
            "via", upstream, "dev", qg, check=False)

    aio("ip", "netns", "exec", ns, "ip", "route", "del", "default")
    with _restored(restore):
        rc, result = netdiag("port", "trace", port_of(single, "vlan1"))
        assert codes(result) == ["NETDIAG_PHYS_PATH_LOCAL_ONLY",
                                 "NETDIAG_ROUTER_NO_DEFAULT_ROUTE"]
        assert ("default route", "route", "ERROR") in hops_on(result, HOST)
        assert rc == ERROR_FINDING
        rc, result = netdiag("router", "check", single["router"]["id"])
        assert codes(result) == ["NETDIAG_ROUTER_NO_DEFAULT_ROUTE"]
        assert rc == ERROR_FINDING


def test_qdhcp_tap_with_a_wrong_address_is_caught(single):
    # present but wrong: the qdhcp- tap keeps its name and state, its
    # address moves to another one of the subnet
    net = single["networks"]["vlan"]
    port = _dhcp_port(single, "vlan")
    ns, tap = f"qdhcp-{net['id']}", "tap" + port["ID"][:11]
    ip = port["Fixed IP Addresses"][0]["ip_address"]
    wrong = net["cidr"].rsplit(".", 1)[0] + ".250"

    def restore():
        aio("ip", "netns", "exec", ns, "ip", "addr", "del", f"{wrong}/24",
            "dev", tap, check=False)
        aio("ip", "netns", "exec", ns, "ip", "addr", "replace", f"{ip}/24",
            "dev", tap, check=False)

    aio("ip", "netns", "exec", ns, "ip", "addr", "add", f"{wrong}/24", "dev",
        tap)
    aio("ip", "netns", "exec", ns, "ip", "addr", "del", f"{ip}/24", "dev", tap)
    with _restored(restore):
        rc, result = netdiag("port", "trace", port_of(single, "vlan1"))
        assert codes(result) == ["NETDIAG_DHCP_TAP_BROKEN",
                                 "NETDIAG_PHYS_PATH_LOCAL_ONLY"]
        assert (tap, "dhcp-port", "ERROR") in hops_on(result, HOST)
        assert rc == ERROR_FINDING


# -- a binding that fails for real ------------------------------------------

@pytest.fixture
def unmapped_gateway(single):
    """A router whose gateway is on an external flat network of physnet
    'nomap', which aio1's agent does not map: ML2 cannot bind the
    gateway port there.
    """
    tag = uuid.uuid4().hex[:6]
    net = cli("network", "create", "--external", "--provider-network-type",
              "flat", "--provider-physical-network", "nomap", f"bf-ext-{tag}")
    try:
        cli("subnet", "create", "--network", net["id"], "--subnet-range",
            "198.19.9.0/24", "--no-dhcp", f"bf-ext-sub-{tag}")
        router = cli("router", "create", f"bf-router-{tag}")
        try:
            cli_quiet("router", "set", "--external-gateway", net["id"],
                      router["id"])
            deadline = time.time() + 90
            while True:
                ports = cli("port", "list", "--device-id", router["id"],
                            "--device-owner", "network:router_gateway",
                            "--long")
                gw = cli("port", "show", ports[0]["ID"]) if ports else {}
                if gw.get("binding_vif_type") == "binding_failed" or \
                        time.time() > deadline:
                    break
                time.sleep(2)
            assert gw.get("binding_vif_type") == "binding_failed", gw
            yield router, gw
        finally:
            cli_quiet("router", "unset", "--external-gateway", router["id"])
            cli_quiet("router", "delete", router["id"])
    finally:
        cli_quiet("network", "delete", net["id"])


def test_router_check_of_a_gateway_whose_binding_failed(unmapped_gateway):
    router, gw = unmapped_gateway
    rc, result = netdiag("router", "check", router["id"])
    assert codes(result) == ["NETDIAG_PORT_BINDING_FAILED"]
    [failed] = [f for f in result["findings"]
                if f["code"] == "NETDIAG_PORT_BINDING_FAILED"]
    assert failed["severity"] == "ERROR"
    assert "binding_failed" in failed["summary"]
    assert "no bridge_mappings entry for physical network nomap" in \
        failed["summary"]
    assert rc == ERROR_FINDING


@pytest.fixture
def unmapped_dhcp_network(single):
    """A network of physnet 'nomap' given to aio1's DHCP agent by hand
    (the scheduler would not): its DHCP port fails to bind.
    """
    tag = uuid.uuid4().hex[:6]
    net = cli("network", "create", "--provider-network-type", "flat",
              "--provider-physical-network", "nomap", f"bf-dhcp-{tag}")
    try:
        cli("subnet", "create", "--network", net["id"], "--subnet-range",
            "198.18.24.0/24", f"bf-dhcp-sub-{tag}")
        agent = cli("network", "agent", "list", "--agent-type", "dhcp")[0]
        cli_quiet("network", "agent", "add", "network", "--dhcp",
                  agent["ID"], net["id"])
        deadline, port = time.time() + 90, {}
        while time.time() < deadline:
            ports = cli("port", "list", "--network", net["id"],
                        "--device-owner", "network:dhcp")
            port = cli("port", "show", ports[0]["ID"]) if ports else {}
            if port.get("binding_vif_type") == "binding_failed":
                break
            time.sleep(2)
        assert port.get("binding_vif_type") == "binding_failed", port
        yield net, port
    finally:
        cli_quiet("network", "delete", net["id"])


def test_dhcp_check_of_a_dhcp_port_whose_binding_failed(
        unmapped_dhcp_network):
    net, port = unmapped_dhcp_network
    rc, result = netdiag("dhcp", "check", net["id"])
    assert codes(result) == ["NETDIAG_PORT_BINDING_FAILED"]
    assert port["id"] in result["findings"][0]["summary"]
    assert rc == ERROR_FINDING
