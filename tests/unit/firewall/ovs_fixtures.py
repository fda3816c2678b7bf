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

"""br-int's flows of the lab's compute1 (openvswitch firewall driver), as
``ovs-ofctl dump-flows br-int`` printed them (tests/fixtures/firewall/
openvswitch/compute1-br-int-dump-flows.out), served per probe the way the
host filters them: ``table=T,reg5=N`` keeps the lines of table T whose
match has ``reg5=0xN`` (ovs-ofctl's non-strict filter), ``table=T`` the
whole table. Taken with the API bodies of api_fixtures at the same time:
the vxlan1 port is ofport 5 on local VLAN 3."""

import pathlib
import re

from osc_netdiag.backends.ml2_ovs import fw_openvswitch
from osc_netdiag.checks.engine import HostView
from osc_netdiag.transport.base import CommandResult
from osc_netdiag.transport.pool import HostOutcome

OVS = pathlib.Path(__file__).parents[2] / "fixtures" / "firewall" / \
    "openvswitch"
DUMP = (OVS / "compute1-br-int-dump-flows.out").read_text()
OFPORT, LVID = 5, 3
HEADER = DUMP.splitlines()[0]


def filtered(text, flow_filter):
    """The lines of a whole-bridge dump that ``flow_filter`` selects."""
    wanted = dict(item.split("=") for item in flow_filter.split(","))
    lines = [HEADER]
    for line in text.splitlines()[1:]:
        if f" table={wanted['table']}," not in line:
            continue
        match = line.split(" actions=")[0]
        if all(re.search(rf"[, ]{k}=0x{int(v):x}[, ]", match + " ")
               for k, v in wanted.items() if k != "table"):
            lines.append(line)
    return "\n".join(lines) + "\n"


def view(text=DUMP, ofport=OFPORT, lvid=LVID, extra=()):
    """A HostView answering every flow probe of the port from ``text``.

    ``extra``: more (probe, stdout) pairs.
    """
    probes = fw_openvswitch.port_flow_probes(ofport, lvid)
    results = []
    for probe in probes:
        flow_filter = probe.argv[-1]
        results.append(CommandResult(probe.name, probe.argv,
                                     filtered(text, flow_filter), "", 0))
    for probe, stdout in extra:
        probes.append(probe)
        results.append(CommandResult(probe.name, probe.argv, stdout, "", 0))
    return HostView("compute1", HostOutcome(target=None, results=results),
                    probes)


def drop_lines(text, *needles):
    """``text`` without the lines holding every needle of one tuple."""
    out = []
    for line in text.splitlines():
        if any(all(n in line for n in group) for group in needles):
            continue
        out.append(line)
    return "\n".join(out) + "\n"
