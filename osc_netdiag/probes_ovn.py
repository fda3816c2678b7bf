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

"""Probes of ML2/OVN: the Northbound and Southbound databases and a chassis.

The same kind of data as :mod:`osc_netdiag.probes` (a name, an argv, a
parser), kept apart so each module stays small; every name in an argv has
been through :mod:`osc_netdiag.names`.
"""

import ipaddress

from osc_netdiag.errors import UnsafeNameError
from osc_netdiag import names
from osc_netdiag.parsers import ovn_db
from osc_netdiag.parsers import ovn_trace
from osc_netdiag.probes import _ovs_list
from osc_netdiag.probes import MAC_RE
from osc_netdiag.probes import Probe

# -- ML2/OVN: the Northbound and Southbound databases (read where their
# clients reach them with their defaults), and a chassis's own state --

OVN_TIMEOUT = "--timeout=5"       # the clients give up instead of hanging
# name -> (client, table, columns, parser) of the whole-table lists
OVN_LISTS = {
    "ovn-nb-ha-groups": ("ovn-nbctl", "HA_Chassis_Group",
                         ovn_db.HA_GROUP_COLUMNS, ovn_db.parse_ha_groups),
    "ovn-nb-ha-chassis": ("ovn-nbctl", "HA_Chassis",
                          ovn_db.HA_CHASSIS_COLUMNS, ovn_db.parse_ha_chassis),
    "ovn-sb-chassis": ("ovn-sbctl", "Chassis", ovn_db.CHASSIS_COLUMNS,
                       ovn_db.parse_chassis),
    "ovn-sb-encaps": ("ovn-sbctl", "Encap", ovn_db.ENCAP_COLUMNS,
                      ovn_db.parse_encaps),
    "ovn-sb-datapaths": ("ovn-sbctl", "Datapath_Binding",
                         ovn_db.DATAPATH_COLUMNS, ovn_db.parse_datapaths),
    # the ACLs a logical trace meets are named by their security group rule
    "ovn-nb-acls": ("ovn-nbctl", "ACL", ovn_db.ACL_COLUMNS, ovn_db.parse_acls),
}


def _ovn_db(client, name, columns, verb, table, parse, condition=None):
    argv = (client, OVN_TIMEOUT, "--format=json",
            f"--columns={','.join(columns)}", verb, table)
    return Probe(name, argv + ((condition,) if condition else ()), parse)


def ovn_list(name):
    """One whole OVN table (OVN_LISTS): the chassis, encaps, HA groups."""
    client, table, columns, parse = OVN_LISTS[name]
    return _ovn_db(client, name, columns, "list", table, parse)


def ovn_find(name, value):
    # the rows a UUID names: ovn-nb-lsp (Logical_Switch_Port <port>),
    # ovn-nb-ls (the switch neutron-<network>), ovn-nb-lrp (lrp-<port>),
    # ovn-sb-pb (the Port_Binding of <port> or cr-lrp-<port>)
    prefix = "cr-lrp-" if name == "ovn-sb-pb" and \
        str(value).startswith("cr-lrp-") else ""
    uuid = names.checked_uuid(value[len(prefix):])
    client, table, columns, parse, key = {
        "ovn-nb-lsp": ("ovn-nbctl", "Logical_Switch_Port", ovn_db.LSP_COLUMNS,
                       ovn_db.parse_switch_ports, "name="),
        "ovn-nb-ls": ("ovn-nbctl", "Logical_Switch", ovn_db.SWITCH_COLUMNS,
                      ovn_db.parse_switches, "name=neutron-"),
        "ovn-nb-lrp": ("ovn-nbctl", "Logical_Router_Port", ovn_db.LRP_COLUMNS,
                       ovn_db.parse_router_ports, "name=lrp-"),
        "ovn-sb-pb": ("ovn-sbctl", "Port_Binding", ovn_db.BINDING_COLUMNS,
                      ovn_db.parse_port_bindings, "logical_port="),
    }[name]
    return _ovn_db(client, f"{name}:{prefix}{uuid}", columns, "find", table,
                   parse, f"{key}{prefix}{uuid}")


def ovn_localnet_ports():
    """Every localnet Logical_Switch_Port (one per provider segment)."""
    return _ovn_db("ovn-nbctl", "ovn-nb-localnet", ovn_db.LSP_COLUMNS,
                   "find", "Logical_Switch_Port", ovn_db.parse_switch_ports,
                   "type=localnet")


def ovn_controller_status():
    return Probe("ovn-controller-status",
                 ("ovn-appctl", OVN_TIMEOUT, "-t", "ovn-controller",
                  "connection-status"), ovn_db.parse_connection_status)


def ovs_system_ids():
    """The chassis's Open_vSwitch external_ids (system-id, ovn-*)."""
    return _ovs_list("ovs-system-ids", "Open_vSwitch", "external_ids",
                     ovn_db.parse_open_vswitch_ids)


def ovn_trace_ping(network_id, port_id, mac, ip, dst_mac, dst_ip):
    # ovn-trace of a ping to dst_ip at dst_mac, built from checked values
    # only (UUIDs, MACs, IPv4); its abort on a port OVN does not know is
    # read by the backend. --detailed names each stage the packet meets
    # (the ACLs among them); --ct=new, once for each conntrack lookup of
    # the way out and of the destination's side, because a ping starts a
    # connection (ovn-trace assumes an established one otherwise, which
    # the ACLs of the destination's security groups would not judge)
    network_id, port_id = map(names.checked_uuid, (network_id, port_id))
    if not all(MAC_RE.match(v or "") for v in (mac, dst_mac)):
        raise UnsafeNameError(f"not a MAC address: {mac!r}, {dst_mac!r}")
    ip, dst_ip = (str(ipaddress.IPv4Address(a)) for a in (ip, dst_ip))
    flow = (f'inport == "{port_id}" && eth.src == {mac} && '
            f'eth.dst == {dst_mac} && ip4.src == {ip} && ip4.dst == {dst_ip} '
            f'&& ip.ttl == 64 && icmp4.type == 8')
    return Probe(f"ovn-trace:{port_id}:{dst_ip}",
                 ("ovn-trace", "--ct=new", "--ct=new", "--detailed",
                  "--minimal", f"neutron-{network_id}", flow),
                 ovn_trace.parse_ovn_trace)
