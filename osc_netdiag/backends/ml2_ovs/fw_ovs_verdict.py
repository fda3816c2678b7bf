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

"""The host's verdict on a packet, read from ``ofproto/trace`` on br-int.

The openvswitch driver's tables say it plainly: egress traffic that the
rules accept reaches table 91 (accepted egress) and ingress traffic
leaves by ``output:<the port's ofport>`` from table 81 or 82; traffic
of an unfiltered port goes to ``NORMAL`` switching (table 60); dropped
traffic reaches table 93, or ends in a firewall table's ``drop``. The
deciding flow is the last one of a rules table (72, 82) the packet
matched, else the last firewall flow before the end: that is the rule
(or its absence) that decided.
"""

from osc_netdiag.backends.ml2_ovs import fw_ovs_flows as flows
from osc_netdiag import secgroups as sg

FIREWALL_TABLES = flows.PORT_TABLES + (
    flows.ACCEPTED_EGRESS_TRAFFIC_TABLE, flows.ACCEPTED_INGRESS_TRAFFIC_TABLE,
    flows.DROPPED_TRAFFIC_TABLE)
RULES_TABLES = (flows.RULES_EGRESS_TABLE, flows.RULES_INGRESS_TABLE)


def _outputs_to(step, ofport):
    return any(line == f"output:{ofport}" or
               line.endswith(f",output:{ofport}") for line in step.lines)


def _decision(steps, packet, ofport):
    """(allow or deny, index of the step where it was decided).

    A packet that reaches no accepting step is dropped where its trace
    ends: table 93, or a firewall table's own drop.
    """
    for index, step in enumerate(steps):
        if packet.direction == sg.EGRESS and step.table in (
                flows.ACCEPTED_EGRESS_TRAFFIC_TABLE,
                flows.ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE):
            return sg.ALLOW, index
        if packet.direction == sg.INGRESS and _outputs_to(step, ofport):
            return sg.ALLOW, index
        if "NORMAL" in step.lines:
            # an unfiltered port (port security off): table 60 hands its
            # traffic to the normal switching, no firewall table on the way
            return sg.ALLOW, index
    return sg.DENY, len(steps) - 1


def _deciding(steps, upto):
    before = steps[:upto + 1]
    for wanted in (RULES_TABLES, flows.PORT_TABLES):
        found = [s for s in before if s.table in wanted]
        if found:
            return found[-1]
    return before[-1] if before else None


def verdict_of_trace(trace, packet, ofport, bridge):
    steps = [s for s in trace.steps if s.bridge == bridge]
    if not steps:
        return sg.Verdict(sg.DENY, "", "host",
                          f"ofproto/trace never reached {bridge}")
    decision, index = _decision(steps, packet, ofport)
    step = _deciding(steps, index)
    states = [p.ct_state for p in trace.passes if p.ct_state]
    conntrack = (f"; conntrack assumed {', '.join(states)}"
                 if states else "")
    path = " -> ".join(str(s.table) for s in steps[:index + 1])
    why = ""
    if decision == sg.DENY and step is not None and \
            step.table == flows.BASE_EGRESS_TABLE:
        # table 71 lets out only the port's own MAC/IP pairs: a packet it
        # drops never reached a rule
        why = ("anti-spoofing: no table 71 flow lets the port send from "
               "this source; ")
    return sg.Verdict(decision, step.describe() if step else "", "host",
                      f"{why}ofproto/trace on {bridge}: tables {path}"
                      f"{conntrack}")
