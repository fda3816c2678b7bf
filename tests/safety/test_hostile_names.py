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

"""Hostile names from Neutron and from hosts are data, never commands.

Port, network, router and DHCP port names from the API never reach an argv
(device names are derived from UUIDs); names read from hosts must pass the
allow-list of osc_netdiag.names; every argv element is quoted. Checked on
the commands a real trace plans and sends, through the real script builder
and a real sh over SSH, and as a property over generated names.
"""

import json
import pathlib
import shutil
import tempfile
import uuid

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from osc_netdiag import api
from osc_netdiag.backends.ml2_ovs import trace as ovs
from osc_netdiag import context as ctx_mod
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag import names
from osc_netdiag import runner
from osc_netdiag.transport.base import HostSession
from osc_netdiag.transport.base import Transport
from osc_netdiag.transport import replay
from osc_netdiag.transport import script

SCENARIO = (pathlib.Path(__file__).parents[1] / "fixtures" / "scenarios"
            / "vlan-healthy")
CANARY_DIR = pathlib.Path(tempfile.gettempdir())


def hostile_names(canary):
    touch = f"touch {canary}"
    return [
        f"a;{touch}", f"$({touch})", f"`{touch}`", f"-oProxyCommand={touch}",
        f"'; {touch}; '", f'"; {touch}; "', f"x\n{touch}\n", f"|| {touch} &",
        "\u00e9\u2713\u0416" * 85,                      # 255 characters
        "\u202e" + touch, "-" * 255, "",
    ]


def context_json():
    return json.loads((SCENARIO / "context.json").read_text())


def renamed(data, name):
    """The recorded context with every Neutron name replaced by ``name``."""
    data = json.loads(json.dumps(data))
    data["port"]["name"] = name
    data["network"]["name"] = name
    if data.get("router"):
        data["router"]["name"] = name
    for port in data.get("dhcp_ports", ()):
        port["name"] = name
    return ctx_mod.PortContext.from_json(data)


def planned_argvs(context):
    return {host: [p.argv for p in probes]
            for host, probes in ovs.plan(context).items()}


HEALTHY_PLAN = planned_argvs(renamed(context_json(), "vlan-net"))


class Recording(Transport):
    """Replay the recorded outputs; keep every script that would be sent."""

    def __init__(self, capture_dir):
        self.inner = replay.ReplayTransport(capture_dir)
        self.scripts = []

    def open(self, target):
        return _RecordingSession(self, self.inner.open(target))


class _RecordingSession(HostSession):
    def __init__(self, owner, inner):
        self.owner = owner
        self.inner = inner

    @property
    def round_trips(self):
        return self.inner.round_trips

    def run(self, commands):
        # As it would travel, with every prefix a host may configure.
        self.owner.scripts.append(script.build_script(
            commands, sudo=True, exec_prefix=("docker", "exec", "ovs"),
            nonce=script.new_nonce()))
        return self.inner.run(commands)


def _hop_rows(trace):
    return [(h.host, h.device, h.kind, h.state, h.status) for h in trace.hops]


@pytest.mark.parametrize("index", range(len(hostile_names("C"))))
def test_hostile_neutron_names_change_nothing_sent(index):
    canary = CANARY_DIR / f"ndsafe-canary-{uuid.uuid4().hex}"
    name = hostile_names(canary)[index]
    context = renamed(context_json(), name)
    assert planned_argvs(context) == HEALTHY_PLAN
    transport = Recording(str(SCENARIO))
    trace = api.trace_context(context, transport=transport)
    healthy = api.trace_from_capture(str(SCENARIO))
    assert _hop_rows(trace) == _hop_rows(healthy)
    assert trace.exit_code == healthy.exit_code == 0
    assert transport.scripts
    for text in transport.scripts:
        assert str(canary) not in text
        if name:
            assert name not in text


@settings(max_examples=150, deadline=None)
@given(name=st.text(st.characters(blacklist_categories=("Cs",)),
                    max_size=255))
