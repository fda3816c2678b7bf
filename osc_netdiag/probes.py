"""Probes: the read-only commands a trace runs, as data.

A probe is a stable name (also the capture key), an argv and the parser for
its output. Every name that goes into an argv has been through
:mod:`osc_netdiag.names`; transports quote every element on top of that.
"""

import dataclasses
from typing import Callable

from osc_netdiag import names
from osc_netdiag.parsers import dnsmasq
from osc_netdiag.parsers import ip as ip_parser
from osc_netdiag.parsers import ip_route
from osc_netdiag.parsers import iptables
from osc_netdiag.parsers import ofctl
from osc_netdiag.parsers import ovs_vsctl
from osc_netdiag.parsers import ps
from osc_netdiag.parsers import ss
from osc_netdiag.transport.base import Command

OVSDB_TIMEOUT = "--timeout=5"     # ovs-vsctl gives up instead of hanging

BRIDGE_COLUMNS = "_uuid,name,ports,datapath_type,fail_mode,external_ids,controller"
PORT_COLUMNS = "_uuid,name,interfaces,tag,trunks,other_config"
INTERFACE_COLUMNS = ("_uuid,name,type,ofport,options,external_ids,error,"
                     "admin_state,link_state,mac_in_use,mtu")


@dataclasses.dataclass(frozen=True)
class Probe:
    name: str
    argv: tuple
    parse: Callable[[str], object]
    timeout: float = 10.0
    ovs: bool = False
    # Exit codes that still carry an answer (pgrep: 1 = nothing matched).
    ok_exit_codes: tuple = (0,)

    @property
    def command(self):
        return Command(name=self.name, argv=self.argv, timeout=self.timeout,
                       ovs=self.ovs)


# What runs inside a namespace, by absolute path (Debian 12 and Ubuntu,
# merged /usr; the same paths as doc/source/netdiag.sudoers). ``ip netns
# exec`` looks a bare name up in PATH, and sudo keeps the caller's PATH
# unless the sudoers file sets secure_path: a bare name would let the
# netdiag user run a program of its own as root through a granted line.
NETNS_COMMANDS = {
    "ip": "/usr/sbin/ip",
    "iptables-save": "/usr/sbin/iptables-save",
    "ss": "/usr/bin/ss",
    "python3": "/usr/bin/python3",
}


def in_netns(ns, argv):
    """``ip netns exec NS /abs/path ARGS...``: refuses a command it has no
    absolute path for, so nothing in a namespace is found through PATH."""
    tool, *args = argv
    path = NETNS_COMMANDS.get(tool)
    if path is None:
        raise ValueError(f"no absolute path known for {tool!r} in a "
                         f"namespace")
    return ("ip", "netns", "exec", names.checked_netns(ns), path, *args)


def ip_addr():
    return Probe("ip-addr", ("ip", "-d", "-j", "addr", "show"),
                 ip_parser.parse_ip_addr)


def netns_list():
    return Probe("netns", ("ip", "-j", "netns", "list"),
                 ip_parser.parse_ip_netns)


def netns_addr(ns):
    return Probe(f"ns-addr:{ns}", in_netns(ns, ("ip", "-d", "-j", "addr",
                                                "show")),
                 ip_parser.parse_ip_addr)


def netns_routes(ns):
    return Probe(f"ns-route:{ns}", in_netns(ns, ("ip", "-j", "route", "show")),
                 ip_route.parse_ip_route)


def _ovs_list(name, table, columns, parse):
    return Probe(name, ("ovs-vsctl", OVSDB_TIMEOUT, "--format=json",
                        f"--columns={columns}", "list", table), parse,
                 ovs=True)


def ovs_bridges():
    return _ovs_list("ovs-bridges", "Bridge", BRIDGE_COLUMNS,
                     ovs_vsctl.parse_bridges)


def ovs_ports():
    return _ovs_list("ovs-ports", "Port", PORT_COLUMNS, ovs_vsctl.parse_ports)


def ovs_interfaces():
    return _ovs_list("ovs-interfaces", "Interface", INTERFACE_COLUMNS,
                     ovs_vsctl.parse_interfaces)


def dump_flows(bridge, flow_filter):
    """``ovs-ofctl dump-flows BR FILTER``: filtered on the host, so a trace
    never pulls a whole flow table over SSH."""
    bridge = names.checked_bridge(bridge)
    flow_filter = names.checked_flow_filter(flow_filter)
    return Probe(f"flows:{bridge}:{flow_filter}",
                 ("ovs-ofctl", "dump-flows", bridge, flow_filter),
                 ofctl.parse_dump_flows, ovs=True)


def dnsmasq_processes():
    # pgrep exits 1 when nothing matches: that is data (dnsmasq not running).
    return Probe("dnsmasq", ("pgrep", "-a", "-x", "dnsmasq"), ps.parse_ps,
                 ok_exit_codes=(0, 1))


# -- probes of the Linux, dnsmasq and Open vSwitch pieces the checks read --

# the DHCP agent's program name (pgrep's pattern; a plain word, so the
# sudoers file can grant exactly this command)
DHCP_AGENT_PROGRAM = "neutron-dhcp-agent"
CONTROLLER_COLUMNS = "_uuid,target,is_connected"


def netns_iptables_nat(ns):
    return Probe(f"ns-iptables:{ns}",
                 in_netns(ns, ("iptables-save", "-t", "nat")),
                 iptables.parse_iptables_save)


def netns_dns_listeners(ns):
    return Probe(f"ns-ss-dns:{ns}",
                 in_netns(ns, ("ss", "-H", "-l", "-n", "-u", "-p", "sport",
                               "=", ":53")),
                 ss.parse_ss)


def dnsmasq_hosts_file(path):
    path = names.checked_path(path)
    return Probe(f"dnsmasq-hosts:{path}", ("cat", "--", path),
                 dnsmasq.parse_hosts_file)


def dhcp_agent_process():
    # the wrappers whose command lines contain the program name too
    # (timeout, sudo, pgrep's own parent) are dropped by the check
    return Probe("dhcp-agent-process",
                 ("pgrep", "-a", "-f", DHCP_AGENT_PROGRAM), ps.parse_ps,
                 ok_exit_codes=(0, 1))


def process_owners():
    # Every process's owners, not only dnsmasq's: the agent runs under
    # several names (neutron-dhcp-agent, python3, a retitled master), and
    # "ps -C" matches a 15-character name. Widths of 32 keep user names
    # whole (ps shortens longer ones with "+", which then matches nothing).
    return Probe("process-owners",
                 ("ps", "-e", "-o", "ruser:32=,user:32=,pid="),
                 ps.parse_owners)


def ovs_controllers():
    return Probe("ovs-controllers",
                 ("ovs-vsctl", OVSDB_TIMEOUT, "--format=json",
                  f"--columns={CONTROLLER_COLUMNS}", "list", "Controller"),
                 ovs_vsctl.parse_controllers, ovs=True)
