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

"""The backend slot: which Neutron backend bound a port, and the package
that diagnoses it.

A backend is a package here (``ml2_ovs``; next ``ovn``) exposing:

``NAME``               how the user knows it ("ML2/OVS")
``MECHANISM_DRIVERS``  the ML2 mechanism driver names in bound_drivers
``AGENT_TYPES``        the Neutron agent types on its hosts
``VIF_TYPES``          the binding:vif_type values it binds with
``TUNNEL_TYPES``       the overlay network types its agents tunnel
``TRACE``, ``HOST_CHECK``, ``SEGMENT_MAP``: modules with plan/evaluate
``CAPTURE_POINTS``     module: a port's capture points and its NIC

The backend of a port is read from what the API says (binding:vif_type,
binding:vif_details bound_drivers, the agents on the port's host); of a
host, from the types of the agents Neutron lists there; of a network,
from its bound ports. Never guessed from the host: ML2/OVN binds with vif_type ``ovs`` too, and
tracing its ports as ML2/OVS finds a missing agent that is not missing.

Adding a backend: its package, and one line in SUPPORTED.
"""

import dataclasses

from osc_netdiag.backends import ml2_ovs
from osc_netdiag.errors import ResolveError

SUPPORTED = (
    ml2_ovs,
)


@dataclasses.dataclass(frozen=True)
class Known:
    """A backend the API can name that no package here diagnoses yet."""
    NAME: str
    MECHANISM_DRIVERS: tuple
    AGENT_TYPES: tuple
    VIF_TYPES: tuple = ()


# named so the refusal says which backend it is, not a guess at a fault
KNOWN_UNSUPPORTED = (
    Known("ML2/OVN", ("ovn",),
          ("OVN Controller agent", "OVN Controller Gateway agent",
           "OVN Metadata agent", "OVN Neutron agent")),
    Known("ML2/Linux bridge", ("linuxbridge",), ("Linux bridge agent",),
          ("bridge",)),
    Known("ML2/SR-IOV", ("sriovnicswitch",), ("NIC Switch agent",),
          ("hw_veb", "hostdev_physical")),
)


@dataclasses.dataclass(frozen=True)
class Binding:
    """What the API says about how a port is bound."""
    port_id: str
    vif_type: str
    bound_drivers: tuple = ()   # level order, top first
    agent_types: tuple = ()     # of the agents on the port's host


def binding_of(port, agent_types=()):
    """The Binding of a context PortInfo (and its host's agent types)."""
    drivers = (port.vif_details or {}).get("bound_drivers") or {}
    if isinstance(drivers, dict):
        drivers = [drivers[k] for k in sorted(drivers, key=_level)]
    return Binding(port.id, port.vif_type or "",
                   tuple(str(d) for d in drivers), tuple(agent_types))


def _level(key):
    return int(key) if str(key).isdigit() else 0


def _everyone():
    return SUPPORTED + KNOWN_UNSUPPORTED


def detect(binding):
    """The backend that bound the port (supported or not), or None.

    The bottom bound driver decides; without bound_drivers (older
    Neutron), the agents on the port's host; without those (a capture),
    the vif_type of a supported backend.
    """
    if binding.bound_drivers:
        bottom = binding.bound_drivers[-1]
        for backend in _everyone():
            if bottom in backend.MECHANISM_DRIVERS:
                return backend
        return None
    for backend in _everyone():
        if set(binding.agent_types) & set(backend.AGENT_TYPES):
            return backend
    for backend in SUPPORTED:
        if binding.vif_type in backend.VIF_TYPES:
            return backend
    return None


def for_port(binding):
    """The supported backend of a port; ResolveError (exit 3) naming the
    backend when this release cannot diagnose it.
    """
    backend = detect(binding)
    if backend in SUPPORTED:
        return backend
    supported = ", ".join(b.NAME for b in SUPPORTED)
    if backend is None and binding.bound_drivers:
        raise ResolveError(
            "unsupported",
            f"Port {binding.port_id} is bound by the mechanism driver "
            f"{binding.bound_drivers[-1]} (vif_type "
            f"{binding.vif_type or '-'}); this release traces {supported} "
            "ports only")
    if backend is not None:
        raise ResolveError(
            "unsupported",
            f"Port {binding.port_id} is bound by {backend.NAME} "
            f"(vif_type {binding.vif_type or '-'}, bound drivers "
            f"{', '.join(binding.bound_drivers) or '-'}); this release "
            f"traces {supported} ports only")
    raise ResolveError(
        "unsupported",
        f"Port {binding.port_id} has vif_type {binding.vif_type}; "
        "this release traces ML2/OVS ports (vif_type ovs) only")


def _supported_names():
    return ", ".join(b.NAME for b in SUPPORTED)


def _one_of(found, what):
    """The one supported backend among ``found`` (backend -> names of
    what it runs), refusing an unsupported one by name; None if empty.
    """
    for backend, where in found.items():
        if backend not in SUPPORTED:
            raise ResolveError(
                "unsupported",
                f"{what} {', '.join(where)} are run by {backend.NAME}; this "
                f"release diagnoses {_supported_names()} only")
    if len(found) > 1:
        raise ResolveError(
            "unsupported",
            f"{what} are run by more than one backend ("
            + "; ".join(f"{b.NAME}: {', '.join(w)}" for b, w in found.items())
            + "): name the hosts of one backend at a time")
    return next(iter(found), None)


def _by_agents(agent_types):
    found = {}
    for host in sorted(agent_types):
        backend = detect(Binding("", "", (), tuple(agent_types[host])))
        if backend is not None:
            found.setdefault(backend, []).append(host)
    return found


def for_hosts(agent_types):
    """The supported backend that runs these hosts (``agent_types``: host
    -> the types of the agents Neutron lists there); ResolveError (exit
    3) naming the backend of a host this release cannot diagnose.

    A host with no backend's agent (only an L3 or DHCP agent, or a dead
    one deleted) takes the others' backend; with none among them, the
    first supported one, whose checks then report its agent missing.
    """
    return _one_of(_by_agents(agent_types), "Host(s)") or SUPPORTED[0]


def for_network(network_id, bindings, agent_types=None):
    """The supported backend of a network, from its bound ports'
    Bindings; with no bound port, from ``agent_types`` (host -> types,
    the cloud's agents) as for_hosts. ResolveError (exit 3) naming the
    backend, or the mechanism driver, this release cannot diagnose.
    """
    found = {}
    for binding in bindings:
        backend = detect(binding)
        if backend is None and binding.bound_drivers:
            raise ResolveError(
                "unsupported",
                f"Network {network_id} has port {binding.port_id} bound by "
                f"the mechanism driver {binding.bound_drivers[-1]}; this "
                f"release diagnoses {_supported_names()} only")
        if backend is not None:
            found.setdefault(backend, []).append(binding.port_id)
    if found:
        return _one_of(found, f"Network {network_id}: port(s)")
    return for_hosts(agent_types or {})
