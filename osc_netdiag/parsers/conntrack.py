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

"""Parse conntrack entries: the kernel's and Open vSwitch's userspace one.

``conntrack -L -w ZONE -f FAMILY -p PROTO`` (conntrack-tools; its count
goes to stderr)::

    tcp      6 431996 ESTABLISHED src=198.18.17.93 dst=198.18.17.19 sport=60634 dport=5001 src=198.18.17.19 dst=198.18.17.93 sport=5001 dport=60634 [ASSURED] mark=0 zone=4097 use=1
    icmp     1 29 src=198.18.17.93 dst=198.18.17.19 type=8 code=0 id=3174 src=198.18.17.19 dst=198.18.17.93 type=0 code=0 id=3174 mark=0 zone=4097 use=1

``ovs-appctl dpctl/dump-conntrack zone=N``::

    tcp,orig=(src=198.18.17.93,dst=198.18.17.19,sport=60634,dport=5001),reply=(src=198.18.17.19,dst=198.18.17.93,sport=5001,dport=60634),zone=2,protoinfo=(state=ESTABLISHED)

Both give a tuple of :class:`Entry`: the protocol, its state (None for
a protocol without one), the original and the reply direction as
:class:`Tuple`, the zone, the flags (``ASSURED``, ``UNREPLIED``) and the
kernel's seconds to live. Strict: a line not in these forms, a key not
known, a tuple without both addresses raise ParseError.
"""  # noqa: E501 (real output above, one line per entry)

import dataclasses
import ipaddress
import re
import typing

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers._text import complete_lines

_TUPLE_KEYS = {"src", "dst", "sport", "dport", "type", "code", "id"}
# what else a kernel line may carry after the tuples (conntrack -L -o
# extended/ktimestamp are not asked for)
_KERNEL_EXTRA = {"mark", "zone", "use", "secctx", "labels", "helper"}
_DPCTL_EXTRA = {"zone", "mark", "labels", "timeout", "protoinfo"}
_STATE = re.compile(r"[A-Z_]+\Z")
_FLAG = re.compile(r"\[([A-Z_]+)\]\Z")
_DPCTL = re.compile(r"([a-z0-9]+),(.*)\Z")


@dataclasses.dataclass(frozen=True)
class Tuple:
    src: str
    dst: str
    sport: typing.Optional[int] = None
    dport: typing.Optional[int] = None
    icmp_type: typing.Optional[int] = None
    icmp_code: typing.Optional[int] = None
    icmp_id: typing.Optional[int] = None

    def describe(self):
        if self.sport is not None:
            return f"{self.src} {self.sport} -> {self.dst} {self.dport}"
        if self.icmp_type is not None:
            return (f"{self.src} -> {self.dst} type {self.icmp_type} "
                    f"code {self.icmp_code} id {self.icmp_id}")
        return f"{self.src} -> {self.dst}"


@dataclasses.dataclass(frozen=True)
class Entry:
    protocol: str
    state: typing.Optional[str]
    orig: Tuple
    reply: Tuple
    zone: typing.Optional[int] = None
    flags: tuple = ()
    timeout: typing.Optional[int] = None


def _number(key, value, line):
    if not value.isdigit():
        raise ParseError(f"conntrack: {key}={value!r} is not a number in "
                         f"{line!r}")
    return int(value)


def _tuple(pairs, line):
    """A Tuple from [(key, value)] of one direction."""
    found = {}
    for key, value in pairs:
        if key not in _TUPLE_KEYS or key in found:
            raise ParseError(f"conntrack: unexpected {key}= in {line!r}")
        found[key] = value
    if "src" not in found or "dst" not in found:
        raise ParseError(f"conntrack: a tuple without src/dst in {line!r}")
    for key in ("src", "dst"):
        try:
            ipaddress.ip_address(found[key])
        except ValueError:
            raise ParseError(f"conntrack: {key}={found[key]!r} is not an "
                             f"address in {line!r}") from None
    nums = {k: _number(k, v, line) for k, v in found.items()
            if k not in ("src", "dst")}
    return Tuple(found["src"], found["dst"], nums.get("sport"),
                 nums.get("dport"), nums.get("type"), nums.get("code"),
                 nums.get("id"))