def test_any_neutron_name_leaves_the_plan_unchanged(name):
    assert planned_argvs(renamed(context_json(), name)) == HEALTHY_PLAN


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(
    st.text(max_size=40),
    st.builds(lambda a, b: a + b, st.from_regex(r"[a-z][a-z0-9-]{0,10}",
                                                fullmatch=True),
              st.sampled_from(["\n", "\r", "\t", " ", ";", "$", "`", "\x00",
                               "'", '"', "\u00e9"]))))
def test_host_names_pass_the_allow_list_or_are_refused(text):
    for check in (names.checked_device, names.checked_netns,
                  names.checked_flow_filter):
        try:
            checked = check(text)
        except UnsafeNameError:
            continue
        assert checked == text
        assert not checked.startswith("-")
        assert checked.isascii() and checked.isprintable()
        assert not set(checked) & set(" \t\r\n;$`'\"\\|&<>()*?")


@pytest.mark.parametrize("name", ["br-int\n", "qdhcp-x\n", "table=0\n",
                                  "tap1234\r", "br-ex\n\n"])
def test_trailing_newline_is_refused(name):
    # Python's "$" matches before a final newline: the allow-lists use \Z.
    for check in (names.checked_device, names.checked_netns,
                  names.checked_flow_filter):
        with pytest.raises(UnsafeNameError):
            check(name)


def test_hostile_interface_names_read_from_a_host(tmp_path):
    """A host reporting hostile interface/port names: parsed as data."""
    canary = CANARY_DIR / f"ndsafe-canary-{uuid.uuid4().hex}"
    capture = tmp_path / "capture"
    shutil.copytree(SCENARIO, capture)
    path = capture / "hosts" / "compute1.json"
    data = json.loads(path.read_text())
    for command in data["commands"]:
        if command["name"] == "ip-addr":
            links = json.loads(command["stdout"])
            extra = dict(links[-1], ifindex=9999,
                         ifname=f"$(touch {canary})")
            command["stdout"] = json.dumps(links + [extra]) + "\n"
    path.write_text(json.dumps(data))
    transport = Recording(str(capture))
    context = ctx_mod.PortContext.from_json(
        replay.load_json(str(capture), runner.CONTEXT_FILE))
    trace = api.trace_context(context, transport=transport)
    assert trace.exit_code == 0
    assert _hop_rows(trace) == _hop_rows(api.trace_from_capture(str(SCENARIO)))
    for text in transport.scripts:
        assert str(canary) not in text
    with pytest.raises(UnsafeNameError):
        names.checked_device(f"$(touch {canary})")
    assert not canary.exists()


def test_hostile_names_over_real_ssh_run_nothing(nshost, mixed_trace):
    """The whole trace over SSH to a real sh: no canary file appears."""
    canaries = []
    for name in hostile_names("X"):
        canary = CANARY_DIR / f"ndsafe-canary-{uuid.uuid4().hex}"
        canaries.append(canary)
        name = name.replace("X", str(canary))
        trace = mixed_trace(context=renamed(context_json(), name))
        states = {h.host: h.status for h in trace.hosts}
        assert states["network1"] == "ok"
        # compute1 is the namespace host: read for real, not a lab node.
        assert states["compute1"] in ("ok", "error")
        assert {h.host for h in trace.hops} >= {"compute1", "network1"}
    assert [c for c in canaries if c.exists()] == []
    log = nshost.log_text()
    assert "ndsafe-canary" not in log


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(arg=st.text(st.characters(blacklist_categories=("Cs",),
                                 blacklist_characters="\x00"), max_size=60))
def test_generated_arguments_round_trip_over_ssh(nshost, arg):
    from osc_netdiag.transport.base import Command
    from osc_netdiag.transport.ssh import SSHTransport
    with SSHTransport(connect_timeout=2, allow_agent=False).open(
            nshost.target()) as session:
        [result] = session.run([Command("printf", ("printf", "%s", arg))])
    assert result.ok
    assert result.stdout == arg
