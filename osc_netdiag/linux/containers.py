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

"""A host with no ``ovs-vsctl``/``ovs-ofctl`` on its PATH may run Open
vSwitch in containers (kolla-ansible: ``openvswitch_vswitchd``; the
``neutron_*`` agent containers carry the clients too). When an Open
vSwitch command of a run came back "command not found" on a host with no
exec prefix, the host's running containers are listed, read-only, and
the finding names the exact ``exec_prefix`` to put in the inventory.
"""

from osc_netdiag.checks.engine import Unreadable
from osc_netdiag import models
from osc_netdiag import probes

# containers that carry ovs-vsctl and ovs-ofctl, best first; then any
# other neutron_* container
KNOWN = ("openvswitch_vswitchd", "openvswitch_db",
         "neutron_openvswitch_agent")


def suggestion(running):
    """(runtime, container) to exec the Open vSwitch commands in.

    From {runtime: container names}; None when no known container runs.
    """
    for wanted in KNOWN:
        for runtime in probes.CONTAINER_RUNTIMES:
            if wanted in running.get(runtime, ()):
                return runtime, wanted
    for runtime in probes.CONTAINER_RUNTIMES:
        others = sorted(n for n in running.get(runtime, ())
                        if n.startswith("neutron_"))
        if others:
            return runtime, others[0]
    return None


# how --show-commands words the condition of the listing
CONDITION = "if ovs-vsctl/ovs-ofctl are not found there"


def asked():
    """The listing's probes: one per runtime, in one batch."""
    return [probes.running_containers(r) for r in probes.CONTAINER_RUNTIMES]


def may_ask(planned, target):
    """Would a "not found" of this host's planned probes be followed up?

    Only a host with no exec prefix, and only for Open vSwitch commands:
    a host with a prefix has said where its Open vSwitch is.
    """
    return not target.exec_prefix and any(p.ovs for p in planned)


def missing_ovs(view, planned, target):
    """Did an Open vSwitch command fail as not found on this host?"""
    if not may_ask(planned, target) or not view.readable:
        return False
    for probe in planned:
        result = view.result(probe)
        if probe.ovs and result is not None and \
                result.status == models.HOST_MISSING_COMMAND:
            return True
    return False


def hint(report, run):
    """Report the exec prefix that would work where OVS was not found.

    One more phase, only on the hosts that need it: their running
    containers are listed.
    """
    listing = asked()
    planning = getattr(run.pool.transport, "conditional", None)
    if planning is not None:
        # --show-commands: no answer says "not found"; say when it would
        for host, target in sorted(run.targets.items()):
            if may_ask(run.probes.get(host, {}).values(), target):
                planning(target, run.phases + 1,
                         [p.command for p in listing], CONDITION)
        return
    views = run.views()
    hosts = [host for host, view in views.items()
             if missing_ovs(view, run.probes.get(host, {}).values(),
                            run.targets[host])]
    if not hosts:
        return
    views = run.phase({host: listing for host in hosts})
    for host in hosts:
        running = {}
        for probe in listing:
            try:
                running[probe.argv[0]] = views[host].read(probe)
            except Unreadable:
                continue        # that runtime is not there, or refused
        found = suggestion(running)
        if found is None:
            continue
        runtime, container = found
        prefix = f"{runtime} exec {container}"
        report.find("NETDIAG_OVS_IN_CONTAINER", host,
                    f"{host}: ovs-vsctl/ovs-ofctl are not on the PATH, but "
                    f"the running {runtime} container {container} has "
                    f"them: exec_prefix '{prefix}'",
                    host=host, runtime=runtime, container=container,
                    exec_prefix=prefix)
