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

"""Walk a packet through a host's filter table, as netfilter would.

The iptables_hybrid driver filters a port's packets while the qbr bridge
forwards them (bridge netfilter), so a packet to the instance traverses
FORWARD with ``--physdev-out tap...`` and one from it FORWARD with
``--physdev-in tap...`` (INPUT when it is for the host itself, not
evaluated here). This module evaluates the installed rules in order, jumps
and RETURNs included, and says which rule decided. Pure: it reads the
parsed ``iptables-save`` and ``ipset list`` output only.

Only the matches Neutron writes are understood (addresses, protocol,
ports, ICMP type, physdev, state, mac, set, comment); a rule with any other
match is taken not to match, and the verdict says so.
"""

import dataclasses
import ipaddress
import shlex
import typing

_ANY_STATE_NEW = frozenset({"NEW"})
_ANY_STATE_EST = frozenset({"ESTABLISHED"})
_MAX_DEPTH = 32     # a jump loop in hand-made rules must not hang us
_BUILTIN_TARGETS = {"ACCEPT", "DROP", "REJECT", "RETURN"}
# iptables-save prints a rule's protocol by its /etc/protocols name; a
# question may name it by number (--protocol 6): both are read as numbers
_PROTO_NUMBERS = {"icmp": 1, "tcp": 6, "udp": 17, "gre": 47, "esp": 50,
                  "ah": 51, "ipv6-icmp": 58, "sctp": 132}


def _protocol_number(text):
    """A protocol's number as text ("tcp" and "6" both give "6")."""
    name = text.lower()
    return str(_PROTO_NUMBERS.get(name, name))


@dataclasses.dataclass(frozen=True)
class Wire:
    """One packet as the bridge hands it to netfilter."""
    src: str
    dst: str
    protocol: str                  # "tcp", "udp", "icmp" or a number
    physdev_in: str
    physdev_out: str
    in_iface: str = ""
    out_iface: str = ""
    src_mac: str = ""
    sport: typing.Optional[int] = None
    dport: typing.Optional[int] = None
    icmp_type: typing.Optional[int] = None
    icmp_code: typing.Optional[int] = None
    established: bool = False


@dataclasses.dataclass(frozen=True)
class Decision:
    """What the table did with the packet:

    ACCEPT or DROP, the rule that decided (its chain and line as iptables-save
    prints it), the chains walked, and the rules skipped because a match was
    not understood.

    ``returned_by`` is the last RETURN that matched on the way: for Neutron's
    chains the port's rule that let the packet through (the ACCEPT itself is
    the shared last line of sg-chain).
    """
    target: str
    chain: str
    rule: str
    path: tuple
    not_understood: tuple = ()
    returned_by: str = ""


def _in_network(address, cidr):
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(
            cidr, strict=False)
    except ValueError:
        return False


def _ports(spec):
    """'22' or '1000:2000' or '22,80' -> list of (low, high)."""
    found = []
    for part in spec.split(","):
        low, _, high = part.partition(":")
        found.append((int(low or 0), int(high or low or 65535)))
    return found


def _in_set(sets, name, address):
    ipset = sets.get(name)
    if ipset is None:
        return False    # iptables refuses a rule on a missing set anyway
    return any(_in_network(address, member) for member in ipset.members)


class _Matcher:
    """Evaluate the words of one rule against a packet."""

    def __init__(self, wire, sets):
        self.wire = wire
        self.sets = sets

    def proto_ok(self, value):
        return _protocol_number(value) == \
            _protocol_number(self.wire.protocol)

    def matches(self, words):
        """(matched, understood) for the rule's match words."""
        w = self.wire
        i = 0
        ok = True
        while i < len(words):
            word = words[i]
            neg = False
            if word == "!":
                neg, i = True, i + 1
                word = words[i]
            arg = words[i + 1] if i + 1 < len(words) else ""
            step = 2
            if word in ("-j", "-g"):
                break
            if word == "-m":
                pass                            # module name: its options follow
            elif word == "--comment":
                pass
            elif word == "-s":
                res = _in_network(w.src, arg)
            elif word == "-d":
                res = _in_network(w.dst, arg)
            elif word == "-p":
                res = self.proto_ok(arg)
            elif word == "-i":
                res = arg == w.in_iface
            elif word == "-o":
                res = arg == w.out_iface
            elif word == "--physdev-in":
                res = arg == w.physdev_in
            elif word == "--physdev-out":
                res = arg == w.physdev_out
            elif word == "--physdev-is-bridged":
                res, step = True, 1
            elif word == "--state" or word == "--ctstate":
                states = set(arg.split(","))
                have = _ANY_STATE_EST if w.established else _ANY_STATE_NEW
                res = bool(states & have)
            elif word == "--sport":
                res = w.sport is not None and any(
                    lo <= w.sport <= hi for lo, hi in _ports(arg))
            elif word == "--dport":
                res = w.dport is not None and any(
                    lo <= w.dport <= hi for lo, hi in _ports(arg))
            elif word == "--dports":
                res = w.dport is not None and any(
                    lo <= w.dport <= hi for lo, hi in _ports(arg))
            elif word == "--sports":
                res = w.sport is not None and any(
                    lo <= w.sport <= hi for lo, hi in _ports(arg))
            elif word in ("--icmp-type", "--icmpv6-type"):
                type_, _, code = arg.partition("/")
                res = (w.icmp_type is not None and
                       (not type_.isdigit() or int(type_) == w.icmp_type) and
                       (not code or w.icmp_code == int(code)))
                if not type_.isdigit() and type_ != "any":
                    return False, False
            elif word == "--mac-source":
                res = arg.lower() == w.src_mac.lower()
            elif word == "--match-set":
                flag = words[i + 2] if i + 2 < len(words) else ""
                address = w.src if flag.split(",")[0] == "src" else w.dst
                res, step = _in_set(self.sets, arg, address), 3
            else:
                return False, False
            if word not in ("-m", "--comment"):
                if neg:
                    res = not res
                ok = ok and res
            i += step
        return ok, True


def evaluate(table, wire, sets, start="FORWARD"):
    """Walk ``table`` (a parsed filter Table) from ``start``; a Decision."""
    matcher = _Matcher(wire, sets)
    skipped = []
    path = []
    returns = []

    def walk(chain, depth):
        if depth > _MAX_DEPTH:
            return ("DROP", chain, "(jump loop)")
        path.append(chain)
        for rule in table.rules_of(chain):
            words = shlex.split(rule.text)[2:]      # past "-A CHAIN"
            ok, understood = matcher.matches(words)
            if not understood:
                skipped.append(rule.text)
                continue
            if not ok or rule.target is None:
                continue
            if rule.target == "RETURN":
                returns.append(rule.text)
                return None
            if rule.target in ("ACCEPT", "DROP", "REJECT"):
                return (rule.target, chain, rule.text)
            if table.chain(rule.target) is None:
                continue    # a target extension (CT, LOG...): not a verdict
            result = walk(rule.target, depth + 1)
            if result is not None:
                return result
            if "-g" in words:
                return None
        return None

    result = walk(start, 0)
    if result is None:
        found = table.chain(start)
        policy = found.policy if found and found.policy else "ACCEPT"
        result = (policy, start, f"policy {policy} of {start}")
    target, chain, text = result
    return Decision("ACCEPT" if target == "ACCEPT" else "DROP", chain, text,
                    tuple(path), tuple(skipped),
                    returns[-1] if returns else "")
