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

"""``network vlan-map``: a network's segment <-> local VLAN on every host.

The Operations Guide's "find the internal VLAN for a segmentation ID"
(``ovs-ofctl dump-flows br-int | grep vlan=2113``, then the reverse flow on
br-eth1; ``tun_id=0x3`` on br-tun for tunnels), done on every host that
carries the network at once. One row per host and segment: the bridge, the
local VLAN, the ingress flow (segment -> local VLAN: br-int table 0, or
br-tun's tunnel table) and the egress flow (local VLAN -> segment: the
physical bridge's table 0, or br-tun's flood table with its tunnel outputs),
their packet counters and a status. The per-host reading is the
network's backend's ``SEGMENT_MAP`` (ML2/OVS:
:mod:`osc_netdiag.backends.ml2_ovs.segment_map`), the backend chosen from
the network's bound ports.
"""

import dataclasses

from osc_netdiag import backends
from osc_netdiag.checks.engine import Report
from osc_netdiag import exitcodes
from osc_netdiag import runner

# the API side, and reading it (the names scripts and tests know)
from osc_netdiag.context import VlanMapContext
from osc_netdiag.resolve.segments import resolve_context


# -- the result ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class VlanMap:
    network_id: str
    rows: tuple                 # of MapRow
    findings: tuple
    hosts: tuple                # of models.HostReport
    round_trips: int
    exit_code: int

    def to_dict(self):
        return {"network_id": self.network_id, "exit_code": self.exit_code,
                "rows": [r.to_dict() for r in self.rows],
                "findings": [f.to_dict() for f in self.findings],
                "hosts": [dataclasses.asdict(h) for h in self.hosts]}


def map_context(context, **options):
    """Read the hosts of a resolved VlanMapContext and map them;
    ``options``: those of ``runner.Run``.
    """
    rows = []
    # a capture keeps the agents that were read: they choose it again
    segment_map = backends.for_hosts(context.agent_types()).SEGMENT_MAP

    def evaluate(views):
        report = Report()
        for host in context.hosts:
            segment_map.evaluate_host(report, views[host], context, rows)
        return report

    report, hosts, round_trips = runner.run_plan(
        segment_map.plan(context), evaluate,
        context_json=context.to_json(), **options)
    return VlanMap(network_id=context.network.id, rows=tuple(rows),
                   findings=tuple(report.findings), hosts=hosts,
                   round_trips=round_trips,
                   exit_code=exitcodes.for_report(report.findings, hosts))


def vlan_map(connection, network, *, all_hosts=False, **options):
    """``network vlan-map``: resolve the network, then read every host."""
    context = resolve_context(connection, network, all_hosts=all_hosts)
    return map_context(context, **options)


def map_from_capture(capture_dir, *, latency=0.0,
                     max_workers=runner.DEFAULT_WORKERS):
    data, options = runner.replay_options(capture_dir, latency=latency,
                                          max_workers=max_workers)
    return map_context(VlanMapContext.from_json(data), **options)
