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

"""Linux device hops: the instance's tap (or qbr/qvb/qvo when hybrid
plugged) and the devices inside qrouter-/qdhcp- namespaces.
"""

from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag import probes


def find_link(view, device, netns=None):
    """(Interface or None, Evidence) for ``device`` on the host or in netns."""
    probe = probes.netns_addr(netns) if netns else probes.ip_addr()
    links = view.read(probe)
    for link in links:
        if link.ifname == device:
            return link, view.evidence(probe, [_describe(link)])
    return None, view.evidence(probe, [])


def _describe(link):
    addrs = " ".join(f"{a.local}/{a.prefixlen}" for a in link.addresses)
    return (f"{link.ifname}: <{','.join(link.flags)}> mtu {link.mtu} "
            f"state {link.operstate} master {link.master or '-'} "
            f"kind {link.kind or '-'} {addrs}").rstrip()


def _mtu_note(report, host, link, network):
    if network.mtu and link.mtu and link.mtu != network.mtu:
        report.find("NETDIAG_MTU_MISMATCH", f"{host}:{link.ifname}",
                    f"{link.ifname} has MTU {link.mtu}, the network "
                    f"{network.mtu}", mtu=link.mtu, net_mtu=network.mtu)
        return f", MTU {link.mtu} != network {network.mtu}"
    return f", MTU {link.mtu}"


def check_instance_device(report, view, port, network):
    """The tap (and the hybrid bridge); returns the name plugged in br-int."""
    host = view.host
    tap = names.tap_device(port.id)
    try:
        link, evidence = find_link(view, tap)
    except Unreadable as exc:
        report.skipped(host, tap, "tap", exc)
        return names.qvo_device(port.id) if port.hybrid_plug else tap
    if link is None:
        report.find("NETDIAG_TAP_MISSING", f"{host}:{tap}",
                    f"{tap} does not exist on {host}", host=host)
        report.hop(host, tap, "tap", "absent",
                   f"no device {tap} (port {port.id})", Status.ERROR,
                   [evidence])
    elif not (link.admin_up and link.oper_up):
        report.find("NETDIAG_TAP_DOWN", f"{host}:{tap}",
                    f"{tap} on {host} is {link.operstate}"
                    f"{'' if link.admin_up else ' (admin down)'}",
                    host=host, device=tap)
        report.hop(host, tap, "tap", link.operstate,
                   f"{'admin down' if not link.admin_up else 'no carrier'}"
                   + _mtu_note(report, host, link, network), Status.ERROR,
                   [evidence])
    else:
        status = Status.OK
        note = _mtu_note(report, host, link, network)
        if "!=" in note:
            status = Status.WARN
        report.hop(host, tap, "tap", "UP",
                   f"{link.kind or 'device'}, mac {link.mac}{note}", status,
                   [evidence])
    if not port.hybrid_plug:
        return tap
    _check_hybrid(report, view, port, link)
    return names.qvo_device(port.id)


def _check_hybrid(report, view, port, tap_link):
    """iptables_hybrid: tap and qvb in the qbr Linux bridge, qvo in OVS."""
    host = view.host
    qbr, qvb, qvo = (names.qbr_device(port.id), names.qvb_device(port.id),
                     names.qvo_device(port.id))
    try:
        bridge, ev_bridge = find_link(view, qbr)
        qvb_link, ev_qvb = find_link(view, qvb)
        qvo_link, ev_qvo = find_link(view, qvo)
    except Unreadable as exc:
        report.skipped(host, qbr, "linux-bridge", exc)
        return
    problems = []
    if bridge is None:
        problems.append(f"{qbr} missing")
    elif not bridge.admin_up:
        problems.append(f"{qbr} down")
    if tap_link is not None and tap_link.master != qbr:
        problems.append(f"tap master is {tap_link.master or '-'}")
    if qvb_link is None or qvo_link is None:
        problems.append("qvb/qvo veth pair missing")
    else:
        if qvb_link.master != qbr:
            problems.append(f"{qvb} master is {qvb_link.master or '-'}")
        if not (qvb_link.oper_up and qvo_link.oper_up):
            problems.append("qvb/qvo not UP")
    evidence = [ev_bridge, ev_qvb, ev_qvo]
    if problems:
        report.find("NETDIAG_HYBRID_BRIDGE_BROKEN", f"{host}:{qbr}",
                    f"hybrid plug on {host} is broken: " + ", ".join(problems),
                    bridge=qbr)
        report.hop(host, qbr, "linux-bridge", "broken", ", ".join(problems),
                   Status.ERROR, evidence)
    else:
        report.hop(host, qbr, "linux-bridge", "UP",
                   f"{names.tap_device(port.id)} and {qvb} enslaved; "
                   f"{qvb}<->{qvo} veth UP (iptables_hybrid firewall)",
                   Status.OK, evidence)
    _veth_hop(report, host, qvb, qvb_link, qvo, qbr, ev_qvb)
    _veth_hop(report, host, qvo, qvo_link, qvb, None, ev_qvo)


