"""``capture_port``: the Python API of ``openstack netdiag port capture``.

    from osc_netdiag.capture import run
    result = run.capture_port(conn, "vm-port", at=("tap", "patch"),
                              bpf="icmp", yes=True)
    print(result.exit_code, [v.text for v in result.verdicts])
"""

import concurrent.futures
import dataclasses
import getpass
import re
import threading
import time

from osc_netdiag import exitcodes
from osc_netdiag import models
from osc_netdiag import resolve
from osc_netdiag.backends.report import Report
from osc_netdiag.capture import channel
from osc_netdiag.capture import mirror as mirror_mod
from osc_netdiag.capture import nic as nic_mod
from osc_netdiag.capture import pcapfile
from osc_netdiag.capture import plan as plan_mod
from osc_netdiag.capture import remote
from osc_netdiag.capture import timeline
from osc_netdiag.errors import NetdiagError
from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import tcpdump
from osc_netdiag.transport import pool

PRESETS = {"icmp": "icmp or icmp6", "dhcp": "udp port 67 or udp port 68",
           "dns": "udp port 53", "arp": "arp"}
MAX_COUNT, MAX_DURATION, MAX_SNAPLEN = 10000, 600, 65535
EXPIRY_MARGIN = 30
# OVS mirrors a patch port only for packets whose translation starts there
# (recirculated after entering through it): br-int's patch port shows
# wire-to-instance frames only with the openvswitch firewall's conntrack.
# Instance-to-wire frames are read on the peer bridge's other ports.
BLIND = {("patch", timeline.INGRESS)}
_BPF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .:/()!<>=&|\[\]*+-]{0,299}\Z")


def checked_filter(text):
    """A preset's expression, or a BPF expression from the allow-list.

    It travels as ONE argv element after ``--``; the allow-list keeps shell
    and option syntax out even though nothing here goes through a shell
    unquoted.
    """
    if not text:
        return None
    expression = PRESETS.get(text, text)
    if not _BPF_RE.match(expression):
        raise ValueError(f"refused filter expression {text!r}: use a preset "
                         f"({', '.join(PRESETS)}) or a BPF expression of "
                         f"letters, digits, spaces and . : / ( ) ! < > = & | "
                         f"[ ] * + -")
    return expression


def checked_bounds(count, duration, snaplen):
    if not 1 <= int(count) <= MAX_COUNT:
        raise ValueError(f"--count must be 1..{MAX_COUNT}")
    if not 0 < float(duration) <= MAX_DURATION:
        raise ValueError(f"--duration must be in (0, {MAX_DURATION}] s")
    if not 64 <= int(snaplen) <= MAX_SNAPLEN:
        raise ValueError(f"--snaplen must be 64..{MAX_SNAPLEN}")
    return remote.Bounds(int(count), float(duration), int(snaplen))


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
    points: tuple                  # of plan.Point
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


def _sender_filter(mac, expression):
    """Frames sent by ``mac`` (that also match the user's filter)."""
    own = f"ether src {mac}"
    return f"{own} and ({expression})" if expression else own


def _host_plans(points, run_id, expression=None):
    """host -> [(label, RemotePoint)] with output ports named per host."""
    plans = {}
    for point in points:
        entries = plans.setdefault(point.host, [])
        for tap in point.taps:
            index = len(entries)
            if tap.mirrored:
                output = mirror_mod.output_name(run_id, index)
                spec = mirror_mod.MirrorSpec(tap.bridge, tap.port, output,
                                             all_ports=tap.all_ports)
                bpf = _sender_filter(tap.sender, expression) \
                    if tap.sender else None
                item = remote.RemotePoint(index, output, mirror=spec,
                                          bpf=bpf, vlan=tap.vlan)
            elif tap.nic:
                item = remote.RemotePoint(index, None, bpf=tap.bpf,
                                          vlan=tap.vlan)
            else:
                item = remote.RemotePoint(index, tap.device, netns=tap.netns)
            entries.append((point.label, item))
    return plans


def capture_port(connection, port, *, at=None, bpf=None, count=100,
                 duration=10.0, snaplen=256, yes=False, inventory=None,
                 transport=None, user=None, stop=None,
                 max_workers=pool.DEFAULT_WORKERS, write_dir=None):
    """Resolve ``port``, capture at its points; see the module docstring.

    ``write_dir``: also save one pcap file per point there (created if
    missing; see ``pcapfile`` for the names; never overwrites).
    """
    sdk_port = resolve.find_port(connection, port)
    context = resolve.port_context(connection, sdk_port)
    return capture_context(context, at=at, bpf=bpf, count=count,
                           duration=duration, snaplen=snaplen, yes=yes,
                           inventory=inventory, transport=transport,
                           user=user, stop=stop, max_workers=max_workers,
                           write_dir=write_dir)


