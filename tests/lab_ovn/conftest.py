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

"""Fixtures for tests against the ML2/OVN lab (``tools/lab up --backend
ovn``; doc/source/lab.rst). The session fixture ``ovn_lab`` brings it up
if ``tools/lab --flavour ovn status`` says it is not, and returns the
status; one test session at a time holds ``.lab-ovn/tests.lock``.
"""

import fcntl
import json
import os
import subprocess

import pytest

from tests.lab_ovn import ovn_faults

LAB_DIR = os.path.join(ovn_faults.REPO, ".lab-ovn")
UP_TIMEOUT = 1200


@pytest.fixture(scope="session")
def ovn_lab():
    if os.geteuid() != 0:
        pytest.skip("needs root: the OVN lab (network namespaces, OVN, sshd)")
    os.makedirs(LAB_DIR, exist_ok=True)
    with open(os.path.join(LAB_DIR, "tests.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        status = json.loads(ovn_faults.tool("status").stdout)
        if not status.get("up"):
            ovn_faults.tool("up", timeout=UP_TIMEOUT)
            status = json.loads(ovn_faults.tool("status").stdout)
        assert status.get("up"), "the OVN lab did not come up: %s" % status
        yield status


def trace(status, name, *extra):
    """``openstack netdiag port trace`` of instance ``name``, -f json:
    (exit code, parsed output).
    """
    env = dict(os.environ,
               OS_CLIENT_CONFIG_FILE=os.path.join(LAB_DIR, "clouds.yaml"),
               PYTHONPATH=ovn_faults.REPO)
    cp = subprocess.run(
        [os.path.join(ovn_faults.REPO, ".venv", "bin", "openstack"),
         "--os-cloud", "netdiag-lab", "netdiag", "port", "trace",
         status["instances"][name]["port_id"], "-f", "json", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=180,
        env=env)
    return cp.returncode, (json.loads(cp.stdout) if cp.stdout.strip() else None)


@pytest.fixture
def fault(ovn_lab):
    """Inject ``fault_fn`` for instance ``name``; restored at the end even
    when the test fails.
    """
    restores = []

    def inject(fault_fn, name):
        restores.append(fault_fn(ovn_lab, name))
    yield inject
    for restore in reversed(restores):
        restore()


def netdiag(*argv):
    """``openstack netdiag ARGV -f json`` on the OVN lab: (exit code,
    parsed output).
    """
    env = dict(os.environ,
               OS_CLIENT_CONFIG_FILE=os.path.join(LAB_DIR, "clouds.yaml"),
               PYTHONPATH=ovn_faults.REPO)
    cp = subprocess.run(
        [os.path.join(ovn_faults.REPO, ".venv", "bin", "openstack"),
         "--os-cloud", "netdiag-lab", "netdiag", *argv, "-f", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=180,
        env=env)
    return cp.returncode, (json.loads(cp.stdout) if cp.stdout.strip() else None)
