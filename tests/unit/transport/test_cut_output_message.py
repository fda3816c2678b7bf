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

"""A command whose output the byte cap cut is a skipped hop that says so:
the transport's message reaches the operator when the command itself
printed nothing on stderr (and the command's own stderr still wins).
"""

import pytest

from osc_netdiag.checks.engine import HostView
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag import models
from osc_netdiag import probes
from osc_netdiag.transport.base import CommandResult
from osc_netdiag.transport.base import HostTarget
from osc_netdiag.transport.pool import HostOutcome

CUT = "output cut at 16777216 bytes (the command sent at least 16777217)"


def _read(stderr):
    probe = probes.ovs_bridges()
    result = CommandResult(name=probe.name, argv=probe.command.argv,
                           stdout="{", stderr=stderr, exit_status=None,
                           status=models.HOST_ERROR, message=CUT)
    outcome = HostOutcome(HostTarget(name="compute1", address="198.18.0.11"),
                          results=[result])
    view = HostView("compute1", outcome, [probe])
    with pytest.raises(Unreadable) as caught:
        view.read(probe)
    return caught.value


def test_cut_output_names_the_cut():
    exc = _read(stderr="")
    assert exc.status == models.HOST_ERROR
    # never finished: no exit code
    assert exc.message == "error, exit -: " + CUT


def test_the_commands_own_stderr_comes_first():
    assert _read(stderr="ovs-vsctl: unix:/x: database connection failed\n"
                 ).message == ("error, exit -: "
                               "ovs-vsctl: unix:/x: database connection failed")
