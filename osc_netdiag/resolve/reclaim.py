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

"""``ip reclaim``: the Operations Guide's "reassign a lost IPv4 address".

An address nobody holds any more (its port was deleted while something
outside Neutron still uses it, or it must be kept for a re-created
instance) is reserved again by creating a port with that fixed IP. The
plan is computed first and shown; the port is created only when asked
(``--yes``), and the created port is shown back. All of it is the API's
(no host is read), so it lives with the code that talks to the API.
"""

import dataclasses
import ipaddress
import shlex

from osc_netdiag.checks.engine import Report
from osc_netdiag.errors import ResolveError
from osc_netdiag import exitcodes


@dataclasses.dataclass(frozen=True)
class ReclaimPlan:
    ip: str
    network_id: str
    subnet_id: object              # None when the IP is in no subnet
    project_id: str
    port_name: str
    holders: tuple                 # ports that already hold the IP
    findings: tuple
    created: object = None         # the created port (dict) after --yes

    @property
    def possible(self):
        return self.subnet_id is not None and not self.holders

    @property
    def exit_code(self):
        return exitcodes.for_report(self.findings, ())

    def port_body(self):
        return {"name": self.port_name, "network_id": self.network_id,
                "project_id": self.project_id,
                "fixed_ips": [{"subnet_id": self.subnet_id,
                               "ip_address": self.ip}]}

    def command(self):
        """The equivalent openstackclient command, for the record."""
        return shlex.join([
            "openstack", "port", "create", "--network", self.network_id,
            "--fixed-ip", f"subnet={self.subnet_id},ip-address={self.ip}",
            "--project", self.project_id, self.port_name])

    def to_dict(self):
        return {"ip": self.ip, "network_id": self.network_id,
                "subnet_id": self.subnet_id, "project_id": self.project_id,
                "port": self.port_body() if self.possible else None,
                "command": self.command() if self.possible else None,
                "holders": list(self.holders),
                "findings": [f.to_dict() for f in self.findings],
                "created": self.created, "exit_code": self.exit_code}


def plan(conn, ip, network, project=None):
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        raise ResolveError("not-found", f"'{ip}' is not an IP address") \
            from None
    net_api = conn.network
    net = net_api.find_network(network, ignore_missing=True)
    if net is None:
        raise ResolveError("not-found", f"No network found for '{network}'")
    report = Report()
    subnet_id = next((s.id for s in net_api.subnets(network_id=net.id)
                      if address in ipaddress.ip_network(s.cidr,
                                                         strict=False)),
                     None)
    if subnet_id is None:
        report.find("NETDIAG_IP_NOT_IN_SUBNET", str(address),
                    f"{address} is in no subnet of network {net.id}",
                    ip=str(address), network=net.id)
    holders = tuple(
        {"id": p.id, "name": p.name or "", "device_owner":
         p.device_owner or "", "device_id": p.device_id or ""}
        for p in net_api.ports(network_id=net.id,
                               fixed_ips=[f"ip_address={address}"]))
    for holder in holders:
        report.find("NETDIAG_IP_IN_USE", str(address),
                    f"{address} is held by port {holder['id']} "
                    f"({holder['device_owner'] or 'no owner'} "
                    f"{holder['device_id'] or ''})".rstrip(),
                    ip=str(address), port=holder["id"])
    return ReclaimPlan(ip=str(address), network_id=net.id,
                       subnet_id=subnet_id,
                       project_id=project or net.project_id,
                       port_name=f"reclaimed-{address}", holders=holders,
                       findings=tuple(report.findings))


def execute(conn, reclaim_plan):
    """Create the port of a possible plan; returns the plan with it."""
    if not reclaim_plan.possible:
        return reclaim_plan
    port = conn.network.create_port(**reclaim_plan.port_body())
    created = {"id": port.id, "name": port.name,
               "fixed_ips": [f"{i['subnet_id']}={i['ip_address']}"
                             for i in port.fixed_ips or ()],
               "project_id": port.project_id, "status": port.status}
    return dataclasses.replace(reclaim_plan, created=created)
