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

"""OVS mirrors made for a capture: the owner marker, and the ovs-vsctl argv
that create and remove them.

Each mirrored point gets an output port of its own (an OVS internal port:
the ``dummy`` link type is not available everywhere) and a Mirror selecting
the watched port in both directions, or every port of the bridge
(``select_all``). Both rows carry the owner marker in ``external_ids``::

    netdiag-run=<run id>  netdiag-user=<user>  netdiag-expires=<epoch s>

Removal is always by marker: a row without ``netdiag-run`` (an operator's
own mirror) is never selected, whatever its name.

Patch ports: Open vSwitch (3.1 and later, ofproto-dpif-xlate.c) crosses a
patch port inside one translation. Output to a patch port returns before
the egress (select_dst_port) mirrors are applied, and the peer bridge is
entered without its ingress (select_src_port) mirrors. A patch port's
mirror therefore only copies packets whose translation *starts* at that
port: packets recirculated in the bridge they entered through it (the
conntrack ct() of Neutron's openvswitch firewall on br-int). Frames a
bridge forwards out of its non-patch ports (NIC, tunnel ports) are
mirrored normally.
"""

import dataclasses
import re
import secrets

from osc_netdiag import names

RUN_KEY = "netdiag-run"
USER_KEY = "netdiag-user"
EXPIRES_KEY = "netdiag-expires"
OUTPUT_PREFIX = "ndm"
OVS_TIMEOUT = 5
_RUN_RE = re.compile(r"^[0-9a-f]{8}\Z")
_USER_RE = re.compile(r"[^A-Za-z0-9_.@-]")


def new_run_id():
    return secrets.token_hex(4)


def checked_run_id(run_id):
    if not isinstance(run_id, str) or not _RUN_RE.match(run_id):
        raise ValueError(f"not a capture run ID: {run_id!r}")
    return run_id


@dataclasses.dataclass(frozen=True)
class Marker:
    run_id: str
    user: str
    expires: int                  # seconds since the epoch

    def external_ids(self):
        return {RUN_KEY: checked_run_id(self.run_id),
                USER_KEY: _USER_RE.sub("_", self.user)[:64] or "unknown",
                EXPIRES_KEY: str(int(self.expires))}

    def settings(self, table_column="external_ids"):
        return [f"{table_column}:{key}={value}"
                for key, value in self.external_ids().items()]


@dataclasses.dataclass(frozen=True)
class MirrorSpec:
    """One mirror: watch ``port`` of ``bridge`` (or, with ``all_ports``,
    every port of it), copy to ``output``.
    """
    bridge: str
    port: str
    output: str
    all_ports: bool = False

    @property
    def name(self):
        return self.output

    @property
    def watched(self):
        return "all ports" if self.all_ports else self.port


def output_name(run_id, index):
    """``ndm<run id><index>``: 12 characters, a valid device name."""
    if not 0 <= index <= 9:
        raise ValueError("at most 10 mirrored points per host")
    return names.checked_device(
        f"{OUTPUT_PREFIX}{checked_run_id(run_id)}{index}")


def create_argv(spec, marker):
    """One ovs-vsctl transaction: output port, Mirror, bridge reference."""
    bridge = names.checked_device(spec.bridge)
    output = names.checked_device(spec.output)
    if spec.all_ports:
        watched, selection = (), ("select-all=true",)
    else:
        watched = ("--", "--id=@watched", "get", "Port",
                   names.checked_device(spec.port))
        selection = ("select-src-port=@watched", "select-dst-port=@watched")
    return (
        "ovs-vsctl", f"--timeout={OVS_TIMEOUT}",
        "--", "add-port", bridge, output,
        "--", "set", "Interface", output, "type=internal",
        *marker.settings(),
        "--", "set", "Port", output, *marker.settings(),
        *watched,
        "--", "--id=@out", "get", "Port", output,
        "--", "--id=@m", "create", "Mirror", f"name={output}",
        *selection,
        "output-port=@out", *marker.settings(),
        "--", "add", "Bridge", bridge, "mirrors", "@m",
    )


def find_mirror_argv(name, run_id):
    """UUID of our mirror ``name`` (empty output when it is gone)."""
    return ("ovs-vsctl", f"--timeout={OVS_TIMEOUT}", "--bare",
            "--columns=_uuid", "find", "Mirror",
            f"name={names.checked_device(name)}",
            f"external_ids:{RUN_KEY}={checked_run_id(run_id)}")


def find_port_argv(name, run_id):
    return ("ovs-vsctl", f"--timeout={OVS_TIMEOUT}", "--bare",
            "--columns=name", "find", "Port",
            f"name={names.checked_device(name)}",
            f"external_ids:{RUN_KEY}={checked_run_id(run_id)}")


def remove_argv(bridge, mirror_uuids=(), ports=()):
    """Drop mirrors (by UUID) and ports (by name) from ``bridge`` at once."""
    argv = ["ovs-vsctl", f"--timeout={OVS_TIMEOUT}"]
    bridge = names.checked_device(bridge)
    for uuid in mirror_uuids:
        argv += ["--", "--if-exists", "remove", "Bridge", bridge, "mirrors",
                 names.checked_uuid(uuid)]
    for port in ports:
        argv += ["--", "--if-exists", "del-port", bridge,
                 names.checked_device(port)]
    return tuple(argv)
