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

"""Finding codes of ``port trace`` behind a distributed (DVR) router: the
instance's first hop on its own host and, without a floating IP, the
SNAT side (merged into the catalogue)."""

from osc_netdiag.models import Severity

E = Severity.ERROR

_RESTART = "restart neutron-l3-agent on {host} (it rebuilds the router there)"

CODES = {
    "NETDIAG_DVR_QROUTER_MISSING": (E, "The distributed router has no "
                                    "{namespace} on {host}, the host of the "
                                    "instance: its first hop is not there. "
                                    "Check that an L3 agent in agent_mode "
                                    "dvr runs on {host} ('openstack network "
                                    "agent list --host {host}') and "
                                    + _RESTART + "."),
    "NETDIAG_DVR_DEVICE_BROKEN": (E, "{device} in {namespace} on {host} is "
                                  "missing, down or lacks its address: "
                                  + _RESTART + "."),
    "NETDIAG_DVR_QR_MAC_WRONG": (E, "{device} in {namespace} on {host} has "
                                 "MAC {found}, the router interface port's "
                                 "is {expected}: instances on {host} ARP "
                                 "for the gateway and get an address no "
                                 "flow expects. " + _RESTART + "."),
    "NETDIAG_DVR_MAC_REWRITE_WRONG": (E, "{bridge} on {host} does not "
                                      "rewrite the router port's MAC "
                                      "{mac} to the host's DVR MAC on "
                                      "local VLAN {lvid} (table 1): routed "
                                      "packets leave {host} with the "
                                      "gateway MAC every DVR host shares. "
                                      "Restart neutron-openvswitch-agent on "
                                      "{host}."),
    "NETDIAG_DVR_FIP_RULE_MISSING": (E, "{namespace} on {host} has no 'ip "
                                     "rule from {fixed_ip}': traffic of the "
                                     "instance does not leave through its "
                                     "floating IP {address}. " + _RESTART
                                     + "."),
    "NETDIAG_DVR_FIP_LINK_WRONG": (E, "In {namespace} on {host}, {what}: "
                                   "the floating IP's traffic cannot cross "
                                   "the rfp-/fpr- link. " + _RESTART + "."),
    "NETDIAG_DVR_FIP_NAMESPACE_MISSING": (E, "{namespace} does not exist on "
                                          "{host}, where the floating IP's "
                                          "port is bound: nothing answers "
                                          "ARP for it. " + _RESTART + "."),
    "NETDIAG_DVR_NO_AGENT_GATEWAY": (E, "Neutron has no "
                                     "floatingip_agent_gateway port on "
                                     "{network} for {host}, so its fip- "
                                     "namespace has no fg- and no way out: "
                                     + _RESTART + " and check the server "
                                     "log if it stays missing."),
    "NETDIAG_DVR_FIP_ROUTE_WRONG": (E, "{namespace} on {host} does not "
                                    "route {address} via {expected} dev "
                                    "{device} ({found}): fg- answers ARP "
                                    "for a floating IP only through that "
                                    "route (proxy ARP). " + _RESTART + "."),
    "NETDIAG_DVR_SNAT_ROUTE_WRONG": (E, "{namespace} on {host} does not "
                                     "send {cidr} to the router's SNAT port "
                                     "{expected} ({found}): instances "
                                     "without a floating IP on {host} "
                                     "cannot reach outside. " + _RESTART
                                     + "."),
    "NETDIAG_DVR_SNAT_NAMESPACE_MISSING": (E, "{namespace} does not exist "
                                           "on {host}, the router's SNAT "
                                           "host: instances without a "
                                           "floating IP cannot reach "
                                           "outside. " + _RESTART + "."),
}
