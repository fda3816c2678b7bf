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

"""What a capture saw: the hosts' packet lines read into one row per point,
the merged timeline's verdicts, findings and the exit code.
"""

import dataclasses
import time

from osc_netdiag.capture import pcapfile
from osc_netdiag.capture import timeline
from osc_netdiag.checks.engine import Report
from osc_netdiag.errors import NetdiagError
from osc_netdiag.errors import ParseError
from osc_netdiag import exitcodes
from osc_netdiag import models
from osc_netdiag.parsers import tcpdump


# OVS mirrors a patch port only for packets whose translation starts there
# (recirculated after entering through it): br-int's patch port shows
# wire-to-instance frames only with the openvswitch firewall's conntrack.
# Instance-to-wire frames are read on the peer bridge's other ports.
BLIND = {("patch", timeline.INGRESS)}


@dataclasses.dataclass(frozen=True)
class Change:
    """One thing a capture creates on a host (for the --yes preview)."""
    host: str
    bridge: str
    watched_port: str
    output_port: str
    command: tuple

    def to_dict(self):
        return {"host": self.host, "bridge": self.bridge,
                "watched_port": self.watched_port,
                "output_port": self.output_port,
                "command": list(self.command)}


@dataclasses.dataclass(frozen=True)
class CaptureResult:
    port_id: str
    run_id: str
    points: tuple                  # of taps.Point
    changes: tuple                 # of Change
    applied: bool                  # False: preview only (no --yes)
    timeline: tuple = ()
    verdicts: tuple = ()
    point_status: tuple = ()       # of dict
    findings: tuple = ()
    hosts: tuple = ()
    exit_code: int = 0

    def to_dict(self):
        return {
            "port_id": self.port_id, "run_id": self.run_id,
            "applied": self.applied, "exit_code": self.exit_code,
            "points": [{"point": p.label, "host": p.host,
                        "where": p.describe()} for p in self.points],
            "changes": [c.to_dict() for c in self.changes],
            "packets": [s.to_dict() for s in self.timeline],
            "verdicts": [v.to_dict() for v in self.verdicts],
            "point_status": list(self.point_status),
            "findings": [f.to_dict() for f in self.findings],
            "hosts": [dataclasses.asdict(h) for h in self.hosts],
        }


def evaluate_capture(context, points, plans, runs, bounds, run_id, changes,
                     marker, write_dir=None):
    report = Report()
    per_point, status_rows, complete = [], [], set()
    host_reports = []
    for host, entries in plans.items():
        host_run = runs.get(host)
        if host_run is None or host_run.error is not None:
            error = getattr(host_run, "error", None)
            status = getattr(error, "status", models.HOST_ERROR)
            host_reports.append(models.HostReport(host, host, status,
                                                  str(error)))
            report.find("NETDIAG_HOST_UNREADABLE", host,
                        f"{host}: capture not run: {error}", host=host,
                        status=status)
            continue
        host_reports.append(models.HostReport(host, host, models.HOST_OK))
        if (changes and any(c.host == host for c in changes)
                and host_run.cleanup != "ok"):
            report.find("NETDIAG_CAPTURE_CLEANUP_UNCONFIRMED", host,
                        f"{host}: mirror removal not confirmed "
                        f"({host_run.cleanup or 'no answer'})", host=host,
                        expires=time.strftime("%H:%M:%S UTC", time.gmtime(
                            marker.expires)))
        labels_ok = {}
        for label, rp in entries:
            ok = _read_point(report, host, label, rp, host_run, bounds,
                             per_point, status_rows, write_dir)
            labels_ok[label] = labels_ok.get(label, True) and ok
        complete.update(label for label, ok in labels_ok.items() if ok)
    merged = timeline.merge(per_point, context.port.mac)
    path = [p.label for p in points]
    hosts = {p.label: p.host for p in points}
    verdicts = timeline.verdicts(merged, path, complete, hosts,
                                 blind=BLIND)
    for verdict in verdicts:
        if verdict.missing_at:
            report.find("NETDIAG_CAPTURE_FLOW_LOST",
                        f"{hosts[verdict.last_seen]}:{verdict.last_seen}",
                        verdict.text, flow=verdict.flow,
                        last=verdict.last_seen,
                        missing=", ".join(verdict.missing_at))
    if not merged and not report.findings:
        report.find("NETDIAG_CAPTURE_NO_PACKETS", context.port.id,
                    "no packet matched at any point")
    code = exitcodes.for_report(report.findings, host_reports)
    if any(f.code == "NETDIAG_CAPTURE_CLEANUP_UNCONFIRMED"
           for f in report.findings):
        code |= exitcodes.CLEANUP_INCOMPLETE
    return CaptureResult(context.port.id, run_id, points, changes, True,
                         merged, verdicts, tuple(status_rows),
                         tuple(report.findings), tuple(host_reports), code)


