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

"""ip reclaim against an in-memory Neutron made of real SDK resources."""

import pytest

from openstack.network.v2 import network as _network
from openstack.network.v2 import subnet as _subnet
from openstack.test import fakes

from osc_netdiag.errors import ResolveError
from osc_netdiag import exitcodes
from osc_netdiag.resolve import reclaim
from tests.unit.api import sdk_fakes


class Neutron(sdk_fakes.FakeNeutron):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.created = []

    def find_network(self, ref, ignore_missing=True):
        return next((n for n in self._networks.values()
                     if ref in (n.id, n.name)), None)

    def subnets(self, network_id):
        return iter(s for s in self._subnets.values()
                    if s.network_id == network_id)

    def create_port(self, **body):
        self.created.append(body)
        return sdk_fakes.port(id="dd44ee55-ff66-4a77-8b88-99aabbccddee",
                              name=body["name"], status="DOWN",
                              project_id=body["project_id"],
                              fixed_ips=body["fixed_ips"],
                              binding_host_id=None)


def cloud():
    net = fakes.generate_fake_resource(
        _network.Network, id=sdk_fakes.NET_ID, name="vlan-net",
        project_id="p-owner")
    subnet = fakes.generate_fake_resource(
        _subnet.Subnet, id=sdk_fakes.SUBNET_ID, network_id=sdk_fakes.NET_ID,
        cidr="198.18.16.0/24")
    neutron = Neutron(ports=[sdk_fakes.port()], networks=[net],
                      subnets=[subnet])
    conn = type("Conn", (), {"network": neutron})()
    return conn, neutron


def test_free_address_is_planned_not_created():
    conn, neutron = cloud()
    plan = reclaim.plan(conn, "198.18.16.77", "vlan-net")
    assert plan.possible and plan.findings == ()
    assert plan.port_body() == {
        "name": "reclaimed-198.18.16.77", "network_id": sdk_fakes.NET_ID,
        "project_id": "p-owner",
        "fixed_ips": [{"subnet_id": sdk_fakes.SUBNET_ID,
                       "ip_address": "198.18.16.77"}]}
    assert "--fixed-ip subnet=" in plan.command()
    assert neutron.created == []


def test_execute_creates_the_planned_port():
    conn, neutron = cloud()
    plan = reclaim.execute(conn, reclaim.plan(conn, "198.18.16.77",
                                              sdk_fakes.NET_ID, "p-other"))
    assert neutron.created == [plan.port_body()]
    assert plan.created["project_id"] == "p-other"
    assert plan.created["fixed_ips"] == [
        f"{sdk_fakes.SUBNET_ID}=198.18.16.77"]


def test_held_address_is_refused():
    conn, neutron = cloud()
    plan = reclaim.plan(conn, "198.18.16.10", "vlan-net")
    assert not plan.possible
    assert [h["id"] for h in plan.holders] == [sdk_fakes.PORT_ID]
    assert plan.exit_code == exitcodes.ERROR_FINDING
    assert reclaim.execute(conn, plan).created is None
    assert neutron.created == []


def test_address_outside_the_subnets_is_refused():
    conn, _ = cloud()
    plan = reclaim.plan(conn, "10.0.0.5", "vlan-net")
    assert {f.code for f in plan.findings} == {"NETDIAG_IP_NOT_IN_SUBNET"}


def test_unknown_network_and_bad_ip_do_not_resolve():
    conn, _ = cloud()
    with pytest.raises(ResolveError):
        reclaim.plan(conn, "198.18.16.77", "nope")
    with pytest.raises(ResolveError):
        reclaim.plan(conn, "not-an-ip", "vlan-net")
