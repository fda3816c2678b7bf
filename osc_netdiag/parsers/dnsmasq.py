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

"""Parse what Neutron's dnsmasq leaves behind: its hosts file, its log lines
and its command line.

Hosts file (``--dhcp-hostsfile``, written by neutron-dhcp-agent)::

    fa:16:3e:49:97:45,host-198-18-17-43.openstacklocal,198.18.17.43
    fa:16:3e:13:d4:50,host-198-18-17-1.openstacklocal,[2001:db8::1]

-> ``(HostEntry(mac='fa:16:3e:49:97:45', name='host-198-18-17-43.openstacklocal',
ip='198.18.17.43', extra=()), ...)``. Optional leading ``id:``/``set:``/
``tag:`` fields and trailing ones (``set:port-<id>``, lease time) land in
``extra``; IPv6 addresses lose their brackets.

Log lines (``--log-facility=FILE``, syslog or ``journalctl -o short``)::

    Nov 25 20:16:46 dnsmasq-dhcp[32077]: 1762493236 DHCPREQUEST(tap6bdcf039-02) 198.18.17.41 fa:16:3e:75:62:49
    Nov 25 20:16:46 network1 dnsmasq-dhcp[32077]: 1762493236 DHCPACK(tap6bdcf039-02) 198.18.17.41 fa:16:3e:75:62:49 host-198-18-17-41

-> ``LogLine(stamp='Nov 25 20:16:46', host=None, program='dnsmasq-dhcp',
pid=32077, message='...', event=DhcpEvent(xid='1762493236', kind='DHCPACK',
interface='tap6bdcf039-02', ip='198.18.17.41', mac='fa:16:3e:75:62:49',
note='host-198-18-17-41'))``. ``event`` is None for other dnsmasq lines
(``read .../host``, ``started``). Lines of other programs (a syslog grep
also finds the kernel's or dhclient's) are kept with ``program`` set and no
event. A line without a syslog prefix, or output cut short, raises
ParseError. Errors give the line number and what was expected, never the
line itself: these are host files, and an error message reaches output,
findings and JSON.

Command line: :func:`dhcp_ranges` reads ``--dhcp-range=`` values of a
:class:`osc_netdiag.parsers.ps.Process`.
"""  # noqa: E501 (real output above, one line per record)

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Optional

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import complete_lines

_MAC = r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}"
_MAC_RE = re.compile(_MAC + r"\Z")
_PREFIX = re.compile(
    r"(?P<stamp>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) "
    r"(?:(?P<host>[^\s\[\]:]+) )?"
    r"(?P<program>[^\s\[\]:]+)(?:\[(?P<pid>\d+)\])?: (?P<message>.*)\Z")
_EVENT = re.compile(
    r"(?:(?P<xid>\d+) )?(?P<kind>DHCP[A-Z]+)\((?P<iface>[^)\s]+)\)"
    # No address: dnsmasq prints the MAC right after the interface
    # ("DHCPDISCOVER(tap..) fa:16:3e:.. no address available"), which the
    # address pattern would otherwise take for an IPv6 address.
    r"(?: (?!" + _MAC + r"(?:\s|\Z))(?P<ip>[0-9A-Fa-f.:]+(?=\s)))?"
    r"(?: (?P<mac>" + _MAC + r"))?(?: ?(?P<note>.*))?\Z")
DNSMASQ_PROGRAMS = ("dnsmasq", "dnsmasq-dhcp", "dnsmasq-script",
                    "dnsmasq-tftp")


@dataclass(frozen=True)
class HostEntry:
    mac: str
    name: Optional[str]
    ip: Optional[str]
    extra: tuple = ()


@dataclass(frozen=True)
class DhcpEvent:
    xid: Optional[str]
    kind: str                  # DHCPDISCOVER, DHCPOFFER, DHCPREQUEST, ...
    interface: str
    ip: Optional[str]
    mac: Optional[str]
    note: str                  # "no address available", host name, ...


@dataclass(frozen=True)
class LogLine:
    stamp: str
    host: Optional[str]
    program: str
    pid: Optional[int]
    message: str
    event: Optional[DhcpEvent]

    @property
    def text(self):
        who = f"{self.program}[{self.pid}]" if self.pid else self.program
        host = f"{self.host} " if self.host else ""
        return f"{self.stamp} {host}{who}: {self.message}"


@dataclass(frozen=True)
class DhcpRange:
    tag: Optional[str]         # "subnet-<id>" from set:/tag:
    start: str
    mode: Optional[str]        # "static", or the range end
    netmask: Optional[str]
    lease: Optional[str]


