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

"""Parse ``ipset list`` (all sets, the default plain format).

Sample (ipset 7.17, one of the sets Neutron's iptables_hybrid driver
makes for a remote security group)::

    Name: NIPv4f3b2c1d0-9e8f-4a7b-6c5d-
    Type: hash:net
    Revision: 7
    Header: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x1f2e3d4c
    Size in memory: 552
    References: 1
    Number of entries: 2
    Members:
    198.18.17.12
    198.18.17.23

Output::

    (IpSet(name='NIPv4f3b2c1d0-9e8f-4a7b-6c5d-', type='hash:net',
           family='inet', references=1,
           members=('198.18.17.12', '198.18.17.23')),)

Sets are separated by an empty line. ``members`` keep the order ipset
prints (a hash: no meaning). For the address types (``hash:ip``,
``hash:net``) each member must be an address or a network of the set's
family, optionally followed by ipset's per-member options (``timeout 5``,
``nomatch``); only the address is kept. A member count that disagrees with
``Number of entries`` (output cut short), a set without ``Members:`` and
any unknown line raise ParseError.
"""

from __future__ import annotations

from dataclasses import dataclass
import ipaddress
import re

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import complete_lines

_HEADER = re.compile(r"([A-Z][A-Za-z ]*): ?(.*)\Z")
_FAMILY = re.compile(r"family (inet6?)\b")
_KNOWN = ("Name", "Type", "Revision", "Header", "Size in memory",
          "References", "Number of entries")
# the set types whose members are addresses, the ones Neutron uses
_ADDRESS_TYPES = ("hash:ip", "hash:net")
_VERSION = {"inet": 4, "inet6": 6}


@dataclass(frozen=True)
class IpSet:
    name: str
    type: str
    family: str
    references: int
    members: tuple


def _int(value: str, what: str) -> int:
    if not value.isdigit():
        raise ParseError(f"ipset list: {what} is not a number: {value!r}")
    return int(value)


def _member(line: str, ipset_type: str, family: str, name: str) -> str:
    if ipset_type not in _ADDRESS_TYPES:
        return line
    address = line.split(" ", 1)[0]
    try:
        net = ipaddress.ip_network(address, strict=False)
    except ValueError:
        raise ParseError(f"ipset list: member {line!r} of {name} is not an "
                         f"address") from None
    if net.version != _VERSION.get(family):
        raise ParseError(f"ipset list: member {address} of {name} is not of "
                         f"family {family}")
    return address


def _finish(fields: dict, members: list) -> IpSet:
    name = fields.get("Name", "")
    missing = [k for k in ("Name", "Type", "Header", "References",
                           "Number of entries") if k not in fields]
    if missing:
        raise ParseError(f"ipset list: set {name or '?'} lacks {', '.join(missing)}")
    m = _FAMILY.search(fields["Header"])
    if m is None:
        raise ParseError(f"ipset list: no family in the header of {name}: "
                         f"{fields['Header']!r}")
    count = _int(fields["Number of entries"], "Number of entries")
    if count != len(members):
        raise ParseError(f"ipset list: {name} says {count} entries, "
                         f"{len(members)} listed (truncated?)")
    family = m.group(1)
    return IpSet(name, fields["Type"], family,
                 _int(fields["References"], "References"),
                 tuple(_member(line, fields["Type"], family, name)
                       for line in members))


def parse_ipset_list(text: str) -> tuple:
    """Parse ``ipset list`` into a tuple of IpSet (see module doc)."""
    sets = []
    fields: dict = {}
    members: list = []
    in_members = False
    for line in complete_lines(text, "ipset list"):
        if line == "":
            if not fields:
                raise ParseError("ipset list: empty line outside a set")
            if not in_members:
                raise ParseError(f"ipset list: set {fields.get('Name')} has no "
                                 f"Members: line")
            sets.append(_finish(fields, members))
            fields, members, in_members = {}, [], False
            continue
        if in_members:
            members.append(line)
            continue
        if line == "Members:":
            in_members = True
            continue
        m = _HEADER.match(line)
        if m is None or m.group(1) not in _KNOWN:
            raise ParseError(f"ipset list: unexpected line {line!r}")
        key, value = m.groups()
        if key in fields:
            raise ParseError(f"ipset list: {key} twice in set {fields.get('Name')}")
        if key != "Name" and "Name" not in fields:
            raise ParseError(f"ipset list: {key} before Name")
        fields[key] = value
    if fields:
        if not in_members:
            raise ParseError(f"ipset list: set {fields.get('Name')} has no "
                             f"Members: line (truncated?)")
        sets.append(_finish(fields, members))
    return tuple(sets)


def by_name(sets: tuple) -> dict:
    """name -> IpSet."""
    return {s.name: s for s in sets}
