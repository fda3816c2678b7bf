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

"""port trace's qvb and qvo hops of an iptables_hybrid plug, each end of
the veth pair as it is on the host, on the real host listing
tests/fixtures/captures/ip-d-j-addr--host.out (edited as each comment
says; the harness is the hybrid plug's mutation tests')."""

from tests.unit.mutation.test_hybrid_plug import findings
from tests.unit.mutation.test_hybrid_plug import healthy
from tests.unit.mutation.test_hybrid_plug import hops
from tests.unit.mutation.test_hybrid_plug import QBR
from tests.unit.mutation.test_hybrid_plug import QVB
from tests.unit.mutation.test_hybrid_plug import QVO
from tests.unit.mutation.test_hybrid_plug import run


def veth_hops(report):
    return [h[1:] for h in hops(report) if h[2] == "veth"]


def test_healthy_pair_two_hops_after_the_bridge():
    report = run(healthy)
    assert [h[2] for h in hops(report)] == ["tap", "linux-bridge", "veth",
                                            "veth"]
    assert veth_hops(report) == [
        (QVB, "veth", "UP", f"in {QBR}, peer {QVO}, MTU 1500", "OK"),
        (QVO, "veth", "UP", f"in no bridge, peer {QVB}, MTU 1450", "OK")]


def test_qvb_in_the_wrong_bridge_shows_on_its_hop():
    def edit(links):
        healthy(links)
        links[QVB]["master"] = "br-x"           # edit: qvb in br-x
    report = run(edit)
    assert veth_hops(report)[0] == (
        QVB, "veth", "wrong",
        f"in br-x, peer {QVO}, MTU 1500; in br-x, not {QBR}", "ERROR")
    assert veth_hops(report)[1][2] == "UP"
    assert [f[0] for f in findings(report)] == [
        "NETDIAG_HYBRID_BRIDGE_BROKEN"]


def test_qvo_paired_with_another_device():
    def edit(links):
        healthy(links)
        links[QVO]["link"] = "qvbffffffff-ff"   # edit: qvo's peer another
    report = run(edit)
    assert veth_hops(report)[1] == (
        QVO, "veth", "wrong",
        f"in no bridge, peer qvbffffffff-ff, MTU 1450; peer qvbffffffff-ff, "
        f"not {QVB}", "ERROR")


def test_an_end_that_is_not_a_veth():
    def edit(links):
        healthy(links)
        links[QVO]["linkinfo"]["info_kind"] = "dummy"   # edit: qvo a dummy
    assert "kind dummy, not veth" in veth_hops(run(edit))[1][3]


def test_a_missing_end():
    def edit(links):
        healthy(links)
        links["_all"].remove(links[QVB])        # edit: no qvb
    assert veth_hops(run(edit))[0] == (QVB, "veth", "absent",
                                       f"no device {QVB}", "ERROR")
