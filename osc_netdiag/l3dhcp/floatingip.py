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

"""``floatingip check``: floating IPs still associated with a port that is
gone, unbound, or whose device no longer exists on its host.

The Operations Guide's "instance deleted but floating IP still
associated": Neutron disassociates a floating IP when its port is deleted,
so what operators actually meet is a port left behind by an instance that
is gone (Nova crashed mid-delete, a compute node rebuilt): the port still
says ``binding:host_id=compute1`` but compute1 has no such tap. The API
part needs no host access; the device part reads ``ip -d -j addr show``
once per binding host, hosts in parallel.
"""

from osc_netdiag.checks.engine import Report
from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag.l3dhcp import common
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag import probes
from osc_netdiag import runner

# the API side, and reading it (the names scripts and tests know)
from osc_netdiag.resolve.floatingip import FipState  # noqa: F401
from osc_netdiag.resolve.floatingip import resolve_context
from osc_netdiag.resolve.floatingip import states_from_json
from osc_netdiag.resolve.floatingip import states_to_json


def check_from_capture(capture_dir, *, max_workers=runner.DEFAULT_WORKERS):
    """Re-run a floatingip check offline from a ``--save-capture`` dir."""
    data, options = runner.replay_options(capture_dir,
                                          max_workers=max_workers)
    return check_states(states_from_json(data), **options)


def expected_device(port):
    """The host device of an instance port (tap… for OVS/Linux bridge)."""
    try:
        return names.tap_device(port.id)
    except UnsafeNameError:
        return None


def check(report, states, views):
    for state in states:
        port, fip = state.port, state.id
        subject = f"{state.address} -> {state.port_id}"
        if port is None:
            report.find("NETDIAG_FIP_PORT_GONE", state.address,
                        f"floating IP {state.address} is associated with "
                        f"port {state.port_id}, which does not exist",
                        fip=fip, port=state.port_id)
            report.hop("-", subject, "port", "gone",
                       f"fix: openstack floating ip unset --port {fip}",
                       Status.ERROR)
            continue
        if not port.binding_host:
            report.find("NETDIAG_FIP_PORT_UNBOUND", state.address,
                        f"floating IP {state.address} is associated with "
                        f"port {port.id} (device {port.device_id or '-'}), "
                        f"which is bound to no host", fip=fip, port=port.id)
            report.hop("-", subject, "port", "unbound",
                       f"status {port.status}; fix: openstack floating ip "
                       f"unset --port {fip}", Status.WARN)
            continue
        if not port.device_owner.startswith("compute:"):
            report.hop(port.binding_host, subject, "port", port.status,
                       f"owner {port.device_owner or '-'}: no instance "
                       "device to look for", Status.SKIP)
            continue
        check_device(report, views.get(port.binding_host), state)


def check_device(report, view, state):
    port = state.port
    host = port.binding_host
    subject = f"{state.address} -> {state.port_id}"
    device = expected_device(port)
    if view is None or device is None:
        return
    if report.host_unreadable(view):
        return
    probe = probes.ip_addr()
    try:
        links = view.read(probe)
    except Unreadable as exc:
        report.skipped(host, subject, "device", exc)
        return
    # With iptables_hybrid the tap hangs off qbr, and qvo is on br-int;
    # any of the three proves the instance is plugged.
    wanted = {device, names.qbr_device(port.id), names.qvo_device(port.id)}
    found = sorted(link.ifname for link in links if link.ifname in wanted)
    evidence = [view.evidence(probe, found)]
    if found:
        report.hop(host, subject, "device", "present",
                   f"{', '.join(found)} on {host}; port {port.status}",
                   Status.OK, evidence)
        return
    report.find("NETDIAG_FIP_DEVICE_GONE", state.address,
                f"floating IP {state.address} is associated with port "
                f"{port.id}, bound to {host}, but {device} does not exist "
                f"there (port {port.status})", fip=state.id, port=port.id,
                host=host, device=device)
    report.hop(host, subject, "device", "absent",
               f"{device} not on {host}; fix: openstack floating ip unset "
               f"--port {state.id}", Status.ERROR, evidence)


def check_states(states, **options):
    report = Report()
    hosts = sorted({s.port.binding_host for s in states
                    if s.port is not None and s.port.binding_host
                    and s.port.device_owner.startswith("compute:")})
    with runner.Run(context_json=states_to_json(states),
                    **options) as run:
        views = run.run({h: [probes.ip_addr()] for h in hosts})
        check(report, states, views)
    if not states:
        report.hop("-", "-", "floating-ip", "none",
                   "no floating IP is associated with a port", Status.OK)
    return common.result("floating IPs", report, run)


def floatingip_check(connection, *, project=None, floating_ip=None,
                     **options):
    """``floatingip check``: resolve the associated floating IPs, then look
    for their devices on the binding hosts.
    """
    states = resolve_context(connection, project=project,
                             floating_ip=floating_ip)
    return check_states(states, **options)
