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

from osc_netdiag import backends
from osc_netdiag import context as ctx_mod
from osc_netdiag import exitcodes
from osc_netdiag import resolve
from osc_netdiag import runner

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
               save_capture=None, max_workers=runner.DEFAULT_WORKERS):
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
                       max_workers=runner.DEFAULT_WORKERS):
    """Re-run the diagnosis offline from a ``--save-capture`` directory."""
    data, options = runner.replay_options(capture_dir, latency=latency,
                                          max_workers=max_workers)
    return trace_context(ctx_mod.PortContext.from_json(data), **options)


def trace_context(context, *, inventory=None, transport=None,
                  save_capture=None, max_workers=runner.DEFAULT_WORKERS):
    """Trace a resolved PortContext: probe every host, evaluate the hops."""
    # a capture keeps no agent types: its bound drivers decide
    backend = backends.for_port(backends.binding_of(context.port))
    report, hosts, round_trips = runner.run_plan(
        backend.TRACE.plan(context),
        lambda views: backend.TRACE.evaluate(context, views),
        context_json=context.to_json(), inventory=inventory,
        transport=transport, save_capture=save_capture,
        max_workers=max_workers)
    return Trace(
        port_id=context.port.id,
        hops=tuple(report.hops),
        findings=tuple(report.findings),
        hosts=hosts,
        round_trips=round_trips,
        exit_code=exitcodes.for_report(report.findings, hosts),
    )
