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

"""Merge the points' packets on one timeline and judge each flow.

A flow is what a packet says once its per-packet numbers are dropped
(``198.18.16.39 > 198.18.16.1: ICMP echo request``), in one direction
relative to the captured port: ``egress`` (sent by the port's MAC) or
``ingress`` (sent to it). Along the path an egress flow goes from the tap
outwards and an ingress flow the other way; the verdict says where a flow
was last seen and at which later points it was not.
"""

import dataclasses
import re

_NUMBERS = re.compile(r", (?:id|seq|length) \d+")
EGRESS, INGRESS, OTHER = "egress", "ingress", "other"


@dataclasses.dataclass(frozen=True)
class Seen:
    time: float
    point: str
    host: str
    direction: str
    summary: str
    packet: object

    def to_dict(self):
        return {"time": self.time, "point": self.point, "host": self.host,
                "direction": self.direction, "summary": self.summary,
                "vlan": self.packet.vlan, "src_mac": self.packet.src_mac,
                "dst_mac": self.packet.dst_mac}


@dataclasses.dataclass(frozen=True)
class Verdict:
    flow: str
    direction: str
    packets: int
    seen_at: tuple                 # labels, path order
    last_seen: str
    missing_at: tuple              # later points (path order) that missed it
    text: str

    def to_dict(self):
        return dataclasses.asdict(self)


def direction(packet, port_mac):
    mac = port_mac.lower()
    if packet.src_mac == mac:
        return EGRESS
    if packet.dst_mac == mac:
        return INGRESS
    return OTHER


def flow_key(packet):
    return _NUMBERS.sub("", packet.summary)


def merge(per_point, port_mac):
    """per_point: [(label, host, packets)] -> Seen tuple sorted by time."""
    seen = []
    for label, host, packets in per_point:
        for packet in packets:
            frame = packet.frame()
            seen.append(Seen(packet.time, label, host,
                             direction(frame, port_mac), flow_key(frame),
                             packet))
    return tuple(sorted(seen, key=lambda s: (s.time, s.point)))


def verdicts(timeline, path, complete, hosts, blind=()):
    """Judge each flow.

    path: labels in path order (instance outwards). complete: labels whose
    capture ran to its end without reaching its packet count (a point that
    stopped at its count may have missed later packets: never "not seen").
    hosts: label -> host name. blind: (label, direction) pairs a point
    cannot be trusted to see: never "not seen" there.
    """
    flows = {}
    for item in timeline:
        if item.direction == OTHER:
            continue
        flows.setdefault((item.summary, item.direction), []).append(item)
    result = []
    for (flow, way), items in flows.items():
        order = list(path) if way == EGRESS else list(reversed(path))
        seen_labels = {i.point for i in items}
        seen_at = tuple(p for p in order if p in seen_labels)
        last = seen_at[-1]
        after = order[order.index(last) + 1:]
        missing = tuple(p for p in after
                        if p in complete and (p, way) not in blind)
        where = ", ".join(seen_at)
        text = f"{flow} ({way}): seen at {where}"
        if missing:
            text += "; not at " + ", ".join(
                f"{p} on {hosts[p]}" for p in missing)
        result.append(Verdict(flow, way, len(items), seen_at, last, missing,
                              text))
    return tuple(result)
