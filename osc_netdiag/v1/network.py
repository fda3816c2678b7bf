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

"""``openstack netdiag network vlan-map``."""

from osc_netdiag.v1 import output

ROW_COLUMNS = ("Host", "Bridge", "Type", "Segmentation ID", "Local VLAN",
               "Ingress", "Ingress Packets", "Egress", "Egress Packets",
               "Status", "Detail")


class ShowVlanMap(output.DiagnosisLister):
    """Show a network's segment <-> local VLAN translation on every host.

    For every host that carries the network (ports bound there, DHCP
    agents; --all-hosts: every Open vSwitch agent), one row per host and
    segment: the bridge, the network type and segmentation ID, the local
    VLAN, the ingress flow (br-int table 0 from int-br-X, or br-tun's
    tun_id table) and the egress flow (br-X from phy-br-X, or br-tun's
    flood and unicast flows with their tunnel outputs), their packet
    counters and a status. Read-only; hosts in parallel.

    Exit codes: 0 healthy, 3 network not resolved, otherwise the OR of 4
    (an ERROR finding), 8 (a host or command could not be read) and 16
    (host key or authentication refused).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "network", metavar="<network>", nargs="?",
            help="Network to map: name or ID")
        parser.add_argument(
            "--all-hosts", action="store_true",
            help="Read every host with an Open vSwitch agent, not only "
                 "those carrying the network")
        self.add_host_access_arguments(parser)
        return parser

    def diagnose(self, parsed_args):
        from osc_netdiag import api
        from osc_netdiag import exitcodes

        args = parsed_args
        if args.from_capture:
            return api.replay(args.from_capture, "network vlan-map",
                              max_workers=args.parallel)
        if not args.network:
            self.app.stderr.write("netdiag network vlan-map: give a "
                                  "<network>\n")
            raise SystemExit(exitcodes.USAGE)
        inventory = self.inventory(args)
        return api.vlan_map(
            self.sdk_connection(), args.network,
            all_hosts=args.all_hosts, inventory=inventory,
            transport=self.transport(args, inventory),
            save_capture=args.save_capture, max_workers=args.parallel,
            progress=self.progress())

    def row_columns(self, parsed_args):
        return ROW_COLUMNS
