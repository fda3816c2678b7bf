"""What ``floatingip check`` learns from the API: the associated floating
IPs (of a project, or one) and their ports (only the resolve layer talks
to the API)."""

import dataclasses

from osc_netdiag import context as ctx_mod
from osc_netdiag import resolve
from osc_netdiag.errors import ResolveError


@dataclasses.dataclass(frozen=True)
class FipState:
    id: str
    address: str
    port_id: str
    port: object                  # PortInfo, or None when the port is gone


def states_to_json(states):
    return [dataclasses.asdict(s) for s in states]


def states_from_json(data):
    return tuple(FipState(id=s["id"], address=s["address"],
                          port_id=s["port_id"],
                          port=ctx_mod.port_from_json(s["port"]))
                 for s in data)


def resolve_context(conn, project=None, floating_ip=None):
    """Associated floating IPs (of a project, or one) with their ports."""
    net_api = conn.network
    query = {"project_id": project} if project else {}
    if floating_ip:
        fip = net_api.find_ip(floating_ip, ignore_missing=True)
        if fip is None:
            raise ResolveError("not-found",
                               f"No floating IP found for '{floating_ip}'")
        fips = [fip]
    else:
        fips = list(net_api.ips(**query))
    states = []
    for fip in fips:
        if not fip.port_id:
            continue
        port = net_api.find_port(fip.port_id, ignore_missing=True)
        states.append(FipState(fip.id, fip.floating_ip_address, fip.port_id,
                               resolve.port_info(port) if port else None))
    return tuple(sorted(states, key=lambda s: s.address))
