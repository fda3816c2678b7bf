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

"""The openvswitch firewall driver's host side, where the sweep of its
mutants found it unasserted: the verdict of a port that is not on br-int,
the ofproto/trace command planned for a packet (the exact flow sent to the
host for the protocols, families and ICMP fields a ``port firewall``
question can name), and an integration bridge other than br-int.

All start from the lab case ``ingress-tcp22-denied`` (port 142e0e0c-...,
MAC fa:16:3e:b7:78:ce, 198.18.17.51, ofport 5 and local VLAN 2 on
compute1), replayed, its recording edited in one place (or, for the
bridge, renamed throughout) as each test says.
"""

import json
import shutil
import types

from osc_netdiag import api
from osc_netdiag.backends.ml2_ovs import fw_openvswitch
from osc_netdiag.checks.engine import HostView
from osc_netdiag import exitcodes
from osc_netdiag.firewall import check
from osc_netdiag.inventory import Inventory
from osc_netdiag.models import Status
from osc_netdiag import secgroups as sg
from osc_netdiag.transport import replay
from tests.unit.firewall import lab_cases as lab
from tests.unit.firewall.test_port_firewall_openvswitch import DENIED
from tests.unit.firewall.test_trace_firewall_hop import TRACE
from tests.unit.mutation.test_fw_ovs_values import DENIED_PORT

MAC = "fa:16:3e:b7:78:ce"
PEER = "02:00:00:00:00:01"      # fw_openvswitch.PEER_MAC
TAP = "tap142e0e0c-2c"
TAP_PORT_UUID = "4b3a8bb3-add4-4c54-8104-b42e5e6a30aa"  # its interface
V6_OWN = "fe80::f816:3eff:feb7:78ce"    # the port's link-local address


def _view(case, edit=None):
    """compute1's recorded answers of ``case`` as the driver reads them;
    ``edit(commands)`` changes the recorded commands first.
    """
    data = json.loads((lab.LAB / case / "host" / "hosts" /
                       "compute1.json").read_text())
    if edit:
        edit(data["commands"])
    results = [replay.result_from_dict(c) for c in data["commands"]]
    return HostView("compute1", types.SimpleNamespace(
        error=None, results=results), [])


def _trace_argv(view, **question):
    """The ofproto/trace command planned for ``question``'s packet."""
    packet = api.firewall_packet(**question)
    probes = fw_openvswitch.more_probes(lab.intent(DENIED), view, packet)
    assert probes[-1].name.startswith("ofproto-trace:br-int:")
    return probes[-1].argv


def _flow(*fields):
    return ("ovs-appctl", "ofproto/trace", "br-int", ",".join(fields))


INGRESS = ("in_port=LOCAL", "dl_vlan=2")
IN_MACS = (f"dl_src={PEER}", f"dl_dst={MAC}")


def test_a_port_not_on_br_int_is_denied_by_the_host(tmp_path):
    # the interface's iface-id one digit off the port's ID (as in
    # test_fw_ovs_values): no ofport, so nothing is traced and the host's
    # verdict says why (kills fw_openvswitch host_verdict mutants 8-19:
    # the verdict's decision, what decided it, its source or its detail
    # changed, lost or shifted)
    result = lab.run(DENIED, tmp_path, {"ovs-interfaces": lab.replace(
        f'["iface-id","{DENIED_PORT}"]', f'["iface-id","{DENIED_PORT[:-1]}7"]'
    )})
    assert result.host_verdict == sg.Verdict(
        sg.DENY, "no ofport", "host",
        f"port {DENIED_PORT} is not on br-int")
    assert result.host_verdict.decision == "deny"


def test_a_protocol_with_no_flow_token_is_traced_by_number():
    # GRE (47) has no ofctl token: the flow names the family and
    # nw_proto (kills trace_flow mutants 41-46: the family's word, and
    # 60-62: nw_proto left out or broken)
    view = _view(DENIED)
    assert _trace_argv(view, remote_ip="203.0.113.5", protocol="gre") == \
        _flow(*INGRESS, "ip", *IN_MACS, "nw_src=203.0.113.5",
              "nw_dst=198.18.17.51", "nw_proto=47")
    assert _trace_argv(view, remote_ip="2001:db8::5", protocol="47",
                       direction="egress") == \
        _flow("in_port=5", "ipv6", f"dl_src={MAC}", f"dl_dst={PEER}",
              f"ipv6_src={V6_OWN}", "ipv6_dst=2001:db8::5", "nw_proto=47")


