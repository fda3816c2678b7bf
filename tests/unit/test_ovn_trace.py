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

"""``port trace`` of ML2/OVN ports, replayed from real recordings of the
OVN lab (tests/fixtures/ovn/scenarios, made by tools/record_ovn_scenarios:
each fault injected on the live lab, traced with --save-capture, then
restored). Codes the lab faults do not produce come from a healthy
recording edited in one place; each test says where.
"""

import json
import pathlib
import shutil

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.v1 import port as port_cmd
from tests.unit import helpers

SCENARIOS = pathlib.Path(__file__).parents[1] / "fixtures" / "ovn" / "scenarios"
GENEVE1 = "bc3e1b0a-0f9e-40d0-a5be-a9c8f7e36061"
TAP = "tapbc3e1b0a-0f"
NETWORK = "7e69ac62-ac1a-4747-813d-2c9a55b64329"


def replay(directory):
    code, app = helpers.run_command(port_cmd.TracePort, "--from-capture",
                                    str(directory), "-f", "json")
    out = app.stdout.getvalue()
    return code, (json.loads(out) if out else None), app


def codes(doc):
    return sorted(f["code"] for f in doc["findings"])


def rows(doc):
    return {(h["host"], h["kind"]): h for h in doc["hops"]}


def edited(tmp_path, scenario, host, probe, edit):
    """A copy of ``scenario`` whose ``probe`` output on ``host`` went
    through ``edit`` (text -> text).
    """
    target = tmp_path / scenario
    shutil.copytree(SCENARIOS / scenario, target)
    path = target / "hosts" / f"{host}.json"
    data = json.loads(path.read_text())
    hits = [c for c in data["commands"] if c["name"] == probe]
    assert len(hits) == 1, probe
    before = hits[0]["stdout"]
    hits[0]["stdout"] = edit(before)
    assert hits[0]["stdout"] != before, "the edit changed nothing"
    path.write_text(json.dumps(data))
    return target


@pytest.mark.parametrize("scenario", ["geneve-healthy", "vlan-healthy"])
def test_healthy_ports_have_every_hop_ok_and_exit_0(scenario):
    code, doc, _ = replay(SCENARIOS / scenario)
    assert code == exitcodes.OK == 0
    assert doc["findings"] == []
    assert {h["status"] for h in doc["hops"]} == {"OK"}


def test_geneve_port_path_is_named_in_neutron_terms():
    _, doc, _ = replay(SCENARIOS / "geneve-healthy")
    hops = rows(doc)
    assert "on geneve-net (geneve" in hops[("api", "neutron-port")]["detail"]
    assert "router lab-router" in hops[("api", "neutron-port")]["detail"]
    assert hops[("network1", "ovn-nb-lsp")]["detail"].startswith(
        "on network geneve-net: addresses fa:16:3e:14:4d:3f "
        "198.18.17.76, up true, requested-chassis compute1")
    assert hops[("network1", "ovn-sb-binding")]["detail"] == (
        "chassis compute1 (compute1), tunnel key 3, up true")
    assert hops[("network1", "ovn-gateway")]["state"] == "network1"
    assert hops[("compute1", "ovn-iface")]["state"] == "installed"
    tunnels = sorted(h["device"] for h in doc["hops"]
                     if h["kind"] == "ovn-tunnel")
    assert tunnels == ["geneve to compute2", "geneve to network1"]
    assert "169.254.169.254" in hops[("compute1", "ovn-metadata")]["detail"]
    logical = hops[("network1", "ovn-logical")]
    assert (logical["device"], logical["state"], logical["detail"]) == (
        "ping 198.18.17.1", "delivered",
        "to router lab-router through geneve-net -> lab-router -> "
        "geneve-net; the reply delivered to port geneve1; allowed by "
        "security group default rule 11426bca-4b7b-4688-86a0-d938c420d493 "
        "(egress), security group default rule "
        "be9ca2e1-20fb-4814-9029-f68673a72125 (ingress)")
    host = hops[("compute1", "ovn-host-trace")]
    assert (host["device"], host["state"], host["status"]) == (
        "ping 198.18.17.1", "agrees", "OK")
    assert host["detail"].startswith("br-int sends it to a port of this "
                                     "chassis; ")


def test_vlan_port_has_its_localnet_and_bridge_mapping():
    _, doc, _ = replay(SCENARIOS / "vlan-healthy")
    hops = rows(doc)
    assert hops[("network1", "ovn-localnet")]["detail"] == \
        "network_name=physnet1, tag=2113"
    assert hops[("compute1", "ovn-bridge-mapping")]["detail"] == \
        "physnet1 -> br-eth1"
    assert not any(h["kind"] == "ovn-tunnel" for h in doc["hops"])


