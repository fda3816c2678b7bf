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

"""``openstack netdiag dns check``."""

from osc_netdiag.v1 import dhcp as dhcp_cmd


class CheckDns(dhcp_cmd.CheckResultLister):
    """Check the network's dnsmasq as a DNS server, from its namespace.

    On every DHCP agent hosting the network (read-only, hosts in
    parallel): dnsmasq listening on UDP 53 in qdhcp-<network> on the DHCP
    port's address; a forward lookup through it of the port's host name
    (host-<ip with dashes>); the reverse lookup of the port's IP, whose
    timeout is the Operations Guide's "SSH login takes a minute" symptom.
    The queries are sent with python3 on the host (no dig needed).

    Exit codes: 0 healthy, 3 not resolved, otherwise the OR of 4 (an ERROR
    finding), 8 (a host or command could not be read, e.g. no python3) and
    16 (host key or authentication refused).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "target", metavar="<port | network>", nargs="?",
            help="Port (ID, name, fixed IP, MAC) or network (name or ID); "
                 "not with --from-capture")
        return self.add_target_arguments(parser)

    def diagnose(self, parsed_args):
        from osc_netdiag import api

        args = parsed_args
        return self.check(args, "dns check",
                          lambda conn, **options: api.check_dns(
                              conn, args.target, **options),
                          required="target")
