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

"""``port firewall``: a port's firewall as the API intends it, beside what
its host enforces, and the answer to "would this packet get through?".

The API's side is read by ``resolve.secgroups``; the host's by the
module of the port's firewall driver (``dispatch``), over one session to
the port's host (two reads: the OVS lists, then the port's own flows and
the packet's trace). Read-only on the host.
"""

import dataclasses
import ipaddress

from osc_netdiag.checks.engine import Report
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag import exitcodes
from osc_netdiag.firewall import dispatch
from osc_netdiag.firewall import verdict
from osc_netdiag.models import Status
from osc_netdiag.resolve import secgroups as resolve_secgroups
from osc_netdiag import runner
from osc_netdiag import secgroups as sg
from osc_netdiag.sgrules import describe_rule
from osc_netdiag.sgrules import local_address


@dataclasses.dataclass(frozen=True)
class FirewallResult:
    port_id: str
    host: str
    driver: str
    inbound: str
    rows: tuple
    findings: tuple
    hosts: tuple
    round_trips: int
    exit_code: int
    packet: object = None
    api_verdict: object = None
    host_verdict: object = None
    # the inbound line with each remote group's ID beside its name
    inbound_long: str = ""

    def to_dict(self, long=False):
        data = {"port_id": self.port_id, "host": self.host,
                "driver": self.driver,
                "inbound_policy": self.inbound_long or self.inbound,
                "exit_code": self.exit_code,
                "rows": [r.to_dict(long=long) for r in self.rows],
                "findings": [f.to_dict() for f in self.findings],
                "hosts": [dataclasses.asdict(h) for h in self.hosts]}
        if self.packet is not None:
            data["packet"] = dataclasses.asdict(self.packet)
            for name in ("api_verdict", "host_verdict"):
                item = getattr(self, name)
                data[name] = item.decision if item else None
                data[name.replace("verdict", "decided_by")] = \
                    item.decided_by if item else None
                data[name.replace("verdict", "detail")] = \
                    item.detail if item else None
            data["agree"] = self.agree
        return data

    @property
    def agree(self):
        if self.api_verdict is None or self.host_verdict is None:
            return None
        return self.api_verdict.decision == self.host_verdict.decision


def _api_rows(report, intent):
    port = intent.port_id
    security = "on" if intent.port_security_enabled else "off"
    pairs = ", ".join(f"{p.ip_address} ({p.mac_address})"
                      for p in intent.allowed_address_pairs) or "none"
    groups = ", ".join(f"{g.name or g.id} "
                       f"({'stateful' if g.stateful else 'stateless'})"
                       for g in intent.security_groups) or "none"
    report.hop("api", port, "port", f"port security {security}",
               f"{intent.mac_address} {', '.join(intent.fixed_ips) or '-'}"
               f"; allowed address pairs: {pairs}; groups: {groups}",
               Status.OK)
    for group in intent.security_groups:
        for rule in group.rules:
            report.hop("api", rule.id, "sg-rule", group.name or group.id,
                       describe_rule(rule), Status.OK)


def _policy_findings(report, intent):
    if not intent.port_security_enabled:
        report.find("NETDIAG_FW_PORT_SECURITY_OFF", intent.port_id,
                    f"port {intent.port_id} has port security disabled",
                    port=intent.port_id)
    elif intent.port_filter and not any(
            r.direction == sg.INGRESS for r in intent.rules):
        report.find("NETDIAG_FW_NOTHING_IN", intent.port_id,
                    f"no rule of port {intent.port_id}'s groups allows "
                    "anything in", port=intent.port_id)


def _reads_local_ip(module, intent, packet):
    """Whether the driver's view answers ``packet`` as asked.

    A view that does not read --local-ip (``READS_LOCAL_IP``) evaluates
    the port's own first address: right when --local-ip is that one,
    a wrong answer (and a false disagreement) for any other.
    """
    if packet.local_ip is None or getattr(module, "READS_LOCAL_IP", False):
        return True
    own = local_address(intent, dataclasses.replace(packet, local_ip=None))
    return ipaddress.ip_address(own) == ipaddress.ip_address(packet.local_ip)


