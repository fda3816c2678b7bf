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

"""Device, bridge and namespace names: derived from UUIDs, then validated.

Neutron and os-vif name Linux devices after the first 11 characters of the
port ID (IFNAMSIZ is 16 with the NUL, and the prefixes are 3 characters).
Every name that reaches a remote argv passes one of the ``checked_*``
functions below: a name from the API or from a host is data, and anything
outside the allow-list is refused before it can be mistaken for an option or
shell syntax.
"""

import re
import uuid

from osc_netdiag.errors import UnsafeNameError

DEVICE_NAME_LEN = 14          # prefix (3) + 11 characters of the UUID

# Linux interface names: at most 15 bytes; we accept the conservative set
# that Neutron, os-vif and distributions use. No leading '-' so a name can
# never read as an option.
# \Z, not $: "$" also matches before a final newline, which would let
# "br-int\n" through.
_DEVICE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,14}\Z")
# Bridges as ``ovs-ofctl`` takes them: no ':' or '@' either, which would
# name a connection ("tcp:HOST:PORT") rather than a local bridge.
_BRIDGE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}\Z")
_NETNS_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}\Z")
_OF_FILTER_RE = re.compile(r"[A-Za-z0-9_=][A-Za-z0-9_=,.:/-]{0,199}\Z")
# an ofproto/trace flow as the firewall view builds it: field=value pairs
# of numbers, MACs and addresses, starting with a field name (never "-")
_TRACE_FLOW_RE = re.compile(r"[a-z][A-Za-z0-9_=,.:]{0,254}\Z")


def checked_uuid(value):
    """Return ``value`` in canonical form if it is a UUID, else refuse it."""
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise UnsafeNameError(f"not a UUID: {value!r}") from None


def _derived(prefix, object_id):
    return prefix + checked_uuid(object_id)[:DEVICE_NAME_LEN - len(prefix)]


def tap_device(port_id):
    return _derived("tap", port_id)


def qbr_device(port_id):
    return _derived("qbr", port_id)


def qvb_device(port_id):
    return _derived("qvb", port_id)


def qvo_device(port_id):
    return _derived("qvo", port_id)


def qr_device(port_id):
    return _derived("qr-", port_id)


def qg_device(port_id):
    return _derived("qg-", port_id)


def dhcp_tap_device(port_id):
    return _derived("tap", port_id)


# Distributed routers (neutron/agent/l3/dvr_fip_ns.py, dvr_snat_ns.py,
# dvr_edge_router.py): the veth pair between qrouter- and fip- is named after
# the *router* (4-character prefix, so 10 characters of its ID), the fip-
# namespace's external port and the snat- namespace's internal ports after
# their port (3-character prefix, 11 characters).

def rfp_device(router_id):
    """qrouter- end of the router <-> fip- namespace veth."""
    return _derived("rfp-", router_id)


def fpr_device(router_id):
    """fip- namespace end of the router <-> fip- namespace veth."""
    return _derived("fpr-", router_id)


def fg_device(port_id):
    """The fip- namespace's port on the external network (the host's
    floatingip_agent_gateway port).
    """
    return _derived("fg-", port_id)


def sg_device(port_id):
    """A snat- namespace port on a router subnet (router_centralized_snat)."""
    return _derived("sg-", port_id)


def qrouter_namespace(router_id):
    return "qrouter-" + checked_uuid(router_id)


def qdhcp_namespace(network_id):
    return "qdhcp-" + checked_uuid(network_id)


def snat_namespace(router_id):
    return "snat-" + checked_uuid(router_id)


def fip_namespace(external_network_id):
    """One per host and external network, shared by every DVR router."""
    return "fip-" + checked_uuid(external_network_id)


def ovnmeta_namespace(network_id):
    """ML2/OVN's metadata namespace on each chassis with a port of the
    network.
    """
    return "ovnmeta-" + checked_uuid(network_id)


def checked_device(name):
    """Allow-list check for a device or OVS port/bridge name."""
    if not isinstance(name, str) or not _DEVICE_RE.match(name):
        raise UnsafeNameError(f"unsafe device name: {name!r}")
    return name


def checked_bridge(name):
    """Allow-list check for a bridge given to ``ovs-ofctl``: the same
    pattern as its line in doc/source/netdiag.sudoers.
    """
    if not isinstance(name, str) or not _BRIDGE_RE.match(name):
        raise UnsafeNameError(f"unsafe bridge name: {name!r}")
    return name


def checked_netns(name):
    if not isinstance(name, str) or not _NETNS_RE.match(name):
        raise UnsafeNameError(f"unsafe namespace name: {name!r}")
    return name


def checked_flow_filter(text):
    """Allow-list check for an ``ovs-ofctl dump-flows`` match argument."""
    if not isinstance(text, str) or not _OF_FILTER_RE.match(text):
        raise UnsafeNameError(f"unsafe flow filter: {text!r}")
    return text


def checked_trace_flow(text):
    """Allow-list check for an ``ovs-appctl ofproto/trace`` flow."""
    if not isinstance(text, str) or not _TRACE_FLOW_RE.match(text):
        raise UnsafeNameError(f"unsafe trace flow: {text!r}")
    return text


def patch_names(bridge):
    """Neutron's int-/phy- patch port names for a bridge_mappings bridge.

    Neutron shortens names longer than 15 characters with a hash; we only
    derive the short form and let the host's port list confirm it.
    """
    bridge = checked_device(bridge)
    return "int-" + bridge, "phy-" + bridge


# Absolute paths made of the characters Neutron's state and log paths use;
# no "..", no leading "-" possible (they start with "/").
_PATH_RE = re.compile(r"^/[A-Za-z0-9_.@+=:/-]{0,4095}\Z")


def checked_path(path):
    """Allow-list check for a file path read from a host (dnsmasq options)."""
    if not isinstance(path, str) or not _PATH_RE.match(path) or \
            "/../" in path + "/" or "//" in path:
        raise UnsafeNameError(f"unsafe path: {path!r}")
    return path


_HOST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,254}")


def check_host_name(value) -> str:
    """Refuse a host name outside ``[A-Za-z0-9._:-]`` (first character a
    letter or digit): such a name must not reach an inventory pattern, a
    ProxyCommand's ``%h`` (or a ``Match exec`` of ~/.ssh/config) or a file
    name. Neutron accepts any string as a host name; this does not.
    """
    if not isinstance(value, str) or not _HOST_NAME.fullmatch(value):
        raise UnsafeNameError(
            f"unsafe host name {value!r}: only letters, digits and . _ : - "
            f"are accepted, starting with a letter or digit")
    return value
