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

"""``openstack netdiag port capture``."""

import shlex
import signal
import threading

from osc_netdiag.v1 import argtypes
from osc_netdiag.v1 import output
from osc_netdiag.v1 import packettime

# capture.run's bounds (not imported from there: it is heavy to import)
MAX_COUNT, MAX_DURATION, MAX_SNAPLEN = 10000, 600, 65535

PACKET_COLUMNS = ("Time", "Point", "Host", "Direction", "Summary")
VERDICT_COLUMNS = ("Flow", "Direction", "Packets", "Last Seen", "Verdict")
POINT_COLUMNS = ("Point", "Host", "Where", "State", "Packets", "Dropped")
CHANGE_COLUMNS = ("Host", "Bridge", "Watched Port", "Output Port", "Command")


class CapturePort(output.DiagnosisLister):
    """Capture a port's packets at several points of its path at once.

    Runs one bounded tcpdump per point, in parallel on every host (the
    tap, qvb/qvo, the br-int patch pair, qr-/qg- in the router namespace,
    the DHCP tap), merges what each saw on one timeline and says, per flow
    of packets, where it was last seen. Linux devices are read directly;
    OVS patch ports through mirrors made for the run, which is a change:
    without --yes the command prints what it would create and exits 2.
    Everything created carries an owner marker and is removed at the end,
    on Ctrl-C, SIGTERM, SIGHUP or a lost connection ('netdiag cleanup'
    removes what a crashed run left).

    Exit codes: 0 done, 2 refused without --yes, 3 port not resolved,
    otherwise the OR of 4 (an ERROR finding), 8 (a host could not be read),
    16 (host key or authentication refused), 32 (removal not confirmed).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("port", metavar="<port>",
                            help="Port: ID, name, fixed IP or MAC address")
        parser.add_argument(
            "--at", metavar="<point>", action="append",
            help="Capture point (repeatable): tap, qvb, qvo, patch, qr, qg, "
                 "dhcp (default: tap, patch, qr)")
        parser.add_argument(
            "--filter", metavar="<preset|bpf>",
            help="icmp, dhcp, dns, arp or a BPF expression (one argument)")
        # the bounds of capture.run.checked_bounds, refused at parse time
        parser.add_argument("--count", metavar="<n>", default=100,
                            type=argtypes.whole_number(1, MAX_COUNT),
                            help="Stop each point after n packets "
                                 f"(1 to {MAX_COUNT}, default: 100)")
        parser.add_argument("--duration", metavar="<seconds>",
                            type=argtypes.seconds(MAX_DURATION),
                            default=10.0,
                            help="Stop after this long (at most "
                                 f"{MAX_DURATION}, default: 10)")
        parser.add_argument("--snaplen", metavar="<bytes>", default=256,
                            type=argtypes.whole_number(64, MAX_SNAPLEN),
                            help=f"Bytes kept per packet (64 to "
                                 f"{MAX_SNAPLEN}, default: 256)")
        parser.add_argument(
            "--relative", action="store_true",
            help="Print packet times as seconds since the first packet "
                 "(default: ISO 8601 UTC with microseconds; -f json and "
                 "-f yaml keep epoch seconds)")
        parser.add_argument("--yes", action="store_true",
                            help="Create the mirrors the capture needs")
        parser.add_argument(
            "-w", "--write", metavar="<dir>", type=argtypes.output_dir,
            help="Also save one pcap file per point in this directory "
                 "(created 0700 if missing; an existing one must be yours "
                 "and not writable by others), named "
                 "<host>-<point>-<device>.pcap; an existing file is never "
                 "overwritten (.1.pcap, .2.pcap... is used instead)")
        # A capture is live by nature: nothing to record for a replay, and
        # no replay of it (see the safety page).
        self.add_host_access_arguments(parser, replay=False)
        return parser

    def diagnose(self, parsed_args):
        from osc_netdiag import api

        from osc_netdiag.v1 import show_commands

        args = parsed_args
        inventory = self.inventory(args)
        transport = self.transport(args, inventory)
        # --show-commands plans the run --yes allows: refused, a capture
        # runs nothing, and the plan for approving it would be empty
        yes = args.yes or show_commands.planned(self)
        stop = threading.Event()
        previous = {}

        def interrupted(signum, frame):
            raise KeyboardInterrupt(signal.Signals(signum).name)

        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, interrupted)
        try:
            result = api.capture_port(
                self.sdk_connection(), args.port, at=args.at,
                bpf=args.filter, count=args.count, duration=args.duration,
                snaplen=args.snaplen, yes=yes, inventory=inventory,
                transport=transport,
                stop=stop, max_workers=args.parallel, write_dir=args.write,
                progress=self.progress())
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return result

    # Refused without --yes, the rows are the changes the capture would
    # make; once run, the packets on one timeline.
    def row_columns(self, parsed_args):
        return PACKET_COLUMNS if self.result.applied else CHANGE_COLUMNS

    def rows(self, parsed_args):
        result = self.result
        if not result.applied:
            return [(c.host, c.bridge, c.watched_port, c.output_port,
                     shlex.join(c.command)) for c in result.changes]
        times = packettime.rendered([s.time for s in result.timeline],
                                    relative=parsed_args.relative)
        return [(when, s.point, s.host, s.direction, s.summary)
                for when, s in zip(times, result.timeline)]

    def sections(self, parsed_args):
        result = self.result
        if not result.applied:
            return ()
        written = bool(parsed_args.write)
        point_keys = ("point", "host", "where", "state", "packets",
                      "dropped") + (("file",) if written else ())
        return (("Points", POINT_COLUMNS + (("File",) if written else ()),
                 [tuple(r[k] for k in point_keys)
                  for r in result.point_status]),
                ("Verdicts", VERDICT_COLUMNS,
                 [(v.flow, v.direction, v.packets, v.last_seen, v.text)
                  for v in result.verdicts]),
                ("Findings", output.FINDING_COLUMNS,
                 output.finding_rows(result.findings)))

    def produce_output(self, parsed_args, column_names, data):
        # a --show-commands plan (no "applied") prints as any plan does
        if (not getattr(self.result, "applied", True)
                and not parsed_args.findings_only
                and parsed_args.formatter not in output.DOCUMENT_FORMATS):
            self.app.stdout.write(
                "Refused without --yes: this capture would create on the "
                "hosts (each removed at the end):\n")
        return super().produce_output(parsed_args, column_names, data)
