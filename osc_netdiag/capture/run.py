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

"""``capture_port``: the Python API of ``openstack netdiag port capture``.

    from osc_netdiag.capture import run
    result = run.capture_port(conn, "vm-port", at=("tap", "patch"),
                              bpf="icmp", yes=True)
    print(result.exit_code, [v.text for v in result.verdicts])
"""

import dataclasses
import getpass
import re
import threading
import time

from osc_netdiag import backends
from osc_netdiag.capture.evaluate import CaptureResult
from osc_netdiag.capture.evaluate import Change
from osc_netdiag.capture.evaluate import evaluate_capture
from osc_netdiag.capture import mirror as mirror_mod
from osc_netdiag.capture import pcapfile
from osc_netdiag.capture import plan as plan_mod
from osc_netdiag.capture import remote
from osc_netdiag.errors import NetdiagError
from osc_netdiag import exitcodes
from osc_netdiag import resolve
from osc_netdiag import runner
from osc_netdiag.transport import pool
from osc_netdiag.transport import stream


PRESETS = {"icmp": "icmp or icmp6", "dhcp": "udp port 67 or udp port 68",
           "dns": "udp port 53", "arp": "arp"}


MAX_COUNT, MAX_DURATION, MAX_SNAPLEN = 10000, 600, 65535


EXPIRY_MARGIN = 30


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
                 max_workers=runner.DEFAULT_WORKERS, write_dir=None,
                 progress=None):
    """Resolve ``port``, capture at its points; see the module docstring.

    ``write_dir``: also save one pcap file per point there (created if
    missing; see ``pcapfile`` for the names; never overwrites).
    ``progress``: called while the hosts capture (see ``runner.Run``).
    """
    sdk_port = resolve.find_port(connection, port)
    # the port's backend, from the API as for a trace (the agents on its
    # host when bound_drivers is missing): refused before anything else
    backends.for_port(backends.binding_of(
        resolve.port_info(sdk_port),
        resolve.host_agent_types(connection, sdk_port.binding_host_id)))
    context = resolve.port_context(connection, sdk_port)
    return capture_context(context, at=at, bpf=bpf, count=count,
                           duration=duration, snaplen=snaplen, yes=yes,
                           inventory=inventory, transport=transport,
                           user=user, stop=stop, max_workers=max_workers,
                           write_dir=write_dir, progress=progress)


def capture_context(context, *, at=None, bpf=None, count=100, duration=10.0,
                    snaplen=256, yes=False, inventory=None, transport=None,
                    user=None, stop=None, max_workers=runner.DEFAULT_WORKERS,
                    write_dir=None, progress=None):
    try:
        expression = checked_filter(bpf)
        bounds = checked_bounds(count, duration, snaplen)
        offered = plan_mod.capture_points(context)
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
        inventory = runner.load_inventory()
    if transport is None:
        transport = runner.ssh_transport(inventory)
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
            items = _resolve_nics(offered, context, host, target, session,
                                  [rp for _, rp in plans[host]], host_run)
            plans[host] = [(label, item) for (label, _), item
                           in zip(plans[host], items)]
            items = [rp for rp in items if rp.device is not None]
            script = remote.build_script(items, bounds, expression, marker,
                                         target.exec_prefix,
                                         write_pcap=write_dir is not None)
            session.stream(
                remote.remote_argv(script, deadline=bounds.deadline,
                                   sudo=target.sudo),
                deadline=bounds.deadline, on_line=feed, stop=stop,
                max_bytes=remote.byte_cap(bounds, len(items),
                                          write_dir is not None))
        except Exception as exc:  # noqa: BLE001 - one host never stops others
            host_run.error = exc
        finally:
            session.close()

    # Ctrl-C / SIGTERM: ``stop`` asks every host to clean up
    pool.each_host(list(plans), one_host, max_workers=max_workers,
                   stop=stop, grace=stream.STOP_GRACE + 2, progress=progress)
    return evaluate_capture(context, points, plans, runs, bounds, run_id,
                            changes, marker, write_dir)


def _resolve_nics(offered, context, host, target, session, items,
                  host_run):
    """Fill in the NIC point's device with one read-only batch (what the
    backend's capture points read to find it).
    """
    if all(rp.device is not None or rp.mirror is not None for rp in items):
        return items
    try:
        device = offered.find_nic(context, host, target,
                                  session.run(offered.nic_commands()))
    except Exception as exc:  # noqa: BLE001 - the other points still run
        device, host_run.nic_error = None, str(exc)
    return [dataclasses.replace(rp, device=device)
            if rp.device is None and rp.mirror is None else rp
            for rp in items]
