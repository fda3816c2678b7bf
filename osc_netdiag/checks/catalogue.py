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

"""Every finding code netdiag can report, with its severity and remedy.

Codes are stable: scripts match on them. The trace's codes are below; each
other area keeps its own in ``osc_netdiag/checks/<area>_codes.py`` as a
``CODES`` dict of the same shape, merged here, so areas never edit one
shared table. The docs render the merged table (``findings.rst``).
"""

import importlib
import pkgutil

from osc_netdiag.models import Finding
from osc_netdiag.models import Severity

E, W = Severity.ERROR, Severity.WARNING

# code: (severity, remedy template). The summary is written where the
# finding is raised, since it carries the observed values.
CATALOGUE = {
    # API side
    "NETDIAG_PORT_DOWN": (W, "The port's status is {status}: the agent on "
                          "{host} has not wired it. Check neutron-openvswitch-"
                          "agent's log on {host} for the port ID."),
    "NETDIAG_PORT_ADMIN_DOWN": (E, "openstack port set --enable {port}"),
    "NETDIAG_AGENT_DEAD": (E, "Start or restart the {agent_type} on {host} "
                           "and check its RabbitMQ connection; then "
                           "'openstack network agent list --host {host}'."),
    "NETDIAG_AGENT_MISSING": (E, "No {agent_type} is registered for {host}: "
                              "the port cannot be wired there. Check the "
                              "agent's 'host' option matches the binding "
                              "host."),
    # hosts
    "NETDIAG_HOST_UNREADABLE": (W, "Fix access to {host} ({status}): check "
                                "the inventory, SSH reachability and sudo; "
                                "the hops on that host were not checked."),
    "NETDIAG_HOST_KEY_REFUSED": (E, "Verify {host}'s host key out of band and "
                                 "add it to known_hosts (ssh-keyscan, then "
                                 "compare the fingerprint)."),
    "NETDIAG_HOST_AUTH_REFUSED": (E, "Check the user and key for {host} in "
                                  "the inventory or ~/.ssh/config."),
    "NETDIAG_COMMAND_FAILED": (W, "Run '{command}' on {host} by hand and "
                               "fix what it says; until it succeeds the "
                               "{unchecked} hop (and those that depend on "
                               "it) is not checked."),
    # compute: the instance's device
    "NETDIAG_TAP_MISSING": (E, "The instance's device is not on {host}: is "
                            "the instance running there (virsh list)? "
                            "Hard-reboot it to re-plug the VIF."),
    "NETDIAG_TAP_DOWN": (E, "ip link set {device} up on {host}, and find out "
                         "why it went down (instance shut off? libvirt?)."),
    "NETDIAG_MTU_MISMATCH": (W, "Device MTU {mtu} differs from the network's "
                             "{net_mtu}: check the instance's and the "
                             "network's MTU (global_physnet_mtu, path_mtu)."),
    "NETDIAG_HYBRID_BRIDGE_BROKEN": (E, "Re-plug the VIF (hard reboot the "
                                     "instance) so os-vif rebuilds {bridge}."),
    # br-int port
    "NETDIAG_OVS_PORT_MISSING": (E, "The device is not a port of {bridge} on "
                                 "{host}: re-plug the VIF (hard reboot) or "
                                 "check os-vif/nova-compute logs."),
    "NETDIAG_OVS_PORT_OFPORT": (E, "OVS could not open the device ({error}): "
                                "check ovs-vswitchd.log on {host}."),
    "NETDIAG_OVS_IFACE_ID_MISMATCH": (E, "external_ids:iface-id must be the "
                                      "port ID; re-plug the VIF."),
    "NETDIAG_OVS_MAC_MISMATCH": (E, "external_ids:attached-mac differs from "
                                 "the port's MAC; re-plug the VIF."),
    "NETDIAG_OVS_TAG_MISSING": (E, "The agent has not given the port a local "
                                "VLAN (no tag, or the dead VLAN 4095). "
                                "Restart neutron-openvswitch-agent on {host} "
                                "and watch its log for the port ID."),
    "NETDIAG_OVS_NET_MISMATCH": (E, "Port other_config says {found}, the API "
                                 "says {expected}: restart "
                                 "neutron-openvswitch-agent on {host} so it "
                                 "re-wires the port."),
    # VLAN / flat translation
    "NETDIAG_OVS_NO_INGRESS_TRANSLATION": (E, "Restart neutron-openvswitch-"
                                           "agent on {host}: it re-installs "
                                           "the flows of {bridge}. If the "
                                           "flow stays missing, check "
                                           "bridge_mappings and the agent's "
                                           "log."),
    "NETDIAG_OVS_NO_EGRESS_TRANSLATION": (E, "Restart neutron-openvswitch-"
                                          "agent on {host}: it re-installs "
                                          "the flows of {bridge}. Until "
                                          "then, packets of local VLAN "
                                          "{lvid} leave untranslated or not "
                                          "at all."),
    "NETDIAG_OVS_VLAN_MISMATCH": (E, "The translation flow and the port tag "
                                  "disagree; restart "
                                  "neutron-openvswitch-agent on {host}."),
    "NETDIAG_OVS_BRIDGE_MISSING": (E, "Create {bridge} (ovs-vsctl add-br) "
                                   "and restart neutron-openvswitch-agent on "
                                   "{host}; check bridge_mappings."),
    "NETDIAG_OVS_NO_MAPPING": (E, "The agent on {host} has no bridge for "
                               "physical network {physnet}: add it to "
                               "bridge_mappings and restart the agent."),
    "NETDIAG_OVS_PATCH_PEER": (E, "Fix the patch pair: ovs-vsctl set "
                               "Interface {device} options:peer={peer} (or "
                               "restart neutron-openvswitch-agent on {host})."),
    "NETDIAG_PHYS_NIC_MISSING": (E, "Add the physical interface to {bridge} "
                                 "on {host} (ovs-vsctl add-port {bridge} "
                                 "<nic>)."),
    "NETDIAG_PHYS_NIC_DOWN": (E, "ip link set {device} up on {host}; check "
                              "cabling/switch port (ethtool {device})."),
    # tunnels
    "NETDIAG_OVS_NO_TUNNEL_TRANSLATION": (E, "Restart neutron-openvswitch-"
                                          "agent on {host}: it re-installs "
                                          "br-tun's flows; traffic arriving "
                                          "with tunnel ID {seg} is dropped "
                                          "until then."),
    "NETDIAG_OVS_NO_FLOOD_FLOW": (E, "Restart neutron-openvswitch-agent on "
                                  "{host}: broadcasts of local VLAN {lvid} "
                                  "(ARP, DHCP) reach no other host until "
                                  "the flood flow is back."),
    "NETDIAG_TUNNEL_MISSING": (E, "No {tunnel_type} tunnel from {host} to "
                               "{peer} ({remote_ip}): check local_ip and "
                               "tunnel_types on both agents, and that "
                               "{peer}'s agent is alive (l2population needs "
                               "a port on the network there)."),
    "NETDIAG_TUNNEL_NOT_FLOODED": (E, "The tunnel to {peer} exists but the "
                                   "flood flow for VLAN {lvid} does not "
                                   "output to it: restart "
                                   "neutron-openvswitch-agent on {host}."),
    # network node
    "NETDIAG_DHCP_NOT_HOSTED": (E, "No DHCP agent hosts the network: "
                                "openstack network agent add network --dhcp "
                                "<agent> {network}."),
    "NETDIAG_DHCP_NAMESPACE_MISSING": (E, "Restart neutron-dhcp-agent on "
                                       "{host}; it re-creates {namespace}."),
    "NETDIAG_DHCP_TAP_BROKEN": (E, "Restart neutron-dhcp-agent on {host} so "
                                "it re-plugs its port in {namespace}."),
    "NETDIAG_DHCP_DNSMASQ_NOT_RUNNING": (E, "No dnsmasq serves the network "
                                         "on {host}: restart "
                                         "neutron-dhcp-agent there and check "
                                         "its log."),
    "NETDIAG_ROUTER_NOT_HOSTED": (E, "No L3 agent hosts router {router}: "
                                  "openstack network agent add router --l3 "
                                  "<agent> {router}."),
    "NETDIAG_ROUTER_NAMESPACE_MISSING": (E, "Restart neutron-l3-agent on "
                                         "{host}; it re-creates "
                                         "{namespace}."),
    "NETDIAG_ROUTER_DEVICE_BROKEN": (E, "Restart neutron-l3-agent on {host} "
                                     "so it re-plugs {device}."),
    "NETDIAG_ROUTER_NO_DEFAULT_ROUTE": (E, "{namespace} on {host} has no "
                                        "default route although the "
                                        "external subnet's gateway is "
                                        "{gateway}: restart neutron-l3-agent "
                                        "on {host} (it re-applies the "
                                        "gateway) and check its log for the "
                                        "router."),
    "NETDIAG_ROUTER_NO_GATEWAY_IP": (W, "{namespace} on {host} has no "
                                     "default route and the API gives the "
                                     "external subnet no gateway_ip (or it "
                                     "could not be read): traffic leaving "
                                     "the cloud reaches only the external "
                                     "subnet itself. Set the subnet's "
                                     "gateway_ip if it should go further."),
    "NETDIAG_ROUTER_HA_STATE": (E, "{active} L3 agents report the HA router "
                                "active (expected exactly one): check "
                                "keepalived on the hosts and the HA network."),
}


def _merge_area_codes():
    package = importlib.import_module("osc_netdiag.checks")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.endswith("_codes"):
            module = importlib.import_module(f"osc_netdiag.checks.{info.name}")
            clash = set(module.CODES) & set(CATALOGUE)
            if clash:
                raise RuntimeError(f"finding codes defined twice: {clash}")
            CATALOGUE.update(module.CODES)


_merge_area_codes()


def finding(code, subject, summary, **values):
    """Build a Finding from the catalogue; ``values`` fill the remedy."""
    severity, remedy = CATALOGUE[code]
    return Finding(code=code, severity=severity, subject=subject,
                   summary=summary, remedy=remedy.format_map(_Lenient(values)))


class _Lenient(dict):
    def __missing__(self, key):
        return "<" + key + ">"
