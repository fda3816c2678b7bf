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

"""Capture points along a port's path, from the PortContext the trace uses.

The points are the port's backend's (its ``CAPTURE_POINTS``, chosen from
what the API says of the port, as for a trace); this module picks the ones
``--at`` names. A point is data (:mod:`osc_netdiag.taps`): labelled taps on
hosts, Linux devices read directly or switch ports read through a mirror.
"""

from osc_netdiag import backends


def capture_points(context):
    """The port's backend's capture points module; ResolveError (exit 3)
    naming a backend this release does not diagnose.
    """
    return backends.for_port(backends.binding_of(context.port)).CAPTURE_POINTS


def select(context, labels=None):
    """The points named by ``--at`` (default: the backend's main ones), in
    path order.

    Raises ValueError for a label this port's path does not have.
    """
    offered = capture_points(context)
    available = offered.all_points(context)
    wanted = tuple(labels) if labels else offered.DEFAULT_POINTS
    unknown = [w for w in wanted if w not in offered.POINTS]
    if unknown:
        raise ValueError(f"unknown capture point(s): {', '.join(unknown)} "
                         f"(choose from {', '.join(offered.POINTS)})")
    chosen = tuple(p for p in available if p.label in wanted)
    if labels:
        missing = [w for w in wanted if w not in {p.label for p in chosen}]
        if missing:
            raise ValueError(
                f"this port's path has no {', '.join(missing)} point "
                f"(it has: {', '.join(p.label for p in available)})")
    return chosen