def test_an_icmp_type_and_code_are_traced_as_asked():
    # --icmp-type 3 --icmp-code 1 (port unreachable... host unreachable)
    # (kills trace_flow mutants 80: the type replaced by the default, 83:
    # the code replaced by 0)
    view = _view(DENIED)
    assert _trace_argv(view, remote_ip="203.0.113.5", protocol="icmp",
                       icmp_type=3, icmp_code=1) == \
        _flow(*INGRESS, "icmp", *IN_MACS, "nw_src=203.0.113.5",
              "nw_dst=198.18.17.51", "icmp_type=3", "icmp_code=1")


def test_an_icmp_echo_reply_is_traced_as_type_0():
    # --icmp-type 0 is an echo reply: it was once read as "no type" and
    # traced as an echo request (type 8)
    view = _view(DENIED)
    assert _trace_argv(view, remote_ip="203.0.113.5", protocol="icmp",
                       icmp_type=0, icmp_code=0) == \
        _flow(*INGRESS, "icmp", *IN_MACS, "nw_src=203.0.113.5",
              "nw_dst=198.18.17.51", "icmp_type=0", "icmp_code=0")
    assert _trace_argv(view, remote_ip="2001:db8::5", protocol="icmpv6",
                       icmp_type=0, icmp_code=0, direction="egress") == \
        _flow("in_port=5", "icmp6", f"dl_src={MAC}", f"dl_dst={PEER}",
              f"ipv6_src={V6_OWN}", "ipv6_dst=2001:db8::5",
              "icmpv6_type=0", "icmpv6_code=0")


def test_an_icmp_packet_with_no_type_is_traced_as_an_echo_request():
    # a Python API caller may hand port_firewall a Packet of its own, with
    # no ICMP type (the CLI's firewall_packet always sets one): the flow
    # traced is then the echo request, 8 for IPv4 and 128 for IPv6
    # (kills trace_flow mutants 75-79: that default lost or changed)
    view = _view(DENIED)
    for ethertype, remote, word, expected in (
            ("IPv4", "203.0.113.5", "icmp", "icmp_type=8"),
            ("IPv6", "2001:db8::5", "icmp6", "icmpv6_type=128")):
        packet = sg.Packet(direction="egress", ethertype=ethertype,
                           protocol=word.replace("6", "v6"),
                           remote_ip=remote)
        probes = fw_openvswitch.more_probes(lab.intent(DENIED), view, packet)
        flow = probes[-1].argv[-1].split(",")
        assert flow[0] == "in_port=5" and word in flow, flow
        assert [f for f in flow if "_type=" in f or "_code=" in f] == [
            expected, expected.split("_")[0] + "_code=0"], flow


def test_an_ingress_packet_of_an_untagged_port_is_traced_on_vlan_0():
    # the port's OVS Port record without its tag (ovs-vsctl prints
    # ["set",[]] before the agent tags a port; edited from 2): the packet
    # enters br-int untagged (kills trace_flow mutant 33: dl_vlan=1)
    def untag(commands):
        [record] = [c for c in commands if c["name"] == "ovs-ports"]
        record["stdout"] = lab.replace(
            f'"{TAP}",["uuid","{TAP_PORT_UUID}"],2,',
            f'"{TAP}",["uuid","{TAP_PORT_UUID}"],["set",[]],')(
                record["stdout"])
    view = _view(DENIED, untag)
    assert _trace_argv(view, remote_ip="203.0.113.5", protocol="tcp",
                       port=22) == \
        _flow("in_port=LOCAL", "dl_vlan=0", "tcp", *IN_MACS,
              "nw_src=203.0.113.5", "nw_dst=198.18.17.51",
              "tp_src=40000", "tp_dst=22")


def test_the_agents_integration_bridge_is_traced(tmp_path):
    # compute1's agent reports integration_bridge br-vm (agents.json
    # edited) and the recording is renamed to match: every command on
    # br-int (names, argv, the bridge list and the trace's output) reads
    # br-vm. The verdict is the recorded one, on br-vm (kills
    # fw_openvswitch host_verdict mutant 31: the trace read on br-int,
    # the default, which was not planned)
    target = tmp_path / DENIED
    shutil.copytree(lab.LAB / DENIED / "host", target)
    path = target / "hosts" / "compute1.json"
    data = json.loads(path.read_text())
    for command in data["commands"]:
        command["name"] = command["name"].replace("br-int", "br-vm")
        command["argv"] = [a.replace("br-int", "br-vm")
                           for a in command["argv"]]
        if command["name"] in ("ovs-bridges",) or \
                command["name"].startswith("ofproto-trace:"):
            command["stdout"] = command["stdout"].replace("br-int", "br-vm")
    path.write_text(json.dumps(data))

    def bridge(bodies):
        for agent in bodies["agents.json"]["agents"]:
            if agent["host"] == "compute1" and \
                    agent["binary"] == "neutron-openvswitch-agent":
                agent["configurations"]["integration_bridge"] = "br-vm"
    result = check.check_intent(
        lab.intent(DENIED, bridge), packet=lab.question(DENIED),
        inventory=Inventory(), transport=replay.ReplayTransport(str(target)))
    assert result.host_verdict == sg.Verdict(
        "deny", "table 82: ct_state=-est,reg5=0x5, priority 40", "host",
        "ofproto/trace on br-vm: tables 0 -> 58 -> 59 -> 60 -> 81 -> 82 -> "
        "93; conntrack assumed trk|new")
    assert result.findings == ()


