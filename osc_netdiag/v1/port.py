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

"""``openstack netdiag port trace``."""

from osc_netdiag.v1 import argtypes
from osc_netdiag.v1 import output

HOP_COLUMNS = ("Host", "Device", "Kind", "State", "Detail", "Status")


class TracePort(output.DiagnosisLister):
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
        parser.add_argument(
            "--graph", metavar="<file>",
            help="Also draw the traced path into <file>: .svg or .png "
                 "(needs Graphviz's dot), or .dot (the Graphviz text); "
                 "hosts as boxes, hops in path order, translations and "
                 "tunnels on the edges, the broken hop and its finding red")
        parser.add_argument(
            "--to", metavar="<ip-address>", type=argtypes.ipv4_address,
            help="ML2/OVN: also trace a ping from the port to this IPv4 "
                 "address through OVN's logical pipeline (ovn-trace) and "
                 "the port's chassis (ofproto/trace): an instance on the "
                 "same network, one behind the router, or beyond it")
        self.add_host_access_arguments(parser)
        return parser

    def diagnose(self, parsed_args):
        """The traces: one per port (several with --server)."""
        from osc_netdiag import api

        if parsed_args.graph:
            api.check_graph_path(parsed_args.graph)
        traces = self.trace(parsed_args)
        if parsed_args.graph and not getattr(self, "planning", None):
            api.write_graph(parsed_args.graph, traces)
        return traces

    def trace(self, args):
        from osc_netdiag import api
        from osc_netdiag import exitcodes

        if args.from_capture:
            return [api.replay(args.from_capture, "port trace",
                               max_workers=args.parallel)]
        if not args.port and not args.server:
            self.app.stderr.write("netdiag port trace: give a <port> or "
                                  "--server\n")
            raise SystemExit(exitcodes.USAGE)
        conn = self.sdk_connection()
        inventory = self.inventory(args)
        options = dict(inventory=inventory,
                       transport=self.transport(args, inventory),
                       save_capture=args.save_capture,
                       max_workers=args.parallel, progress=self.progress())
        if args.server:
            if args.to:
                self.app.stderr.write("netdiag port trace: --to traces one "
                                      "<port>, not --server\n")
                raise SystemExit(exitcodes.USAGE)
            return api.trace_server(conn, args.server, **options)
        if args.to:
            options["to"] = args.to
        return [api.trace_port(conn, args.port, **options)]

    def exit_code_of(self, traces):
        from osc_netdiag import exitcodes
        return exitcodes.combine(t.exit_code for t in traces)

    def row_columns(self, parsed_args):
        return HOP_COLUMNS + (("Evidence",) if parsed_args.long else ())

    def rows(self, parsed_args):
        return [hop.row(long=parsed_args.long)
                for t in self.result for hop in t.hops]

    def findings(self):
        return [f for t in self.result for f in t.findings]

    def document(self, parsed_args):
        # one port: its trace as before --server existed; several: a list
        traces = [t.to_dict(long=parsed_args.long) for t in self.result]
        return traces[0] if len(traces) == 1 else traces
