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

"""The container hint against a real container runtime: a host (a namespace
with its own sshd) whose login has no ``ovs-vsctl`` on its PATH, only
``timeout``, ``ip`` and ``podman``, and a running Podman container named
like kolla's ``openvswitch_vswitchd`` with a real ovsdb-server in it
(tests/safety/podman_ovs.py). ``host check`` names the container and the
exact ``exec_prefix``; with that prefix in the inventory, the same check's
Open vSwitch commands run in the container and read its ``br-int``.
"""

import json
import pathlib
import shutil

import pytest

from osc_netdiag import hostcheck
from osc_netdiag.inventory import Inventory
from osc_netdiag import models
from osc_netdiag.transport.ssh import SSHTransport
from tests.safety import extra_sshd
from tests.safety import podman_ovs

HEALTHY = (pathlib.Path(__file__).parents[1] / "fixtures" / "hostcheck" /
           "healthy")
PORT = 2207
PREFIX = "podman exec openvswitch_vswitchd"


@pytest.fixture(scope="module")
def container():
    why = podman_ovs.missing()
    if why:
        pytest.skip(why)
    box = podman_ovs.start()
    try:
        yield box
    finally:
        box.remove()


@pytest.fixture(scope="module")
def host(nshost, container):
    """An sshd in the namespace whose root login's PATH has no ovs-vsctl
    and whose podman sees the container's storage.
    """
    tools = container.folder / "bin"
    tools.mkdir()
    for tool in ("timeout", "ip", "podman"):
        (tools / tool).symlink_to(shutil.which(tool))
    env = " ".join(f"{k}={v}" for k, v in container.env().items())
    server = extra_sshd.start(
        nshost, nshost.address, PORT,
        extra=f"Match User root\n    SetEnv PATH={tools} {env}\n",
        # podman exec joins the container's cgroups: this machine's /sys
        mounts_too=False)
    known = server.folder / "known_hosts"
    known.write_text(server.known_hosts_entry())
    try:
        yield server, known
    finally:
        server.stop()


def _check(host, **entry):
    server, known = host
    data = json.loads((HEALTHY / "context.json").read_text())
    data["hosts"] = ["compute1"]
    entry.update(address=server.address, port=PORT, user="root",
                 key=str(server.client_key), connect_timeout=3)
    inventory = Inventory(hosts={"compute1": entry}, known_hosts=[str(known)],
                          ssh_config_path=str(server.folder / "none"))
    transport = SSHTransport(known_hosts_files=inventory.known_hosts_files,
                             connect_timeout=3, banner_timeout=3,
                             auth_timeout=3, allow_agent=False)
    return hostcheck.check_context(
        hostcheck.HostCheckContext.from_json(data), inventory=inventory,
        transport=transport)


def test_the_hint_names_the_container_and_its_prefix(host):
    result = _check(host)
    hinted = [f for f in result.findings
              if f.code == "NETDIAG_OVS_IN_CONTAINER"]
    assert len(hinted) == 1, [f.code for f in result.findings]
    assert hinted[0].subject == "compute1"
    assert f"exec_prefix '{PREFIX}'" in hinted[0].summary
    assert f"'exec_prefix: {PREFIX}'" in hinted[0].remedy
    assert "podman container openvswitch_vswitchd" in hinted[0].remedy


def test_with_that_prefix_the_commands_work(host):
    result = _check(host, exec_prefix=PREFIX)
    codes = [f.code for f in result.findings]
    assert "NETDIAG_OVS_IN_CONTAINER" not in codes
    (report,) = result.hosts
    assert report.status == models.HOST_OK, report
    # the container's br-int, read through the prefix, is a hop of the check
    assert any(r.host == "compute1" and r.device == "br-int"
               for r in result.rows), [(r.device, r.state) for r in
                                       result.rows]
