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

"""ML2/OVS VLAN and flat segments on one host: the int-br/phy-br patch
pair, the ingress and egress translation flows and the physical NICs.
"""

from osc_netdiag.backends.ml2_ovs.topology import check_patch_pair
from osc_netdiag.backends.ml2_ovs.topology import counters
from osc_netdiag.backends.ml2_ovs.topology import flow_port_matches
from osc_netdiag.backends.ml2_ovs.topology import int_value
from osc_netdiag.backends.ml2_ovs.topology import interfaces_of_bridge
from osc_netdiag.backends.ml2_ovs.topology import ovs_evidence
from osc_netdiag.backends.ml2_ovs.topology import patch_pair
from osc_netdiag.backends.ml2_ovs.topology import phys_translation_table
from osc_netdiag.backends.ml2_ovs.topology import topology_with_bridge
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag import probes


def vlan_hops(report, view, agent, segment, lvid, inbound,
              needed="the API's view of the network was not read"):
    """``needed``: why the segment must leave the host on the wire, or
    None when nothing outside the host needs it (layout.py).
    """
    host = view.host
    int_br = agent.integration_bridge if agent else "br-int"
    physnet = segment.physical_network
    phys_br = (agent.bridge_mappings if agent else {}).get(physnet)
    if phys_br is None:
        report.find("NETDIAG_OVS_NO_MAPPING", f"{host}:{physnet}",
                    f"no bridge_mappings entry for {physnet} on {host}",
                    host=host, physnet=physnet)
        report.hop(host, f"physnet {physnet}", "bridge-mapping", "absent",
                   "the agent reports no bridge for this physical network",
                   Status.ERROR)
        return
    topo = topology_with_bridge(
        report, view, phys_br,
        f"bridge {phys_br} ({physnet}) does not exist on {host}",
        f"bridge_mappings {physnet}:{phys_br}")
    if topo is None:
        return
    steps = [
        lambda: _ingress_flow(report, view, topo, int_br, phys_br, segment,
                              lvid),
        lambda: check_patch_pair(report, view, topo, int_br, phys_br,
                                 names.patch_names(phys_br)),
        lambda: _egress_flow(report, view, topo, int_br, phys_br, segment,
                             lvid, phys_translation_table(agent)),
        lambda: check_physical_nics(report, view, topo, phys_br, segment,
                                    needed),
    ]
    for step in (reversed(steps) if inbound else steps):
        step()


def _ingress_flow(report, view, topo, int_br, phys_br, segment, lvid):
    host = view.host
    int_patch, _phy_patch = patch_pair(topo, int_br, phys_br)
    int_patch_name = int_patch.name if int_patch else \
        names.patch_names(phys_br)[0]
    if segment.network_type == "vlan":
        probe = probes.dump_flows(int_br,
                                  f"table=0,dl_vlan={segment.segmentation_id}")
        wanted = f"dl_vlan={segment.segmentation_id}"
    else:
        probe = probes.dump_flows(int_br, "table=0")
        wanted = "untagged"
    device = f"{int_br} table=0"
    try:
        flows = view.read(probe)
    except Unreadable as exc:
        report.skipped(host, device, "flow", exc)
        return
    candidates = []
    for flow in flows:
        if not flow_port_matches(topo, flow.match_get("in_port"),
                                 int_patch_name):
            continue
        if segment.network_type == "flat" and \
                flow.match_get("dl_vlan") not in (None, "0xffff"):
            continue
        if flow.actions_named("mod_vlan_vid"):
            candidates.append(flow)
    judge_to_local_vlan(
       report, view, probe, flows, candidates, device, lvid,
       matched=f"in_port={int_patch_name},{wanted}",
       missing=("NETDIAG_OVS_NO_INGRESS_TRANSLATION",
                f"no flow on {int_br} maps {segment.describe()} "
                f"({wanted} from {int_patch_name}) to local VLAN {lvid}",
                dict(bridge=int_br)),
       mismatch=f"{int_br} maps {segment.describe()}")


def judge_to_local_vlan(report, view, probe, flows, candidates, device,
                        lvid, matched, missing, mismatch):
    """One hop for a flow that must rewrite ``matched`` to the local VLAN:
    absent (missing = code, summary, remedy values), wrong VLAN, or present.
    """
    host = view.host
    evidence = [view.evidence(probe, [f.text for f in flows])]
    if not candidates:
        code, summary, values = missing
        report.find(code, f"{host}:{device.split()[0]}", summary, host=host,
                    **values)
        report.hop(host, device, "flow", "absent",
                   f"{matched} -> mod_vlan_vid:{lvid} missing", Status.ERROR,
                   evidence)
        return
    flow = candidates[0]
    got = int_value(flow.actions_named("mod_vlan_vid")[0].arg)
    if got != lvid:
        report.find("NETDIAG_OVS_VLAN_MISMATCH", f"{host}:{device.split()[0]}",
                    f"{mismatch} to VLAN {got}, but the port's tag is {lvid}",
                    host=host)
        report.hop(host, device, "flow", "wrong",
                   f"table={flow.table} {matched} -> mod_vlan_vid:{got}, port "
                   f"tag {lvid} ({counters(flow)})", Status.ERROR, evidence)
        return
    report.hop(host, device, "flow", "present",
               f"{matched} -> mod_vlan_vid:{lvid} ({counters(flow)})",
               Status.OK, evidence)


