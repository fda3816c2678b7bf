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

import pytest

from osc_netdiag.errors import ResolveError
from osc_netdiag import resolve
from tests.unit.api import sdk_fakes as sf


def test_find_by_id_name_ip_and_mac():
    conn = sf.vlan_cloud()
    for ref in (sf.PORT_ID, "vm1-port", "198.18.16.10", "FA:16:3E:11:22:33"):
        assert resolve.find_port(conn, ref).id == sf.PORT_ID


def test_not_found():
    with pytest.raises(ResolveError) as err:
        resolve.find_port(sf.vlan_cloud(), "198.18.16.99")
    assert err.value.reason == "not-found"


def test_ambiguous_name_lists_candidates():
    conn = sf.vlan_cloud()
    conn.network._ports.append(sf.port(id="11111111-2222-4333-8444-555555555555"))
    with pytest.raises(ResolveError) as err:
        resolve.find_port(conn, "198.18.16.10")
    assert err.value.reason == "ambiguous"
    ids = {c["id"] for c in err.value.candidates}
    assert ids == {sf.PORT_ID, "11111111-2222-4333-8444-555555555555"}
    assert sf.PORT_ID in str(err.value)
    assert "198.18.16.10" in str(err.value)


@pytest.mark.parametrize("vif_type,host", [("binding_failed", "compute1"),
                                           ("unbound", ""), ("ovs", "")])
def test_unbound_port_refused(vif_type, host):
    conn = sf.vlan_cloud(binding_vif_type=vif_type, binding_host_id=host)
    port = resolve.find_port(conn, sf.PORT_ID)
    with pytest.raises(ResolveError) as err:
        resolve.port_context(conn, port)
    assert err.value.reason == "unbound"
    assert vif_type in str(err.value)


def test_non_admin_credentials_detected():
    conn = sf.vlan_cloud(binding_vif_type=None, binding_host_id=None)
    port = resolve.find_port(conn, sf.PORT_ID)
    with pytest.raises(ResolveError) as err:
        resolve.port_context(conn, port)
    assert err.value.reason == "not-admin"
    assert "admin" in str(err.value)


def test_context_has_everything_the_trace_needs():
    conn = sf.vlan_cloud()
    context = resolve.port_context(conn, resolve.find_port(conn, sf.PORT_ID))
    assert context.port.binding_host == "compute1"
    assert context.port.hybrid_plug is False
    seg, = context.network.segments
    assert (seg.network_type, seg.physical_network, seg.segmentation_id) == \
        ("vlan", "physnet1", 2113)
    assert context.router.id == sf.ROUTER_ID
    assert context.router.interface_port.id == sf.QR_PORT_ID
    assert context.router.gateway_port.id == sf.QG_PORT_ID
    assert context.router.gateway_network.segments[0].network_type == "flat"
    assert [a.host for a in context.router.l3_agents] == ["network1"]
    assert [a.host for a in context.dhcp_agents] == ["network1"]
    assert [p.id for p in context.dhcp_ports] == [sf.DHCP_PORT_ID]
    assert context.ovs_agents["network1"].tunneling_ip == "198.18.1.13"
    assert context.ovs_agents["compute1"].bridge_mappings["physnet1"] == "br-eth1"
    assert set(context.network_hosts) == {"compute1", "network1"}


def test_context_round_trips_through_json():
    import json
    from osc_netdiag.context import PortContext
    conn = sf.vlan_cloud()
    context = resolve.port_context(conn, resolve.find_port(conn, sf.PORT_ID))
    again = PortContext.from_json(json.loads(json.dumps(context.to_json())))
    assert again == context
