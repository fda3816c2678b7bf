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

"""Which firewall driver filters a port, and the module that reads it.

Read from the port's binding, as the API gives it: Neutron's Open
vSwitch mechanism driver copies ``ovs_hybrid_plug`` from the host's
agent, which asks for it only when its firewall driver is
``iptables_hybrid`` (os-vif then plugs tap -> qbr -> qvb/qvo), and sets
``port_filter`` false when security groups are disabled. The agents'
``configurations`` do not name the firewall driver, and reading the
host's ml2 configuration would need one more probe for what the binding
already says. A host running the ``noop`` driver with security groups
enabled on the server is not told apart by the API: its ports show no
firewall flows, which the openvswitch view reports.

A driver module offers ``probes(port_id)``, optionally
``more_probes(intent, view, packet)``, ``judge(intent, view)`` -> (hops,
findings) and ``host_verdict(intent, packet, view)`` -> Verdict; and
``READS_LOCAL_IP = True`` when its verdict is on the packet's
``local_ip`` (else it is asked only about the port's own first
address).
"""

from osc_netdiag.backends.ml2_ovs import fw_openvswitch

try:        # the iptables_hybrid view, where this build has it
    from osc_netdiag.backends.ml2_ovs import fw_hybrid
except ImportError:                         # pragma: no cover
    fw_hybrid = None

OPENVSWITCH = "openvswitch"
IPTABLES_HYBRID = "iptables_hybrid"
NOOP = "noop"


def driver_name(intent):
    if not intent.port_filter:
        return NOOP
    return IPTABLES_HYBRID if intent.hybrid_plug else OPENVSWITCH


def module_for(name):
    """The driver's view module, or None (noop, or not in this build)."""
    return {OPENVSWITCH: fw_openvswitch,
            IPTABLES_HYBRID: fw_hybrid}.get(name)
