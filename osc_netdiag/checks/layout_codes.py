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

"""Finding codes of layouts where one host is alone on a network, and of
ports whose binding failed (merged into the catalogue)."""

from osc_netdiag.models import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

CODES = {
    # A WARNING, not an ERROR: nothing that Neutron says should flow is
    # blocked today, but the first port of this network on another host, or
    # a gateway on the wire, will not be reached.
    "NETDIAG_PHYS_PATH_LOCAL_ONLY": (W, "{bridge} on {host} has no physical "
                                     "interface, so traffic of {segment} "
                                     "cannot leave {host}. Nothing else "
                                     "carries the network today; before a "
                                     "second host or a physical gateway "
                                     "joins it, add the NIC (ovs-vsctl "
                                     "add-port {bridge} <nic>)."),
    # INFO: the agent adds the flood flow by itself when a peer appears.
    "NETDIAG_TUNNEL_NO_PEERS": (INFO, "No other host carries {segment}, so "
                                "{host} has no tunnel to flood to: "
                                "broadcasts stay on {host}. The agent adds "
                                "the flood flow when a port of the network "
                                "is bound elsewhere."),
    "NETDIAG_PORT_BINDING_FAILED": (E, "Neutron could not bind port {port} "
                                    "on {host} (binding:vif_type "
                                    "binding_failed, status {status}); the "
                                    "agent leaves it on the dead VLAN 4095 "
                                    "and nothing passes. Likely causes: "
                                    "{causes}. Fix the cause, then rebind: "
                                    "openstack port set --host {host} "
                                    "{port} (for a router gateway, unset "
                                    "and set the gateway again; for a DHCP "
                                    "port, restart neutron-dhcp-agent on "
                                    "{host})."),
}
