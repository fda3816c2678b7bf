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

"""What the API says a port's firewall should do: the shared data.

The firewall view compares this intent (read from Neutron by ``resolve``)
with what a host enforces (read by a backend's firewall driver module). It
lives in the base layer so both sides can use it without importing each
other. Plain frozen dataclasses, like ``models``.
"""

import dataclasses
import typing

INGRESS = "ingress"
EGRESS = "egress"
IPV4 = "IPv4"
IPV6 = "IPv6"
ALLOW = "allow"
DENY = "deny"


@dataclasses.dataclass(frozen=True)
class SecurityGroupRule:
    """One rule as the API holds it, with its remote group resolved.

    ``protocol`` is the API's value as given (a name such as ``tcp``, a
    number as a string, or None for any); ``remote_addresses`` are the
    addresses of the remote group's member ports (fixed IPs and allowed
    address pairs of this ethertype), which is what the drivers install in
    place of the group; ``remote_group_name`` that group's Neutron name
    (None where it was not read: a capture saved before it was).
    """
    id: str
    security_group_id: str
    direction: str
    ethertype: str
    protocol: typing.Optional[str] = None
    port_range_min: typing.Optional[int] = None
    port_range_max: typing.Optional[int] = None
    remote_ip_prefix: typing.Optional[str] = None
    remote_group_id: typing.Optional[str] = None
    remote_address_group_id: typing.Optional[str] = None
    remote_addresses: tuple = ()
    remote_group_name: typing.Optional[str] = None


@dataclasses.dataclass(frozen=True)
class SecurityGroup:
    id: str
    name: str
    stateful: bool = True
    rules: tuple = ()


@dataclasses.dataclass(frozen=True)
class AddressPair:
    """An allowed address pair: an address or CIDR, with its MAC.

    The MAC is the port's own when the API gives none.
    """
    ip_address: str
    mac_address: str


@dataclasses.dataclass(frozen=True)
class PortFirewallIntent:
    """Everything the API says about one port's firewall."""
    port_id: str
    network_id: str
    host: str
    mac_address: str
    fixed_ips: tuple
    port_security_enabled: bool
    security_groups: tuple = ()
    allowed_address_pairs: tuple = ()
    # binding:vif_details, which tell the host's firewall driver: the
    # agent asks for hybrid plugging only with iptables_hybrid, and
    # port_filter is off when security groups are disabled
    hybrid_plug: bool = False
    port_filter: bool = True
    device_owner: str = ""
    # the host's Open vSwitch agent's own report (its configurations)
    integration_bridge: str = "br-int"

    @property
    def rules(self):
        return tuple(r for g in self.security_groups for r in g.rules)

    @property
    def filtered(self):
        """Whether the host filters this port at all.

        Port security on and security groups enabled; a filtered port
        with no group sends and receives nothing but DHCP, ARP and ND.
        """
        return self.port_security_enabled and self.port_filter

    @property
    def stateful(self):
        """Whether the port's groups are stateful.

        Neutron refuses a port with stateful and stateless groups mixed,
        so one group tells; no group: stateful.
        """
        return all(g.stateful for g in self.security_groups)

    def to_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Packet:
    """The operator's question: would this packet reach (or leave) the port?

    ``remote_ip`` is the other end; ``port`` the destination port for TCP
    and UDP; ``icmp_type``/``icmp_code`` for ICMP. ``established`` says
    whether the packet belongs to a connection conntrack already knows
    (the reply direction of an allowed flow), which stateful groups accept
    whatever the rules say. ``local_ip`` is the port's end as the operator
    gave it: the source of an egress packet, the destination of an
    ingress one; None means the port's first fixed IP of the family
    (``sgrules.local_address``).
    """
    direction: str
    ethertype: str
    protocol: str
    remote_ip: str
    port: typing.Optional[int] = None
    icmp_type: typing.Optional[int] = None
    icmp_code: typing.Optional[int] = None
    established: bool = False
    local_ip: typing.Optional[str] = None


class QuestionError(ValueError):
    """A packet question that does not fit the port (exit 2).

    For example ``--local-ip`` for an ingress packet naming an address
    the port does not have.
    """


@dataclasses.dataclass(frozen=True)
class Verdict:
    """allow or deny, and what decided it.

    ``decided_by`` is an API rule ID, or the host's rule or flow as it
    reads there.
    """
    decision: str
    decided_by: str
    source: str
    detail: str = ""


def intent_from_json(data):
    """A PortFirewallIntent from its ``to_dict()`` (a saved capture)."""
    if data is None:
        return None
    data = dict(data)
    data["fixed_ips"] = tuple(data["fixed_ips"])
    data["allowed_address_pairs"] = tuple(
        AddressPair(**p) for p in data["allowed_address_pairs"])
    data["security_groups"] = tuple(
        SecurityGroup(**dict(g, rules=tuple(
            SecurityGroupRule(**dict(r, remote_addresses=tuple(
                r["remote_addresses"]))) for r in g["rules"])))
        for g in data["security_groups"])
    return PortFirewallIntent(**data)
