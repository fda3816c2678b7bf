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

"""The Python API: the one façade the commands call, and admin scripts can.

    import openstack
    from osc_netdiag import api
    conn = openstack.connect(cloud="mycloud")
    trace = api.trace_port(conn, "web-1-port", inventory=api.load_inventory(
        "inventory.yaml"))
    print(trace.exit_code, [h.to_dict() for h in trace.hops])

One entry point per command, each taking an openstack Connection (or a
capture folder) and the host options of ``runner.Run`` (``inventory``,
``transport``, ``save_capture``, ``max_workers``, ``progress``), and
returning a result
with ``exit_code`` and ``to_dict()``: ``trace_port``, ``trace_server``,
``check_hosts``, ``vlan_map``, ``check_dhcp``, ``check_dns``,
``check_router``, ``check_floating_ips``, ``port_firewall``,
``capture_port``, ``cleanup``,
``reclaim_ip``, and ``replay(capture_dir, command)`` for any of the
diagnoses saved with ``save_capture``. Nothing below this module imports
it.
"""

import dataclasses
import os

from osc_netdiag import backends
from osc_netdiag import context as ctx_mod
from osc_netdiag import exitcodes
from osc_netdiag import resolve
from osc_netdiag import runner
from osc_netdiag.secgroups import QuestionError  # noqa: F401 (API)


@dataclasses.dataclass(frozen=True)
class Trace:
    port_id: str
    hops: tuple
    findings: tuple
    hosts: tuple                # of HostReport
    round_trips: int
    exit_code: int

    def to_dict(self, long=False):
        return {
            "port_id": self.port_id,
            "exit_code": self.exit_code,
            "hops": [h.to_dict(long=long) for h in self.hops],
            "findings": [f.to_dict() for f in self.findings],
            "hosts": [dataclasses.asdict(h) for h in self.hosts],
        }


# how a script reaches the hosts (the commands build theirs the same way)
load_inventory = runner.load_inventory
ssh_transport = runner.ssh_transport


def trace_port(connection, port, *, inventory=None, transport=None,
               save_capture=None, max_workers=runner.DEFAULT_WORKERS,
               progress=None, to=None):
    """Resolve ``port`` (ID, name, fixed IP or MAC) and trace its path;
    ``to``: also trace a packet to this IPv4 address (ML2/OVN).
    """
    sdk_port = resolve.find_port(connection, port)
    context = _port_context(connection, sdk_port)
    if to is not None:
        context = _with_destination(connection, context, to)
    return trace_context(context, inventory=inventory, transport=transport,
                         save_capture=save_capture, max_workers=max_workers,
                         progress=progress)


def trace_server(connection, server, **kwargs):
    """Trace every port of a server; returns a list of Trace."""
    traces = []
    for sdk_port in resolve.find_server_ports(connection, server):
        context = _port_context(connection, sdk_port)
        save = kwargs.get("save_capture")
        options = dict(kwargs)
        if save:
            options["save_capture"] = os.path.join(save, sdk_port.id)
        traces.append(trace_context(context, **options))
    return traces


def _port_context(connection, sdk_port):
    """The PortContext of a bound port of a supported backend; refused
    (exit 3, the backend named) before anything else is read otherwise.
    """
    resolve.check_bound(sdk_port)
    backends.for_port(backends.binding_of(
        resolve.port_info(sdk_port),
        resolve.host_agent_types(connection, sdk_port.binding_host_id)))
    from osc_netdiag.resolve import secgroups as resolve_secgroups
    return dataclasses.replace(
        resolve.port_context(connection, sdk_port),
        firewall=resolve_secgroups.intent_of(connection, sdk_port))


def _with_destination(connection, context, to):
    """The context with ``port trace --to``'s destination; ResolveError
    (exit 3) for a backend whose trace does not follow one.
    """
    from osc_netdiag.errors import ResolveError
    from osc_netdiag.resolve import destination
    backend = backends.for_port(backends.binding_of(context.port))
    trace = backends.diagnosis(backend, "TRACE", "port trace")
    if not getattr(trace, "FOLLOWS_DESTINATION", False):
        raise ResolveError(
            "unsupported", f"port trace --to is not available for "
            f"{backend.NAME} in this release (it is for ML2/OVN)")
    return dataclasses.replace(
        context, destination=destination.destination_of(connection, context,
                                                        to))


def trace_from_capture(capture_dir, *, latency=0.0,
                       max_workers=runner.DEFAULT_WORKERS):
    """Re-run the diagnosis offline from a ``--save-capture`` directory."""
    data, options = runner.replay_options(capture_dir, latency=latency,
                                          max_workers=max_workers)
    return trace_context(ctx_mod.PortContext.from_json(data), **options)


