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

"""``--show-commands``: resolve through the API as usual, then print per
host the exact commands the run would send (timeout, sudo and exec prefix
included) and the line of netdiag.sudoers that grants each, without
connecting to any host; exit 0. The run itself is the command's own,
made with a transport that only keeps what it is given (api.plan_transport),
so the plan is the real run's argv, not a second list."""

from osc_netdiag.errors import NetdiagError

COLUMNS = ("Host", "Phase", "Command", "Sudoers")
HOST_COLUMNS = ("Host", "Address", "Port", "User", "Via", "Sudo",
                "Exec Prefix")


def add_argument(group):
    group.add_argument(
        "--show-commands", action="store_true",
        help="Resolve through the API, then print per host the exact "
             "commands this run would send (with the sudo and exec "
             "prefixes) and the netdiag.sudoers line that grants each, "
             "without connecting to any host; exits 0")


def transport(command, args):
    """The planning transport when --show-commands is given, else None."""
    if not getattr(args, "show_commands", False):
        return None
    if getattr(args, "save_capture", None):
        raise NetdiagError("--show-commands runs nothing: there is nothing "
                           "for --save-capture to keep")
    if getattr(args, "write", None):
        raise NetdiagError("--show-commands runs nothing: there is no "
                           "packet for --write to save")
    from osc_netdiag import api
    command.planning = api.plan_transport()
    return command.planning


def planned(command):
    return getattr(command, "planning", None) is not None


def take_action(command):
    """Replace the diagnosis' result (every host 'not run') by the plan."""
    from osc_netdiag import api
    command.result = api.command_plan(command.planning)
    command.exit_code = 0
    return COLUMNS, command.result.rows()


def produce_output(command, parsed_args, column_names, data):
    from osc_netdiag.v1 import output
    from osc_netdiag.v1 import scripting
    plan = command.result
    if parsed_args.formatter in output.DOCUMENT_FORMATS:
        # -c and --sort-column as on any document (see v1.scripting)
        output.write_document(
            parsed_args, scripting.shaped_for(parsed_args, plan.to_dict()),
            command.app.stdout)
        return 0
    # cliff's own list output: -c, --sort-column and the formatters apply
    super(output.DocumentOutput, command).produce_output(
        parsed_args, column_names, data)
    if parsed_args.formatter == "table":
        command.app.stdout.write("\nHosts (no connection was opened):\n")
        command.formatter.emit_list(HOST_COLUMNS, plan.host_rows(),
                                    command.app.stdout, parsed_args)
    return 0