def _egress_flow(report, view, topo, int_br, phys_br, segment, lvid, table):
    host = view.host
    # The agent's own integration bridge, as for the ingress flow: the
    # default name below is only right when Neutron did not hash it.
    _int_patch, phy_patch = patch_pair(topo, int_br, phys_br)
    phy_patch_name = phy_patch.name if phy_patch else \
        names.patch_names(phys_br)[1]
    probe = probes.dump_flows(phys_br, f"table={table}")
    device = f"{phys_br} table={table}"
    try:
        flows = view.read(probe)
    except Unreadable as exc:
        report.skipped(host, device, "flow", exc)
        return
    if segment.network_type == "vlan":
        expected = f"mod_vlan_vid:{segment.segmentation_id}"
    else:
        expected = "strip_vlan"
    match = None
    for flow in flows:
        if not flow_port_matches(topo, flow.match_get("in_port"),
                                 phy_patch_name):
            continue
        if int_value(flow.match_get("dl_vlan")) != lvid:
            continue
        if segment.network_type == "vlan":
            mods = flow.actions_named("mod_vlan_vid")
            if mods and int_value(mods[0].arg) == segment.segmentation_id:
                match = flow
        elif flow.actions_named("strip_vlan") or flow.actions_named("pop_vlan"):
            match = flow
    evidence = [view.evidence(probe, [f.text for f in flows])]
    if match is None:
        report.find("NETDIAG_OVS_NO_EGRESS_TRANSLATION", f"{host}:{phys_br}",
                    f"no flow on {phys_br} maps local VLAN {lvid} to "
                    f"{segment.describe()}", host=host, bridge=phys_br,
                    lvid=lvid)
        report.hop(host, device, "flow", "absent",
                   f"in_port={phy_patch_name},dl_vlan={lvid} -> {expected} "
                   "missing", Status.ERROR, evidence)
        return
    report.hop(host, device, "flow", "present",
               f"in_port={phy_patch_name},dl_vlan={lvid} -> {expected} "
               f"({counters(match)})", Status.OK, evidence)


def _link_state(view, device):
    from osc_netdiag.linux.devices import find_link
    return find_link(view, device)


def check_physical_nics(report, view, topo, phys_br, segment=None,
                        needed="the external bridge carries the gateway"):
    host = view.host
    nics = [iface for _port, iface in interfaces_of_bridge(topo, phys_br)
            if iface.type in ("", "system", "dpdk", "afxdp")
            and iface.name != phys_br]
    if not nics and needed is None:
        # Alone on the physnet: nothing has to leave, but say what cannot.
        what = segment.describe() if segment else phys_br
        report.find("NETDIAG_PHYS_PATH_LOCAL_ONLY", f"{host}:{phys_br}",
                    f"traffic of {what} cannot leave {host}: {phys_br} has "
                    "no physical interface (no other host or gateway "
                    "carries the network today)",
                    host=host, bridge=phys_br, segment=what)
        report.hop(host, phys_br, "nic", "absent",
                   f"no physical port; {what} stays on {host}",
                   Status.WARN, [ovs_evidence(view)])
        return
    if not nics:
        report.find("NETDIAG_PHYS_NIC_MISSING", f"{host}:{phys_br}",
                    f"{phys_br} on {host} has no physical interface, and "
                    f"{needed}",
                    host=host, bridge=phys_br)
        report.hop(host, phys_br, "nic", "absent",
                   "no physical port in the bridge", Status.ERROR,
                   [ovs_evidence(view)])
        return
    for iface in nics:
        try:
            link, evidence = _link_state(view, iface.name)
        except Unreadable as exc:
            report.skipped(host, iface.name, "nic", exc)
            continue
        if link is None:
            report.find("NETDIAG_PHYS_NIC_MISSING", f"{host}:{iface.name}",
                        f"{iface.name} is a port of {phys_br} but not a "
                        f"device on {host}", host=host, bridge=phys_br)
            report.hop(host, iface.name, "nic", "absent",
                       f"port of {phys_br}; no such device", Status.ERROR,
                       [evidence])
            continue
        detail = (f"in {phys_br}, ofport {iface.ofport}, mtu {link.mtu}, "
                  f"{link.operstate}")
        if link.admin_up and link.oper_up and (iface.ofport or 0) > 0:
            report.hop(host, iface.name, "nic", "UP", detail, Status.OK,
                       [evidence])
        else:
            report.find("NETDIAG_PHYS_NIC_DOWN", f"{host}:{iface.name}",
                        f"{iface.name} ({phys_br}) on {host} is down",
                        host=host, device=iface.name)
            report.hop(host, iface.name, "nic", "DOWN", detail,
                       Status.ERROR, [evidence])
