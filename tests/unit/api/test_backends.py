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

"""The backend of a port comes from the API, and a port of a backend this
release does not diagnose is refused with exit 3 naming it, before any
host is contacted (an ML2/OVN port, bound with vif_type ovs like an
ML2/OVS one, was traced as ML2/OVS and got a NETDIAG_AGENT_MISSING that
was not true).
"""

import json
import pathlib

import pytest

from osc_netdiag import backends
from osc_netdiag.backends import ml2_ovs
from osc_netdiag import context as ctx_mod
from osc_netdiag.errors import ResolveError
from osc_netdiag import exitcodes
from osc_netdiag.transport import pool
from osc_netdiag.v1 import port as port_cmd
from tests.unit.api import sdk_fakes as sf
from tests.unit import helpers

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
# what Neutron's ML2/OVN driver puts in binding:vif_details (bound with
# vif_type ovs, as ML2/OVS binds)
OVN_DETAILS = {"port_filter": True, "connectivity": "l2",
               "bridge_name": "br-int", "datapath_type": "system",
               "bound_drivers": {"0": "ovn"}}
OVN_AGENTS = ("OVN Controller Gateway agent", "OVN Metadata agent")


class Contacted(Exception):
    """A host pool was built: resolution let the port through."""


@pytest.fixture
def no_hosts(monkeypatch):
    def refuse(*args, **kwargs):
        raise Contacted()
    monkeypatch.setattr(pool, "HostPool", refuse)


def ovn_cloud(**port_attrs):
    """The VLAN cloud with compute1 run by ML2/OVN: OVN agents, no Open
    vSwitch agent.
    """
    conn = sf.vlan_cloud(**port_attrs)
    neutron = conn.network
    neutron._agents = [a for a in neutron._agents if a.host != "compute1"]
    neutron._agents += [sf.agent("compute1", t) for t in OVN_AGENTS]
    return conn


def trace(conn):
    return helpers.run_command(port_cmd.TracePort, sf.PORT_ID, conn=conn)


@pytest.mark.usefixtures("no_hosts")
def test_ovn_bound_port_exits_3_naming_the_backend():
    code, app = trace(ovn_cloud(binding_vif_details=OVN_DETAILS))
    assert code == exitcodes.UNRESOLVED == 3
    assert app.stderr.getvalue() == (
        f"Port {sf.PORT_ID} is bound by ML2/OVN (vif_type ovs, bound "
        "drivers ovn); this release traces ML2/OVS ports only\n")
    assert app.stdout.getvalue() == ""


@pytest.mark.usefixtures("no_hosts")
def test_ovn_agents_name_the_backend_without_bound_drivers():
    # older Neutron keeps no bound_drivers: the host's agents tell
    details = {k: v for k, v in OVN_DETAILS.items() if k != "bound_drivers"}
    code, app = trace(ovn_cloud(binding_vif_details=details))
    assert code == 3
    assert "is bound by ML2/OVN" in app.stderr.getvalue()


@pytest.mark.usefixtures("no_hosts")
def test_unknown_mechanism_driver_is_named():
    details = dict(OVN_DETAILS, bound_drivers={"0": "opendaylight_v2"})
    code, app = trace(sf.vlan_cloud(binding_vif_details=details))
    assert code == 3
    assert "bound by the mechanism driver opendaylight_v2" in \
        app.stderr.getvalue()


@pytest.mark.usefixtures("no_hosts")
@pytest.mark.parametrize("details", [
    {"ovs_hybrid_plug": False, "bound_drivers": {"0": "openvswitch"}},
    {"ovs_hybrid_plug": False},      # no bound_drivers: the OVS agent
])
def test_ml2_ovs_port_goes_on_to_its_hosts(details):
    with pytest.raises(Contacted):
        trace(sf.vlan_cloud(binding_vif_details=details))


@pytest.mark.usefixtures("no_hosts")
def test_other_vif_types_keep_their_message():
    code, app = trace(sf.vlan_cloud(binding_vif_type="vhostuser",
                                    binding_vif_details={}))
    assert code == 3
    assert app.stderr.getvalue() == (
        f"Port {sf.PORT_ID} has vif_type vhostuser; this release traces "
        "ML2/OVS ports (vif_type ovs) only\n")


def test_the_bottom_bound_driver_decides():
    # hierarchical binding: a top driver hands the port to openvswitch
    port = ctx_mod.PortInfo(
        id=sf.PORT_ID, name="", mac="", network_id=sf.NET_ID,
        device_owner="", device_id="", status="", admin_state_up=True,
        binding_host="compute1", fixed_ips=(), vif_type="ovs",
        vif_details={"bound_drivers": {"1": "openvswitch", "0": "cisco"}})
    binding = backends.binding_of(port)
    assert binding.bound_drivers == ("cisco", "openvswitch")
    assert backends.for_port(binding) is ml2_ovs


def test_a_recorded_ovn_capture_replays_to_exit_3(tmp_path):
    # the vlan-healthy capture, edited in one place: the port's bound
    # driver is ovn
    context = json.loads((FIXTURES / "scenarios" / "vlan-healthy" /
                          "context.json").read_text())
    context["port"]["vif_details"]["bound_drivers"] = {"0": "ovn"}
    (tmp_path / "context.json").write_text(json.dumps(context))
    (tmp_path / "hosts").mkdir()
    code, app = helpers.run_command(port_cmd.TracePort, "--from-capture",
                                    str(tmp_path))
    assert code == 3
    assert "is bound by ML2/OVN" in app.stderr.getvalue()


def test_a_resolve_error_names_the_reason():
    binding = backends.Binding("p", "ovs", ("ovn",))
    with pytest.raises(ResolveError) as exc:
        backends.for_port(binding)
    assert exc.value.reason == "unsupported"
