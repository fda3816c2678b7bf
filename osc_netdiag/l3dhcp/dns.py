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

"""``dns check``: the dnsmasq of a network as a DNS server.

On every DHCP agent hosting the network: dnsmasq listening on UDP 53 in
``qdhcp-<network>`` on the DHCP port's address; a forward lookup through
it, from the namespace, of the port's Neutron host name
(``host-<ip with dashes>``); the reverse lookup of the port's IP. The
reverse lookup is the Guide's "SSH login takes a minute" symptom: sshd
(``UseDNS``) looks the client up, and an unanswered PTR query holds the
login until the resolver gives up.

The queries are sent by a fixed python3 script
(:mod:`osc_netdiag.dnsquery`, run by ``probes.dns_query``), since
``dig`` is rarely installed on network nodes; a host without python3 is
reported as missing-command.
"""

import ipaddress
import re

from osc_netdiag.checks.engine import Report
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.l3dhcp import common
from osc_netdiag.l3dhcp import dhcp
from osc_netdiag.linux import devices
from osc_netdiag import models
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag import probes
from osc_netdiag import runner

QUERY_TIMEOUT = probes.DNS_QUERY_TIMEOUT
_EXEC_FAILED = re.compile(r'exec of "([^"]+)" failed: No such file')


# built in probes.py, like every probe
listeners_probe = probes.netns_dns_listeners


def query_probe(ns, server, name, qtype):
    return probes.dns_query(ns, server, name, qtype, QUERY_TIMEOUT)


def target_port(context):
    """The port whose name and address are looked up, and its IPv4."""
    candidates = ([context.port] if context.port is not None else
                  list(context.ports) + list(context.dhcp_ports))
    for port in candidates:
        for ip in dhcp._dhcp_ips(port, context):
            if ipaddress.ip_address(ip).version == 4:
                return port, ip
    return None, None


def server_ip(context, host):
    port = next((p for p in context.dhcp_ports if p.binding_host == host),
                None)
    if port is None:
        return None
    return next((ip for ip in port.ips()
                 if ipaddress.ip_address(ip).version == 4), None)


def host_name(ip):
    """Neutron's default DNS name of a port (no dns_name set)."""
    return "host-" + ip.replace(".", "-")


def plan(context):
    ns = names.qdhcp_namespace(context.network_id)
    _port, ip = target_port(context)
    result = {}
    for host in context.hosts:
        items = [probes.netns_list(), listeners_probe(ns)]
        server = server_ip(context, host)
        if server and ip:
            items += [query_probe(ns, server, host_name(ip), "A"),
                      query_probe(ns, server, ip, "PTR")]
        result[host] = items
    return result


def _read(report, view, probe, subject, kind):
    """view.read(), with ip netns exec's "exec of X failed" as the
    missing-command it is.
    """
    try:
        return view.read(probe)
    except Unreadable as exc:
        found = _EXEC_FAILED.search(exc.message)
        if found:
            exc = Unreadable(view.host, probe, models.HOST_MISSING_COMMAND,
                             f"command not found: {found.group(1)}")
        report.skipped(view.host, subject, kind, exc)
        return None


def check_listener(report, view, ns, server):
    probe = listeners_probe(ns)
    sockets = _read(report, view, probe, "dnsmasq :53", "dns-listener")
    if sockets is None:
        return False
    lines = [f"{s.address}:{s.port} {','.join(n for n, _ in s.processes)}"
             for s in sockets]
    evidence = [view.evidence(probe, lines)]
    mine = [s for s in sockets if s.address in (server, "0.0.0.0", "::")]
    if mine:
        who = ",".join(sorted({n for s in mine for n, _ in s.processes}))
        report.hop(view.host, f"{server}:53", "dns-listener", "listening",
                   f"udp, {who or 'process not shown'}", Status.OK, evidence)
        return True
    report.find("NETDIAG_DNS_NOT_LISTENING", f"{view.host}:{ns}",
                f"nothing listens on {server}:53/udp in {ns} on "
                f"{view.host}", host=view.host, namespace=ns)
    report.hop(view.host, f"{server}:53", "dns-listener", "not listening",
               f"{len(sockets)} other socket(s) on port 53", Status.ERROR,
               evidence)
    return False


