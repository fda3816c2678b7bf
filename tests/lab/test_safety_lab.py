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

"""Safety promises on the real lab: read-only, hostile Neutron names,
resolution errors before any SSH, a host whose sshd is down, and no secret
in any output or remote command line.

Every change made through the API (names, throwaway ports) is undone in
``finally``; the one fault (sshd stopped) goes through the fault fixture.
"""

import json
import os
import pathlib
import subprocess
import tempfile
import threading
import time
import uuid

import pytest
import yaml

from tests.lab import conftest as lab_faults

pytestmark = pytest.mark.lab

ROOT = pathlib.Path(__file__).parents[2]
CLOUD = "netdiag-lab"
CLOUDS_YAML = ROOT / ".lab" / "clouds.yaml"
OPENSTACK = str(ROOT / ".venv" / "bin" / "openstack")

# Read-only commands, each as the argv after ``openstack netdiag``, built
# from the lab status. Add new read-only commands here.
READ_ONLY = {
    "port trace vlan": lambda lab: ["port", "trace",
                                    lab["instances"]["vlan1"]["port_id"]],
    "port trace vxlan": lambda lab: ["port", "trace",
                                     lab["instances"]["vxlan1"]["port_id"]],
    "host check": lambda lab: ["host", "check", "--all"],
    "network vlan-map": lambda lab: ["network", "vlan-map",
                                     lab["networks"]["vlan"]["id"],
                                     "--all-hosts"],
    "dhcp check": lambda lab: ["dhcp", "check",
                               lab["instances"]["vlan1"]["port_id"]],
    "router check": lambda lab: ["router", "check", lab["router"]["id"]],
    "dns check": lambda lab: ["dns", "check",
                              lab["instances"]["vlan1"]["port_id"]],
    "floatingip check": lambda lab: ["floatingip", "check"],
}
# Exit codes of a diagnosis that ran (healthy, or findings/unreadable
# parts); usage errors, crashes and unresolved objects are not "ran".
DIAGNOSED = {0, 4, 8, 12}


def netdiag(*argv, clouds=CLOUDS_YAML, timeout=180, debug=False):
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(clouds))
    command = [OPENSTACK, "--os-cloud", CLOUD] + (["--debug"] if debug else [])
    return subprocess.run(command + ["netdiag", *argv], capture_output=True,
                          text=True, env=env, timeout=timeout)


def trace_json(*argv, **kwargs):
    proc = netdiag("port", "trace", *argv, "-f", "json", **kwargs)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@pytest.fixture(scope="module")
def conn(lab):
    import openstack
    os.environ["OS_CLIENT_CONFIG_FILE"] = str(CLOUDS_YAML)
    return openstack.connect(cloud=CLOUD)


# -- 8. read-only ---------------------------------------------------------
@pytest.mark.parametrize("name", sorted(READ_ONLY))
def test_read_only_commands_change_nothing(lab, name):
    argv = READ_ONLY[name](lab)
    hosts = sorted(lab["hosts"])
    before = {h: lab_faults.snapshot(h) for h in hosts}
    proc = netdiag(*argv, "-f", "json")
    after = {h: lab_faults.snapshot(h) for h in hosts}
    assert proc.returncode in DIAGNOSED, proc.stderr
    for host in hosts:
        for key in before[host]:
            assert after[host][key] == before[host][key], (host, key)


# -- 2. hostile names through the API ---------------------------------------
def hostile_names(canary):
    touch = f"touch {canary}"
    return [f"a;{touch}", f"$({touch})", f"`{touch}`",
            f"-oProxyCommand={touch}", f"'\"; {touch}; \"'",
            f"|| {touch} &", "\u00e9\u2713\u0416" * 85]
# Neutron itself refuses control characters such as a newline in a name
# (400 "is not a valid string"); tests/safety covers those offline.


def _canary_exists(lab, canary):
    if canary.exists():
        return True
    for host in lab["hosts"]:
        if lab_faults.lab_exec(host, "test", "-e", str(canary),
                               check=False).returncode == 0:
            return True
    return False


