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

"""ML2/OVN: the port in the Northbound and Southbound databases, against
the API.

Northbound is what Neutron wrote (the Logical_Switch_Port named by the
port ID on the switch ``neutron-<network>``, the router ports
``lrp-<port>``, the gateway's HA_Chassis_Group); Southbound is what
ovn-northd and the chassis made of it (the Port_Binding and the chassis
that claimed it). What the chassis checks need from here is returned in a
Seen.
"""

import dataclasses

from osc_netdiag.models import Status
from osc_netdiag import probes_ovn


@dataclasses.dataclass
class Seen:
    """What the databases said that the chassis checks compare against."""
    chassis: tuple = ()          # every Southbound Chassis
    encaps: tuple = ()
    bound_chassis: object = None  # the Chassis that claimed the port
    gateway: object = None        # the Chassis holding the router gateway


def check(report, context, view):
    seen = Seen()
    chassis = report.read_or_skip(view, probes_ovn.ovn_list("ovn-sb-chassis"), "Chassis",
                                  "ovn-sb-chassis")
    seen.chassis = chassis or ()
    seen.encaps = report.read_or_skip(view, probes_ovn.ovn_list("ovn-sb-encaps"), "Encap",
                                      "ovn-sb-encap") or ()
    _switch_port(report, context, view)
    seen.bound_chassis = _binding(report, context, view, seen.chassis)
    _localnet(report, context, view)
    seen.gateway = _router(report, context, view, seen.chassis)
    return seen


def _expected_addresses(port):
    return " ".join([port.mac] + port.ips())


def _switch_port(report, context, view):
    port, network = context.port, context.network
    host = view.host
    probe = probes_ovn.ovn_find("ovn-nb-lsp", port.id)
    rows = report.read_or_skip(view, probe, port.id, "ovn-nb-lsp")
    if rows is None:
        return
    evidence = [view.evidence(probe)]
    switch_name = f"neutron-{network.id}"
    if not rows:
        report.find("NETDIAG_OVN_LSP_MISSING", port.id,
                    f"no Logical_Switch_Port {port.id} in the Northbound "
                    f"database ({switch_name}, network "
                    f"{network.name or network.id})", port=port.id)
        report.hop(host, port.id, "ovn-nb-lsp", "absent",
                   f"no Logical_Switch_Port on {switch_name}", Status.ERROR,
                   evidence)
        return
    lsp = rows[0]
    switches = report.read_or_skip(view, probes_ovn.ovn_find("ovn-nb-ls", network.id),
                                   switch_name, "ovn-nb-ls") or ()
    drift = []
    want = _expected_addresses(port)
    if want not in lsp.addresses:
        drift.append(("addresses", " | ".join(lsp.addresses) or "-", want))
    if lsp.port_security and want not in lsp.port_security:
        drift.append(("port_security", " | ".join(lsp.port_security), want))
    requested = lsp.options.get("requested-chassis")
    if requested is not None and port.binding_host and \
            requested != port.binding_host:
        drift.append(("options:requested-chassis", requested,
                      port.binding_host))
    if lsp.enabled is not None and lsp.enabled != port.admin_state_up:
        drift.append(("enabled", str(lsp.enabled).lower(),
                      str(port.admin_state_up).lower()))
    if switches and lsp.uuid not in switches[0].ports:
        drift.append(("switch", "not on " + switch_name, switch_name))
    for field, ovn, api in drift:
        report.find("NETDIAG_OVN_LSP_DRIFT", f"{port.id}:{field}",
                    f"Logical_Switch_Port {port.id}: {field} is {ovn}, the "
                    f"API says {api}", port=port.id, field=field, ovn=ovn,
                    api=api)
    detail = (f"on network {network.name or network.id}: addresses "
              f"{' | '.join(lsp.addresses) or '-'}, up "
              f"{str(lsp.up).lower()}, requested-chassis "
              f"{requested or '-'}, revision "
              f"{lsp.revision if lsp.revision is not None else '-'}")
    status = Status.ERROR if drift else Status.OK
    if lsp.up is not True:
        status = Status.ERROR
        report.find("NETDIAG_OVN_LSP_DOWN", port.id,
                    f"Logical_Switch_Port {port.id} is not up",
                    port=port.id, host=port.binding_host)
    report.hop(host, port.id, "ovn-nb-lsp", "up" if lsp.up else "down",
               detail, status, evidence)


def _binding(report, context, view, chassis):
    port = context.port
    probe = probes_ovn.ovn_find("ovn-sb-pb", port.id)
    rows = report.read_or_skip(view, probe, port.id, "ovn-sb-binding")
    if rows is None:
        return None
    evidence = [view.evidence(probe)]
    if not rows:
        report.find("NETDIAG_OVN_BINDING_MISSING", port.id,
                    f"no Port_Binding {port.id} in the Southbound database",
                    port=port.id)
        report.hop(view.host, port.id, "ovn-sb-binding", "absent",
                   "no Port_Binding", Status.ERROR, evidence)
        return None
    binding = rows[0]
    by_uuid = {c.uuid: c for c in chassis}
    owner = by_uuid.get(binding.chassis) if binding.chassis else None
    if binding.chassis is None:
        report.find("NETDIAG_OVN_PORT_UNBOUND", port.id,
                    f"no chassis has claimed port {port.id} (Neutron bound "
                    f"it to {port.binding_host})", port=port.id,
                    host=port.binding_host,
                    device=f"tap{port.id[:11]}")
        report.hop(view.host, port.id, "ovn-sb-binding", "unbound",
                   f"tunnel key {binding.tunnel_key}, chassis -, up "
                   f"{str(binding.up).lower()}", Status.ERROR, evidence)
        return None
    name = owner.hostname if owner else binding.chassis
    status = Status.OK
    if owner is None or owner.hostname != port.binding_host:
        status = Status.ERROR
        report.find("NETDIAG_OVN_WRONG_CHASSIS", port.id,
                    f"port {port.id} is claimed by chassis "
                    f"{owner.name if owner else binding.chassis} on {name}, "
                    f"Neutron bound it to {port.binding_host}",
                    port=port.id, host=port.binding_host,
                    chassis=owner.name if owner else binding.chassis,
                    actual=name)
    report.hop(view.host, port.id, "ovn-sb-binding", "bound",
               f"chassis {owner.name if owner else binding.chassis} "
               f"({name}), tunnel key {binding.tunnel_key}, up "
               f"{str(binding.up).lower()}", status, evidence)
    return owner


def _localnet(report, context, view):
    network = context.network
    provider = [s for s in network.segments if not s.is_tunnel]
    if not provider:
        return
    probe = probes_ovn.ovn_localnet_ports()
    rows = report.read_or_skip(view, probe, "localnet", "ovn-nb-localnet")
    switches = report.read_or_skip(view, probes_ovn.ovn_find("ovn-nb-ls", network.id),
                                   f"neutron-{network.id}", "ovn-nb-ls")
    if rows is None or switches is None:
        return
    on_switch = set(switches[0].ports) if switches else set()
    mine = [r for r in rows if r.uuid in on_switch]
    for segment in provider:
        want = (f"network_name={segment.physical_network}, tag="
                f"{segment.segmentation_id if segment.network_type == 'vlan' else '-'}")
        found = [r for r in mine
                 if r.options.get("network_name") == segment.physical_network]
        got = found[0] if found else None
        have = (f"network_name={got.options.get('network_name')}, tag="
                f"{got.tag if got.tag is not None else '-'}") if got else "no localnet port"
        ok = got is not None and have == want
        if not ok:
            report.find("NETDIAG_OVN_LOCALNET_MISMATCH",
                        f"{network.id}:{segment.physical_network}",
                        f"localnet port of {network.name or network.id}: "
                        f"{have}, segment {want}",
                        network=network.name or network.id, ovn=have, api=want)
        report.hop(view.host, got.name if got else "localnet", "ovn-localnet",
                   "present" if got else "absent", have,
                   Status.OK if ok else Status.ERROR, [view.evidence(probe)])


def _router(report, context, view, chassis):
    router = context.router
    if router is None:
        return None
    name = router.name or router.id
    for kind, port in (("interface", router.interface_port),
                       ("gateway", router.gateway_port)):
        if port is None:
            continue
        probe = probes_ovn.ovn_find("ovn-nb-lrp", port.id)
        rows = report.read_or_skip(view, probe, f"lrp-{port.id}", "ovn-nb-lrp")
        if rows is None:
            continue
        if not rows:
            report.find("NETDIAG_OVN_ROUTER_PORT_MISSING", f"lrp-{port.id}",
                        f"no Logical_Router_Port lrp-{port.id} ({kind} of "
                        f"router {name})", port=port.id, router=name)
            report.hop(view.host, f"lrp-{port.id}", "ovn-nb-lrp", "absent",
                       f"{kind} of router {name}", Status.ERROR,
                       [view.evidence(probe)])
            continue
        lrp = rows[0]
        report.hop(view.host, lrp.name, "ovn-nb-lrp", "present",
                   f"{kind} of router {name}: {lrp.mac} "
                   f"{' '.join(lrp.networks)}", Status.OK,
                   [view.evidence(probe)])
    if router.gateway_port is None:
        return None
    return _gateway(report, router, view, chassis)


def _gateway(report, router, view, chassis):
    port = router.gateway_port
    name = router.name or router.id
    groups = report.read_or_skip(view, probes_ovn.ovn_list("ovn-nb-ha-groups"), "HA_Chassis_Group",
                                 "ovn-nb-ha") or ()
    members = report.read_or_skip(view, probes_ovn.ovn_list("ovn-nb-ha-chassis"), "HA_Chassis",
                                  "ovn-nb-ha") or ()
    group = next((g for g in groups if g.name == f"neutron-{router.id}"), None)
    ranked = sorted((m for m in members if group and m.uuid in group.ha_chassis),
                    key=lambda m: -m.priority)
    probe = probes_ovn.ovn_find("ovn-sb-pb", "cr-lrp-" + port.id)
    rows = report.read_or_skip(view, probe, f"cr-lrp-{port.id}", "ovn-sb-binding")
    if rows is None:
        return None
    by_uuid = {c.uuid: c for c in chassis}
    active = by_uuid.get(rows[0].chassis) if rows and rows[0].chassis else None
    candidates = ", ".join(f"{m.chassis_name} ({m.priority})" for m in ranked)
    if active is None:
        report.find("NETDIAG_OVN_GATEWAY_UNBOUND", f"cr-lrp-{port.id}",
                    f"router {name}'s gateway port is held by no chassis "
                    f"(candidates: {candidates or '-'})",
                    router=name, port=port.id)
    report.hop(view.host, f"cr-lrp-{port.id}", "ovn-gateway",
               active.hostname if active else "unbound",
               f"router {name} gateway on {active.hostname if active else '-'}"
               f" (HA_Chassis_Group candidates: {candidates or '-'})",
               Status.OK if active else Status.ERROR, [view.evidence(probe)])
    return active
