"""``openstack netdiag dhcp check``."""

from cliff import lister

from osc_netdiag.v1 import common
from osc_netdiag.v1 import host as host_cmd


def emit_notes(command, parsed_args, notes):
    if notes and parsed_args.formatter == "table":
        command.app.stdout.write("\n" + "\n".join(notes) + "\n")


class CheckResultLister(common.HostAccessMixin, lister.Lister):
    """Shared output of the l3dhcp checks: rows, findings, notes, exit."""

    def add_target_arguments(self, parser):
        self.add_host_access_arguments(parser)
        return parser

    def check(self, args, module, call, required=None):
        """Run ``call(connection, **host options)``, or replay
        ``module.check_from_capture`` with --from-capture. ``required``:
        the positional argument needed without --from-capture."""
        if args.from_capture:
            return self.finish(module.check_from_capture(
                args.from_capture, max_workers=args.parallel))
        if required and getattr(args, required) is None:
            from osc_netdiag import exitcodes
            self.app.stderr.write(f"give a <{required}> (or --from-capture)"
                                  "\n")
            raise SystemExit(exitcodes.USAGE)
        inventory = self.inventory(args)
        return self.finish(call(
            self.sdk_connection(), inventory=inventory,
            transport=self.transport(args, inventory),
            save_capture=args.save_capture, max_workers=args.parallel))

    def finish(self, result):
        from osc_netdiag.l3dhcp import common as l3common
        self.result = result
        self.exit_code = result.exit_code
        return l3common.ROW_COLUMNS, [r.row() for r in result.rows]

    def produce_output(self, parsed_args, column_names, data):
        if parsed_args.formatter in common.DOCUMENT_FORMATS:
            common.write_document(parsed_args, self.result.to_dict(),
                                  self.app.stdout)
            return 0
        super().produce_output(parsed_args, column_names, data)
        host_cmd.emit_findings(self, parsed_args, self.result.findings)
        emit_notes(self, parsed_args, self.result.notes)
        return 0

    def run(self, parsed_args):
        return common.run_with_exit_code(self, parsed_args)


class CheckDhcp(CheckResultLister):
    """Check DHCP for a port or a network, as the Operations Guide does.

    On every DHCP agent hosting the network (read-only, hosts in
    parallel): the qdhcp-<network> namespace, the agent's tap in it (UP,
    with the DHCP port's addresses, and 169.254.169.254 where isolated
    metadata is on), dnsmasq for the network and its command line against
    the subnets (--dhcp-range, hosts file, leases), the hosts file against
    the ports' MAC and IP. For a port, the dnsmasq log of its DHCP exchange
    (dnsmasq's --log-facility file, else --dnsmasq-log-dir, else journal,
    /var/log/syslog or /var/log/messages) summarised and read the Guide's
    way, and with Nova the instance's console log.

    Exit codes: 0 healthy, 3 not resolved, otherwise the OR of 4 (an ERROR
    finding), 8 (a host or command could not be read) and 16 (host key or
    authentication refused).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "target", metavar="<port | network>", nargs="?",
            help="Port (ID, name, fixed IP, MAC) or network (name or ID); "
                 "not with --from-capture")
        parser.add_argument(
            "--dnsmasq-log-dir", metavar="<dir>", dest="log_dir",
            help="The DHCP agent's dnsmasq_base_log_dir, used when dnsmasq "
                 "is not running (a running dnsmasq names its own log). "
                 "Default: syslog (journal, /var/log/syslog, "
                 "/var/log/messages)")
        return self.add_target_arguments(parser)

    def take_action(self, parsed_args):
        from osc_netdiag.l3dhcp import dhcp

        args = parsed_args
        return self.check(args, dhcp, lambda conn, **options: dhcp.dhcp_check(
            conn, args.target, log_dir=args.log_dir, **options),
            required="target")
