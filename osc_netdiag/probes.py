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

"""Probes: the read-only commands a trace runs, as data.

A probe is a stable name (also the capture key), an argv and the parser for
its output. Every name that goes into an argv has been through
:mod:`osc_netdiag.names`; transports quote every element on top of that.
"""

import dataclasses
import ipaddress
import re
from typing import Callable

from osc_netdiag import dnsquery
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag import names
from osc_netdiag.parsers import containers
from osc_netdiag.parsers import dnsmasq
from osc_netdiag.parsers import dnsquery as dnsquery_parser
from osc_netdiag.parsers import ip as ip_parser
from osc_netdiag.parsers import ip_route
from osc_netdiag.parsers import ipset
from osc_netdiag.parsers import iptables
from osc_netdiag.parsers import ofctl
from osc_netdiag.parsers import ofproto_trace as trace_parser
from osc_netdiag.parsers import oslo_ini
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
    absolute path for, so nothing in a namespace is found through PATH.
    """
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


def netns_route_tables(ns):
    """Every routing table of ``ns``.

    A distributed router routes a floating IP's fixed IP through table 16
    and the rest of a subnet through a table of its own
    (neutron/agent/l3/dvr_*), not main.
    """
    return Probe(f"ns-route-all:{ns}",
                 in_netns(ns, ("ip", "-j", "route", "show", "table", "all")),
                 ip_route.parse_ip_route)


def netns_rules(ns):
    """The policy routing rules of ``ns`` (which source uses which table)."""
    return Probe(f"ns-rule:{ns}", in_netns(ns, ("ip", "-j", "rule", "show")),
                 ip_route.parse_ip_rule)


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
    never pulls a whole flow table over SSH.
    """
    bridge = names.checked_bridge(bridge)
    flow_filter = names.checked_flow_filter(flow_filter)
    return Probe(f"flows:{bridge}:{flow_filter}",
                 ("ovs-ofctl", "dump-flows", bridge, flow_filter),
                 ofctl.parse_dump_flows, ovs=True)


# what ofproto/trace assumes conntrack answers when a packet of an
# established connection (a reply) is asked about; new is its default
CT_ESTABLISHED_REPLY = "trk,est,rpl"


def ofproto_trace(bridge, flow, established=False):
    """``ovs-appctl ofproto/trace BR FLOW``: where OVS's tables send a
    packet, computed by ovs-vswitchd without sending it (read-only).
    """
    bridge = names.checked_bridge(bridge)
    flow = names.checked_trace_flow(flow)
    options = ("--ct-next", CT_ESTABLISHED_REPLY) if established else ()
    return Probe(f"ofproto-trace:{bridge}:{'est:' if established else ''}"
                 f"{flow}",
                 ("ovs-appctl", "ofproto/trace", *options, bridge, flow),
                 trace_parser.parse_ofproto_trace, ovs=True)


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


def iptables_filter():
    """The host's own filter table with counters.

    The iptables_hybrid driver's chains live there: the bridge netfilter
    hook runs the instances' bridged packets through FORWARD.
    """
    return Probe("iptables-filter", ("iptables-save", "-c", "-t", "filter"),
                 iptables.parse_iptables_save)


def ip6tables_filter():
    """The host's IPv6 filter table with packet counters.

    The iptables_hybrid driver writes each port's IPv6 chains there, in
    the same names as the IPv4 ones.
    """
    return Probe("ip6tables-filter", ("ip6tables-save", "-c", "-t", "filter"),
                 iptables.parse_iptables_save)


def ipset_list():
    """Every ipset with its members: the remote groups' addresses."""
    return Probe("ipset-list", ("ipset", "list"), ipset.parse_ipset_list)


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


# -- probes whose parser or argv carries the request: a port's dnsmasq log
# lines, a config file's option lines, a DNS query from a namespace --

DNSMASQ_JOURNAL = "journal"
# Lines mentioning the MAC read from a log file at most (grep -m: the oldest
# ones win, so reaching it is said), and lines the journal gives at most.
DNSMASQ_LOG_LINES = 20000
MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}\Z")


def dnsmasq_log(mac, source, lines=DNSMASQ_LOG_LINES):
    """One log source of a port's DHCP exchange, as a command sudo can pin
    (doc/source/netdiag.sudoers): the journal's dnsmasq lines, or the lines
    of a file that mention the MAC.
    """
    if not MAC_RE.match(mac or ""):
        raise UnsafeNameError(f"not a MAC address: {mac!r}")
    if source == DNSMASQ_JOURNAL:
        # No --grep: with --lines it prints newest first since systemd 253
        # (and in some backports), in time order before, and it needs
        # journalctl built with pcre2. The MAC is matched on the client.
        argv = ("journalctl", "-q", "--no-pager", "-o", "short", "-n",
                str(lines), "-t", "dnsmasq-dhcp", "-t", "dnsmasq")
        ok = (0,)
    else:
        # -a: a log with a NUL byte in it is still read as text (else grep
        # says "binary file matches" and prints nothing). Exit 1: read,
        # nothing matched; 2: missing or unreadable.
        argv = ("grep", "-F", "-i", "-h", "-a", "-m", str(lines), "--", mac,
                names.checked_path(source))
        ok = (0, 1)
    return Probe(f"dnsmasq-log:{mac}:{source}", argv,
                 dnsmasq.MacLines(mac, lines), timeout=20.0,
                 ok_exit_codes=ok)


_OPTION_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}\Z")


def config_option_lines(path, options):
    """The lines of one config file that name ``options``, and nothing
    else: a config file also holds passwords (transport_url, [database]),
    which must not leave the host or land in a --save-capture.
    """
    path = names.checked_path(path)
    words = []
    for option in options:
        if not _OPTION_RE.match(option):
            raise UnsafeNameError(f"not an option name: {option!r}")
        words += ["-e", option]
    return Probe(f"agent-config:{path}",
                 ("grep", "-h", "-w", "-F", *words, "--", path),
                 oslo_ini.parse_option_lines, ok_exit_codes=(0, 1))


DNS_QUERY_TIMEOUT = 3.0          # seconds the script waits for an answer


def dns_query(ns, server, name, qtype, timeout=DNS_QUERY_TIMEOUT):
    """One DNS question to ``server`` from namespace ``ns``, by the fixed
    python3 script of :mod:`osc_netdiag.dnsquery` (the values travel as
    its arguments, never inside the code).
    """
    server = str(ipaddress.ip_address(server))
    if qtype == "PTR":
        name = str(ipaddress.ip_address(name))
    elif qtype != "A":
        raise ValueError(f"not a query type: {qtype!r}")
    elif not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}", name):
        raise ValueError(f"not a host name: {name!r}")
    return Probe(
        f"dns-query:{ns}:{server}:{qtype}:{name}",
        in_netns(ns, ("python3", "-c", dnsquery.SCRIPT, server, name,
                      qtype, f"{timeout:g}")),
        dnsquery_parser.parse_dns_query, timeout=timeout + 7)


# -- containerised Open vSwitch: which containers run, when ovs-vsctl is not
# on the host's PATH (the exact argv is granted in netdiag.sudoers) --

CONTAINER_RUNTIMES = ("docker", "podman")
CONTAINER_FORMAT = "{{.Names}}"


def running_containers(runtime):
    if runtime not in CONTAINER_RUNTIMES:
        raise ValueError(f"not a container runtime: {runtime!r}")
    return Probe(f"containers:{runtime}",
                 (runtime, "ps", "--format", CONTAINER_FORMAT),
                 containers.parse_names)
