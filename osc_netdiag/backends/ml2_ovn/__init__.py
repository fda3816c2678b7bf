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

"""ML2/OVN: Neutron's OVN mechanism driver, ovn-northd and ovn-controller.

The backend interface (see ``osc_netdiag.backends``). ML2/OVN binds its
ports with vif_type ``ovs`` like ML2/OVS: only ``bound_drivers`` and the
OVN agent types (which Neutron derives from the Southbound Chassis rows)
tell it apart, so VIF_TYPES claims nothing.

A port's path is read in three places: the Northbound database (what
Neutron asked for), the Southbound database (what the chassis claimed)
and the port's chassis (ovn-controller, br-int, the metadata namespace).
The databases are read where their clients work with their defaults: on
the host named ``ovn_db_host`` in the inventory's defaults.
"""

from osc_netdiag.backends.ml2_ovn import hostcheck
from osc_netdiag.backends.ml2_ovn import segment_map
from osc_netdiag.backends.ml2_ovn import trace

NAME = "ML2/OVN"
MECHANISM_DRIVERS = ("ovn",)
AGENT_TYPES = ("OVN Controller agent", "OVN Controller Gateway agent",
               "OVN Metadata agent", "OVN Neutron agent")
# its L2 agents (host check): the chassis, gateway chassis or not
L2_AGENT_TYPES = AGENT_TYPES[:2]
# host check compares each chassis's bridge mappings with the physnets
# Neutron uses there
HOST_PHYSNETS = True
VIF_TYPES = ()
TUNNEL_TYPES = ("geneve",)

TRACE = trace                   # plan(context), evaluate(context, views)
HOST_CHECK = hostcheck           # plan(context), evaluate(context, views)
# plan(context), evaluate(context, views, rows): it reads the databases
# besides the carrying hosts, so it evaluates them all at once
SEGMENT_MAP = segment_map
# not in this release: refused with exit 3 naming ML2/OVN
CAPTURE_POINTS = None