def test_an_interface_ovs_could_not_add_has_no_ofport(tmp_path):
    # the port's Interface row with ofport -1 (what OVS writes for an
    # interface it could not add; edited from 5): the port is not on
    # br-int, so nothing is traced (kills fw_openvswitch wiring mutant 5:
    # ofport -1 taken as the port's)
    result = lab.run(DENIED, tmp_path, {"ovs-interfaces": lab.replace(
        f'"{TAP}","",5,', f'"{TAP}","",-1,')})
    assert result.host_verdict == sg.Verdict(
        "deny", "no ofport", "host", f"port {DENIED_PORT} is not on br-int")
    assert [(f.code, f.summary) for f in result.findings] == [(
        "NETDIAG_OVS_PORT_MISSING", "no interface of br-int on compute1 has "
        f"iface-id {DENIED_PORT}")]
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_an_interface_whose_port_row_is_not_listed(tmp_path):
    # the port's Port row named tap142e0e0c-2d (edited from -2c; as a Port
    # added after ovs-vsctl listed the Ports would be missing): the
    # interface is found, with no local VLAN (kills fw_openvswitch wiring
    # mutant 14: the missing Port's tag read)
    result = lab.run(DENIED, tmp_path, {"ovs-ports": lab.replace(
        f'"{TAP}",["uuid","{TAP_PORT_UUID}"]',
        f'"tap142e0e0c-2d",["uuid","{TAP_PORT_UUID}"]')}, packet=None)
    assert result.findings == ()
    assert result.exit_code == exitcodes.OK
    hop = next(h for h in result.rows if h.host == "compute1")
    assert (hop.device, hop.state, hop.detail) == (
        TAP, "ofport 5", "table 60 sends it to the firewall (reg5=0x5, "
        "zone 2)")


# -- fw_ovs_base: the port's DHCP, RA and ingress base flows -----------------

T71 = "flows:br-int:table=71,reg5=5"
T81 = "flows:br-int:table=81,reg5=5"
RESTART = ("Restart neutron-openvswitch-agent on compute1: it re-installs "
           "every firewall flow of its ports.")


def _edits(*pairs):
    """One change of a recorded table: each (old, new) in turn."""
    def change(text):
        for old, new in pairs:
            text = lab.replace(old, new)(text)
        return text
    return change


def _base(result):
    (hop,) = [h for h in result.rows if h.device == "nd-dhcp-ra"]
    return hop.state, hop.detail, hop.status