def _kernel_line(line):
    words = line.split()
    if len(words) < 5 or not words[1].isdigit() or not words[2].isdigit():
        raise ParseError(f"conntrack: not an entry: {line!r}")
    protocol, timeout, rest = words[0], int(words[2]), words[3:]
    state = None
    if rest and _STATE.match(rest[0]):
        state, rest = rest[0], rest[1:]
    directions, flags, extra = [[]], [], {}
    for word in rest:
        flag = _FLAG.match(word)
        if flag:
            flags.append(flag.group(1))
            continue
        key, sep, value = word.partition("=")
        if not sep:
            raise ParseError(f"conntrack: unexpected {word!r} in {line!r}")
        if key in _KERNEL_EXTRA:
            extra[key] = value
        elif key == "src" and directions[-1]:
            if len(directions) == 2:
                raise ParseError(f"conntrack: three tuples in {line!r}")
            directions.append([(key, value)])
        else:
            directions[-1].append((key, value))
    if len(directions) != 2:
        raise ParseError(f"conntrack: no reply tuple in {line!r}")
    zone = _number("zone", extra["zone"], line) if "zone" in extra else None
    return Entry(protocol, state, _tuple(directions[0], line),
                 _tuple(directions[1], line), zone, tuple(flags), timeout)


def parse_conntrack_list(text):
    """``conntrack -L ...`` (stdout) into a tuple of Entry."""
    return tuple(_kernel_line(line) for line in
                 complete_lines(text, "conntrack -L") if line.strip())


def _split_top(text, line):
    """'a=1,b=(c=2,d=3)' -> ['a=1', 'b=(c=2,d=3)'] (commas at depth 0)."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise ParseError(f"dpctl/dump-conntrack: unbalanced {line!r}")
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise ParseError(f"dpctl/dump-conntrack: unbalanced {line!r}")
    parts.append(text[start:])
    return parts


def _group(value, line):
    if not (value.startswith("(") and value.endswith(")")):
        raise ParseError(f"dpctl/dump-conntrack: expected (...) in {line!r}")
    pairs = []
    for part in _split_top(value[1:-1], line):
        key, sep, val = part.partition("=")
        if not sep:
            raise ParseError(f"dpctl/dump-conntrack: {part!r} in {line!r}")
        pairs.append((key, val))
    return pairs


def _dpctl_line(line):
    m = _DPCTL.match(line)
    if m is None:
        raise ParseError(f"dpctl/dump-conntrack: not an entry: {line!r}")
    protocol, found = m.group(1), {}
    for part in _split_top(m.group(2), line):
        key, sep, value = part.partition("=")
        if not sep or key in found or \
                key not in _DPCTL_EXTRA | {"orig", "reply"}:
            raise ParseError(f"dpctl/dump-conntrack: unexpected {part!r} in "
                             f"{line!r}")
        found[key] = value
    if "orig" not in found or "reply" not in found:
        raise ParseError(f"dpctl/dump-conntrack: no orig/reply in {line!r}")
    state = None
    if "protoinfo" in found:
        info = dict(_group(found["protoinfo"], line))
        state = info.get("state")
    zone = _number("zone", found["zone"], line) if "zone" in found else 0
    timeout = _number("timeout", found["timeout"], line) \
        if "timeout" in found else None
    return Entry(protocol, state, _tuple(_group(found["orig"], line), line),
                 _tuple(_group(found["reply"], line), line), zone, (),
                 timeout)


def parse_dpctl_conntrack(text):
    """``ovs-appctl dpctl/dump-conntrack ...`` into a tuple of Entry."""
    return tuple(_dpctl_line(line) for line in
                 complete_lines(text, "dpctl/dump-conntrack") if line.strip())
