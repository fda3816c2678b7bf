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

"""``port firewall --conntrack`` on scenarios recorded on the lab with
--save-capture while vxlan1 held a TCP connection to vxlan2 (port 5001)
and pinged it: the hybrid port's kernel entries in its zone (from the raw
table's CT --zone), the openvswitch port's userspace datapath entries in
its zone (its local VLAN); each edit of a recorded answer is said where
it is made."""

import json
import pathlib
import shutil

from osc_netdiag import exitcodes
from osc_netdiag.firewall import check
from osc_netdiag.firewall import conntrack
from osc_netdiag.parsers.conntrack import Entry
from osc_netdiag.parsers.conntrack import Tuple
from osc_netdiag import secgroups as sg
from osc_netdiag.v1 import firewall as firewall_cmd
from tests.unit.helpers import run_command

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "firewall" / \
    "scenarios"
A, B = "198.18.17.93", "198.18.17.19"


def replayed(name):
    return check.firewall_from_capture(str(SCENARIOS / name))


def rows(result):
    return [(r.host, r.state, r.detail) for r in result.rows
            if r.kind == "conntrack"]


def test_hybrid_tcp_entries_of_the_flow_in_the_ports_zone():
    result = replayed("hybrid-vxlan2-tcp-conntrack")
    assert (result.exit_code, result.findings) == (exitcodes.OK, ())
    assert [(h, s) for h, s, _ in rows(result)] == [
        ("compute2", "TIME_WAIT"), ("compute2", "ESTABLISHED")]
    assert rows(result)[1][2] == (
        f"tcp {A} 36614 -> {B} 5001, reply {B} 5001 -> {A} 36614; zone "
        "4097 [ASSURED]; opened by the remote end (ingress); 431995 s to "
        "live")
    doc = result.to_dict()
    assert (doc["evaluated"], doc["conntrack"]["evaluated"],
            doc["conntrack"]["zone"]) == ("new", "new", 4097)
    assert [(e["state"], e["opened_by"]) for e in
            doc["conntrack"]["entries"]] == [
        ("TIME_WAIT", "opened by the remote end"),
        ("ESTABLISHED", "opened by the remote end")]
    (evidence,) = [r.evidence[0].command for r in result.rows
                   if r.kind == "conntrack"][:1]
    assert evidence == "conntrack -L -w 4097 -f ipv4 -p tcp"
    # the raw table is read with the chains, the entries then: two trips
    assert result.round_trips == 2


def test_hybrid_icmp_entry():
    result = replayed("hybrid-vxlan2-icmp-conntrack")
    assert [s for _, s, _ in rows(result)] == ["icmp"]
    assert "type 8 code 0 id 14572" in rows(result)[0][2]


def test_openvswitch_entries_from_the_userspace_datapath():
    result = replayed("openvswitch-vxlan1-tcp-conntrack")
    assert rows(result) == [(
        "compute1", "ESTABLISHED",
        f"tcp {A} 59026 -> {B} 5001, reply {B} 5001 -> {A} 59026; zone 2; "
        "opened by the port (egress)")]
    # the ICMP entry of the same zone is another protocol: left out
    assert len(result.conntrack["entries"]) == 1


def test_the_zone_is_the_ports_own(tmp_path):
    # edit: the raw table's CT --zone of vxlan2's tap says 4098 (another
    # port's zone), so conntrack -L -w 4098 is asked, which the capture
    # does not hold: the entries are not read, and the run says so
    target = tmp_path / "case"
    shutil.copytree(SCENARIOS / "hybrid-vxlan2-tcp-conntrack", target)
    path = target / "hosts" / "compute2.json"
    data = json.loads(path.read_text())
    (raw,) = [c for c in data["commands"] if c["name"] == "iptables-raw"]
    old = ("--physdev-in tap29a78755-11 -m comment --comment \"Set zone for "
           "29a78755-1198-4bbd-808b-df9c67dc67da\" -j CT --zone 4097")
    assert old in raw["stdout"]
    raw["stdout"] = raw["stdout"].replace(old, old[:-4] + "4098")
    path.write_text(json.dumps(data))
    result = check.firewall_from_capture(str(target))
    assert [f.code for f in result.findings] == ["NETDIAG_COMMAND_FAILED"]
    assert "conntrack -L -w 4098" in result.findings[0].summary
    assert result.exit_code == exitcodes.UNREADABLE


def packet(**kw):
    base = dict(direction="ingress", ethertype="IPv4", protocol="tcp",
                remote_ip=A, port=5001)
    base.update(kw)
    return sg.Packet(**base)


def test_matching_keeps_the_flow_only():
    intent = check.sg.intent_from_json(json.loads(
        (SCENARIOS / "hybrid-vxlan2-tcp-conntrack" / "context.json")
        .read_text())["intent"])
    flow = Entry("tcp", "ESTABLISHED", Tuple(A, B, 40000, 5001),
                 Tuple(B, A, 5001, 40000), 4097)
    other_port = Entry("tcp", "ESTABLISHED", Tuple(A, B, 40000, 22),
                       Tuple(B, A, 22, 40000), 4097)
    other_peer = Entry("tcp", "ESTABLISHED", Tuple("198.18.17.7", B, 1, 5001),
                       Tuple(B, "198.18.17.7", 5001, 1), 4097)
    udp = Entry("udp", None, Tuple(A, B, 40000, 5001),
                Tuple(B, A, 5001, 40000), 4097)
    found = conntrack.matching([flow, other_port, other_peer, udp], intent,
                               packet())
    assert [e for e, _ in found] == [flow]
    assert conntrack.matching([flow], intent, packet(port=22)) == []
    assert conntrack.evaluated(packet(established=True)) == "established"


def test_conntrack_needs_a_question():
    try:
        run_command(firewall_cmd.PortFirewall, "vxlan2", "--conntrack")
    except SystemExit as exc:
        assert exc.code == exitcodes.USAGE
    else:
        raise AssertionError("no usage error")


def test_the_answer_says_which_case_it_evaluated(monkeypatch):
    # the lab's recorded --established question (ofproto/trace with
    # --ct-next trk,est,rpl): the table's verdict line and -f json say so
    from tests.unit.firewall.test_firewall_command import run
    argv = ("--remote-ip", "203.0.113.5", "--protocol", "tcp", "--port",
            "22", "--established")
    code, app = run(monkeypatch, "ingress-tcp22-established", *argv)
    assert code == exitcodes.OK
    assert "(evaluated: an established connection)" in \
        app.stdout.getvalue()
    code, app = run(monkeypatch, "ingress-tcp22-established", *argv,
                    "-f", "json")
    assert json.loads(app.stdout.getvalue())["evaluated"] == "established"