def _veth_hop(report, host, name, link, peer, bridge, evidence):
    """One end of the qvb/qvo pair as it is on the host.

    Its problems are already in the bridge hop's finding; this hop shows
    where the path breaks. ``bridge``: the Linux bridge the end must be
    in (qvb in qbr); qvo's place in br-int is the next hop's check.
    """
    if link is None:
        report.hop(host, name, "veth", "absent", f"no device {name}",
                   Status.ERROR, [evidence])
        return
    problems = []
    if link.kind != "veth":
        problems.append(f"kind {link.kind or '-'}, not veth")
    if link.link and link.link != peer:
        problems.append(f"peer {link.link}, not {peer}")
    if bridge is not None and link.master != bridge:
        problems.append(f"in {link.master or 'no bridge'}, not {bridge}")
    if not (link.admin_up and link.oper_up):
        problems.append(f"{link.operstate}"
                        f"{'' if link.admin_up else ' (admin down)'}")
    where = f"in {link.master}" if link.master else "in no bridge"
    detail = f"{where}, peer {link.link or '-'}, MTU {link.mtu}"
    if problems:
        report.hop(host, name, "veth", "wrong",
                   detail + "; " + "; ".join(problems), Status.ERROR,
                   [evidence])
    else:
        report.hop(host, name, "veth", "UP", detail, Status.OK, [evidence])


def check_namespace(report, view, namespace, missing_code, kind):
    """Does ``namespace`` exist on the host? Returns True if it does."""
    host = view.host
    probe = probes.netns_list()
    try:
        spaces = view.read(probe)
    except Unreadable as exc:
        report.skipped(host, namespace, kind, exc)
        return False
    evidence = [view.evidence(probe, [n.name for n in spaces
                                      if n.name == namespace])]
    if any(n.name == namespace for n in spaces):
        report.hop(host, namespace, kind, "present", "", Status.OK, evidence)
        return True
    report.find(missing_code, f"{host}:{namespace}",
                f"namespace {namespace} does not exist on {host}",
                host=host, namespace=namespace)
    report.hop(host, namespace, kind, "absent", "ip netns does not list it",
               Status.ERROR, evidence)
    return False


def check_ns_device(report, view, namespace, device, expected_ips,
                    broken_code, kind, require_ips=True):
    """A device inside a namespace: exists, UP, carries its addresses."""
    host = view.host
    try:
        link, evidence = find_link(view, device, netns=namespace)
    except Unreadable as exc:
        report.skipped(host, device, kind, exc)
        return None
    if link is None:
        report.find(broken_code, f"{host}:{device}",
                    f"{device} is missing from {namespace} on {host}",
                    host=host, namespace=namespace, device=device)
        report.hop(host, device, kind, "absent", f"not in {namespace}",
                   Status.ERROR, [evidence])
        return None
    present = {a.local for a in link.addresses}
    missing = [ip for ip in expected_ips if ip not in present]
    addrs = ", ".join(f"{a.local}/{a.prefixlen}" for a in link.addresses
                      if a.family in ("inet", "inet6")
                      and not a.local.startswith("fe80")) or "no address"
    problems = []
    if not (link.admin_up and link.oper_up):
        problems.append(f"{link.operstate}"
                        f"{'' if link.admin_up else ' (admin down)'}")
    if missing and require_ips:
        problems.append("missing " + ", ".join(missing))
    if problems:
        report.find(broken_code, f"{host}:{device}",
                    f"{device} in {namespace} on {host}: "
                    + "; ".join(problems), host=host, namespace=namespace,
                    device=device)
        report.hop(host, device, kind, "broken",
                   f"in {namespace}: {addrs}; " + "; ".join(problems),
                   Status.ERROR, [evidence])
        return link
    report.hop(host, device, kind, "UP", f"in {namespace}: {addrs}",
               Status.OK, [evidence])
    return link