def capture_context(context, *, at=None, bpf=None, count=100, duration=10.0,
                    snaplen=256, yes=False, inventory=None, transport=None,
                    user=None, stop=None, max_workers=pool.DEFAULT_WORKERS,
                    write_dir=None):
    from osc_netdiag import api
    try:
        expression = checked_filter(bpf)
        bounds = checked_bounds(count, duration, snaplen)
        points = plan_mod.select(context, at)
        if write_dir is not None:
            pcapfile.check_dir(write_dir)
    except ValueError as exc:
        raise NetdiagError(str(exc)) from exc
    run_id = mirror_mod.new_run_id()
    marker = mirror_mod.Marker(
        run_id, user or getpass.getuser(),
        int(time.time() + bounds.deadline + EXPIRY_MARGIN))
    plans = _host_plans(points, run_id, expression)
    changes = tuple(
        Change(host, rp.mirror.bridge, rp.mirror.watched, rp.mirror.output,
               mirror_mod.create_argv(rp.mirror, marker))
        for host, entries in plans.items() for _, rp in entries
        if rp.mirror is not None)
    if changes and not yes:
        return CaptureResult(context.port.id, run_id, points, changes,
                             applied=False, exit_code=exitcodes.USAGE)
    if write_dir is not None:
        try:     # before the run: a capture that cannot be saved is wasted
            pcapfile.prepare_dir(write_dir)
        except ValueError as exc:
            raise NetdiagError(str(exc)) from exc
    if inventory is None:
        inventory = api.load_inventory()
    if transport is None:
        transport = api.ssh_transport(inventory)
    stop = stop or threading.Event()
    runs = {}

    def one_host(host):
        target = inventory.target(host)
        host_run = runs[host] = remote.HostRun(host)
        max_pcap = pcapfile.max_lines(bounds) if write_dir is not None else 0
        feed = (lambda line: host_run.feed(line, run_id, bounds.count + 20,
                                           max_pcap))
        try:
            session = transport.open(target)
        except NetdiagError as exc:
            host_run.error = exc
            return
        try:
            items = _resolve_nics(context, host, target, session,
                                  [rp for _, rp in plans[host]], host_run)
            plans[host] = [(label, item) for (label, _), item
                           in zip(plans[host], items)]
            items = [rp for rp in items if rp.device is not None]
            script = remote.build_script(items, bounds, expression, marker,
                                         target.exec_prefix,
                                         write_pcap=write_dir is not None)
            cap = channel.byte_cap(bounds, len(items), write_dir is not None)
            if channel.is_local(session):
                argv = remote.remote_argv(script, deadline=bounds.deadline,
                                          sudo=target.sudo)
                channel.run_local(argv, bounds.deadline, feed, stop, cap)
            else:
                command = remote.remote_command(
                    script, deadline=bounds.deadline, sudo=target.sudo)
                channel.run_ssh(session, command, bounds.deadline, feed,
                                stop, cap)
        except Exception as exc:  # noqa: BLE001 - one host never stops others
            host_run.error = exc
        finally:
            session.close()

    with concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, min(max_workers, len(plans)))) as pool:
        futures = [pool.submit(one_host, host) for host in plans]
        try:
            for future in futures:
                while not future.done():
                    concurrent.futures.wait([future], timeout=0.2)
        except BaseException:
            stop.set()          # Ctrl-C / SIGTERM: ask every host to clean up
            concurrent.futures.wait(futures, timeout=channel.STOP_GRACE + 2)
            raise
    return _evaluate(context, points, plans, runs, bounds, run_id, changes,
                     marker, write_dir)


def _resolve_nics(context, host, target, session, items, host_run):
    """Fill in the NIC point's device with one read-only batch."""
    if all(rp.device is not None or rp.mirror is not None for rp in items):
        return items
    try:
        device = nic_mod.find(context, host, target,
                              session.run(nic_mod.read_commands()))
    except Exception as exc:  # noqa: BLE001 - the other points still run
        device, host_run.nic_error = None, str(exc)
    return [dataclasses.replace(rp, device=device)
            if rp.device is None and rp.mirror is None else rp
            for rp in items]


def _evaluate(context, points, plans, runs, bounds, run_id, changes, marker,
              write_dir=None):
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