def _read_point(report, host, label, rp, host_run, bounds, per_point,
                status_rows, write_dir=None):
    """Parse one tcpdump's lines; record its status row. True if complete."""
    if rp.device is None:
        error = getattr(host_run, "nic_error", None) or \
            "no physical NIC found for the segment"
        report.find("NETDIAG_CAPTURE_POINT_FAILED", f"{host}:{label}",
                    f"no capture at {label} on {host}: {error}", host=host,
                    point=label, error=error)
        status_rows.append(_row(label, host, "-", "not run", 0,
                                tcpdump.CaptureStats(None, None, None)))
        return False
    lines = host_run.lines.get(rp.index, [])
    packet_lines = [line for line in lines
                    if tcpdump.is_packet_text(line)]
    stats = tcpdump.parse_stats("\n".join(lines))
    rc = host_run.exit_codes.get(rp.index)
    where = (f"mirror {rp.mirror.bridge}:{rp.mirror.watched}" if rp.mirror
             else rp.device)
    mirror_state = host_run.mirrors.get(rp.index)
    if rp.mirror is not None and (mirror_state is None or mirror_state[0]):
        error = mirror_state[1] if mirror_state else "not created"
        report.find("NETDIAG_CAPTURE_MIRROR_FAILED", f"{host}:{label}",
                    f"{host}: mirror of {rp.mirror.watched} failed: {error}",
                    host=host, port=rp.mirror.watched, error=error)
        status_rows.append(_row(label, host, where, "mirror failed", 0,
                                stats))
        return False
    packets = tcpdump.parse_tcpdump("".join(f"{line}\n"
                                            for line in packet_lines))
    per_point.append((label, host, packets))
    saved = {}
    if write_dir is not None:
        saved = _save_pcap(report, write_dir, host, label, rp, host_run,
                           len(packets))
    if rc not in (0, 124):
        error = "; ".join(line for line in lines
                          if line.startswith("tcpdump:"))[:300] or \
            f"exit status {rc}"
        report.find("NETDIAG_CAPTURE_POINT_FAILED", f"{host}:{label}",
                    f"tcpdump at {label} ({where}) on {host} failed: "
                    f"{error}", host=host, point=label, error=error)
        status_rows.append(_row(label, host, where, f"failed ({rc})",
                                len(packets), stats, **saved))
        return False
    state = "count reached" if rc == 0 else "duration reached"
    status_rows.append(_row(label, host, where, state, len(packets), stats,
                            **saved))
    return rc == 124 or len(packets) < bounds.count


def _save_pcap(report, write_dir, host, label, rp, host_run, text_packets):
    """Decode one point's pcap lines and write its file; the row's fields."""
    lines = host_run.pcap_lines.get(rp.index, [])
    # Mirrors are named by what they watch: the patch port, or the peer
    # bridge when every port of it is mirrored.
    if rp.mirror is None:
        device = rp.device
    elif rp.mirror.all_ports:
        device = f"{rp.mirror.bridge}-all"
    else:
        device = rp.mirror.port
    try:
        if rp.index in host_run.pcap_overflow:
            raise ParseError("more data than --count/--snaplen allow")
        data, info = pcapfile.decode(lines)
        path = pcapfile.write_new(write_dir,
                                  pcapfile.file_stem(host, label, device),
                                  data)
    except (NetdiagError, OSError) as exc:    # ParseError, unsafe folder
        error = str(exc) if lines else "no pcap data received"
        report.find("NETDIAG_CAPTURE_FILE_FAILED", f"{host}:{label}",
                    f"pcap of {label} on {host} not written: {error}",
                    host=host, point=label, error=error)
        return {"file": None, "file_packets": None}
    if info.packets != text_packets:
        # The file is what the host captured; the text is a second reading
        # of the same stream: a difference means that reading failed.
        error = (f"the file holds {info.packets} packets, the text "
                 f"{text_packets}")
        report.find("NETDIAG_CAPTURE_FILE_FAILED", f"{host}:{label}",
                    f"pcap of {label} on {host}: {error}", host=host,
                    point=label, error=error)
    return {"file": path, "file_packets": info.packets}


def _row(label, host, where, state, packets, stats, file=None,
         file_packets=None):
    return {"point": label, "host": host, "where": where, "state": state,
            "packets": packets, "dropped": stats.dropped, "file": file,
            "file_packets": file_packets}
