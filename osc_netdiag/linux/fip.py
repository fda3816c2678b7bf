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

"""The floating-IP side of a distributed router on one host, as both checks
of it read it: port trace's (backends/ml2_ovs/dvr_fip.py) and router
check's (l3dhcp/router_dvr.py). The host's floatingip_agent_gateway port
and its ``fg-`` device in ``fip-<external network>``, and fip-'s host
routes to the floating IPs. What each check concludes from such a route
stays its own: the trace judges the next hop (the rfp- end), router check
that the route leaves by fpr-.
"""

from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.linux import devices
from osc_netdiag.models import Status
from osc_netdiag import names


def agent_gateway(ports, host):
    """The floatingip_agent_gateway port of ``ports`` bound to ``host``."""
    return next((p for p in ports if p.binding_host == host), None)


def check_agent_gateway(report, view, fip_ns, port, *, missing, broken):
    """``fg-<port>`` in ``fip_ns`` with the port's addresses.

    ``port`` None (the API has none bound to this host) is reported with
    ``missing``: the (code, summary, values) of its finding. ``broken``:
    the code of an fg- device absent or wrong.
    """
    host = view.host
    if port is None:
        code, summary, values = missing
        report.find(code, f"{host}:{fip_ns}", summary, host=host, **values)
        report.hop(host, "fg-", "fip-gateway-port", "absent",
                   "the API has no floatingip_agent_gateway port for this "
                   "host", Status.ERROR)
        return
    devices.check_ns_device(report, view, fip_ns, names.fg_device(port.id),
                            port.ips(), broken, "fip-gateway-port")


def read_routes(report, view, probe, fip_ns):
    """fip-'s routes as ``probe`` reads them; None after a SKIP row."""
    try:
        return view.read(probe)
    except Unreadable as exc:
        report.skipped(view.host, f"{fip_ns} routes", "fip-route", exc)
        return None


def host_route(routes, address, accept=None):
    """The first route to ``address`` alone (bare or /32) that ``accept``
    (a predicate) takes, or None.
    """
    return next((r for r in routes if r.dst in (address, f"{address}/32")
                 and (accept is None or accept(r))), None)
