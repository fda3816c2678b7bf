"""The Python API: what the commands call, and what admin scripts can call.

    import openstack
    from osc_netdiag import api
    conn = openstack.connect(cloud="mycloud")
    trace = api.trace_port(conn, "web-1-port", inventory=api.load_inventory(
        "inventory.yaml"))
    print(trace.exit_code, [h.to_dict() for h in trace.hops])
"""

import dataclasses
import os

from osc_netdiag import context as ctx_mod
from osc_netdiag import exitcodes
from osc_netdiag import models
from osc_netdiag import backends
from osc_netdiag import resolve
from osc_netdiag.checks.engine import HostView
from osc_netdiag.transport import pool

CONTEXT_FILE = "context"
DEFAULT_WORKERS = pool.DEFAULT_WORKERS


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


def load_inventory(path=None, cloud_config=None):
    """Inventory from a YAML file, or from a clouds.yaml ``netdiag:`` section."""
    from osc_netdiag.inventory import Inventory
    if path:
        return Inventory.load(path)
    if cloud_config:
        return Inventory.from_clouds_yaml(cloud_config)
    return Inventory()


def ssh_transport(inventory=None, known_hosts=(), **options):
    from osc_netdiag.transport.ssh import SSHTransport
    files = tuple(known_hosts)
    if inventory is not None:
        files += tuple(inventory.known_hosts_files)
    return SSHTransport(known_hosts_files=files, **options)


def trace_port(connection, port, *, inventory=None, transport=None,
               save_capture=None, max_workers=DEFAULT_WORKERS):
    """Resolve ``port`` (ID, name, fixed IP or MAC) and trace its path."""
    sdk_port = resolve.find_port(connection, port)
    context = _port_context(connection, sdk_port)
    return trace_context(context, inventory=inventory, transport=transport,
                         save_capture=save_capture, max_workers=max_workers)


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
    (exit 3, the backend named) before anything else is read otherwise."""
    resolve.check_bound(sdk_port)
    backends.for_port(backends.binding_of(
        resolve.port_info(sdk_port),
        resolve.host_agent_types(connection, sdk_port.binding_host_id)))
    return resolve.port_context(connection, sdk_port)


def trace_from_capture(capture_dir, *, latency=0.0,
                       max_workers=DEFAULT_WORKERS):
    """Re-run the diagnosis offline from a ``--save-capture`` directory."""
    from osc_netdiag.transport import replay
    context = ctx_mod.PortContext.from_json(
        replay.load_json(capture_dir, CONTEXT_FILE))
    transport = replay.ReplayTransport(capture_dir, latency=latency)
    return trace_context(context, transport=transport,
                         max_workers=max_workers)


def trace_context(context, *, inventory=None, transport=None,
                  save_capture=None, max_workers=DEFAULT_WORKERS):
    """Trace a resolved PortContext: probe every host, evaluate the hops."""
    from osc_netdiag.transport import replay

    # a capture keeps no agent types: its bound drivers decide
    backend = backends.for_port(backends.binding_of(context.port))
    if inventory is None:
        inventory = load_inventory()
    if transport is None:
        transport = ssh_transport(inventory)
    if save_capture:
        replay.prepare(save_capture)
        replay.save_json(save_capture, CONTEXT_FILE, context.to_json())
        transport = replay.RecordingTransport(transport, save_capture)

    host_probes = backend.TRACE.plan(context)
    targets = {host: inventory.target(host) for host in host_probes}
    host_pool = pool.HostPool(transport, max_workers=max_workers)
    try:
        outcomes = host_pool.run({targets[host]: [p.command for p in items]
                                  for host, items in host_probes.items()})
    finally:
        host_pool.close()
    views = {host: HostView(host, outcomes.get(host), host_probes[host])
             for host in host_probes}
    report = backend.TRACE.evaluate(context, views)
    hosts = tuple(_host_report(host, targets[host], outcomes.get(host),
                               report) for host in host_probes)
    return Trace(
        port_id=context.port.id,
        hops=tuple(report.hops),
        findings=tuple(report.findings),
        hosts=hosts,
        round_trips=sum(o.round_trips for o in outcomes.values()),
        exit_code=exitcodes.for_report(report.findings, hosts),
    )


def _host_report(host, target, outcome, report):
    if outcome is None:
        return models.HostReport(host, target.address, models.HOST_NOT_RUN)
    if outcome.error is not None:
        return models.HostReport(host, target.address, outcome.error.status,
                                 outcome.error.message)
    unreadable = [(name, status) for h, name, status in report.unreadable
                  if h == host]
    if unreadable:
        status = unreadable[0][1]
        return models.HostReport(
            host, target.address, status,
            "; ".join(f"{name}: {st}" for name, st in unreadable))
    return models.HostReport(host, target.address, models.HOST_OK)
