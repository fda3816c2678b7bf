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

"""Port trace's br-tun hops, field by field, where the unjudged mutants of
``backends.ml2_ovs.tunnel`` found them unasserted: the tunnel-ID
translation that is there but sets no VLAN, a flood flow listed after
another flow, a network on geneve tunnels, a first peer whose tunnel
points elsewhere, and a tunnel port without ``local_ip``.

All replay vxlan-healthy (VNI 1295 = 0x50f; on compute1 local VLAN 2,
vxlan-c612010c to compute2 198.18.1.12 at ofport 2 and vxlan-c612010d to
network1 198.18.1.13 at ofport 4), edited where each test says.
"""

import json

from osc_netdiag import exitcodes
from osc_netdiag.models import Status
from tests.unit.test_trace_faults import trace_of
from tests.unit.test_trace_faults import vxlan  # noqa: F401 (a fixture)

FLOOD = ("priority=1,dl_vlan=2 actions=strip_vlan,"
         "load:0x50f->NXM_NX_TUN_ID[],output:2,output:4")


def _rows(trace, host, kind):
    return [(h.device, h.state, h.detail, h.status) for h in trace.hops
            if h.host == host and h.kind == kind]


def _edit(capture, host, command, change):
    """``change(stdout)`` returns the edited stdout of ``command``."""
    path = capture.path / "hosts" / f"{host}.json"
    data = json.loads(path.read_text())
    [record] = [c for c in data["commands"] if c["name"] == command]
    edited = change(record["stdout"])
    assert edited != record["stdout"], "the edit changed nothing"
    record["stdout"] = edited
    path.write_text(json.dumps(data))


def _replace(old, new, count):
    def change(text):
        assert text.count(old) == count, (old, text.count(old))
        return text.replace(old, new)
    return change


def test_a_translation_that_sets_no_vlan_is_named_with_its_tunnel_id(
        vxlan):  # noqa: F811
    # compute1, br-tun tun_id=0x50f: the table=4 flow is there but its
    # mod_vlan_vid:2 is gone (it resubmits untranslated). Kills tunnel
    # _tun_to_lv_flow mutants 37 (the absent row's "table=" prefix "XXXX"),
    # 62 and 63 (the finding's seg value renamed or None: the remedy)
    vxlan.replace("compute1", "flows:br-tun:tun_id=0x50f",
                  "actions=mod_vlan_vid:2,resubmit(,10)",
                  "actions=resubmit(,10)")
    trace = trace_of(vxlan)
    assert [(f.code, f.subject, f.summary, f.remedy)
            for f in trace.findings] == [(
                "NETDIAG_OVS_NO_TUNNEL_TRANSLATION", "compute1:br-tun",
                "no flow on br-tun maps tunnel ID 0x50f to local VLAN 2 on "
                "compute1",
                "Restart neutron-openvswitch-agent on compute1: it "
                "re-installs br-tun's flows; traffic arriving with tunnel ID "
                "0x50f is dropped until then.")]
    assert _rows(trace, "compute1", "flow")[0] == (
        "br-tun tun_id=0x50f", "absent",
        "tun_id=0x50f -> mod_vlan_vid:2 missing", Status.ERROR)
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_the_flood_flow_is_found_after_the_tables_other_flows(
        vxlan):  # noqa: F811
    # compute1, br-tun table=22: the two recorded flows listed the other
    # way round, the default drop first (ovs-ofctl lists a table in no
    # fixed order). Kills tunnel _flood_flow mutant 21 (the scan of the
    # table stopping at the first flow of another VLAN)
    def drop_first(text):
        header, flood, drop, end = text.split("\n")
        assert FLOOD in flood and "priority=0 actions=drop" in drop
        return "\n".join((header, drop, flood, end))
    _edit(vxlan, "compute1", "flows:br-tun:table=22", drop_first)
    trace = trace_of(vxlan)
    assert trace.findings == ()
    assert _rows(trace, "compute1", "flow")[1] == (
        "br-tun table=22", "present",
        "dl_vlan=2 -> tun_id 0x50f, 2 tunnel output(s) (n_packets=7)",
        Status.OK)
    assert trace.exit_code == exitcodes.OK


