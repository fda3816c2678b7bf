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

"""``openstack netdiag router check``."""

from osc_netdiag.v1 import dhcp as dhcp_cmd


class CheckRouter(dhcp_cmd.CheckResultLister):
    """Check a router's namespaces, devices, routes and NAT rules.

    On every L3 agent hosting the router (read-only, hosts in parallel):
    the qrouter-<router> namespace; for HA routers exactly one agent
    active, and which; each qr- device with the router interfaces'
    addresses and qg- with the gateway's (and every floating IP as a /32);
    the default route; in the namespace's nat table the gateway's SNAT
    rule and each floating IP's DNAT and SNAT rules. For distributed
    routers, snat-<router> on dvr_snat agents.

    Exit codes: 0 healthy, 3 router not found, otherwise the OR of 4 (an
    ERROR finding), 8 (a host or command could not be read) and 16 (host
    key or authentication refused).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>", nargs="?",
                            help="Router (name or ID); not with "
                                 "--from-capture")
        return self.add_target_arguments(parser)

    def diagnose(self, parsed_args):
        from osc_netdiag import api

        args = parsed_args
        return self.check(args, "router check",
                          lambda conn, **options: api.check_router(
                              conn, args.router, **options),
                          required="router")
