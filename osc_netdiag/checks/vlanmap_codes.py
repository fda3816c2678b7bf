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

"""Finding codes of ``network vlan-map`` (merged into the catalogue)."""

from osc_netdiag.models import Severity

E, W = Severity.ERROR, Severity.WARNING

CODES = {
    "NETDIAG_VLANMAP_NO_TRANSLATION": (E, "Restart neutron-openvswitch-agent "
                                       "on {host}: it re-installs the "
                                       "translation flows of {segment}. If "
                                       "they stay missing, check its log "
                                       "for network {network}."),
    "NETDIAG_VLANMAP_VLAN_MISMATCH": (E, "Flows and port tags disagree on "
                                      "{host} (the ports' local VLAN is "
                                      "{expected}): restart "
                                      "neutron-openvswitch-agent on {host} "
                                      "so it rewires the network."),
    "NETDIAG_VLANMAP_SHARED_LOCAL_VLAN": (E, "Local VLAN {lvid} on {host} "
                                          "bridges two networks (also: "
                                          "{others}): traffic leaks between "
                                          "them. Restart "
                                          "neutron-openvswitch-agent on "
                                          "{host}; remove flows or tags "
                                          "left by hand."),
    "NETDIAG_VLANMAP_UNKNOWN_SEGMENT": (W, "A flow on {host} still maps "
                                        "{segment} (local VLAN {lvid}), a "
                                        "segment of no network in the API: "
                                        "a deleted network's leftover or a "
                                        "flow added by hand. Restart "
                                        "neutron-openvswitch-agent on {host} "
                                        "to clean stale flows."),
    "NETDIAG_VLANMAP_FLOOD_MISSING_TUNNEL": (E, "Broadcasts (ARP, DHCP) of "
                                             "this network on {host} never "
                                             "reach {peer} ({remote_ip}): "
                                             "check the tunnel port to "
                                             "{peer} ('host check {host}') "
                                             "and restart "
                                             "neutron-openvswitch-agent on "
                                             "{host}."),
}
