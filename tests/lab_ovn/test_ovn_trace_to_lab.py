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

"""``port trace --to`` and the chassis's answer on the real OVN lab: a
ping to an instance on the same network and to one behind the router
exits 0; one to an instance whose security group has no ingress rule is
dropped by an ACL (exit 4, NETDIAG_OVN_ACL_DROP); with the chassis's
remote output flows deleted the logical and the host answers part (exit
4, NETDIAG_OVN_HOST_PARTS); a lowered encap MTU is caught by host check.
"""

import pytest

from tests.lab_ovn.conftest import netdiag
from tests.lab_ovn.conftest import trace
from tests.lab_ovn import ovn_faults as faults

pytestmark = pytest.mark.lab


def codes(doc):
    return sorted(f["code"] for f in doc["findings"])


def logical(doc, ip):
    return next(h for h in doc["hops"] if h["kind"] == "ovn-logical"
                and h["device"] == f"ping {ip}")


def host(doc, ip):
    return next(h for h in doc["hops"] if h["kind"] == "ovn-host-trace"
                and h["device"] == f"ping {ip}")


@pytest.mark.parametrize("name,target,through", [
    ("geneve1", "geneve2", "through geneve-net; delivered to port geneve2"),
    ("geneve1", "vlan1", "through geneve-net -> lab-router -> vlan-net; "
                         "delivered to port vlan1"),
    ("vlan2", "geneve2", "through vlan-net -> lab-router -> geneve-net; "
                         "delivered to port geneve2"),
])
def test_to_a_reachable_instance(ovn_lab, name, target, through):
    ip = ovn_lab["instances"][target]["ip"]
    code, doc = trace(ovn_lab, name, "--to", ip)
    assert (code, codes(doc)) == (0, [])
    assert through in logical(doc, ip)["detail"]
    assert "security group default rule" in logical(doc, ip)["detail"]
    assert (host(doc, ip)["state"], host(doc, ip)["status"]) == \
        ("agrees", "OK")


def test_to_an_address_an_acl_drops(ovn_lab, fault):
    fault(faults.fault_no_ingress_rule, "geneve2")
    ip = ovn_lab["instances"]["geneve2"]["ip"]
    code, doc = trace(ovn_lab, "geneve1", "--to", ip)
    assert (code, codes(doc)) == (4, ["NETDIAG_OVN_ACL_DROP"])
    assert f"({faults.NO_INGRESS_GROUP})" in doc["findings"][0]["summary"]
    assert logical(doc, ip)["state"] == "dropped"


def test_host_parts_from_the_logical_answer(ovn_lab, fault):
    fault(faults.fault_delete_remote_output_flows, "geneve1")
    ip = ovn_lab["instances"]["geneve2"]["ip"]
    code, doc = trace(ovn_lab, "geneve1", "--to", ip)
    assert (code, codes(doc)) == (4, ["NETDIAG_OVN_HOST_PARTS"])
    assert logical(doc, ip)["state"] == "delivered"
    assert (host(doc, ip)["state"], host(doc, ip)["status"]) == \
        ("parts", "ERROR")


def test_lowered_encap_mtu_is_caught_by_host_check(ovn_lab, fault):
    fault(faults.fault_lower_encap_mtu, "geneve2")
    code, doc = netdiag("host", "check", "--all")
    assert code == 4
    assert [(f["code"], f["subject"]) for f in doc["findings"]] == [
        ("NETDIAG_OVN_MTU_TOO_SMALL", "compute2:br-phy")]


def test_to_an_address_that_is_not_one_is_a_usage_error(ovn_lab):
    code, doc = trace(ovn_lab, "geneve1", "--to", "198.18.17.300")
    assert (code, doc) == (2, None)


def test_to_changes_nothing_in_the_databases_nor_the_chassis(ovn_lab):
    # ofproto/trace computes a packet's path: br-int's flows (without
    # their counters) and the OVN tables a trace reads stay as they were
    from tests.lab_ovn.test_ovn_trace_lab import snapshot

    def flows():
        return faults.lab_exec("compute1", "ovs-ofctl", "--no-stats",
                               "dump-flows", "br-int").stdout
    before = (snapshot(), flows())
    ip = ovn_lab["instances"]["geneve2"]["ip"]
    assert trace(ovn_lab, "geneve1", "--to", ip)[0] == 0
    assert (snapshot(), flows()) == before
