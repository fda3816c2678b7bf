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

"""``host check``: is an ML2/OVS host wired the way its agent and the API say?

For each host: its interfaces (``ip a``; virbr0 ignored, as the Operations
Guide says), the bridges the Open vSwitch agent's configuration expects
(integration, tunnel, every ``bridge_mappings`` bridge), the patch pairs
between them, the tunnel ports against the other agents' ``tunneling_ip``,
interfaces OVS could not open, the agent's liveness against its bridges'
OpenFlow controller connection, and the ``qrouter-``/``qdhcp-`` namespaces
against the routers and networks Neutron hosts there. The checks are the
hosts' backend's ``HOST_CHECK`` (ML2/OVS:
:mod:`osc_netdiag.backends.ml2_ovs.hostcheck`), the backend chosen from
the agents Neutron lists on the hosts.

"""

import dataclasses

from osc_netdiag import backends
from osc_netdiag import exitcodes
from osc_netdiag import runner

# the API side, and reading it (the names scripts and tests know)
from osc_netdiag.context import HostCheckContext  # noqa: F401
from osc_netdiag.resolve.hosts import resolve_context

# -- the result ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class HostCheck:
    rows: tuple                 # of models.Hop
    findings: tuple
    hosts: tuple                # of models.HostReport
    round_trips: int
    exit_code: int
    # ((host, seconds spent reading it), ...): for --prometheus-file; not in
    # to_dict, whose output stays the same from run to run
    durations: tuple = ()

    def to_dict(self):
        return {"exit_code": self.exit_code,
                "rows": [r.to_dict() for r in self.rows],
                "findings": [f.to_dict() for f in self.findings],
                "hosts": [dataclasses.asdict(h) for h in self.hosts]}


def check_context(context, **options):
    """Read the hosts of a resolved HostCheckContext and check them;
    ``options``: those of ``runner.Run``.
    """
    # a capture keeps the hosts' agents: they choose the backend again
    check = backends.diagnosis(backends.for_hosts(context.agent_types()),
                               "HOST_CHECK", "host check")
    inventory = options.get("inventory")
    if context.ovn_db_host is None and \
            getattr(inventory, "ovn_db_host", None):
        # kept in the context, so --save-capture replays the same plan
        context = dataclasses.replace(context,
                                      ovn_db_host=inventory.ovn_db_host)
    report, hosts, round_trips, elapsed = runner.run_plan_timed(
        check.plan(context), lambda views: check.evaluate(context, views),
        context_json=context.to_json(), **options)
    return HostCheck(rows=tuple(report.hops), findings=tuple(report.findings),
                     hosts=hosts, round_trips=round_trips,
                     exit_code=exitcodes.for_report(report.findings, hosts),
                     durations=tuple(sorted(elapsed.items())))


def check_hosts(connection, hosts=(), *, all_hosts=False, **options):
    """``host check``: resolve the hosts' agents in the API, then read them."""
    context = resolve_context(connection, hosts, all_hosts=all_hosts)
    return check_context(context, **options)


def check_from_capture(capture_dir, *, latency=0.0,
                       max_workers=runner.DEFAULT_WORKERS):
    """Re-run a host check offline from a ``--save-capture`` directory."""
    data, options = runner.replay_options(capture_dir, latency=latency,
                                          max_workers=max_workers)
    return check_context(HostCheckContext.from_json(data), **options)