def trace_context(context, *, inventory=None, transport=None,
                  save_capture=None, max_workers=runner.DEFAULT_WORKERS,
                  progress=None):
    """Trace a resolved PortContext: probe every host, evaluate the hops."""
    # a capture keeps no agent types: its bound drivers decide
    trace = backends.diagnosis(
        backends.for_port(backends.binding_of(context.port)), "TRACE",
        "port trace")
    if context.ovn_db_host is None and inventory is not None and \
            getattr(inventory, "ovn_db_host", None):
        # kept in the context, so --save-capture replays the same plan
        context = dataclasses.replace(context,
                                      ovn_db_host=inventory.ovn_db_host)
    follow = getattr(trace, "follow_up", None)
    report, hosts, round_trips = runner.run_plan(
        trace.plan(context),
        lambda views: trace.evaluate(context, views),
        follow=(lambda views: follow(context, views)) if follow else None,
        context_json=context.to_json(), inventory=inventory,
        transport=transport, save_capture=save_capture,
        max_workers=max_workers, progress=progress)
    return Trace(
        port_id=context.port.id,
        hops=tuple(report.hops),
        findings=tuple(report.findings),
        hosts=hosts,
        round_trips=round_trips,
        exit_code=exitcodes.for_report(report.findings, hosts),
    )


def check_hosts(connection, hosts=(), *, all_hosts=False, **options):
    """``host check``: is each host wired as its agents and the API say?"""
    from osc_netdiag import hostcheck
    return hostcheck.check_hosts(connection, hosts, all_hosts=all_hosts,
                                 **options)


def vlan_map(connection, network, *, all_hosts=False, **options):
    """``network vlan-map``: a network's segments <-> local VLANs."""
    from osc_netdiag import vlanmap
    return vlanmap.vlan_map(connection, network, all_hosts=all_hosts,
                            **options)


def check_dhcp(connection, target, *, log_dir=None, **options):
    """``dhcp check`` of a port or a network."""
    from osc_netdiag.l3dhcp import dhcp
    return dhcp.dhcp_check(connection, target, log_dir=log_dir, **options)


def check_dns(connection, target, **options):
    """``dns check`` of a port or a network."""
    from osc_netdiag.l3dhcp import dns
    return dns.dns_check(connection, target, **options)


def check_router(connection, router, **options):
    """``router check``."""
    from osc_netdiag.l3dhcp import router as router_mod
    return router_mod.router_check(connection, router, **options)


def check_floating_ips(connection, *, project=None, floating_ip=None,
                       **options):
    """``floatingip check``: every associated floating IP's device."""
    from osc_netdiag.l3dhcp import floatingip
    return floatingip.floatingip_check(connection, project=project,
                                       floating_ip=floating_ip, **options)


def port_firewall(connection, port, *, packet=None, **options):
    """``port firewall``: a port's security groups as the API holds them,
    beside what its host enforces; with ``packet`` (a
    ``secgroups.Packet``) the API's and the host's verdict on it.
    """
    from osc_netdiag.firewall import check as firewall_check
    return firewall_check.port_firewall(connection, port, packet=packet,
                                        **options)


def firewall_packet(*, remote_ip, protocol, direction="ingress", port=None,
                    ethertype=None, icmp_type=None, icmp_code=None,
                    established=False, local_ip=None):
    """The ``secgroups.Packet`` of a ``port firewall`` question; ValueError
    when it does not make sense (a port for ICMP, an IPv4 address with
    --ethertype IPv6, an unknown protocol, --local-ip of another family
    than --remote-ip).
    """
    import ipaddress
    from osc_netdiag import secgroups
    from osc_netdiag import sgrules
    address = ipaddress.ip_address(remote_ip)
    family = secgroups.IPV4 if address.version == 4 else secgroups.IPV6
    if ethertype not in (None, family):
        raise ValueError(f"--remote-ip {remote_ip} is not an {ethertype} "
                         "address")
    local = None
    if local_ip is not None:
        local = ipaddress.ip_address(local_ip)
        if local.version != address.version:
            raise ValueError(f"--local-ip {local_ip} and --remote-ip "
                             f"{remote_ip} are of different families")
    number = sgrules.protocol_number(protocol)
    if number is None:
        raise ValueError("--protocol: name the packet's protocol (tcp, "
                         "udp, icmp, a number)")
    if port is not None and number not in sgrules.PORT_PROTOCOLS:
        raise ValueError(f"--port is for tcp, udp, sctp; not {protocol}")
    if number in sgrules.PORT_PROTOCOLS and port is None:
        raise ValueError(f"--port: the destination port of the {protocol} "
                         "packet")
    if (icmp_type, icmp_code) != (None, None) and \
            number not in sgrules.ICMP_NUMBERS:
        raise ValueError("--icmp-type/--icmp-code are for icmp")
    if number in sgrules.ICMP_NUMBERS and icmp_type is None:
        # an echo request, what ping sends
        icmp_type, icmp_code = (8 if address.version == 4 else 128), 0
    return secgroups.Packet(
        direction=direction, ethertype=family, protocol=str(protocol),
        remote_ip=str(address), port=port, icmp_type=icmp_type,
        icmp_code=icmp_code, established=bool(established),
        local_ip=None if local is None else str(local))


