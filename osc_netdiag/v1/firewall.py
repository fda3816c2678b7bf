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

"""``openstack netdiag port firewall``."""

from osc_netdiag.v1 import argtypes
from osc_netdiag.v1 import output

ROW_COLUMNS = ("Host", "Subject", "Check", "State", "Detail", "Status")


class PortFirewall(output.DiagnosisLister):
    """Show a port's firewall: what the API intends, what its host enforces.

    From the API: port security, the port's security groups and their
    rules (a remote group with its members' addresses), allowed address
    pairs, fixed IPs and MAC. From the port's host (read-only, the firewall
    driver read from the port's binding): with the openvswitch driver,
    br-int's firewall flows of the port (table 60's entry, anti-spoofing
    and DHCP-spoofing in table 71, each rule's flows in tables 72 and 82,
    conjunctions and their member addresses), each compared with what the
    rules require; with iptables_hybrid, the port's chains and ipsets.

    With --remote-ip, the question "would this packet get through?": the
    API's verdict (the rule that allows it, or that none does) and the
    host's (ofproto/trace on br-int, or the port's chains evaluated), and
    whether they agree. --local-ip is the port's end of it: an egress
    packet from an address the port does not own is dropped by
    anti-spoofing, and both verdicts say so.

    Exit codes: 0 in sync (a packet that both sides deny is an answer, not
    an error), 2 a question that does not make sense, 3 not resolved,
    otherwise the OR of 4 (an ERROR finding: a flow or rule missing, the
    verdicts disagree), 8 (a host or command could not be read) and 16
    (host key or authentication refused).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "port", metavar="<port>",
            help="Port: ID, name, fixed IP address or MAC address")
        parser.add_argument(
            "--long", action="store_true",
            help="Add the evidence of each row: the command run and the "
                 "output lines that decided it")
        ask = parser.add_argument_group(
            "packet question", "Would this packet get through? (needs "
            "--remote-ip and --protocol)")
        ask.add_argument(
            "--remote-ip", metavar="<address>",
            help="The other end of the packet (IPv4 or IPv6)")
        ask.add_argument(
            "--local-ip", metavar="<address>",
            help="The port's end of the packet: the source of an egress "
                 "packet (an address the port does not own is dropped by "
                 "anti-spoofing), the destination of an ingress one (one "
                 "of its addresses). Default: its first fixed IP of the "
                 "family")
        ask.add_argument(
            "--direction", choices=("ingress", "egress"), default="ingress",
            help="ingress: to the port (default); egress: from it")
        ask.add_argument(
            "--protocol", metavar="<protocol>",
            help="tcp, udp, icmp, sctp, ... or an IP protocol number")
        ask.add_argument(
            "--port", metavar="<port>", type=argtypes.whole_number(1, 65535),
            dest="dst_port",
            help="Destination port (tcp, udp, sctp)")
        ask.add_argument(
            "--icmp-type", metavar="<type>",
            type=argtypes.whole_number(0, 255),
            help="ICMP type (default: echo request)")
        ask.add_argument(
            "--icmp-code", metavar="<code>",
            type=argtypes.whole_number(0, 255), help="ICMP code")
        ask.add_argument(
            "--ethertype", choices=("IPv4", "IPv6"),
            help="Checked against --remote-ip (default: its family)")
        ask.add_argument(
            "--established", action="store_true",
            help="Ask about a packet of a connection conntrack already "
                 "knows (the reply of an allowed one), not a new one")
        self.add_host_access_arguments(parser, replay=False)
        return parser

    def _packet(self, args):
        from osc_netdiag import api
        from osc_netdiag import exitcodes
        if args.remote_ip is None:
            if args.protocol or args.dst_port or args.established or \
                    args.local_ip:
                self._usage("--protocol, --port, --local-ip and "
                            "--established need --remote-ip")
            return None
        try:
            return api.firewall_packet(
                remote_ip=args.remote_ip, protocol=args.protocol,
                direction=args.direction, port=args.dst_port,
                ethertype=args.ethertype, icmp_type=args.icmp_type,
                icmp_code=args.icmp_code, established=args.established,
                local_ip=args.local_ip)
        except ValueError as exc:
            self._usage(str(exc))
        return exitcodes.USAGE          # not reached

    def _usage(self, message):
        from osc_netdiag import exitcodes
        self.app.stderr.write(f"netdiag port firewall: {message}\n")
        raise SystemExit(exitcodes.USAGE)

    def diagnose(self, parsed_args):
        from osc_netdiag import api
        args = parsed_args
        packet = self._packet(args)
        inventory = self.inventory(args)
        try:
            return api.port_firewall(
                self.sdk_connection(), args.port, packet=packet,
                inventory=inventory,
                transport=self.transport(args, inventory),
                max_workers=args.parallel)
        except api.QuestionError as exc:
            self._usage(str(exc))

    def row_columns(self, parsed_args):
        return ROW_COLUMNS + (("Evidence",) if parsed_args.long else ())

    def rows(self, parsed_args):
        return [row.row(long=parsed_args.long) for row in self.result.rows]

    def document(self, parsed_args):
        return self.result.to_dict(long=parsed_args.long)

    def emit_after_rows(self, parsed_args):
        super().emit_after_rows(parsed_args)
        result = self.result
        lines = [f"driver: {result.driver} on {result.host}",
                 "inbound: " + (result.inbound_long if parsed_args.long
                                else result.inbound)]
        if result.packet is not None and result.api_verdict is not None:
            host = result.host_verdict.decision if result.host_verdict \
                else "not read"
            lines.append(f"verdict: API {result.api_verdict.decision}, "
                         f"host {host}")
        self.app.stdout.write("\n" + "\n".join(lines) + "\n")
