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

"""Finding codes of the ML2/OVN backend (merged into the catalogue)."""

from osc_netdiag.models import Severity

E = Severity.ERROR

_SYNC = ("neutron-ovn-db-sync-util --config-file /etc/neutron/neutron.conf "
         "--config-file /etc/neutron/plugins/ml2/ml2_conf.ini "
         "--ovn-neutron_sync_mode repair")

CODES = {
    "NETDIAG_OVN_LSP_MISSING": (E, "The Northbound database has no "
                                "Logical_Switch_Port for port {port}: "
                                "Neutron and OVN disagree. Repair with '"
                                + _SYNC + "' (or update the port, which "
                                "makes Neutron write it again)."),
    "NETDIAG_OVN_LSP_DRIFT": (E, "The Logical_Switch_Port of {port} says "
                              "{field} = {ovn}, the API says {api}: "
                              "repair it with '" + _SYNC + "'."),
    "NETDIAG_OVN_LSP_DOWN": (E, "OVN has not marked port {port} up: no "
                             "chassis has installed it. See its "
                             "Port_Binding and the chassis {host} "
                             "(ovn-controller, br-int's iface-id)."),
    "NETDIAG_OVN_BINDING_MISSING": (E, "The Southbound database has no "
                                    "Port_Binding for {port}: check that "
                                    "ovn-northd runs and is connected "
                                    "('ovn-appctl -t ovn-northd status')."),
    "NETDIAG_OVN_PORT_UNBOUND": (E, "No chassis has claimed port {port}: "
                                 "on {host}, br-int must have an "
                                 "interface with external_ids:iface-id="
                                 "{port} ('ovs-vsctl set Interface "
                                 "{device} external_ids:iface-id={port}'; "
                                 "os-vif/Nova set it when plugging)."),
    "NETDIAG_OVN_WRONG_CHASSIS": (E, "Port {port} is claimed by chassis "
                                  "{chassis} ({actual}), but Neutron bound "
                                  "it to {host}: find the duplicate "
                                  "interface on {actual} ('ovs-vsctl find "
                                  "Interface external_ids:iface-id={port}') "
                                  "and remove it."),
    "NETDIAG_OVN_CHASSIS_MISSING": (E, "No Southbound Chassis has hostname "
                                    "{host}: ovn-controller on {host} has "
                                    "never registered, or its hostname "
                                    "differs from the Neutron host name. "
                                    "Check 'ovs-vsctl get Open_vSwitch . "
                                    "external_ids' on {host}."),
    "NETDIAG_OVN_CHASSIS_DUPLICATE": (E, "Several Southbound Chassis claim "
                                      "hostname {host} ({chassis}): a stale "
                                      "one is left from a system-id change. "
                                      "Remove it with 'ovn-sbctl "
                                      "chassis-del {stale}'."),
    "NETDIAG_OVN_CONTROLLER_DOWN": (E, "ovn-controller on {host} is not "
                                    "running or not connected to the "
                                    "Southbound database ({state}): start "
                                    "it ('systemctl start ovn-controller') "
                                    "and check its ovn-remote."),
    "NETDIAG_OVN_IFACE_MISSING": (E, "br-int on {host} has no interface "
                                  "with external_ids:iface-id={port}: the "
                                  "port is not plugged for OVN. Plug it "
                                  "again (hard reboot the instance) or set "
                                  "the iface-id on {device}."),
    "NETDIAG_OVN_NOT_INSTALLED": (E, "ovn-controller on {host} has not "
                                  "installed the flows of {device} "
                                  "(external_ids:ovn-installed is not "
                                  "true): see ovn-controller's log on "
                                  "{host}."),
    "NETDIAG_OVN_BRIDGE_MAPPING_MISSING": (E, "{host} maps no bridge for "
                                           "physical network {physnet} "
                                           "(ovn-bridge-mappings: "
                                           "{mappings}): add it with "
                                           "'ovs-vsctl set Open_vSwitch . "
                                           "external_ids:ovn-bridge-mappings="
                                           "...,{physnet}:<bridge>'."),
    "NETDIAG_OVN_LOCALNET_MISMATCH": (E, "The localnet port of network "
                                      "{network} says {ovn}, the segment "
                                      "says {api}: repair it with '"
                                      + _SYNC + "'."),
    "NETDIAG_OVN_TUNNEL_MISSING": (E, "br-int on {host} has no geneve "
                                   "tunnel to {peer} ({remote_ip}): check "
                                   "{peer}'s Encap in the Southbound "
                                   "database and that ovn-controller on "
                                   "{host} runs."),
    "NETDIAG_OVN_METADATA_MISSING": (E, "{host} has no metadata namespace "
                                     "{namespace} with 169.254.169.254: "
                                     "instances there get no metadata. "
                                     "Restart the OVN metadata agent on "
                                     "{host}."),
    "NETDIAG_OVN_HOSTNAME_MISMATCH": (E, "ovn-controller on {host} "
                                      "registers hostname {hostname}, not "
                                      "the Neutron host name: Neutron "
                                      "cannot match its chassis to the "
                                      "ports bound to {host}. Set "
                                      "'ovs-vsctl set Open_vSwitch . "
                                      "external_ids:hostname={host}'."),
    "NETDIAG_OVN_ENCAP_MISMATCH": (E, "The Southbound chassis of {host} "
                                   "does not carry the encap the host "
                                   "configures (ovn-encap-type/-ip): "
                                   "restart ovn-controller on {host} so "
                                   "it registers it again."),
    "NETDIAG_OVN_MTU_TOO_SMALL": (E, "Packets of the network's full MTU "
                                  "cannot leave {host} over geneve: "
                                  "{device} has MTU {mtu}, {need} is needed. "
                                  "Raise the underlay MTU on {host}, or "
                                  "lower the network's MTU ('openstack "
                                  "network set --mtu ...')."),
    "NETDIAG_OVN_TRACE_DROP": (E, "OVN's logical pipeline drops the "
                               "port's traffic before any chassis sees it: "
                               "the hop names the stage (port security, "
                               "routing, an ACL) where it dies, and its "
                               "evidence holds the whole detailed "
                               "ovn-trace, run on the database host."),
    "NETDIAG_OVN_ACL_DROP": (E, "An ACL drops the ping from port {port} "
                             "to {destination}: {acl}. If the traffic "
                             "should pass, add a rule allowing it to that "
                             "security group (or to a group of the port "
                             "that must receive it)."),
    "NETDIAG_OVN_HOST_PARTS": (E, "The chassis {host} does not do what "
                               "OVN's logical pipeline says for the "
                               "port's packet: ovn-controller's OpenFlow "
                               "tables on {bridge} are missing or stale. "
                               "Restart ovn-controller on {host}: it "
                               "installs its flows again from scratch "
                               "('ovn-appctl -t ovn-controller recompute' "
                               "does not restore flows removed behind its "
                               "back). If they still part, the evidence's "
                               "ofproto/trace shows the table where the "
                               "chassis's path ends."),
    "NETDIAG_OVN_ROUTER_PORT_MISSING": (E, "The Northbound database has no "
                                        "Logical_Router_Port lrp-{port} "
                                        "for router {router}: repair it "
                                        "with '" + _SYNC + "'."),
    "NETDIAG_OVN_GATEWAY_UNBOUND": (E, "No gateway chassis holds router "
                                    "{router}'s gateway port (cr-lrp-"
                                    "{port} unbound): check its "
                                    "HA_Chassis_Group and that a chassis "
                                    "with enable-chassis-as-gw runs."),
}