# -- the lab's faults, as recorded --

def test_stopped_ovn_controller():
    code, doc, _ = replay(SCENARIOS / "controller-stopped")
    assert code == exitcodes.ERROR_FINDING == 4
    assert codes(doc) == ["NETDIAG_OVN_CONTROLLER_DOWN"]
    hop = rows(doc)[("compute1", "ovn-controller")]
    assert (hop["state"], hop["status"]) == ("down", "ERROR")


def test_cleared_iface_id_unbinds_the_port():
    code, doc, _ = replay(SCENARIOS / "iface-id-cleared")
    assert code == 4
    # the metadata agent removes the namespace of a network whose last
    # port left the chassis: that is real, and reported
    assert codes(doc) == ["NETDIAG_OVN_IFACE_MISSING", "NETDIAG_OVN_LSP_DOWN",
                          "NETDIAG_OVN_METADATA_MISSING",
                          "NETDIAG_OVN_PORT_UNBOUND", "NETDIAG_PORT_DOWN"]
    assert rows(doc)[("compute1", "ovn-iface")]["detail"] == \
        f"{TAP} is on br-int with iface-id -"


def test_removed_bridge_mapping():
    code, doc, _ = replay(SCENARIOS / "bridge-mapping-removed")
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_BRIDGE_MAPPING_MISSING"]
    finding = doc["findings"][0]
    assert finding["subject"] == "compute1:physnet1"
    assert "ovn-bridge-mappings public:br-ex has no bridge for physnet1" in \
        finding["summary"]


def test_deleted_metadata_namespace():
    code, doc, _ = replay(SCENARIOS / "metadata-namespace-deleted")
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_METADATA_MISSING"]
    assert doc["findings"][0]["subject"] == f"compute1:ovnmeta-{NETWORK}"


def test_stale_duplicate_chassis_names_the_one_to_delete():
    code, doc, _ = replay(SCENARIOS / "stale-duplicate-chassis")
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_CHASSIS_DUPLICATE"]
    remedy = doc["findings"][0]["remedy"]
    assert "ovn-sbctl chassis-del compute1-old-system-id" in remedy


def test_switch_port_deleted_behind_neutrons_back():
    code, doc, _ = replay(SCENARIOS / "switch-port-deleted")
    assert code == 4
    # ovn-northd dropped the binding with it, and the chassis took the
    # port's flows out: ovn-installed is gone from br-int's interface
    assert codes(doc) == ["NETDIAG_OVN_BINDING_MISSING",
                          "NETDIAG_OVN_LSP_MISSING",
                          "NETDIAG_OVN_METADATA_MISSING",
                          "NETDIAG_OVN_NOT_INSTALLED"]
    assert "neutron-ovn-db-sync-util" in next(
        f["remedy"] for f in doc["findings"]
        if f["code"] == "NETDIAG_OVN_LSP_MISSING")


# -- codes from a healthy recording edited in one place --

def test_port_security_drift(tmp_path):
    # port_security names another IP than the API gives the port
    d = edited(tmp_path, "geneve-healthy", "network1", f"ovn-nb-lsp:{GENEVE1}",
               lambda t: t.replace('"fa:16:3e:14:4d:3f 198.18.17.76",true',
                                   '"fa:16:3e:14:4d:3f 198.18.17.77",true'))
    code, doc, _ = replay(d)
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_LSP_DRIFT"]
    assert doc["findings"][0]["subject"] == f"{GENEVE1}:port_security"


def test_requested_chassis_drift(tmp_path):
    d = edited(tmp_path, "geneve-healthy", "network1", f"ovn-nb-lsp:{GENEVE1}",
               lambda t: t.replace('"requested-chassis","compute1"',
                                   '"requested-chassis","compute2"'))
    code, doc, _ = replay(d)
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_LSP_DRIFT"]
    assert doc["findings"][0]["subject"] == \
        f"{GENEVE1}:options:requested-chassis"


def test_port_claimed_by_another_chassis(tmp_path):
    # the binding's chassis is compute2's row
    d = edited(tmp_path, "geneve-healthy", "network1", f"ovn-sb-pb:{GENEVE1}",
               lambda t: t.replace("909a3c9d-78e5-4492-93e4-9025940d8422",
                                   "77e336fc-1608-4109-ac9f-1b3725e4c472"))
    code, doc, _ = replay(d)
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_WRONG_CHASSIS"]
    assert "Neutron bound it to compute1" in doc["findings"][0]["summary"]


def test_chassis_missing_when_its_hostname_differs(tmp_path):
    d = edited(tmp_path, "geneve-healthy", "network1", "ovn-sb-chassis",
               lambda t: t.replace('"compute1","compute1"',
                                   '"compute1","compute1.example"'))
    code, doc, _ = replay(d)
    assert code == 4
    assert "NETDIAG_OVN_CHASSIS_MISSING" in codes(doc)


