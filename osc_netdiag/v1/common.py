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

"""How a netdiag command reaches the hosts: the host-access options and
the inventory, transport and SDK connection they select. (Output and exit
codes: osc_netdiag.v1.output.)
"""

from osc_netdiag.errors import NetdiagError
from osc_netdiag.transport import pool
from osc_netdiag.v1 import argtypes

MAX_CONNECT_TIMEOUT = 600
MAX_OUTPUT_MIB = 4096


def _host_fingerprint(text):
    import argparse
    from osc_netdiag.transport.hostkeys import check_accept
    try:
        return "=".join(check_accept(text))
    except NetdiagError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class HostAccessMixin:
    """Options that say how to reach the hosts (inventory, SSH, captures)."""

    def add_host_access_arguments(self, parser, replay=True):
        """``replay=False``: no --save-capture/--from-capture, for commands
        that act on the hosts live (a capture, a cleanup) and so have
        nothing to record or replay (--show-commands they have).
        """
        group = parser.add_argument_group("host access")
        group.add_argument(
            "--inventory", metavar="<file>",
            help="YAML inventory mapping Neutron host names to SSH targets "
                 "(default: the 'netdiag:' section of the cloud in "
                 "clouds.yaml, then ~/.ssh/config, then the name itself)")
        group.add_argument(
            "--known-hosts", metavar="<file>", action="append", default=[],
            help="Extra known_hosts file (repeatable). Unknown or changed "
                 "host keys are always refused")
        group.add_argument(
            "--accept-new-host-key", metavar="<host>=<fingerprint>",
            action="append", default=[], type=_host_fingerprint,
            help="Accept, for this run only, a host key of <host> (its "
                 "Neutron host name or address) that is not in known_hosts "
                 "if its fingerprint is <fingerprint> (HOST=SHA256:..., as "
                 "printed in the refusal; repeatable). The key is shown and "
                 "not saved; a changed or revoked key is never accepted")
        group.add_argument(
            "--parallel", metavar="<n>", type=argtypes.whole_number(1),
            default=pool.DEFAULT_WORKERS,
            help="Hosts read at once (default: 64; logins through one "
                 "jump host or proxy command are limited to 8 at a time)")
        group.add_argument(
            "--connect-timeout", metavar="<seconds>",
            type=argtypes.seconds(MAX_CONNECT_TIMEOUT), default=5.0,
            help="TCP connect, banner and authentication timeout (default: 5)")
        group.add_argument(
            "--max-output", metavar="<MiB>", default=None,
            type=argtypes.whole_number(1, MAX_OUTPUT_MIB),
            help="Most output kept of one command, in MiB (default: 16); a "
                 "host may send 4 times that (default: 64). Output past it "
                 "is dropped and the command is an error (\"output cut\")")
        where = group.add_mutually_exclusive_group()
        where.add_argument(
            "--local", metavar="<host>", nargs="?", const="", default=None,
            help="This machine is the Neutron host <host> (default: its "
                 "hostname): run that host's probes here, without SSH; the "
                 "other hosts of the path are still read over SSH")
        # every command that reaches hosts can show what it would run
        from osc_netdiag.v1 import show_commands
        show_commands.add_argument(where)
        if not replay:
            return parser
        where.add_argument(
            "--from-capture", metavar="<dir>",
            help="Re-run the diagnosis offline from a --save-capture "
                 "directory; no API or SSH access")
        group.add_argument(
            "--save-capture", metavar="<dir>", type=argtypes.output_dir,
            help="Store the API context and every command's output of this "
                 "run in <dir> (for bug reports and --from-capture); created "
                 "0700 if missing, an existing <dir> must be yours and not "
                 "writable by others")
        return parser

    def inventory(self, args):
        from osc_netdiag import api
        cloud_config = None
        cloud = getattr(self.app, "cloud", None)
        if cloud is not None and not args.inventory:
            cloud_config = (getattr(cloud, "config", None) or {})
        return api.load_inventory(args.inventory, cloud_config)

    def transport(self, args, inventory):
        from osc_netdiag import api
        from osc_netdiag.v1 import show_commands
        planning = show_commands.transport(self, args)
        if planning is not None:
            return planning
        return api.host_transport(
            inventory, local=args.local, known_hosts=args.known_hosts,
            connect_timeout=args.connect_timeout,
            accept_new_host_keys=getattr(args, "accept_new_host_key", ()),
            output_limits=getattr(args, "max_output", None))

    def sdk_connection(self):
        return self.app.client_manager.sdk_connection
