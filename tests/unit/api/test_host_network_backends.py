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

"""``host check`` and ``network vlan-map`` choose their backend through
the registry, from the API (the agents Neutron lists on the hosts; the
network's bound ports), never from the host: a host or a network of a
backend this release does not diagnose exits 3 naming it, before any
host is contacted.
"""

import json
import pathlib
import shutil

import pytest

from osc_netdiag import backends
from osc_netdiag.backends import ml2_ovs
from osc_netdiag import exitcodes
from osc_netdiag.transport import pool
from osc_netdiag.v1 import host as host_cmd
from osc_netdiag.v1 import network as network_cmd
from tests.unit.api import sdk_fakes as sf
from tests.unit.api.test_backends import OVN_AGENTS
from tests.unit.api.test_backends import OVN_DETAILS
from tests.unit import helpers


class Contacted(Exception):
    """A host pool was built: resolution let the hosts through."""


@pytest.fixture(autouse=True)
def no_hosts(monkeypatch):
    def refuse(*args, **kwargs):
        raise Contacted()
    monkeypatch.setattr(pool, "HostPool", refuse)


class CloudNeutron(sf.FakeNeutron):
    """The proxy calls host check and vlan-map make beyond a trace's."""

    def find_network(self, ref, ignore_missing=True):
        for net in self._networks.values():
            if ref in (net.id, net.name):
                return net
        return None

    def networks(self, **filters):
        return iter(self._networks.values())

    def subnets(self, **filters):
        return iter(self._subnets.values())

    def routers(self, **filters):
        return iter(self._routers.values())

    def agent_hosted_routers(self, agent):
        return iter(())

    def dhcp_agent_hosting_networks(self, agent):
        return iter(())


def cloud(ovn_hosts=(), **port_attrs):
    """The VLAN cloud; ``ovn_hosts`` run OVN agents, no Open vSwitch
    agent.
    """
    conn = sf.vlan_cloud(**port_attrs)
    neutron = conn.network
    neutron.__class__ = CloudNeutron
    neutron._agents = [a for a in neutron._agents if a.host not in ovn_hosts]
    neutron._agents += [sf.agent(h, t) for h in ovn_hosts for t in OVN_AGENTS]
    return conn


def host_check(conn, *argv):
    return helpers.run_command(host_cmd.CheckHost, *argv, conn=conn)


def vlan_map(conn, *argv):
    return helpers.run_command(network_cmd.ShowVlanMap, *argv, conn=conn)


def test_ovn_host_check_exits_3_naming_the_backend():
    code, app = host_check(cloud(ovn_hosts=("compute1",)), "compute1")
    assert code == exitcodes.UNRESOLVED == 3
    assert app.stderr.getvalue() == (
        "Host(s) compute1 are run by ML2/OVN; this release diagnoses "
        "ML2/OVS only\n")
    assert app.stdout.getvalue() == ""


def test_all_hosts_of_a_mixed_cloud_names_the_ovn_ones():
    code, app = host_check(cloud(ovn_hosts=("compute1", "compute2")),
                           "--all")
    assert code == 3
    assert app.stderr.getvalue() == (
        "Host(s) compute1, compute2 are run by ML2/OVN; this release "
        "diagnoses ML2/OVS only\n")


def test_ovs_hosts_go_on_to_be_read():
    # compute1 runs OVN; the two OVS hosts asked for are checked
    with pytest.raises(Contacted):
        host_check(cloud(ovn_hosts=("compute1",)), "compute2", "network1")


def test_network_with_an_ovn_bound_port_exits_3_naming_the_backend():
    conn = cloud(binding_vif_details=OVN_DETAILS)
    code, app = vlan_map(conn, "vlan-net")
    assert code == 3
    assert app.stderr.getvalue() == (
        f"Network {sf.NET_ID}: port(s) {sf.PORT_ID} are run by ML2/OVN; "
        "this release diagnoses ML2/OVS only\n")


def test_network_ports_without_bound_drivers_use_their_hosts_agents():
    code, app = vlan_map(cloud(ovn_hosts=("compute1",)), "vlan-net")
    assert code == 3
    assert "port(s) " + sf.PORT_ID + " are run by ML2/OVN" in \
        app.stderr.getvalue()


def test_network_with_an_unknown_mechanism_driver_names_it():
    details = dict(OVN_DETAILS, bound_drivers={"0": "opendaylight_v2"})
    code, app = vlan_map(cloud(binding_vif_details=details), "vlan-net")
    assert code == 3
    assert app.stderr.getvalue() == (
        f"Network {sf.NET_ID} has port {sf.PORT_ID} bound by the mechanism "
        "driver opendaylight_v2; this release diagnoses ML2/OVS only\n")


def test_ovs_network_goes_on_to_its_hosts():
    with pytest.raises(Contacted):
        vlan_map(cloud(), "vlan-net")


def test_registry_choices():
    assert backends.for_hosts({"h": ("Open vSwitch agent",)}) is ml2_ovs
    # only an L3 agent: nothing names another backend
    assert backends.for_hosts({"h": ("L3 agent",)}) is ml2_ovs
    assert backends.for_network("n", [], {"h": ("Open vSwitch agent",)}) \
        is ml2_ovs
    with pytest.raises(Exception) as exc:
        backends.for_network("n", [], {"h": OVN_AGENTS})
    assert exc.value.reason == "unsupported"


FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"


def test_a_recorded_host_check_of_ovn_agents_replays_to_exit_3(tmp_path):
    # the healthy host-check capture, edited in one place: compute1's L2
    # agent is recorded as an OVN Controller agent
    source = FIXTURES / "hostcheck" / "healthy"
    shutil.copytree(source, tmp_path / "c")
    path = tmp_path / "c" / "context.json"
    context = json.loads(path.read_text())
    context["ovs_agents"]["compute1"]["agent_type"] = "OVN Controller agent"
    path.write_text(json.dumps(context))
    code, app = host_check(None, "--from-capture", str(tmp_path / "c"))
    assert code == 3
    assert app.stderr.getvalue() == (
        "Host(s) compute1 are run by ML2/OVN; this release diagnoses "
        "ML2/OVS only\n")