def capture_port(connection, port, **options):
    """``port capture``; see osc_netdiag.capture.run.capture_port."""
    from osc_netdiag.capture import run as capture_run
    return capture_run.capture_port(connection, port, **options)


def cleanup(hosts=(), *, connection=None, all_hosts=False, **options):
    """``cleanup``: remove expired capture leftovers on ``hosts`` (or on
    every host with an Open vSwitch agent: ``all_hosts`` and a
    ``connection``); ``options``: inventory, transport, force, yes,
    max_workers.
    """
    from osc_netdiag.capture import cleanup as cleanup_mod
    if all_hosts:
        hosts = resolve.ovs_agent_hosts(connection)
    return cleanup_mod.cleanup(list(dict.fromkeys(hosts)), **options)


def reclaim_ip(connection, ip, network, *, project=None, yes=False):
    """``ip reclaim``: the plan to hold ``ip`` with a port, carried out
    (the port created) when it is possible and ``yes``.
    """
    from osc_netdiag.resolve import reclaim
    plan = reclaim.plan(connection, ip, network, project)
    if plan.possible and yes:
        plan = reclaim.execute(connection, plan)
    return plan


def _replays():
    from osc_netdiag import hostcheck
    from osc_netdiag.l3dhcp import dhcp
    from osc_netdiag.l3dhcp import dns
    from osc_netdiag.l3dhcp import floatingip
    from osc_netdiag.l3dhcp import router as router_mod
    from osc_netdiag import vlanmap
    return {"port trace": trace_from_capture,
            "host check": hostcheck.check_from_capture,
            "network vlan-map": vlanmap.map_from_capture,
            "dhcp check": dhcp.check_from_capture,
            "dns check": dns.check_from_capture,
            "router check": router_mod.check_from_capture,
            "floatingip check": floatingip.check_from_capture}


REPLAYABLE = ("port trace", "host check", "network vlan-map", "dhcp check",
              "dns check", "router check", "floatingip check")


def replay(capture_dir, command, *, max_workers=runner.DEFAULT_WORKERS):
    """Run ``command`` (one of REPLAYABLE) again offline from a folder
    saved with ``save_capture``: no API, no host.
    """
    if command not in REPLAYABLE:
        raise ValueError(f"cannot replay {command!r}: one of "
                         f"{', '.join(REPLAYABLE)}")
    return _replays()[command](capture_dir, max_workers=max_workers)


def host_transport(inventory, *, local=None, **ssh_options):
    """SSH to the hosts; with ``local`` (a host name, or "" for every
    host) that host's commands run on this machine instead.
    """
    from osc_netdiag.transport.local import LocalTransport
    from osc_netdiag.transport.routing import RoutingTransport
    ssh = ssh_transport(inventory, **ssh_options)
    if local is None:
        return ssh
    return RoutingTransport(LocalTransport(output_limits=ssh.output_limits),
                            ssh, local_names=[local] if local else None)


def plan_transport():
    """A transport that connects to nothing (``--show-commands``).

    It keeps the commands a run would send; ``command_plan`` reads them.
    """
    from osc_netdiag.transport import plan
    return plan.PlanTransport()


def command_plan(transport):
    """What a run made with ``plan_transport()`` would have run.

    Per host: the exact argv (timeout, sudo and exec prefix included) and
    the line of the shipped sudoers file that grants it.
    """
    from osc_netdiag.transport import plan
    return plan.command_plan(transport)


def write_prometheus(path, result, *, duration, finished):
    """Write a host check's result for node_exporter's textfile collector.

    To ``path`` (``*.prom``), atomically; see osc_netdiag.prometheus.
    """
    from osc_netdiag import prometheus
    return prometheus.write_atomic(
        path, prometheus.render(result, duration=duration,
                                finished=finished))


def check_prometheus_path(path):
    """Refuse a --prometheus-file the collector would not read, early."""
    from osc_netdiag import prometheus
    return prometheus.check_path(path)


def write_graph(path, traces):
    """``port trace --graph``: the traces as a picture.

    .svg or .png by Graphviz's ``dot``, .dot the DOT text; see
    osc_netdiag.graph.
    """
    from osc_netdiag import graph
    return graph.write(path, traces)


def check_graph_path(path):
    """Refuse a --graph extension that cannot be drawn, early."""
    from osc_netdiag import graph
    return graph.check_path(path)
