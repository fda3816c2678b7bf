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

"""``openstack netdiag floatingip check``."""

from osc_netdiag.v1 import dhcp as dhcp_cmd


class CheckFloatingIp(dhcp_cmd.CheckResultLister):
    """List floating IPs still associated with a port that is gone.

    For every associated floating IP (or one, or a project's): the port
    must exist, be bound to a host, and, for an instance's port, its device
    (tap, or qbr/qvo when hybrid plugged) must exist on that host (read
    over SSH, one batch per host, read-only). Each leftover comes with the
    exact command that fixes it (openstack floating ip unset --port ...).

    Exit codes: 0 healthy, 3 floating IP not found, otherwise the OR of 4
    (an ERROR finding), 8 (a host or command could not be read) and 16
    (host key or authentication refused).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "floating_ip", metavar="<floating-ip>", nargs="?",
            help="Only this floating IP (address or ID); default: all")
        parser.add_argument(
            "--project", metavar="<project-id>",
            help="Only the floating IPs of this project (ID)")
        return self.add_target_arguments(parser)

    def diagnose(self, parsed_args):
        from osc_netdiag import api

        args = parsed_args
        return self.check(args, "floatingip check",
                          lambda conn, **options: api.check_floating_ips(
                              conn, project=args.project,
                              floating_ip=args.floating_ip, **options))
