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

"""Truncated output is reported as partial (SKIP, exit code 8), never OK.

Two ways output gets cut: inside one command's output (the parsers refuse
output without its final newline) and in the framed stream of a batch
(the closing markers never arrive). Both are applied to real recorded
traces from the lab (tests/fixtures/scenarios), in a copy.
"""

import json
import pathlib
import shutil
import subprocess

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from osc_netdiag import api
from osc_netdiag import context as ctx_mod
from osc_netdiag import exitcodes
from osc_netdiag import models
from osc_netdiag import runner
from osc_netdiag.transport.base import Command
from osc_netdiag.transport.base import HostSession
from osc_netdiag.transport.base import Transport
from osc_netdiag.transport import replay
from osc_netdiag.transport import script

SCENARIOS = pathlib.Path(__file__).parents[1] / "fixtures" / "scenarios"
HEALTHY = ("vlan-healthy", "vxlan-healthy")


def _outputs():
    for scenario in HEALTHY:
        for host_file in sorted((SCENARIOS / scenario / "hosts").glob("*.json")):
            data = json.loads(host_file.read_text())
            for command in data["commands"]:
                if command["stdout"]:
                    yield scenario, host_file.stem, command["name"]


@pytest.mark.parametrize("scenario,host,probe", list(_outputs()))
def test_output_cut_inside_a_command_is_never_ok(scenario, host, probe,
                                                 tmp_path):
    capture = tmp_path / "capture"
    shutil.copytree(SCENARIOS / scenario, capture)
    path = capture / "hosts" / f"{host}.json"
    data = json.loads(path.read_text())
    [command] = [c for c in data["commands"] if c["name"] == probe]
    full = command["stdout"]
    # Cut two thirds in, then back to the middle of a line: what a stream
    # cut at an arbitrary byte looks like.
    cut = full[: max(1, 2 * len(full) // 3)]
    if cut.endswith("\n"):
        cut = cut[:-1]
    command["stdout"] = cut
    path.write_text(json.dumps(data))

    trace = api.trace_from_capture(str(capture))
    assert trace.exit_code == exitcodes.UNREADABLE
    [report] = [h for h in trace.hosts if h.host == host]
    assert report.status != models.HOST_OK
    assert probe in report.message
    assert any(h.status.value == "SKIP" and h.host == host for h in trace.hops)


class FramedReplay(Transport):
    """Recorded outputs sent through the real framed script and a real sh,
    with the batch's stdout cut at ``fraction`` of its length.
    """

    def __init__(self, capture_dir, workdir, fraction):
        self.capture_dir = capture_dir
        self.workdir = pathlib.Path(workdir)
        self.fraction = fraction
        self.cut = False

    def open(self, target):
        folder = self.workdir / target.name      # hosts run in parallel
        folder.mkdir()
        return _FramedSession(self, folder, replay.ReplayTransport(
            self.capture_dir).open(target))


class _FramedSession(HostSession):
    def __init__(self, owner, folder, recorded):
        self.owner = owner
        self.folder = folder
        self.recorded = recorded
        self.round_trips = 0

    def run(self, commands):
        self.round_trips += 1
        wrapped = []
        for index, result in enumerate(self.recorded.run(commands)):
            out = self.folder / f"{result.name.replace('/', '_')}.{index}"
            out.write_text(result.stdout)
            wrapped.append(Command(result.name, ("cat", str(out))))
        nonce = script.new_nonce()
        text = script.build_script(wrapped, sudo=False, nonce=nonce)
        proc = subprocess.run(["/bin/sh", "-s"], input=text.encode(),
                              capture_output=True, timeout=60, check=True)
        stdout = proc.stdout.decode()
        keep = int(len(stdout) * self.owner.fraction)
        if keep < len(stdout):
            self.owner.cut = True
        return script.parse_framed(stdout[:keep], proc.stderr.decode(),
                                   commands, nonce, sudo=False)


def _rows(trace):
    return [(h.host, h.device, h.kind, h.state, h.status) for h in trace.hops]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(scenario=st.sampled_from(HEALTHY),
       fraction=st.one_of(st.floats(0.0, 1.0), st.just(1.0),
                          st.floats(0.97, 0.99999)))
def test_batch_stream_cut_anywhere_is_never_ok(scenario, fraction,
                                               tmp_path_factory):
    capture = SCENARIOS / scenario
    context = ctx_mod.PortContext.from_json(
        replay.load_json(str(capture), runner.CONTEXT_FILE))
    transport = FramedReplay(str(capture), tmp_path_factory.mktemp("out"),
                             fraction)
    trace = api.trace_context(context, transport=transport)
    if not transport.cut:
        # Uncut, the real framing gives back exactly the recorded outputs.
        assert trace.exit_code == exitcodes.OK
        assert _rows(trace) == _rows(api.trace_from_capture(str(capture)))
        return
    assert trace.exit_code == exitcodes.UNREADABLE
    assert any(h.status != models.HOST_OK for h in trace.hosts)
    assert any(h.status.value == "SKIP" for h in trace.hops)