def test_missing_tunnel_to_a_peer(tmp_path):
    # compute1's geneve interface to compute2 points elsewhere
    d = edited(tmp_path, "geneve-healthy", "compute1", "ovs-interfaces",
               lambda t: t.replace('"remote_ip","198.18.1.12"',
                                   '"remote_ip","198.18.1.77"'))
    code, doc, _ = replay(d)
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_TUNNEL_MISSING"]
    assert doc["findings"][0]["subject"] == "compute1:compute2"


def test_not_installed_interface(tmp_path):
    d = edited(tmp_path, "geneve-healthy", "compute1", "ovs-interfaces",
               lambda t: t.replace('["ovn-installed","true"],', '', 1))
    code, doc, _ = replay(d)
    assert code == 4
    assert "NETDIAG_OVN_NOT_INSTALLED" in codes(doc)


def test_localnet_tag_against_the_segment(tmp_path):
    d = edited(tmp_path, "vlan-healthy", "network1", "ovn-nb-localnet",
               lambda t: t.replace(",2113]", ",2114]"))
    code, doc, _ = replay(d)
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_LOCALNET_MISMATCH"]
    assert "tag=2114, segment network_name=physnet1, tag=2113" in \
        doc["findings"][0]["summary"]


def test_router_port_missing(tmp_path):
    lrp = "ovn-nb-lrp:8330e200-ba01-43f2-9374-2fb2ce0795df"
    d = edited(tmp_path, "geneve-healthy", "network1", lrp,
               lambda t: '{"data":[],"headings":' + t.split('"headings":')[1])
    code, doc, _ = replay(d)
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_ROUTER_PORT_MISSING"]


def test_gateway_held_by_no_chassis(tmp_path):
    probe = "ovn-sb-pb:cr-lrp-0f33f79d-aaa3-4888-8d3e-583eef5528b3"
    d = edited(tmp_path, "geneve-healthy", "network1", probe,
               lambda t: t.replace('["uuid","e0a7b412-d0f5-401f-b68b-9c50a89c5576"]',
                                   '["set",[]]'))
    code, doc, _ = replay(d)
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_GATEWAY_UNBOUND"]
    assert "candidates: network1 (1)" in doc["findings"][0]["summary"]


def test_underlay_mtu_too_small_for_geneve(tmp_path):
    # br-phy (the encap IP's device) edited from MTU 1500 to 1480: the
    # network's 1442 + 58 of geneve no longer fits
    d = edited(tmp_path, "geneve-healthy", "compute1", "ip-addr",
               lambda t: t.replace('"ifname":"br-phy","flags":["BROADCAST",'
                                   '"MULTICAST","PROMISC","UP","LOWER_UP"],"mtu":1500',
                                   '"ifname":"br-phy","flags":["BROADCAST",'
                                   '"MULTICAST","PROMISC","UP","LOWER_UP"],"mtu":1480'))
    code, doc, _ = replay(d)
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_MTU_TOO_SMALL"]
    assert doc["findings"][0]["summary"] == (
        "compute1: br-phy (198.18.1.11) has MTU 1480; network geneve-net "
        "(MTU 1442) needs 1500 over geneve")


def test_wrong_port_security_is_dropped_by_the_logical_pipeline():
    # port_security set to another MAC in the Northbound (the lab fault):
    # ovn-trace of the port's ping to its router dies in port security
    code, doc, _ = replay(SCENARIOS / "port-security-wrong")
    assert code == 4
    assert codes(doc) == ["NETDIAG_OVN_LSP_DRIFT", "NETDIAG_OVN_TRACE_DROP"]
    logical = rows(doc)[("network1", "ovn-logical")]
    assert (logical["state"], logical["detail"]) == (
        "dropped", "to router lab-router through geneve-net; dropped at "
        "ls_in_apply_port_sec (table 1 of geneve-net)")
    # the chassis drops it too: the two answers agree
    host = rows(doc)[("compute1", "ovn-host-trace")]
    assert (host["state"], host["status"]) == ("agrees", "OK")
    assert host["detail"].startswith("br-int sends it to nowhere; ")


def test_a_port_ovn_does_not_know_is_not_traced():
    # ovn-trace aborts on a logical port missing from the Southbound: the
    # row says so, the findings are the missing rows'
    _, doc, _ = replay(SCENARIOS / "switch-port-deleted")
    logical = rows(doc)[("network1", "ovn-logical")]
    assert (logical["state"], logical["status"]) == ("not traced", "SKIP")
    assert "NETDIAG_COMMAND_FAILED" not in codes(doc)
