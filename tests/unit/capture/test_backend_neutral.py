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

"""capture/ is backend-neutral: the points come from the port's backend
(its CAPTURE_POINTS, chosen through the registry from what the API says),
and a port of a backend this release does not diagnose is refused with
exit 3 naming it.
"""

import json
import pathlib

import pytest

from osc_netdiag import backends
from osc_netdiag.backends import ml2_ovs
from osc_netdiag.capture import plan
from osc_netdiag import context as ctx_mod
from osc_netdiag.errors import ResolveError
from osc_netdiag.transport import pool
from osc_netdiag.v1 import capture as capture_cmd
from tests.unit.api import sdk_fakes as sf
from tests.unit.api.test_backends import ovn_cloud
from tests.unit.api.test_backends import OVN_DETAILS
from tests.unit import helpers
from tests.unit import test_layers

ROOT = pathlib.Path(__file__).parents[3] / "osc_netdiag"
SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"


def recorded(name, **port_changes):
    data = json.loads((SCENARIOS / name / "context.json").read_text())
    data["port"].update(port_changes)
    return ctx_mod.PortContext.from_json(data)


def test_capture_modules_import_no_backend_package():
    # the registry (osc_netdiag.backends) only, never backends.<name>
    reached = sorted(
        f"{test_layers.module_name(path)} -> {target}"
        for path in sorted((ROOT / "capture").glob("*.py"))
        for target in test_layers.imports_of(path)
        if target.startswith("osc_netdiag.backends."))
    assert reached == []


def test_the_points_are_the_backends():
    context = recorded("vlan-healthy")
    assert plan.capture_points(context) is ml2_ovs.CAPTURE_POINTS
    assert [p.label for p in plan.select(context)] == list(
        ml2_ovs.CAPTURE_POINTS.DEFAULT_POINTS)


def test_an_ovn_bound_port_is_refused_naming_the_backend():
    # the vlan-healthy capture, edited in one place: the port's bound
    # driver is ovn
    context = recorded("vlan-healthy", vif_details={
        "bound_drivers": {"0": "ovn"}})
    with pytest.raises(ResolveError) as exc:
        plan.select(context, ["tap"])
    assert exc.value.reason == "unsupported"
    assert "is bound by ML2/OVN" in str(exc.value)


@pytest.mark.parametrize("details", [
    OVN_DETAILS,
    # older Neutron keeps no bound_drivers: the agents on the port's host
    # (only OVN ones) tell, as for a trace
    {k: v for k, v in OVN_DETAILS.items() if k != "bound_drivers"},
])
def test_the_capture_command_exits_3_for_an_ovn_port(monkeypatch, details):
    def refuse(*args, **kwargs):
        raise AssertionError("a host was contacted")
    monkeypatch.setattr(pool, "each_host", refuse)
    code, app = helpers.run_command(
        capture_cmd.CapturePort, sf.PORT_ID, "--yes",
        conn=ovn_cloud(binding_vif_details=details))
    assert code == 3
    assert app.stderr.getvalue() == (
        f"Port {sf.PORT_ID} is bound by ML2/OVN (vif_type ovs, bound "
        f"drivers {'ovn' if 'bound_drivers' in details else '-'}); this "
        "release traces ML2/OVS ports only\n")
    assert app.stdout.getvalue() == ""


def test_registry_offers_capture_points():
    assert all(hasattr(b, "CAPTURE_POINTS") for b in backends.SUPPORTED)
