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

"""Capture points as data: what a backend tells ``port capture`` to read.

A point has a stable label (what ``--at`` names) and one or more taps on a
host: a Linux device read directly (in its namespace), or a port of a
virtual switch read through a mirror. The backend builds them (its
``CAPTURE_POINTS``); ``capture/`` runs them whatever the backend.
"""

import dataclasses
import re


@dataclasses.dataclass(frozen=True)
class Tap:
    device: str = None             # a Linux device read directly
    netns: str = None
    bridge: str = None             # or: mirror this OVS port of this bridge
    port: str = None
    # the host's NIC for the segment: the device is read from the host first
    nic: bool = False
    bpf: str = None                # replaces --filter at this tap
    vlan: int = None               # frames leave tagged: match them too
    all_ports: bool = False        # mirror every port of the bridge
    sender: str = None             # keep only frames from this MAC

    @property
    def mirrored(self):
        return self.bridge is not None

    def describe(self):
        if self.mirrored and self.all_ports:
            sent = f", frames from {self.sender}" if self.sender else ""
            return f"mirror of all ports of {self.bridge}{sent}"
        if self.mirrored:
            return f"mirror of {self.bridge}:{self.port}"
        if self.device is None:
            return "the segment's NIC (read from the host)"
        where = f" in {self.netns}" if self.netns else ""
        return f"{self.device}{where}"


@dataclasses.dataclass(frozen=True)
class Point:
    label: str
    host: str
    taps: tuple                    # of Tap

    @property
    def mirrored(self):
        return any(t.mirrored for t in self.taps)

    def describe(self):
        return ", ".join(t.describe() for t in self.taps)


_MAC_RE = re.compile(r"^[0-9a-f]{2}(?::[0-9a-f]{2}){5}\Z")


def checked_mac(mac):
    """A MAC that may go into a capture filter (``ether src MAC``)."""
    if not isinstance(mac, str) or not _MAC_RE.match(mac.lower()):
        raise ValueError(f"not a MAC address: {mac!r}")
    return mac.lower()