def _is_ip(text):
    return bool(re.fullmatch(r"[0-9.]+|\[?[0-9A-Fa-f:.]+\]?", text)) and \
        ("." in text or ":" in text)


def parse_hosts_file(text: str) -> tuple:
    """Parse a ``--dhcp-hostsfile`` (see module doc)."""
    entries = []
    lines = complete_lines(text, "dnsmasq hosts file")
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split(",")
        lead = []
        while fields and re.match(r"(id|set|tag):", fields[0]):
            lead.append(fields.pop(0))
        if not fields or not _MAC_RE.match(fields[0]):
            # The line itself is not quoted: it is a host file's content.
            raise ParseError(f"dnsmasq hosts file line {number}: expected "
                             f"'MAC,NAME,IP' (optionally after id:/set:/"
                             f"tag: fields), found no MAC address")
        mac = fields.pop(0).lower()
        name = ip = None
        rest = []
        for field in fields:
            if ip is None and _is_ip(field):
                ip = field.strip("[]")
            elif name is None and ip is None and re.fullmatch(
                    r"[A-Za-z0-9][A-Za-z0-9.-]*", field):
                name = field
            else:
                rest.append(field)
        entries.append(HostEntry(mac, name, ip, tuple(lead + rest)))
    return tuple(entries)


def parse_log(text: str) -> tuple:
    """Parse dnsmasq log lines, from its own file or syslog (module doc)."""
    lines = []
    for number, line in enumerate(complete_lines(text, "dnsmasq log"), 1):
        if not line:
            continue
        m = _PREFIX.match(line)
        if m is None:
            # Not quoted: a log file's content is host data.
            raise ParseError(f"dnsmasq log line {number} of those read: "
                             f"expected 'Mon DD HH:MM:SS [host] "
                             f"program[pid]: message'")
        message = m.group("message").rstrip()
        event = None
        if m.group("program") in DNSMASQ_PROGRAMS:
            e = _EVENT.match(message)
            if e is not None:
                event = DhcpEvent(
                    xid=e.group("xid"), kind=e.group("kind"),
                    interface=e.group("iface"), ip=e.group("ip"),
                    mac=(e.group("mac") or "").lower() or None,
                    note=(e.group("note") or "").strip())
        lines.append(LogLine(
            stamp=m.group("stamp"), host=m.group("host"),
            program=m.group("program"),
            pid=int(m.group("pid")) if m.group("pid") else None,
            message=message, event=event))
    return tuple(lines)


def dhcp_ranges(process) -> tuple:
    """The ``--dhcp-range=`` options of a dnsmasq Process.

    ``set:subnet-e94...,198.18.17.0,static,255.255.255.0,86400s`` ->
    ``DhcpRange(tag='subnet-e94...', start='198.18.17.0', mode='static',
    netmask='255.255.255.0', lease='86400s')``.
    """
    ranges = []
    for value in process.options("dhcp-range"):
        fields = value.split(",")
        tag = None
        while fields and re.match(r"(set|tag):", fields[0]):
            tag = fields.pop(0).split(":", 1)[1]
        if not fields:
            raise ParseError(f"dnsmasq: empty --dhcp-range={value}")
        start = fields.pop(0)
        mode = fields.pop(0) if fields else None
        netmask = next((f for f in fields if re.fullmatch(r"[\d.]+", f)
                        and f.startswith("255")), None)
        # Neutron always writes the lease with its unit ("86400s"); a bare
        # number there is an IPv6 prefix length.
        lease = next((f for f in fields
                      if re.fullmatch(r"\d+[smhdw]|infinite", f)), None)
        ranges.append(DhcpRange(tag, start, mode, netmask, lease))
    return tuple(ranges)


@dataclass(frozen=True)
class MacLines:
    """Parser of a dnsmasq log source's output: the lines that mention
    ``mac`` (case-insensitive fixed string, as ``grep -F -i``; a journal's
    other lines are dropped here), the newest ``lines`` of them, as dnsmasq
    log lines. Output without its final newline is refused. A dataclass,
    so two probes of the same source are equal.
    """

    mac: str
    lines: int

    def __call__(self, text):
        wanted = self.mac.casefold()
        mine = [line for line in complete_lines(text, "dnsmasq log")
                if wanted in line.casefold()][-self.lines:]
        return parse_log("".join(f"{line}\n" for line in mine))