def check_query(report, view, probe, port, ip, reverse):
    host = view.host
    kind = "dns-reverse" if reverse else "dns-forward"
    answer = _read(report, view, probe, kind, kind)
    if answer is None:
        return
    what = f"{answer.type} {answer.name}"
    evidence = [view.evidence(probe, [f"{answer.status} "
                                      f"{' '.join(answer.answers)}"])]
    took = f" in {answer.ms:g} ms" if answer.ms is not None else ""
    if answer.status == "TIMEOUT":
        if reverse:
            code, summary = ("NETDIAG_DNS_REVERSE_TIMEOUT",
                             f"the reverse lookup of {ip} through "
                             f"{answer.server} got no answer within "
                             f"{QUERY_TIMEOUT:g}s")
        else:
            code, summary = ("NETDIAG_DNS_NO_ANSWER",
                             f"{answer.server} did not answer {what} within "
                             f"{QUERY_TIMEOUT:g}s")
        report.find(code, f"{host}:{what}", summary, host=host, ip=ip,
                    server=answer.server, name=answer.name)
        detail = summary + (": logins to the instance (sshd UseDNS) wait "
                            "for this" if reverse else "")
        report.hop(host, what, kind, "timeout", detail,
                   Status.WARN if reverse else Status.ERROR, evidence)
        return
    if answer.status == "ERROR":
        report.hop(host, what, kind, "error", answer.error, Status.ERROR,
                   evidence)
        report.find("NETDIAG_DNS_NO_ANSWER", f"{host}:{what}",
                    f"query to {answer.server} failed: {answer.error}",
                    host=host, server=answer.server, name=answer.name)
        return
    if reverse:
        # A quick NXDOMAIN is fine for logins: only silence delays them.
        report.hop(host, what, kind, answer.status,
                   f"{', '.join(answer.answers) or 'no name'}{took}",
                   Status.OK, evidence)
        return
    if answer.status == "NOERROR" and ip in answer.answers:
        report.hop(host, what, kind, answer.status,
                   f"{', '.join(answer.answers)}{took}", Status.OK, evidence)
        return
    report.find("NETDIAG_DNS_FORWARD_FAILED", f"{host}:{what}",
                f"{answer.server} answered {what} with {answer.status} "
                f"{', '.join(answer.answers) or '(no address)'}, expected "
                f"{ip}", host=host, port=port.id, name=answer.name)
    report.hop(host, what, kind, answer.status,
               f"{', '.join(answer.answers) or 'no address'}{took}; "
               f"expected {ip}", Status.ERROR, evidence)


def evaluate_host(report, view, context):
    if report.host_unreadable(view):
        return
    ns = names.qdhcp_namespace(context.network_id)
    if not devices.check_namespace(report, view, ns,
                                   "NETDIAG_DHCP_NAMESPACE_MISSING",
                                   "namespace"):
        return
    server = server_ip(context, view.host)
    if server is None:
        report.hop(view.host, ns, "dns-listener", "unknown",
                   "no network:dhcp port with an IPv4 address bound here",
                   Status.SKIP)
        return
    check_listener(report, view, ns, server)
    port, ip = target_port(context)
    if port is None:
        report.hop(view.host, "-", "dns-forward", "not checked",
                   "no port with an IPv4 address on a DHCP subnet",
                   Status.SKIP)
        return
    check_query(report, view, query_probe(ns, server, host_name(ip), "A"),
                port, ip, reverse=False)
    check_query(report, view, query_probe(ns, server, ip, "PTR"), port, ip,
                reverse=True)


def check_context(context, **options):
    report = Report()
    dhcp.check_agents(report, context)
    with runner.Run(context_json=context.to_json(), **options) as run:
        views = run.run(plan(context))
        for host in context.hosts:
            evaluate_host(report, views[host], context)
    subject = (f"port {context.port.id}" if context.port is not None
               else f"network {context.network_id}")
    return common.result(subject, report, run)


def check_from_capture(capture_dir, *, max_workers=runner.DEFAULT_WORKERS):
    """Re-run a dns check offline from a ``--save-capture`` directory."""
    data, options = runner.replay_options(capture_dir,
                                          max_workers=max_workers)
    return check_context(dhcp.DhcpContext.from_json(data), **options)


def dns_check(connection, ref, **options):
    """``dns check <port | network>``."""
    return check_context(dhcp.resolve_context(connection, ref, console=False),
                         **options)
