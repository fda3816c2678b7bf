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

"""Bridges given to ``ovs-ofctl`` pass a narrower allow-list than other
device names: ':' and '@' would let the argument name a connection
(``tcp:HOST:PORT``, ``unix:...``) instead of a local bridge, and the
published sudoers file grants exactly this pattern.
"""

import pytest

from osc_netdiag.errors import UnsafeNameError
from osc_netdiag import names
from osc_netdiag import probes


@pytest.mark.parametrize("name", ["br-int", "br-tun", "br-ex", "br_eth1",
                                  "br.100", "a" * 15])
def test_bridges_pass(name):
    assert names.checked_bridge(name) == name
    assert probes.dump_flows(name, "table=0").argv == (
        "ovs-ofctl", "dump-flows", name, "table=0")


@pytest.mark.parametrize("name", ["tcp:192.0.2.1", "ssl:x", "unix:/x",
                                  "br@int", "-br", "--log-file=x", ".br",
                                  "br int", "br-int\n", "", "a" * 16, None])
def test_other_names_are_refused(name):
    with pytest.raises(UnsafeNameError):
        names.checked_bridge(name)
    with pytest.raises(UnsafeNameError):
        probes.dump_flows(name, "table=0")


@pytest.mark.parametrize("flow_filter", ["-vfile:dbg", "--log-file=/x",
                                         "table=0 x", ""])
def test_filters_starting_with_a_dash_are_refused(flow_filter):
    with pytest.raises(UnsafeNameError):
        probes.dump_flows("br-int", flow_filter)