def _read_host(run, report, intent, module, packet):
    """The driver's hops and findings, and its verdict on ``packet``."""
    host = intent.host
    views = run.run({host: module.probes(intent.port_id)})
    if report.host_unreadable(views[host]):
        return None
    more = getattr(module, "more_probes", None)
    if more is not None:
        try:
            extra = more(intent, views[host], packet)
        except Unreadable as exc:
            report.skipped(host, intent.port_id, "firewall", exc)
            return None
        views = run.run({host: extra})
    view = views[host]
    try:
        hops, findings = module.judge(intent, view)
    except Unreadable as exc:
        report.skipped(host, intent.port_id, "firewall", exc)
        hops, findings = (), ()
    report.hops.extend(hops)
    for item in findings:
        if item not in report.findings:
            report.findings.append(item)
    if packet is None:
        return None
    if not _reads_local_ip(module, intent, packet):
        report.hop(host, "verdict", "host-verdict", "not read",
                   f"the {dispatch.driver_name(intent)} view evaluates the "
                   f"port's own address, not --local-ip {packet.local_ip}",
                   Status.SKIP)
        return None
    try:
        return module.host_verdict(intent, packet, view)
    except Unreadable as exc:
        report.skipped(host, "verdict", "host-verdict", exc)
        return None


def _verdict_rows(report, intent, packet, api, host):
    what = verdict.describe_packet(packet)
    report.hop("api", "verdict", "api-verdict", api.decision,
               f"{what}: {api.detail}"
               + (f" [rule {api.decided_by}]"
                  if api.decided_by in {r.id for r in intent.rules}
                  else ""), Status.OK)
    if host is None:
        return
    agree = host.decision == api.decision
    report.hop(intent.host, "verdict", "host-verdict", host.decision,
               f"decided by {host.decided_by or '-'}; {host.detail}",
               Status.OK if agree else Status.ERROR)
    if not agree:
        report.find("NETDIAG_FW_VERDICT_DISAGREE", intent.port_id,
                    f"{what}: the API rules say {api.decision} "
                    f"({api.decided_by or api.detail}), {intent.host} says "
                    f"{host.decision} ({host.decided_by})",
                    api=api.decision, host_verdict=host.decision,
                    host=intent.host)


def check_intent(intent, *, packet=None, **options):
    """Compare ``intent`` with its host; answer ``packet`` if given.

    A question that does not fit the port raises secgroups.QuestionError
    before any host is read.
    """
    verdict.check_question(intent, packet)
    report = Report()
    _api_rows(report, intent)
    _policy_findings(report, intent)
    name = dispatch.driver_name(intent)
    module = dispatch.module_for(name)
    api = verdict.api_verdict(intent, packet) if packet else None
    host = None
    hosts, round_trips = (), 0
    if module is None and name != dispatch.NOOP:
        report.find("NETDIAG_FW_DRIVER_UNREAD", intent.port_id,
                    f"the {name} driver's rules on {intent.host} are not "
                    "read by this release", driver=name)
    elif module is not None:
        with runner.Run(**options) as run:
            host = _read_host(run, report, intent, module, packet)
            hosts, round_trips = run.host_reports(report), run.round_trips
    if packet is not None:
        _verdict_rows(report, intent, packet, api, host)
    return FirewallResult(
        port_id=intent.port_id, host=intent.host, driver=name,
        inbound=verdict.inbound_policy(intent),
        inbound_long=verdict.inbound_policy(intent, long=True),
        rows=tuple(report.hops),
        findings=tuple(report.findings), hosts=hosts,
        round_trips=round_trips,
        exit_code=exitcodes.for_report(report.findings, hosts),
        packet=packet, api_verdict=api, host_verdict=host)


def port_firewall(connection, port, *, packet=None, **options):
    """``port firewall <port>``: resolve, then read the port's host."""
    _info, intent = resolve_secgroups.find_intent(connection, port)
    return check_intent(intent, packet=packet, **options)
