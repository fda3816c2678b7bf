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

"""Finding codes of ``host check`` (merged into the catalogue)."""

from osc_netdiag.models import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

CODES = {
    "NETDIAG_HOST_IFACE_NO_CARRIER": (W, "{device} is administratively up "
                                      "without a carrier on {host}: check "
                                      "the cable or switch port (ethtool "
                                      "{device}), or set it down if unused."),
    "NETDIAG_HOST_EXTRA_BRIDGE": (INFO, "{bridge} is not in the agent's "
                                  "configuration; harmless unless traffic "
                                  "of a network is expected on it."),
    "NETDIAG_HOST_TUNNEL_STALE": (W, "{device} on {host} points at "
                                  "{remote_ip}, which no agent reports as "
                                  "its tunneling_ip: a removed host or a "
                                  "changed local_ip. Restart "
                                  "neutron-openvswitch-agent on {host} (it "
                                  "removes stale tunnels) or "
                                  "'ovs-vsctl del-port br-tun {device}'."),
    "NETDIAG_HOST_TUNNEL_EXTRA": (W, "Tunnel ports to {peer} on {host} "
                                  "that the agent does not expect: restart "
                                  "neutron-openvswitch-agent on {host} and "
                                  "check tunnel_types on both agents."),
    "NETDIAG_HOST_TUNNEL_LOCAL_IP": (E, "{device} on {host} was made with "
                                     "another local_ip than the agent now "
                                     "reports: restart "
                                     "neutron-openvswitch-agent on {host} "
                                     "so it re-creates its tunnels."),
    "NETDIAG_HOST_CONTROLLER_DISCONNECTED": (E, "The API thinks the agent "
                                             "on {host} is fine but OVS "
                                             "has no OpenFlow controller "
                                             "connection on {bridges}: its "
                                             "flows are no longer managed. "
                                             "Restart "
                                             "neutron-openvswitch-agent on "
                                             "{host} and check its log."),
    "NETDIAG_HOST_NAMESPACE_STALE": (W, "Nothing in Neutron owns {namespace} "
                                     "on {host} (the {kind} was deleted): "
                                     "check it holds no devices in use, "
                                     "then 'ip netns delete {namespace}' "
                                     "(or neutron-netns-cleanup)."),
    "NETDIAG_HOST_NAMESPACE_NOT_HOSTED": (W, "The {kind} of {namespace} is "
                                          "hosted by another agent: the "
                                          "namespace on {host} is a "
                                          "leftover of a reschedule; "
                                          "neutron-netns-cleanup removes "
                                          "it."),
}
