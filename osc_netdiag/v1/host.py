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

"""``openstack netdiag host check``."""

import time

from osc_netdiag.v1 import output

ROW_COLUMNS = ("Host", "Subject", "Check", "State", "Detail", "Status")


class CheckHost(output.DiagnosisLister):
    """Check that ML2/OVS hosts are wired as their agents and the API say.

    For each host (read over SSH, in parallel, read-only): interface states
    (virbr0 ignored), the bridges the Open vSwitch agent expects (integration,
    tunnel, every bridge_mappings bridge), the patch pairs between them, one
    tunnel port per other agent's tunneling_ip (missing, extra, stale),
    interfaces with ofport -1 or an error, the agent's liveness in the API
    against its bridges' OpenFlow controller connection, and the qrouter-/
    qdhcp- namespaces against the routers and networks Neutron hosts there.

    Exit codes: 0 healthy, 3 host unknown to the API, otherwise the OR of 4
    (an ERROR finding), 8 (a host or command could not be read) and 16 (host
    key or authentication refused).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "hosts", metavar="<host>", nargs="*",
            help="Neutron host name(s) (as in 'openstack network agent "
                 "list')")
        parser.add_argument(
            "--all", action="store_true", dest="all_hosts",
            help="Check every host with an Open vSwitch, L3 or DHCP agent")
        parser.add_argument(
            "--prometheus-file", metavar="<path.prom>",
            help="Also write the result for node_exporter's textfile "
                 "collector to <path.prom> (atomically): per host a status "
                 "gauge, findings by severity and code, the check's "
                 "duration and when it ran")
        self.add_host_access_arguments(parser)
        return parser

    def diagnose(self, parsed_args):
        from osc_netdiag import api

        args = parsed_args
        if args.prometheus_file:
            api.check_prometheus_path(args.prometheus_file)
        started = time.monotonic()
        result = self.check(args)
        if args.prometheus_file and not getattr(self, "planning", None):
            api.write_prometheus(args.prometheus_file, result,
                                 duration=time.monotonic() - started,
                                 finished=time.time())
        return result

    def check(self, args):
        from osc_netdiag import api
        from osc_netdiag import exitcodes

        if args.from_capture:
            return api.replay(args.from_capture, "host check",
                              max_workers=args.parallel)
        if bool(args.hosts) == bool(args.all_hosts):
            self.app.stderr.write("netdiag host check: give <host> "
                                  "names or --all\n")
            raise SystemExit(exitcodes.USAGE)
        inventory = self.inventory(args)
        return api.check_hosts(
            self.sdk_connection(), args.hosts, all_hosts=args.all_hosts,
            inventory=inventory, transport=self.transport(args, inventory),
            save_capture=args.save_capture, max_workers=args.parallel,
            progress=self.progress())

    def row_columns(self, parsed_args):
        return ROW_COLUMNS
