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

"""The firewall hop of ``port trace``: one row per port on its compute
host, the driver, whether the host is in sync with the API, and the
inbound policy in a line; the driver's findings come with it, so a port
whose firewall flows are gone makes the trace exit 4.

The trace reads each host once, so the probes are planned before the
port's ofport is known: the openvswitch view reads table 60 and the
whole firewall tables and keeps the port's flows here.
"""

from osc_netdiag.backends.ml2_ovs import fw_openvswitch
from osc_netdiag.backends.ml2_ovs import fw_ovs_check
from osc_netdiag.checks.engine import Report
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.models import Evidence
from osc_netdiag.models import Status
from osc_netdiag.sgrules import group_names
from osc_netdiag.sgrules import inbound_policy

try:        # the iptables_hybrid view, where this build has it
    from osc_netdiag.backends.ml2_ovs import fw_hybrid
except ImportError:                         # pragma: no cover
    fw_hybrid = None

KIND = "firewall"


def _driver(intent):
    if not intent.port_filter:
        return "noop", None
    if intent.hybrid_plug:
        return "iptables_hybrid", fw_hybrid
    return "openvswitch", fw_openvswitch


def probes(context):
    """The compute host's firewall probes.

    None when the API's side of the firewall was not read.
    """
    intent = context.firewall
    if intent is None:
        return []
    name, module = _driver(intent)
    if module is fw_openvswitch:
        return fw_openvswitch.whole_table_probes(intent.integration_bridge)
    if module is not None:
        return list(module.probes(intent.port_id))
    return []


def _judge(module, intent, view):
    if module is fw_openvswitch:
        report = Report()
        fw_ovs_check.check_port(report, view, intent,
                                intent.integration_bridge, whole_tables=True)
        return report.hops, report.findings
    return module.judge(intent, view)


def _group_evidence(intent):
    """The remote groups the inbound line names, with their IDs.

    The row names them by name; ``--long`` and JSON show this evidence.
    """
    names = group_names(intent)
    wanted = sorted({r.remote_group_id for r in intent.rules
                     if r.direction == "ingress" and r.remote_group_id})
    return tuple(Evidence("api", f"openstack security group show {gid}",
                          (f"name {names.get(gid) or '-'}",))
                 for gid in wanted)


def check(report, context, view):
    """Add the firewall hop of the port to the trace's report."""
    intent = context.firewall
    if intent is None:
        return
    name, module = _driver(intent)
    policy = inbound_policy(intent)
    if module is None:
        state = "not filtered" if name == "noop" else "not read"
        report.hop(view.host, "firewall", KIND, state,
                   f"{name}; {policy}",
                   Status.OK if name == "noop" else Status.SKIP,
                   _group_evidence(intent))
        return
    try:
        hops, findings = _judge(module, intent, view)
    except Unreadable as exc:
        report.skipped(view.host, "firewall", KIND, exc)
        return
    for item in findings:
        if item not in report.findings:
            report.findings.append(item)
    bad = [h for h in hops if h.status in (Status.ERROR, Status.WARN)]
    wrong = [f"{h.device}: {h.state}" for h in bad]
    status = Status.ERROR if any(h.status == Status.ERROR for h in bad) \
        else Status.WARN if bad else Status.OK
    state = "out of sync" if bad else "in sync"
    detail = f"{name}; {policy}"
    if wrong:
        detail += "; " + "; ".join(wrong[:5]) + \
            (f" (+{len(wrong) - 5} more)" if len(wrong) > 5 else "")
    report.hop(view.host, "firewall", KIND, state, detail, status,
               _group_evidence(intent))
