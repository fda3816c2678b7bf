"""``openstack netdiag port trace``."""

from cliff import lister

from osc_netdiag.v1 import common

HOP_COLUMNS = ("Host", "Device", "Kind", "State", "Detail", "Status")
FINDING_COLUMNS = ("Code", "Severity", "Subject", "Summary", "Remedy")


class TracePort(common.HostAccessMixin, lister.Lister):
    """Trace a port's data path hop by hop and say where it breaks.

    Resolves the port in Neutron, reads every host on its path over SSH
    (compute host, DHCP and L3 network nodes, in parallel, read-only) and
    prints one row per hop: the instance's tap, its br-int port and local
    VLAN, the VLAN or tunnel translation flows, the physical NIC or tunnel
    ports, then the qdhcp- and qrouter- namespaces and the external bridge.
    Findings name the broken hop and what to do.

    Exit codes: 0 healthy, 3 port not resolved, otherwise the OR of 4 (an
    ERROR finding), 8 (a host or command could not be read) and 16 (host key
    or authentication refused).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "port", metavar="<port>", nargs="?",
            help="Port to trace: ID, name, fixed IP address or MAC address")
        parser.add_argument(
            "--server", metavar="<server>",
            help="Trace every port of this server (name or ID) instead")
        parser.add_argument(
            "--long", action="store_true",
            help="Add the evidence of each hop: the command run and the "
                 "output lines that decided it")
        self.add_host_access_arguments(parser)
        return parser

    def take_action(self, parsed_args):
        from osc_netdiag import api
        from osc_netdiag import exitcodes

        args = parsed_args
        if args.from_capture:
            traces = [api.trace_from_capture(args.from_capture,
                                             max_workers=args.parallel)]
        else:
            if not args.port and not args.server:
                self.app.stderr.write("netdiag port trace: give a <port> or "
                                      "--server\n")
                raise SystemExit(exitcodes.USAGE)
            conn = self.sdk_connection()
            inventory = self.inventory(args)
            options = dict(inventory=inventory,
                           transport=self.transport(args, inventory),
                           save_capture=args.save_capture,
                           max_workers=args.parallel)
            if args.server:
                traces = api.trace_server(conn, args.server, **options)
            else:
                traces = [api.trace_port(conn, args.port, **options)]
        self.traces = traces
        self.exit_code = exitcodes.combine(t.exit_code for t in traces)
        columns = HOP_COLUMNS + (("Evidence",) if args.long else ())
        rows = [hop.row(long=args.long) for t in traces for hop in t.hops]
        return columns, rows

    def produce_output(self, parsed_args, column_names, data):
        args = parsed_args
        if args.formatter in common.DOCUMENT_FORMATS:
            traces = [t.to_dict(long=args.long) for t in self.traces]
            common.write_document(args, traces[0] if len(traces) == 1
                                  else traces, self.app.stdout)
            return 0
        super().produce_output(parsed_args, column_names, data)
        findings = [f for t in self.traces for f in t.findings]
        if findings and args.formatter == "table":
            self.app.stdout.write("\nFindings:\n")
            self.formatter.emit_list(
                FINDING_COLUMNS,
                [(f.code, str(f.severity), f.subject, f.summary, f.remedy)
                 for f in findings], self.app.stdout, parsed_args)
        return 0

    def run(self, parsed_args):
        return common.run_with_exit_code(self, parsed_args)
