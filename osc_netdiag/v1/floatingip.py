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