def _geneve(capture):
    # the network made geneve: its segment in the context, and the four
    # tunnel interfaces of compute1 and network1 named and typed as the
    # agent makes geneve ports ("geneve-" and the remote IP in hex)
    capture.edit_context(lambda d: d["network"]["segments"][0].update(
        network_type="geneve"))
    for host, peers in (("compute1", ("c612010c", "c612010d")),
                        ("network1", ("c612010b", "c612010c"))):
        for peer in peers:
            _edit(capture, host, "ovs-interfaces", _replace(
                f'"vxlan-{peer}","vxlan"', f'"geneve-{peer}","geneve"', 1))
            _edit(capture, host, "ovs-ports", _replace(
                f'"vxlan-{peer}"', f'"geneve-{peer}"', 1))


def test_geneve_tunnels_are_tunnels(vxlan):  # noqa: F811
    # kills tunnel _tunnel_ports mutants 12 and 13 ("geneve" misspelt in
    # the tunnel types: no geneve port found, each peer "missing")
    _geneve(vxlan)
    trace = trace_of(vxlan)
    assert trace.findings == ()
    assert _rows(trace, "compute1", "tunnel") == [
        ("geneve-c612010c", "present", "to compute2 remote_ip=198.18.1.12 "
         "local_ip=198.18.1.11, ofport 2, in the flood flow", Status.OK),
        ("geneve-c612010d", "present", "to network1 remote_ip=198.18.1.13 "
         "local_ip=198.18.1.11, ofport 4, in the flood flow", Status.OK)]
    assert trace.exit_code == exitcodes.OK


def test_a_wrong_first_tunnel_leaves_the_next_peer_checked(
        vxlan):  # noqa: F811
    # compute1, ovs-interfaces: vxlan-c612010c's remote_ip 198.18.1.12
    # (compute2, the first peer by name) -> 198.18.1.99: the port is there
    # but reaches no peer. Kills tunnel _tunnel_ports mutant 64 (the loop
    # over the peers ending at the first missing one: network1's tunnel
    # unchecked)
    tunnel = ('"vxlan-c612010c","vxlan",2,["map",[["df_default","true"],'
              '["egress_pkt_mark","0"],["in_key","flow"],'
              '["local_ip","198.18.1.11"],["out_key","flow"],')
    vxlan.replace("compute1", "ovs-interfaces",
                  tunnel + '["remote_ip","198.18.1.12"]',
                  tunnel + '["remote_ip","198.18.1.99"]')
    trace = trace_of(vxlan)
    assert [(f.code, f.subject, f.summary) for f in trace.findings] == [(
        "NETDIAG_TUNNEL_MISSING", "compute1->compute2",
        "no vxlan port on br-tun of compute1 reaches compute2 "
        "(198.18.1.12)")]
    assert _rows(trace, "compute1", "tunnel") == [
        ("vxlan to compute2", "absent",
         "remote_ip=198.18.1.12 not found on br-tun", Status.ERROR),
        ("vxlan-c612010d", "present", "to network1 remote_ip=198.18.1.13 "
         "local_ip=198.18.1.11, ofport 4, in the flood flow", Status.OK)]
    assert trace.exit_code == exitcodes.ERROR_FINDING


def test_a_tunnel_without_local_ip_shows_a_dash(vxlan):  # noqa: F811
    # compute1, ovs-interfaces: the local_ip option of vxlan-c612010c
    # removed. Kills
    # tunnel _tunnel_ports mutants 79, 81 and 84 (the placeholder None or
    # "XX-XX" instead of "-")
    tunnel = ('"vxlan-c612010c","vxlan",2,["map",[["df_default","true"],'
              '["egress_pkt_mark","0"],["in_key","flow"],')
    vxlan.replace("compute1", "ovs-interfaces",
                  tunnel + '["local_ip","198.18.1.11"],["out_key","flow"]',
                  tunnel + '["out_key","flow"]')
    trace = trace_of(vxlan)
    assert _rows(trace, "compute1", "tunnel")[0] == (
        "vxlan-c612010c", "present", "to compute2 remote_ip=198.18.1.12 "
        "local_ip=-, ofport 2, in the flood flow", Status.OK)
    assert trace.exit_code == exitcodes.OK
