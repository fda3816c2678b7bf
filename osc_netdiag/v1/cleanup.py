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

"""``openstack netdiag cleanup``."""

from osc_netdiag.v1 import output

COLUMNS = ("Host", "Table", "Name", "Bridge", "Run", "User", "Expires",
           "State")


class Cleanup(output.DiagnosisLister):
    """Remove what an interrupted 'port capture' left on the hosts.

    Lists the OVS mirrors and ports that carry netdiag's owner marker and
    whose expiry time has passed (all marked ones with --force), and removes
    them with --yes; without --yes it prints them and exits 2 (0 when there
    is nothing to remove). Rows without the marker, such as an operator's
    own mirror, are never touched. A second run is a no-op with exit 0.

    Exit codes: 0 done or nothing to do, 2 refused without --yes, otherwise
    the OR of 8 (a host could not be read), 16 (host key or authentication
    refused) and 32 (a marked row could not be removed).
    """

    # what could not be removed is in the rows' State
    reports_findings = False

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--host", metavar="<host>", action="append",
                           help="Neutron host name to clean (repeatable)")
        which.add_argument("--all", action="store_true",
                           help="Every host with an Open vSwitch agent")
        parser.add_argument("--force", action="store_true",
                            help="Also remove marked rows not yet expired "
                                 "(a capture still running loses them)")
        parser.add_argument("--yes", action="store_true",
                            help="Remove them (default: only list them)")
        # Removing leftovers is live by nature: a replay could only
        # pretend to remove them, so there is no --from-capture (nor
        # --save-capture) to mistake for one.
        self.add_host_access_arguments(parser, replay=False)
        return parser

    def diagnose(self, parsed_args):
        from osc_netdiag import api

        args = parsed_args
        inventory = self.inventory(args)
        return api.cleanup(
            args.host or (), all_hosts=args.all,
            connection=self.sdk_connection() if args.all else None,
            inventory=inventory,
            transport=self.transport(args, inventory), force=args.force,
            yes=args.yes, max_workers=args.parallel,
            progress=self.progress())

    def row_columns(self, parsed_args):
        return COLUMNS

    def rows(self, parsed_args):
        return [x.row() for x in self.result.leftovers]

    def sections(self, parsed_args):
        # no findings: what could not be removed is in the rows' State
        return ()