def test_hostile_neutron_names_are_only_data(lab, conn):
    inst = lab["instances"]["vlan1"]
    port = conn.network.get_port(inst["port_id"])
    network = conn.network.get_network(port.network_id)
    router = conn.network.get_router(lab["router"]["id"])
    saved = (port.name, network.name, router.name)
    canaries = []
    try:
        for name in hostile_names("CANARY"):
            canary = (pathlib.Path(tempfile.gettempdir())
                      / f"ndsafe-canary-{uuid.uuid4().hex}")
            canaries.append(canary)
            name = name.replace("CANARY", str(canary))
            conn.network.update_port(port, name=name)
            conn.network.update_network(network, name=name)
            conn.network.update_router(router, name=name)
            rc, doc = trace_json(inst["port_id"])
            assert rc == 0, json.dumps(doc, indent=1)
            assert all(h["status"] == "OK" for h in doc["hops"])
            if not name.startswith("-") and "\n" not in name:
                # Resolved by the hostile name itself, too.
                rc, by_name = trace_json(name)
                assert rc == 0 and by_name["port_id"] == inst["port_id"]
        assert [c for c in canaries if _canary_exists(lab, c)] == []
    finally:
        conn.network.update_port(port, name=saved[0])
        conn.network.update_network(network, name=saved[1])
        conn.network.update_router(router, name=saved[2])
    assert conn.network.get_port(port.id).name == saved[0]


# -- 10. resolution errors, before any SSH -----------------------------------
@pytest.fixture
def unreachable_inventory(tmp_path, lab):
    """An inventory sending every host to a black hole: any SSH attempt
    would show as a host status, so exit 3 proves none was made.
    """
    path = tmp_path / "inventory.yaml"
    path.write_text(yaml.safe_dump({"hosts": {
        h: {"address": "198.18.200.254", "port": 1, "connect_timeout": 1}
        for h in lab["hosts"]}}))
    return str(path)


def _refused(argv, inventory):
    started = time.monotonic()
    proc = netdiag("port", "trace", *argv, "--inventory", inventory,
                   "--connect-timeout", "1")
    return proc, time.monotonic() - started


def test_unknown_port(lab, unreachable_inventory):
    missing = str(uuid.uuid4())
    proc, _ = _refused([missing], unreachable_inventory)
    assert proc.returncode == 3, proc.stderr
    assert f"No port found for '{missing}'" in proc.stderr
    assert proc.stdout == ""


def test_ambiguous_name_lists_candidates(lab, conn, unreachable_inventory):
    network_id = lab["networks"]["vlan"]["id"]
    name = f"ndsafe-twin-{uuid.uuid4().hex[:8]}"
    ports = []
    try:
        ports = [conn.network.create_port(network_id=network_id, name=name)
                 for _ in range(2)]
        proc, _ = _refused([name], unreachable_inventory)
        assert proc.returncode == 3, proc.stderr
        assert f"2 ports match name '{name}'" in proc.stderr
        for port in ports:
            assert port.id in proc.stderr
    finally:
        for port in ports:
            conn.network.delete_port(port, ignore_missing=True)


def test_unbound_port(lab, conn, unreachable_inventory):
    network_id = lab["networks"]["vlan"]["id"]
    port = conn.network.create_port(network_id=network_id,
                                    name=f"ndsafe-unbound-{uuid.uuid4().hex[:8]}")
    try:
        proc, _ = _refused([port.id], unreachable_inventory)
        assert proc.returncode == 3, proc.stderr
        assert f"Port {port.id} is not bound" in proc.stderr
    finally:
        conn.network.delete_port(port, ignore_missing=True)


# -- 3. a host whose sshd is down ------------------------------------------
def test_host_with_sshd_down(lab, fault):
    inst = lab["instances"]["vlan1"]
    with fault(lab_faults.fault_stop_sshd, "network1"):
        started = time.monotonic()
        rc, doc = trace_json(inst["port_id"], "--connect-timeout", "2")
        elapsed = time.monotonic() - started
    states = {h["host"]: h["status"] for h in doc["hosts"]}
    assert states == {"compute1": "ok", "network1": "unreachable"}
    assert rc == 8, rc
    compute = [h for h in doc["hops"] if h["host"] == "compute1"]
    assert compute and all(h["status"] == "OK" for h in compute)
    network = [h for h in doc["hops"] if h["host"] == "network1"]
    assert network and all(h["status"] == "SKIP" for h in network)
    assert elapsed < 30


