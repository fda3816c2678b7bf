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

"""Finding codes of ``router check``, ``floatingip check`` and ``ip
reclaim`` (merged into the catalogue).
"""

from osc_netdiag.models import Severity

E, W = Severity.ERROR, Severity.WARNING

CODES = {
    "NETDIAG_ROUTER_NAT_RULE_MISSING": (E, "The nat table of the router "
                                        "namespace on {host} lacks "
                                        "'{rule}': restart neutron-l3-agent "
                                        "on {host} (it rebuilds the "
                                        "router's iptables); if it stays "
                                        "missing, check the agent's log for "
                                        "{what}."),
    "NETDIAG_ROUTER_FIP_ADDRESS_MISSING": (E, "{address} is not configured "
                                           "on {device} on {host}: the "
                                           "router will not answer ARP for "
                                           "it. Restart neutron-l3-agent on "
                                           "{host}."),
    "NETDIAG_ROUTER_DEFAULT_ROUTE_WRONG": (E, "The default route of "
                                           "{namespace} on {host} goes via "
                                           "{found}, not the external "
                                           "subnet's gateway {expected}: "
                                           "restart neutron-l3-agent on "
                                           "{host} (it re-applies the "
                                           "gateway); if it comes back "
                                           "wrong, check the subnet's "
                                           "gateway_ip."),
    "NETDIAG_ROUTER_NO_AGENT_GATEWAY": (E, "Neutron has no "
                                        "floatingip_agent_gateway port on "
                                        "{network} for {host}, so the fip- "
                                        "namespace there has no way out: "
                                        "restart neutron-l3-agent on {host} "
                                        "(it asks the server for one) and "
                                        "check the server log if it stays "
                                        "missing."),
    "NETDIAG_ROUTER_FIP_ROUTE_MISSING": (E, "{namespace} on {host} has no "
                                         "route to {address} through the "
                                         "router, so the fg- port does not "
                                         "answer ARP for it: restart "
                                         "neutron-l3-agent on {host}."),
    "NETDIAG_FIP_PORT_GONE": (E, "The floating IP points at a port that "
                              "does not exist: openstack floating ip unset "
                              "--port {fip}"),
    "NETDIAG_FIP_PORT_UNBOUND": (W, "The floating IP's port {port} is bound "
                                 "to no host (its instance was deleted or "
                                 "never started): release it with "
                                 "'openstack floating ip unset --port "
                                 "{fip}' if the port is a leftover "
                                 "('openstack port delete {port}')."),
    "NETDIAG_FIP_DEVICE_GONE": (E, "The floating IP's port {port} is bound "
                                "to {host} but its device {device} is not "
                                "there (the instance is gone): openstack "
                                "floating ip unset --port {fip}; then "
                                "'openstack port delete {port}' if nothing "
                                "uses it."),
    "NETDIAG_IP_IN_USE": (E, "{ip} is held by port {port}: nothing to "
                          "reclaim. If that port is a leftover, delete it "
                          "first: openstack port delete {port}"),
    "NETDIAG_IP_NOT_IN_SUBNET": (E, "{ip} is in no subnet of network "
                                 "{network}: check the address and "
                                 "--network."),
}
