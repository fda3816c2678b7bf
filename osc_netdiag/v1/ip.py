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

"""``openstack netdiag ip reclaim``."""

from cliff import show

from osc_netdiag.v1 import output


class ReclaimIp(output.DocumentOutput, show.ShowOne):
    """Reserve a lost IPv4 address again by creating a port with it.

    The Operations Guide's "reassign a lost IPv4 address": confirm that no
    port on the network holds the address and that a subnet of the network
    contains it, then create a port with that fixed IP for the project
    (default: the network's). Without --yes nothing is created: the port
    that would be created is printed and the exit code is 2.

    Exit codes: 0 created, 2 not created (no --yes), 3 network not found
    or not an IP address, 4 the address is held or in no subnet.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("ip", metavar="<ip>", help="The address")
        parser.add_argument("--network", metavar="<network>", required=True,
                            help="Network (name or ID) of the address")
        parser.add_argument("--project", metavar="<project-id>",
                            help="Project owning the new port (default: "
                                 "the network's project)")
        parser.add_argument("--yes", action="store_true",
                            help="Create the port (without it: only show "
                                 "what would be created)")
        return parser

    def take_action(self, parsed_args):
        from osc_netdiag import api
        from osc_netdiag import exitcodes

        args = parsed_args
        conn = self.app.client_manager.sdk_connection
        plan = api.reclaim_ip(conn, args.ip, args.network,
                              project=args.project, yes=args.yes)
        if plan.possible and args.yes:
            action, self.exit_code = "created", exitcodes.OK
        elif plan.possible:
            action, self.exit_code = ("not created: add --yes to create it",
                                      exitcodes.USAGE)
        else:
            action, self.exit_code = "refused", plan.exit_code
        self.result = plan
        created = plan.created or {}
        rows = [("action", action), ("ip_address", plan.ip),
                ("network_id", plan.network_id),
                ("subnet_id", plan.subnet_id or "-"),
                ("project_id", plan.project_id),
                ("port_name", plan.port_name if plan.possible else "-"),
                ("command", plan.command() if plan.possible else "-"),
                ("held_by", ", ".join(h["id"] for h in plan.holders) or "-"),
                ("port_id", created.get("id", "-")),
                ("port_status", created.get("status", "-"))]
        for finding in plan.findings:
            self.app.stderr.write(f"{finding.code}: {finding.summary}. "
                                  f"{finding.remedy}\n")
        return tuple(zip(*rows))

    def document(self, parsed_args):
        # the plan's own exit code says nothing of a missing --yes
        document = self.result.to_dict()
        document["exit_code"] = self.exit_code
        return document
