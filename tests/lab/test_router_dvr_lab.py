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

"""router check on the lab's distributed router, healthy and with a fault
injected on the lab (restored in ``finally`` by the ``fault`` fixture).

The command runs exactly as an operator runs it (the openstack CLI,
openstacksdk, SSH to the lab hosts).
"""

import pytest

from tests.lab import conftest as lab_faults
from tests.lab.test_l3dhcp_lab import codes
from tests.lab.test_l3dhcp_lab import netdiag
from tests.lab.test_l3dhcp_lab import rows

pytestmark = pytest.mark.lab


def not_ok(doc):
    return [(r["host"], r["device"], r["kind"]) for r in doc["rows"]
            if r["status"] not in ("OK", "SKIP")]


def test_dvr_router_check_healthy_and_read_only(lab):
    router_id = lab["dvr_router"]["id"]
    fip = lab["dvr_floating_ip"]["address"]
    before = {h: lab_faults.snapshot(h) for h in lab["hosts"]}
    code, doc = netdiag("router", "check", router_id)
    assert {h: lab_faults.snapshot(h) for h in lab["hosts"]} == before
    assert code == 0, doc["findings"]
    assert all(r["status"] == "OK" for r in doc["rows"])
    by_host = {}
    for r in doc["rows"]:
        by_host.setdefault(r["host"], set()).add(r["kind"])
    # qrouter- wherever it serves a port; fip- side with NAT where its
    # floating IP is; snat- on network1
    assert {"namespace", "router-port", "fip-link"} <= by_host["compute2"]
    assert {"fip-gateway-port", "fip-route", "nat-rule"} <= \
        by_host["compute1"]
    assert {"snat-port", "gateway-port", "route", "nat-rule"} <= \
        by_host["network1"]
    assert {(r["host"], r["device"]) for r in rows(doc, "nat-rule")} >= {
        ("compute1", f"DNAT {fip}"), ("network1", next(
            r["device"] for r in rows(doc, "nat-rule")
            if r["host"] == "network1"))}


def test_dvr_fip_namespace_deleted_on_compute1(lab, fault):
    ext = lab["networks"]["external"]["id"]
    with fault(lab_faults.fault_delete_fip_namespace, "compute1"):
        code, doc = netdiag("router", "check", lab["dvr_router"]["id"])
    assert code == 4
    assert "NETDIAG_ROUTER_NAMESPACE_MISSING" in codes(doc)
    assert ("compute1", f"fip-{ext}", "namespace") in not_ok(doc)
    assert all(host == "compute1" for host, _d, _k in not_ok(doc))


def test_dvr_fip_dnat_rule_deleted_on_compute1(lab, fault):
    fip = lab["dvr_floating_ip"]["address"]
    with fault(lab_faults.fault_delete_dvr_fip_dnat):
        code, doc = netdiag("router", "check", lab["dvr_router"]["id"])
    assert code == 4
    assert codes(doc) == {"NETDIAG_ROUTER_NAT_RULE_MISSING"}
    assert not_ok(doc) == [("compute1", f"DNAT {fip}", "nat-rule")]


def test_dvr_snat_rule_deleted_on_network1(lab, fault):
    with fault(lab_faults.fault_delete_dvr_snat_rule):
        code, doc = netdiag("router", "check", lab["dvr_router"]["id"])
    assert code == 4
    assert codes(doc) == {"NETDIAG_ROUTER_NAT_RULE_MISSING"}
    (host, device, kind), = not_ok(doc)
    assert (host, kind) == ("network1", "nat-rule")
    assert device.startswith("SNAT 198.19.0.")
