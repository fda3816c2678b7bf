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

"""ML2/OVS: Neutron's Open vSwitch mechanism driver and its agent.

The backend interface (see ``osc_netdiag.backends``): what the API says a
port of this backend looks like, and the modules that plan and evaluate
each diagnosis on its hosts.
"""

from osc_netdiag.backends.ml2_ovs import capture_points
from osc_netdiag.backends.ml2_ovs import hostcheck
from osc_netdiag.backends.ml2_ovs import segment_map
from osc_netdiag.backends.ml2_ovs import trace

NAME = "ML2/OVS"
# binding:vif_details bound_drivers names the mechanism driver that bound
# the port at each level; the bottom one is ours
MECHANISM_DRIVERS = ("openvswitch",)
AGENT_TYPES = ("Open vSwitch agent",)
VIF_TYPES = ("ovs",)
TUNNEL_TYPES = hostcheck.TUNNEL_TYPES

# the diagnoses: each a module with plan(context) and an evaluate
TRACE = trace                   # plan(context), evaluate(context, views)
HOST_CHECK = hostcheck          # plan(context), evaluate(context, views)
SEGMENT_MAP = segment_map       # plan(context), evaluate_host(...)
# port capture: POINTS, DEFAULT_POINTS, all_points(context),
# nic_commands(), find_nic(context, host, target, results)
CAPTURE_POINTS = capture_points
