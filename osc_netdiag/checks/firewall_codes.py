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

"""Finding codes of the firewall view (merged into the catalogue).

``NETDIAG_FW_*``: whatever the driver; ``NETDIAG_FW_OF_*``: the
openvswitch driver's flows on the integration bridge. The iptables_hybrid
driver's codes are in ``firewall_ipt_codes``.
"""

from osc_netdiag.models import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

RESTART = ("restart neutron-openvswitch-agent on {host}: it re-installs "
           "every firewall flow of its ports")
RESTART_ = RESTART[0].upper() + RESTART[1:]

CODES = {
    "NETDIAG_FW_VERDICT_DISAGREE": (
        E, "The API's rules say {api} and the host says {host_verdict} "
           "for this packet: the host does not enforce what the API "
           "holds. Look at the firewall findings above; " + RESTART + "."),
    "NETDIAG_FW_NOTHING_IN": (
        INFO, "Nothing may reach port {port} unless an ingress rule allows "
              "it: add one to one of its groups (openstack security group "
              "rule create --ingress ...) if that is not intended."),
    "NETDIAG_FW_PORT_SECURITY_OFF": (
        INFO, "Port security is off for port {port}: no group, anti-spoofing "
              "or firewall applies to it (openstack port set "
              "--enable-port-security {port} to filter it)."),
    "NETDIAG_FW_DRIVER_UNREAD": (
        W, "The host's view of the {driver} firewall driver is not read "
           "by this release: only the API's side is shown."),
    "NETDIAG_FW_OF_PORT_NOT_WIRED": (
        E, "Port {port} has no firewall flows on {host}'s {bridge} (table "
           "{table} does not send its traffic through the firewall): "
           + RESTART + "; if that does not help, check the agent's "
           "firewall_driver and its log for the port ID."),
    "NETDIAG_FW_OF_TABLES_UNKNOWN": (
        W, "{host} sends port {port}'s traffic to table {found}, not to "
           "table {expected} that this release knows as the firewall's "
           "first table: the agent's Neutron uses other table numbers; "
           "the flows were not compared."),
    "NETDIAG_FW_OF_SPOOF_MISSING": (
        E, "The anti-spoofing flow for {address} (MAC {mac}) is missing "
           "on {host}: traffic the API allows from that address is "
           "dropped. " + RESTART_ + "."),
    "NETDIAG_FW_OF_SPOOF_STALE": (
        W, "{host} lets port {port} send from {address}, which is "
           "neither a fixed IP nor an allowed address pair in the API "
           "(a stale flow): " + RESTART + "."),
    "NETDIAG_FW_OF_DHCP_SPOOF_MISSING": (
        E, "The flow that drops DHCP server replies sent by port {port} is "
           "missing on {host}: the instance could act as a DHCP server "
           "on its network. " + RESTART_ + "."),
    "NETDIAG_FW_OF_DHCP_CLIENT_MISSING": (
        E, "{host} has no flow letting port {port} send {protocol} requests "
           "from {address}: the instance gets no address (or lease "
           "renewal) that way. " + RESTART_ + "."),
    "NETDIAG_FW_OF_RA_SPOOF_MISSING": (
        E, "The flow that drops IPv6 router advertisements sent by port "
           "{port} is missing on {host}: the instance could act as a "
           "router for its network. " + RESTART_ + "."),
    "NETDIAG_FW_OF_ND_MISSING": (
        E, "Port {port}'s IPv6 neighbour discovery for {address} (MAC "
           "{mac}) lacks {what} on {host}: its neighbours cannot resolve "
           "(or it cannot announce) that address, and IPv6 traffic to it "
           "fails. " + RESTART_ + "."),
    "NETDIAG_FW_OF_ND_STALE": (
        W, "{host} lets port {port} answer IPv6 neighbour discovery for "
           "{address}, which is neither a fixed IP nor an allowed address "
           "pair in the API (it could take that address over on its "
           "network): " + RESTART + "."),
    "NETDIAG_FW_OF_INGRESS_BASE_MISSING": (
        E, "Table {table} on {host} does not let {what} reach port {port}: "
           "address resolution, neighbour discovery or DHCP to the "
           "instance fails. " + RESTART_ + "."),
    "NETDIAG_FW_OF_STATELESS_TRACKED": (
        W, "Port {port}'s group(s) {groups} are stateless, but the "
           "openvswitch firewall driver on {host} tracks connections "
           "anyway (Neutron's openvswitch driver does not implement "
           "stateless groups): replies get through without a rule of "
           "their own, more than the API allows. Use the iptables_hybrid "
           "or OVN driver where stateless filtering matters, or give the "
           "group the rules a stateful one would need."),
    "NETDIAG_FW_OF_RULE_MISSING": (
        E, "Security group rule {rule} ({what}) has no flow in table "
           "{table} on {host}: traffic it allows is dropped. "
           + RESTART_ + "; if it stays missing, "
           "look for the rule ID in the agent's log."),
    "NETDIAG_FW_OF_RULE_EXTRA": (
        W, "{host} has a flow in table {table} for port {port} that no "
           "API rule asks for ({flow}): a stale rule still allows "
           "traffic. " + RESTART_ + "."),
    "NETDIAG_FW_OF_REMOTE_MEMBER_MISSING": (
        E, "Rule {rule} allows the members of group {group}, but {host} "
           "has no flow for member address {address}: its traffic is "
           "dropped. " + RESTART_ + "."),
    "NETDIAG_FW_OF_REMOTE_MEMBER_STALE": (
        W, "{host} still admits {address} as a member of group {group} "
           "(rule {rule}); the API lists no such member: "
           + RESTART + "."),
}
