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

"""``--max-output <MiB>``: parsed with the other host-access options, a
usage error out of range, and the caps of both transports it makes.
"""

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.transport import limits
from osc_netdiag.transport.routing import RoutingTransport
from osc_netdiag.v1 import host as host_cmd
from osc_netdiag.v1 import port as port_cmd

MIB = limits.MIB


def _parse(*argv):
    return port_cmd.TracePort(None, None).get_parser("x").parse_args(
        ["vm-port", *argv])


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "lots", "4097"])
def test_out_of_range_is_a_usage_error(capsys, value):
    with pytest.raises(SystemExit) as exc:
        _parse(f"--max-output={value}")
    assert exc.value.code == exitcodes.USAGE
    assert (f"argument --max-output: expected a whole number from 1 to "
            f"4096, got '{value}'") in capsys.readouterr().err


def test_default_and_raised_caps_reach_both_transports(tmp_path):
    command = host_cmd.CheckHost(None, None)
    parser = command.get_parser("x")
    inventory = None
    default = command.transport(parser.parse_args([]), inventory)
    assert default.output_limits == limits.OutputLimits(16 * MIB, 64 * MIB)
    raised = command.transport(
        parser.parse_args(["--max-output", "100", "--local", "here"]),
        inventory)
    assert isinstance(raised, RoutingTransport)
    caps = limits.OutputLimits(100 * MIB, 400 * MIB)
    assert raised.local.output_limits == caps
    assert raised.remote.output_limits == caps
