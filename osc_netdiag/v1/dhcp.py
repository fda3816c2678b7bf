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

"""``openstack netdiag dhcp check``."""

from osc_netdiag.v1 import output

ROW_COLUMNS = ("Host", "Subject", "Check", "State", "Detail", "Status")


class CheckResultLister(output.DiagnosisLister):
    """What the l3dhcp checks share: running a check or replaying it, and
    the notes printed after the findings.
    """

    def add_target_arguments(self, parser):
        self.add_host_access_arguments(parser)
        return parser

    def check(self, args, command, call, required=None):
        """Run ``call(connection, **host options)``, or replay ``command``
        (its name, as ``api.replay`` knows it) with --from-capture.
        ``required``: the positional argument needed without
        --from-capture.
        """
        from osc_netdiag import api
        if args.from_capture:
            return api.replay(args.from_capture, command,
                              max_workers=args.parallel)
        if required and getattr(args, required) is None:
            from osc_netdiag import exitcodes
            self.app.stderr.write(f"give a <{required}> (or --from-capture)"
                                  "\n")
            raise SystemExit(exitcodes.USAGE)
        inventory = self.inventory(args)
        return call(
            self.sdk_connection(), inventory=inventory,
            transport=self.transport(args, inventory),
            save_capture=args.save_capture, max_workers=args.parallel,
            progress=self.progress())

    def row_columns(self, parsed_args):
        return ROW_COLUMNS

    def emit_after_rows(self, parsed_args):
        super().emit_after_rows(parsed_args)
        notes = self.result.notes
        if notes:
            self.app.stdout.write("\n" + "\n".join(notes) + "\n")


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

    def diagnose(self, parsed_args):
        from osc_netdiag import api

        args = parsed_args
        return self.check(args, "dhcp check",
                          lambda conn, **options: api.check_dhcp(
                              conn, args.target, log_dir=args.log_dir,
                              **options),
                          required="target")
