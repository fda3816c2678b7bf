"""The backend slot: which Neutron backend bound a port, and the package
that diagnoses it.

A backend is a package here (``ml2_ovs``; next ``ovn``) exposing:

``NAME``               how the user knows it ("ML2/OVS")
``MECHANISM_DRIVERS``  the ML2 mechanism driver names in bound_drivers
``AGENT_TYPES``        the Neutron agent types on its hosts
``VIF_TYPES``          the binding:vif_type values it binds with
``TRACE``, ``HOST_CHECK``, ``SEGMENT_MAP``: modules with plan/evaluate

The backend of a port is read from what the API says (binding:vif_type,
binding:vif_details bound_drivers, the agents on the port's host), never
guessed from the host: ML2/OVN binds with vif_type ``ovs`` too, and
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
    the vif_type of a supported backend."""
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
    backend when this release cannot diagnose it."""
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