def test_dhcpv6_and_ra_replies_of_the_port_sent_on(tmp_path):
    # table 71: the flows that drop the port's DHCPv6 replies (udp6
    # 547->546) and router advertisements (icmp6 type 134) send them to
    # table 73 (the rules) instead of 93 (drop): present, and wrong
    # (kills fw_ovs_base _check_dhcp_ra's mutants of these two findings and
    # their problems, and check_base's join of the problems)
    result = lab.run(DENIED, tmp_path, {T71: _edits(
        ("tp_src=547,tp_dst=546 actions=resubmit(,93)",
         "tp_src=547,tp_dst=546 actions=resubmit(,73)"),
        ("icmp_type=134 actions=resubmit(,93)",
         "icmp_type=134 actions=resubmit(,73)"))}, packet=None)
    port = DENIED_PORT
    assert [(f.code, f.subject, f.summary, f.remedy)
            for f in result.findings] == [
        ("NETDIAG_FW_OF_DHCP_SPOOF_MISSING", f"compute1:{port}:dhcpv6",
         f"no flow drops DHCPv6 server replies sent by port {port} on "
         "compute1",
         f"The flow that drops DHCP server replies sent by port {port} is "
         "missing on compute1: the instance could act as a DHCP server on its "
         f"network. {RESTART}"),
        ("NETDIAG_FW_OF_RA_SPOOF_MISSING", f"compute1:{port}:ra",
         f"no flow drops IPv6 router advertisements sent by port {port} on "
         "compute1",
         "The flow that drops IPv6 router advertisements sent by port "
         f"{port} is missing on compute1: the instance could act as a "
         f"router for its network. {RESTART}")]
    assert _base(result) == (
        "wrong", "DHCPv6 replies from the port not dropped; router "
        "advertisements from the port not dropped", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_arp_and_dhcpv6_replies_sent_to_another_port(tmp_path):
    # table 81: the port's ARP and DHCPv6 reply flows output to ofport 6
    # instead of 5 (kills fw_ovs_base _check_ingress mutants 9, 21, 23:
    # the finding's subject and the separators of what is lacking)
    result = lab.run(DENIED, tmp_path, {T81: _edits(
        ("priority=100,arp,reg5=0x5 actions=output:5",
         "priority=100,arp,reg5=0x5 actions=output:6"),
        ("tp_src=547,tp_dst=546 actions=output:5",
         "tp_src=547,tp_dst=546 actions=output:6"))}, packet=None)
    port = DENIED_PORT
    lacking = "ARP, DHCPv6 replies"
    assert [(f.code, f.subject, f.summary, f.remedy)
            for f in result.findings] == [(
                "NETDIAG_FW_OF_INGRESS_BASE_MISSING",
                f"compute1:{port}:ingress-base",
                f"table 81 on compute1 does not let {lacking} reach port "
                f"{port}",
                f"Table 81 on compute1 does not let {lacking} reach port "
                f"{port}: address resolution, neighbour discovery or DHCP "
                f"to the instance fails. {RESTART}")]
    assert _base(result) == (
        "wrong", "ARP to the port not let in; DHCPv6 replies to the port "
        "not let in", Status.ERROR)


# -- fw_hop: port trace's firewall hop of a hybrid-plugged port -------------

def test_a_hybrid_plugged_ports_firewall_read_from_iptables(tmp_path):
    # the saved trace of vxlan1 (openvswitch driver), its firewall intent
    # edited to hybrid_plug true: the hop is judged by the iptables_hybrid
    # view, which reads iptables-save, a command this recording does not
    # hold (kills fw_hop _judge mutants 15-17: the view's judge called
    # without the host's answers, or with one argument)
    target = tmp_path / "vxlan1"
    shutil.copytree(TRACE, target)
    context = json.loads((target / "context.json").read_text())
    context["firewall"]["hybrid_plug"] = True
    (target / "context.json").write_text(json.dumps(context))
    trace = api.trace_from_capture(str(target))
    said = "error, exit -: iptables-filter: not in capture"
    (hop,) = [h for h in trace.hops if h.kind == "firewall"]
    assert (hop.host, hop.device, hop.state, hop.detail, hop.status) == (
        "compute1", "firewall", "error", f"not checked: {said}",
        Status.SKIP)
    assert [(f.code, f.summary) for f in trace.findings] == [(
        "NETDIAG_COMMAND_FAILED",
        f"could not read 'iptables-save -c -t filter' on compute1: {said}; "
        "not checked: firewall firewall")]
    assert trace.exit_code == exitcodes.UNREADABLE


def test_two_nd_flows_of_the_link_local_address_for_another_mac(tmp_path):
    # table 71: the port's ND flows of types 130 and 133 from its
    # link-local address match dl_src fa:16:3e:b7:78:cf, not the port's
    # :ce (kills fw_ovs_base _check_nd mutants 45, 47: the separators of
    # what is lacking, and sources mutant 21: what the address is called)
    source = f"dl_src={MAC},ipv6_src={V6_OWN},icmp_type="
    other = f"dl_src=fa:16:3e:b7:78:cf,ipv6_src={V6_OWN},icmp_type="
    result = lab.run(DENIED, tmp_path, {T71: _edits(
        (f"{source}130", f"{other}130"), (f"{source}133", f"{other}133"))},
        packet=None)
    port = DENIED_PORT
    lacking = "ICMPv6 type 130, ICMPv6 type 133"
    assert [(f.code, f.subject, f.summary, f.remedy)
            for f in result.findings] == [(
                "NETDIAG_FW_OF_ND_MISSING", f"compute1:{port}:nd:{V6_OWN}",
                f"table 71 on compute1 lacks the IPv6 neighbour discovery "
                f"flows of port {port}'s link-local address {V6_OWN} (MAC "
                f"{MAC}): {lacking}",
                f"Port {port}'s IPv6 neighbour discovery for {V6_OWN} (MAC "
                f"{MAC}) lacks {lacking} on compute1: its neighbours cannot "
                "resolve (or it cannot announce) that address, and IPv6 "
                f"traffic to it fails. {RESTART}")]
    assert _base(result) == ("wrong", f"ND of {V6_OWN} missing",
                             Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING
