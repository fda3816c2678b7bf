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

"""ML2/OVN: the port's chassis, against the databases and the API.

ovn-controller running and connected to the Southbound database; the
chassis registered once under the Neutron host name; br-int's interface
for the port (``iface-id``, ``ovn-installed``, ofport, link) and its tap;
for a provider network the bridge mapping of its physnet, for an overlay
the geneve tunnels to the chassis the traffic needs; the metadata
namespace ``ovnmeta-<network>`` with 169.254.169.254.
"""

from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.linux import devices
from osc_netdiag.models import HOST_OK
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag.parsers.ovn_db import mappings
from osc_netdiag import probes
from osc_netdiag import probes_ovn

METADATA_IP = "169.254.169.254"
# What geneve adds to an instance's frame over an IPv4 underlay: Neutron's
# [ml2_type_geneve] max_header_size (38, its recommended value) and the
# outer IPv4 header (20); a network's MTU is the underlay's minus this.
GENEVE_OVERHEAD_V4 = 38 + 20


def check(report, context, view, seen):
    check_controller(report, view)
    ids = _system_ids(report, view)
    check_registration(report, context, view, seen, ids)
    devices.check_instance_device(report, view, context.port, context.network)
    _interface(report, context, view)
    _wiring(report, context, view, seen, ids)
    _metadata(report, context, view)


def check_controller(report, view):
    host = view.host
    probe = probes_ovn.ovn_controller_status()
    result = view.result(probe)
    evidence = [view.evidence(probe)]
    if result is not None and result.status == HOST_OK and \
            result.exit_status != 0:
        # ovn-appctl finds no pid file or control socket: not running
        state = (result.stderr.strip().splitlines() or ["not running"])[-1]
        state = state[:200]
    else:
        try:
            state = view.read(probe)
        except Unreadable as exc:
            report.skipped(host, "ovn-controller", "ovn-controller", exc)
            return
    ok = state == "connected"
    if not ok:
        report.find("NETDIAG_OVN_CONTROLLER_DOWN", f"{host}:ovn-controller",
                    f"ovn-controller on {host}: {state}", host=host,
                    state=state)
    report.hop(host, "ovn-controller", "ovn-controller",
               "connected" if ok else "down", f"Southbound: {state}",
               Status.OK if ok else Status.ERROR, evidence)


def _system_ids(report, view):
    return report.read_or_skip(view, probes_ovn.ovs_system_ids(), "Open_vSwitch",
                               "ovn-chassis-config")


def check_registration(report, context, view, seen, ids):
    host = view.host
    if not seen.chassis:
        return
    mine = [c for c in seen.chassis if c.hostname == host]
    system_id = (ids or {}).get("system-id")
    encaps = {e.uuid: e for e in seen.encaps}
    if not mine:
        report.find("NETDIAG_OVN_CHASSIS_MISSING", host,
                    f"no Southbound Chassis has hostname {host} "
                    f"(system-id {system_id or '-'})", host=host)
        report.hop(host, system_id or host, "ovn-chassis", "absent",
                   "not registered in the Southbound database", Status.ERROR)
        return
    if len(mine) > 1:
        stale = [c.name for c in mine if c.name != system_id]
        report.find("NETDIAG_OVN_CHASSIS_DUPLICATE", host,
                    f"{len(mine)} Southbound Chassis have hostname {host}: "
                    f"{', '.join(sorted(c.name for c in mine))}",
                    host=host, chassis=", ".join(sorted(c.name for c in mine)),
                    stale=" ".join(sorted(stale)) or "<name>")
    current = next((c for c in mine if c.name == system_id), mine[0])
    tunnels = ", ".join(f"{encaps[u].type} {encaps[u].ip}"
                        for u in current.encaps if u in encaps)
    role = " gateway" if current.is_gateway else ""
    report.hop(host, current.name, "ovn-chassis", "registered",
               f"chassis {current.name}{role}, encap {tunnels or '-'}",
               Status.ERROR if len(mine) > 1 else Status.OK)


def _interface(report, context, view):
    port, host = context.port, view.host
    probe = probes.ovs_interfaces()
    rows = report.read_or_skip(view, probe, names.tap_device(port.id), "ovn-iface")
    if rows is None:
        return
    evidence = [view.evidence(probe)]
    tap = names.tap_device(port.id)
    mine = [i for i in rows if i.iface_id == port.id]
    if not mine:
        named = next((i for i in rows if i.name == tap), None)
        note = (f"{tap} is on br-int with iface-id "
                f"{named.iface_id or '-'}" if named else f"no {tap} on br-int")
        report.find("NETDIAG_OVN_IFACE_MISSING", f"{host}:{port.id}",
                    f"br-int on {host} has no interface for port {port.id}: "
                    f"{note}", host=host, port=port.id, device=tap)
        report.hop(host, tap, "ovn-iface", "absent", note, Status.ERROR,
                   evidence)
        return
    iface = mine[0]
    installed = iface.external_ids.get("ovn-installed") == "true"
    if not installed:
        report.find("NETDIAG_OVN_NOT_INSTALLED", f"{host}:{iface.name}",
                    f"{iface.name} on {host} is not ovn-installed",
                    host=host, device=iface.name)
    up = iface.ofport not in (None, -1) and iface.link_state == "up"
    report.hop(host, iface.name, "ovn-iface",
               "installed" if installed else "not installed",
               f"iface-id {port.id}, ofport {iface.ofport}, link "
               f"{iface.link_state or '-'}",
               Status.OK if installed and up else Status.ERROR, evidence)


def _wiring(report, context, view, seen, ids):
    host = view.host
    if ids is None:
        return
    if any(s.is_tunnel for s in context.network.segments):
        _mtu(report, context, view, ids)
    maps = mappings(ids.get("ovn-bridge-mappings", ""))
    bridges = report.read_or_skip(view, probes.ovs_bridges(), "bridges",
                                  "ovs-bridge")
    names_ = {b.name for b in bridges or ()}
    for segment in context.network.segments:
        if segment.is_tunnel:
            _tunnels(report, context, view, seen)
            continue
        check_mapping(report, host, segment.physical_network, maps,
                      bridges, names_)


def check_mapping(report, host, physnet, maps, bridges, names, note=""):
    """One physnet's ovn-bridge-mappings entry on ``host``: present, and
    naming a bridge that exists (``bridges`` None: the bridges were not
    read, so only the entry is judged).
    """
    bridge = maps.get(physnet)
    ok = bool(bridge) and (bridges is None or bridge in names)
    if not ok:
        text = ",".join(f"{k}:{v}" for k, v in maps.items()) or "-"
        report.find("NETDIAG_OVN_BRIDGE_MAPPING_MISSING",
                    f"{host}:{physnet}",
                    f"{host}: ovn-bridge-mappings {text} has no bridge "
                    f"for {physnet}" if not bridge else
                    f"{host}: {physnet} maps to {bridge}, which does "
                    f"not exist", host=host, physnet=physnet,
                    mappings=text)
    report.hop(host, bridge or physnet, "ovn-bridge-mapping",
               "mapped" if ok else "unmapped",
               f"{physnet} -> {bridge or '-'}{note}",
               Status.OK if ok else Status.ERROR)


def _mtu(report, context, view, ids):
    network = context.network
    check_mtu(report, view, ids, network.mtu, network.name or network.id)


def check_mtu(report, view, ids, mtu, network):
    """The device holding the chassis's encap IP must carry ``network``'s
    largest packet (``mtu``) plus the geneve overhead.
    """
    host = view.host
    encap_ip = ids.get("ovn-encap-ip")
    if not mtu or not encap_ip:
        return
    links = report.read_or_skip(view, probes.ip_addr(), encap_ip, "ovn-mtu")
    link = next((li for li in links or () for a in li.addresses
                 if a.local == encap_ip), None)
    if link is None or link.mtu is None:
        return
    need = mtu + GENEVE_OVERHEAD_V4
    ok = link.mtu >= need
    if not ok:
        report.find("NETDIAG_OVN_MTU_TOO_SMALL", f"{host}:{link.ifname}",
                    f"{host}: {link.ifname} ({encap_ip}) has MTU {link.mtu}; "
                    f"network {network} (MTU {mtu}) needs {need} over geneve",
                    host=host, device=link.ifname, mtu=link.mtu, need=need,
                    network=network)
    report.hop(host, link.ifname, "ovn-underlay-mtu", str(link.mtu),
               f"encap {encap_ip}: MTU {link.mtu}, network {network} MTU "
               f"{mtu} + {GENEVE_OVERHEAD_V4} = {need}",
               Status.OK if ok else Status.ERROR)


def _tunnels(report, context, view, seen):
    host = view.host
    encaps = {e.uuid: e for e in seen.encaps}
    peers = {h for h in context.network_hosts if h != host}
    if seen.gateway is not None and seen.gateway.hostname != host:
        peers.add(seen.gateway.hostname)
    rows = report.read_or_skip(view, probes.ovs_interfaces(), "tunnels",
                               "ovn-tunnel")
    if rows is None:
        return
    remotes = {i.options.get("remote_ip") for i in rows if i.type == "geneve"}
    for peer in sorted(peers):
        chassis = next((c for c in seen.chassis if c.hostname == peer), None)
        if chassis is None:
            continue
        ips = [encaps[u].ip for u in chassis.encaps
               if u in encaps and encaps[u].type == "geneve"]
        ok = any(ip in remotes for ip in ips)
        if not ok:
            report.find("NETDIAG_OVN_TUNNEL_MISSING", f"{host}:{peer}",
                        f"no geneve tunnel from {host} to {peer} "
                        f"({', '.join(ips) or 'no geneve encap'})",
                        host=host, peer=peer, remote_ip=", ".join(ips) or "-")
        report.hop(host, f"geneve to {peer}", "ovn-tunnel",
                   "present" if ok else "absent",
                   f"remote_ip {', '.join(ips) or '-'}",
                   Status.OK if ok else Status.ERROR)


def _metadata(report, context, view):
    host = view.host
    ns = names.ovnmeta_namespace(context.network.id)
    listed = report.read_or_skip(view, probes.netns_list(), ns, "ovn-metadata")
    if listed is None:
        return
    present = any(n.name == ns for n in listed)
    addresses = []
    if present:
        links = report.read_or_skip(view, probes.netns_addr(ns), ns, "ovn-metadata")
        addresses = [a.local for link in links or () for a in link.addresses]
    ok = present and METADATA_IP in addresses
    if not ok:
        what = f"has no {METADATA_IP}" if present else "does not exist"
        report.find("NETDIAG_OVN_METADATA_MISSING", f"{host}:{ns}",
                    f"{host}: {ns} {what}", host=host, namespace=ns)
    report.hop(host, ns, "ovn-metadata", "present" if present else "absent",
               f"addresses {', '.join(addresses) or '-'}",
               Status.OK if ok else Status.ERROR)
