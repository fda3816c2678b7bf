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

"""The firewall view's conntrack probes: read-only lists of entries.

Asked only with ``port firewall --conntrack`` and a packet question: the
zone of the port (the hybrid driver's raw table; the openvswitch driver's
is its network's local VLAN, read with the OVS lists), then the entries
of that zone. Granted exactly in netdiag.sudoers (NETDIAG_FW_CT).
"""

from osc_netdiag.parsers import conntrack
from osc_netdiag.parsers import iptables
from osc_netdiag.probes import Probe


def iptables_raw():
    """The host's raw table: the conntrack zone of each hybrid port.

    The iptables_hybrid driver sets it with ``-j CT --zone N`` on the
    port's tap in neutron-openvswi-PREROUTING.
    """
    return Probe("iptables-raw", ("iptables-save", "-t", "raw"),
                 iptables.parse_iptables_save)


# conntrack -p names of the IP protocols a packet question may ask about
CONNTRACK_PROTOCOLS = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6",
                       132: "sctp"}


def conntrack_list(zone, family, number):
    """The kernel's conntrack entries of one zone, family and protocol.

    ``conntrack -L`` lists and changes nothing; the zone is an int, the
    family and protocol come from fixed tables (nothing free in argv).
    """
    zone = int(zone)
    if not 0 <= zone <= 65535:
        raise ValueError(f"conntrack zone {zone} out of range")
    name = {4: "ipv4", 6: "ipv6"}[family]
    proto = CONNTRACK_PROTOCOLS[number]
    return Probe(f"conntrack:{zone}:{name}:{proto}",
                 ("conntrack", "-L", "-w", str(zone), "-f", name, "-p",
                  proto), conntrack.parse_conntrack_list)


def dpctl_conntrack(zone):
    """Open vSwitch's conntrack entries of one zone, read-only.

    The userspace datapath's own conntrack, or the kernel's through it.
    """
    zone = int(zone)
    if not 0 <= zone <= 65535:
        raise ValueError(f"conntrack zone {zone} out of range")
    return Probe(f"dpctl-conntrack:{zone}",
                 ("ovs-appctl", "dpctl/dump-conntrack", f"zone={zone}"),
                 conntrack.parse_dpctl_conntrack, ovs=True)