def _drop_ssh(host):
    """nft rule in the lab host's namespace dropping packets to its sshd."""
    run = lab_faults.lab_exec
    run(host, "nft", "add", "table", "inet", "ndsafe")
    run(host, "nft", "add", "chain", "inet", "ndsafe", "input",
        "{ type filter hook input priority 0 ; policy accept ; }")
    run(host, "nft", "add", "rule", "inet", "ndsafe", "input", "tcp", "dport",
        "22", "drop")
    return lambda: run(host, "nft", "delete", "table", "inet", "ndsafe",
                       check=False)


def test_host_dropping_packets_is_unreachable_in_time(lab):
    port_id = lab["instances"]["vlan1"]["port_id"]
    started = time.monotonic()
    rc, _ = trace_json(port_id, "--connect-timeout", "2")
    healthy = time.monotonic() - started
    assert rc == 0
    restore = _drop_ssh("network1")
    try:
        started = time.monotonic()
        rc, doc = trace_json(port_id, "--connect-timeout", "2")
        elapsed = time.monotonic() - started
    finally:
        restore()
    states = {h["host"]: h["status"] for h in doc["hosts"]}
    assert states == {"compute1": "ok", "network1": "unreachable"}
    assert rc == 8, rc
    compute = [h for h in doc["hops"] if h["host"] == "compute1"]
    assert compute and all(h["status"] == "OK" for h in compute)
    # The connect timeout plus one second, over a healthy run's time.
    assert elapsed < healthy + 2 + 1, (elapsed, healthy)


# -- 9. secrets ------------------------------------------------------------
SENTINEL = "NDSAFE-SENTINEL-" + uuid.uuid4().hex


def _clouds_with_token(tmp_path):
    """The lab cloud authenticated with a sentinel token (admin_token:
    Neutron runs noauth, so the token travels but is not checked).
    """
    data = yaml.safe_load(CLOUDS_YAML.read_text())
    cloud = data["clouds"][CLOUD]
    cloud["auth_type"] = "admin_token"
    cloud["auth"] = {"token": SENTINEL,
                     "endpoint": cloud["network_endpoint_override"]}
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _watch_command_lines(stop, seen):
    while not stop.is_set():
        ps = subprocess.run(["ps", "-ww", "-eo", "args="], capture_output=True,
                            text=True).stdout
        seen.extend(ps.splitlines())
        time.sleep(0.05)


def test_secrets_appear_nowhere(lab, tmp_path):
    clouds = _clouds_with_token(tmp_path)
    capture = tmp_path / "capture"
    seen, stop = [], threading.Event()
    watcher = threading.Thread(target=_watch_command_lines, args=(stop, seen))
    watcher.start()
    try:
        proc = netdiag("port", "trace", lab["instances"]["vlan1"]["port_id"],
                       "--save-capture", str(capture), clouds=clouds,
                       debug=True)
    finally:
        stop.set()
        watcher.join()
    assert proc.returncode == 0, proc.stderr[-2000:]
    # The token was used: keystoneauth logs it, hashed.
    assert "X-Auth-Token: {SHA256}" in proc.stderr
    assert SENTINEL not in proc.stdout
    assert SENTINEL not in proc.stderr
    # Every command line on this machine and the lab hosts (they share its
    # PID namespace) sampled during the run: the client's, sshd's, the
    # remote "sh -s" (its commands come on stdin; the capture below holds
    # each argv that was run).
    assert any("netdiag port trace" in line for line in seen)
    assert [line for line in seen if SENTINEL in line] == []
    for path in capture.rglob("*"):
        if path.is_file():
            assert SENTINEL not in path.read_text(errors="replace"), path
