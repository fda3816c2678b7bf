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

"""Fixtures of the safety tests: a real sshd in its own namespace."""

import threading

import pytest

from tests.safety import nsssh


@pytest.fixture(scope="session")
def nshost():
    why = nsssh.available()
    if why:
        pytest.skip(why)
    host = nsssh.create()
    try:
        yield host
    finally:
        host.remove()


@pytest.fixture
def fresh_nshost():
    """A namespace host of its own, for faults that upset its sshd."""
    why = nsssh.available()
    if why:
        pytest.skip(why)
    host = nsssh.create(index_hint=8)
    try:
        yield host
    finally:
        host.remove()


@pytest.fixture
def no_leftover_threads():
    """Fail a test that leaves a thread of ours running."""
    before = set(threading.enumerate())
    yield
    deadline = 3.0
    import time
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        extra = [t for t in threading.enumerate()
                 if t not in before and t.is_alive()]
        if not extra:
            return
        time.sleep(0.05)
    pytest.fail(f"threads left behind: {extra}")


@pytest.fixture
def mixed_trace(nshost, tmp_path):
    """Trace a recorded lab port with compute1 behind the namespace sshd.

    The context and network1's outputs come from a real recorded trace
    (tests/fixtures/scenarios/vlan-healthy); compute1 is reached over SSH
    at the namespace host, so its faults are real ones.
    """
    import pathlib

    from osc_netdiag import api
    from osc_netdiag import context as ctx_mod
    from osc_netdiag.inventory import Inventory
    from osc_netdiag import runner
    from osc_netdiag.transport import replay
    from osc_netdiag.transport.routing import RoutingTransport
    from osc_netdiag.transport.ssh import SSHTransport

    scenario = (pathlib.Path(__file__).parents[1] / "fixtures" / "scenarios"
                / "vlan-healthy")

    def trace(connect_timeout=2.0, context=None, **host):
        entry = dict(address=nshost.address, user="root",
                     key=str(nshost.client_key),
                     connect_timeout=connect_timeout)
        entry.update(host)
        inventory = Inventory(hosts={"compute1": entry},
                              known_hosts=[str(nshost.known_hosts)],
                              ssh_config_path=str(tmp_path / "no-ssh-config"))
        ssh = SSHTransport(known_hosts_files=inventory.known_hosts_files,
                           connect_timeout=connect_timeout,
                           banner_timeout=connect_timeout,
                           auth_timeout=connect_timeout, allow_agent=False)
        transport = RoutingTransport(ssh, replay.ReplayTransport(str(scenario)),
                                     local_names=["compute1"])
        if context is None:
            context = ctx_mod.PortContext.from_json(
                replay.load_json(str(scenario), runner.CONTEXT_FILE))
        return api.trace_context(context, inventory=inventory,
                                 transport=transport)

    trace.healthy = api.trace_from_capture(str(scenario))
    trace.scenario = scenario
    return trace
