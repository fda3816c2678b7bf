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

"""Finding codes of ``dhcp check`` and ``dns check`` (merged into the
catalogue).
"""

from osc_netdiag.models import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

CODES = {
    "NETDIAG_DHCP_METADATA_ADDRESS_MISSING": (
        E, "Instances on this network cannot reach 169.254.169.254 "
           "through {namespace}: restart neutron-dhcp-agent on {host} (it "
           "adds the address when it sets up the port); until then, "
           "'ip netns exec {namespace} ip addr add 169.254.169.254/32 dev "
           "{device}' restores it by hand."),
    "NETDIAG_DHCP_RANGE_WRONG": (E, "dnsmasq on {host} does not match the "
                                 "subnets in the API: restart "
                                 "neutron-dhcp-agent on {host} so it "
                                 "rewrites dnsmasq's configuration; if it "
                                 "persists, check the agent's log for "
                                 "subnet {subnet}."),
    "NETDIAG_DHCP_RANGE_STALE": (W, "dnsmasq on {host} still serves a "
                                 "subnet that was deleted or had DHCP "
                                 "disabled: restart neutron-dhcp-agent on "
                                 "{host}."),
    "NETDIAG_DHCP_HOST_ENTRY_MISSING": (E, "dnsmasq will answer {mac} with "
                                        "'no address available': restart "
                                        "neutron-dhcp-agent on {host} (it "
                                        "rewrites the hosts file and sends "
                                        "dnsmasq SIGHUP); if the line stays "
                                        "missing, look for port {port} in "
                                        "the agent's log."),
    "NETDIAG_DHCP_NO_REQUEST": (W, "No DHCP request from {mac} reached "
                                "dnsmasq on {host}: the problem is on the "
                                "way from the instance (is it running a "
                                "DHCP client? trace the path with "
                                "'openstack netdiag port trace {port}')."),
    "NETDIAG_DHCP_NO_OFFER": (E, "dnsmasq on {host} saw {mac}'s request "
                              "but did not answer: check its hosts file "
                              "('dhcp check {port}') and its log."),
    "NETDIAG_DHCP_NO_ADDRESS": (E, "dnsmasq on {host} has no address for "
                                "{mac}: the hosts file lacks the port or "
                                "the subnet is not served; restart "
                                "neutron-dhcp-agent on {host}."),
    "NETDIAG_DHCP_NAK": (W, "dnsmasq on {host} refused {mac}'s request "
                         "(DHCPNAK): the instance asked for an address it "
                         "no longer has; it should fall back to DISCOVER. "
                         "Check for a second DHCP server on the network."),
    "NETDIAG_DHCP_NO_REPLY_SEEN": (W, "dnsmasq on {host} offered an address "
                                   "to {mac} but never saw the REQUEST: the "
                                   "OFFER is lost on the way back to the "
                                   "instance ('openstack netdiag port trace "
                                   "{port}'; security group egress/ingress "
                                   "for UDP 67/68)."),
    "NETDIAG_DHCP_EXCHANGE_COMPLETE": (INFO, "dnsmasq on {host} answered {mac}. "
                                       "If the instance still has no lease, "
                                       "the answer is lost on the way back "
                                       "to it: 'openstack netdiag port "
                                       "trace {port}' and a capture on its "
                                       "tap (port 67/68)."),
    "NETDIAG_DHCP_CONSOLE_NO_LEASE": (E, "The instance {server} got no DHCP "
                                      "lease at boot: run 'openstack "
                                      "netdiag dhcp check {port}' and read "
                                      "its log rows."),
    "NETDIAG_DHCP_CONSOLE_NO_METADATA": (W, "The instance {server} could "
                                         "not reach 169.254.169.254: check "
                                         "the metadata proxy in the router "
                                         "or the DHCP namespace "
                                         "(enable_isolated_metadata)."),
    "NETDIAG_DNS_NOT_LISTENING": (E, "dnsmasq does not serve DNS in "
                                  "{namespace} on {host}: restart "
                                  "neutron-dhcp-agent there; check that "
                                  "nothing else holds port 53 in the "
                                  "namespace."),
    "NETDIAG_DNS_NO_ANSWER": (E, "The network's DNS server {server} does "
                              "not answer on {host}: is dnsmasq alive "
                              "('openstack netdiag dhcp check')? Instances "
                              "using it wait for every lookup."),
    "NETDIAG_DNS_FORWARD_FAILED": (W, "dnsmasq does not resolve {name} to "
                                   "the port's address: its addn_hosts "
                                   "file is stale; restart "
                                   "neutron-dhcp-agent on {host}."),
    "NETDIAG_DNS_REVERSE_TIMEOUT": (W, "Reverse lookups of {ip} go "
                                    "unanswered, so SSH logins to the "
                                    "instance take as long as the "
                                    "resolver's timeout (sshd UseDNS): fix "
                                    "the DNS server {server} (or its "
                                    "upstream, dnsmasq_dns_servers), or "
                                    "set 'UseDNS no' in the instance's "
                                    "sshd_config."),
}
