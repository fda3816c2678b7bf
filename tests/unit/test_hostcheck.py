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

"""host check on captures recorded from the real lab (tests/lab records
them with NETDIAG_RECORD_FIXTURES), and on variations of their API context.
"""

import dataclasses
import json
import pathlib
import shutil

import pytest

from osc_netdiag import exitcodes
from osc_netdiag import hostcheck
from osc_netdiag import runner
from osc_netdiag.v1 import host as host_cmd
from tests.unit import helpers
from tests.unit.helpers import codes

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "hostcheck"


def load(scenario):
    return hostcheck.check_from_capture(str(FIXTURES / scenario))


def context_of(scenario):
    return helpers.recorded_context(FIXTURES / scenario,
                                    hostcheck.HostCheckContext,
                                    runner.CONTEXT_FILE)


def rows(result, kind=None, status=None):
    return [r for r in result.rows
            if (kind is None or r.kind == kind)
            and (status is None or str(r.status) == status)]


def with_context(scenario, **changes):
    """Replay ``scenario`` against an API context changed by ``changes``."""
    return helpers.replay_context(
        hostcheck.check_context,
        dataclasses.replace(context_of(scenario), **changes),
        FIXTURES / scenario)


def test_healthy_lab():
    result = load("healthy")
    assert result.exit_code == exitcodes.OK
    assert codes(result) == ["NETDIAG_HOST_EXTRA_BRIDGE"] * 3
    assert {f.subject for f in result.findings} == {
        "compute1:br-phy", "compute2:br-phy", "network1:br-phy"}
    assert all(str(f.severity) == "INFO" for f in result.findings)
    assert rows(result, status="ERROR") == rows(result, status="WARN") == []
    # one batch per host
    assert result.round_trips == 3
    assert len(rows(result, kind="tunnel")) == 12
    assert len(rows(result, kind="patch")) == 7
    assert [r.state for r in rows(result, kind="agent")] == ["alive"] * 3
    spaces = [r.device for r in rows(result, kind="namespace")]
    assert len(spaces) == 3 and all(s.startswith(("qrouter-", "qdhcp-"))
                                    for s in spaces)


def test_virbr0_and_ovs_internal_ports_are_not_flagged():
    result = load("healthy")
    interfaces = rows(result, kind="interface")
    assert "virbr0" not in {r.device for r in interfaces}
    down = [r for r in interfaces if r.state.startswith("DOWN")]
    assert {r.device for r in down} >= {"br-int", "br-tun"}
    assert all(str(r.status) == "OK" for r in down)


def test_tunnel_port_removed():
    result = load("tunnel-removed")
    assert result.exit_code == exitcodes.ERROR_FINDING
    assert codes(result, "ERROR") == ["NETDIAG_TUNNEL_MISSING"]
    [finding] = [f for f in result.findings
                 if f.code == "NETDIAG_TUNNEL_MISSING"]
    assert finding.subject == "compute1->compute2"
    assert "198.18.1.12" in finding.summary and "vxlan" in finding.summary


def test_stale_namespace_is_a_warning():
    result = load("stale-namespace")
    assert result.exit_code == exitcodes.OK
    [stale] = [f for f in result.findings
               if f.code == "NETDIAG_HOST_NAMESPACE_STALE"]
    assert stale.subject.startswith("network1:qrouter-")
    assert "ip netns delete qrouter-" in stale.remedy
    assert [r.state for r in rows(result, kind="namespace", status="WARN")] \
        == ["stale"]


def test_patch_peer_renamed():
    result = load("patch-peer")
    assert result.exit_code == exitcodes.ERROR_FINDING
    assert set(codes(result, "ERROR")) == {"NETDIAG_OVS_PATCH_PEER",
                                           "NETDIAG_OVS_PORT_OFPORT"}
    [patch] = rows(result, kind="patch", status="ERROR")
    assert patch.host == "compute2" and "patch-nowhere" in patch.detail


def test_dead_agent_with_connected_controllers():
    context = context_of("healthy")
    agents = dict(context.ovs_agents)
    agents["compute2"] = dataclasses.replace(agents["compute2"], alive=False)
    result = with_context("healthy", ovs_agents=agents)
    assert result.exit_code == exitcodes.ERROR_FINDING
    [dead] = [f for f in result.findings if f.code == "NETDIAG_AGENT_DEAD"]
    assert dead.subject == "compute2:Open vSwitch agent"


def test_tunnels_to_a_removed_agent_are_stale():
    context = context_of("healthy")
    agents = {h: a for h, a in context.ovs_agents.items() if h != "compute2"}
    result = with_context("healthy", ovs_agents=agents,
                          hosts=("compute1", "network1"))
    stale = [f for f in result.findings
             if f.code == "NETDIAG_HOST_TUNNEL_STALE"]
    assert sorted(f.subject for f in stale) == [
        "compute1:gre-c612010c", "compute1:vxlan-c612010c",
        "network1:gre-c612010c", "network1:vxlan-c612010c"]
    assert result.exit_code == exitcodes.OK


def test_changed_tunneling_ip():
    context = context_of("healthy")
    agents = dict(context.ovs_agents)
    config = dict(agents["compute1"].configurations,
                  tunneling_ip="198.18.1.111")
    agents["compute1"] = dataclasses.replace(agents["compute1"],
                                             configurations=config)
    result = with_context("healthy", ovs_agents=agents)
    found = set(codes(result))
    assert {"NETDIAG_HOST_TUNNEL_LOCAL_IP", "NETDIAG_HOST_TUNNEL_STALE",
            "NETDIAG_TUNNEL_MISSING"} <= found
    missing = {f.subject for f in result.findings
               if f.code == "NETDIAG_TUNNEL_MISSING"}
    assert missing == {"compute2->compute1", "network1->compute1"}
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_namespaces_against_hosted_and_deleted_objects():
    context = context_of("healthy")
    [router] = context.hosted_routers["network1"]
    extra_net = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    result = with_context(
        "healthy",
        hosted_routers={"network1": ()},
        router_ids=(),
        hosted_networks={"network1": context.hosted_networks["network1"]
                         + (extra_net,)})
    by_code = {f.code: f.subject for f in result.findings}
    assert by_code["NETDIAG_HOST_NAMESPACE_STALE"] == \
        f"network1:qrouter-{router}"
    assert by_code["NETDIAG_DHCP_NAMESPACE_MISSING"] == \
        f"network1:qdhcp-{extra_net}"
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_unreadable_host_exits_8(tmp_path):
    capture = tmp_path / "capture"
    shutil.copytree(FIXTURES / "healthy", capture)
    (capture / "hosts" / "compute2.json").unlink()
    result = hostcheck.check_from_capture(str(capture))
    assert result.exit_code == exitcodes.UNREADABLE
    assert codes(result, "WARNING") == ["NETDIAG_HOST_UNREADABLE"]
    assert [r.host for r in rows(result, kind="host")] == ["compute2"]
    assert rows(result, kind="bridge")   # the others were still checked


def test_context_json_round_trip():
    context = context_of("healthy")
    assert hostcheck.HostCheckContext.from_json(
        json.loads(json.dumps(context.to_json()))) == context


def run_command(*argv):
    return helpers.run_command(host_cmd.CheckHost, *argv)


@pytest.mark.parametrize("scenario,expected", [
    ("healthy", 0), ("tunnel-removed", 4), ("patch-peer", 4)])
def test_command_json_document_and_exit_code(scenario, expected):
    code, app = run_command("--from-capture", str(FIXTURES / scenario),
                            "-f", "json")
    assert code == expected
    doc = json.loads(app.stdout.getvalue())
    assert doc["exit_code"] == expected
    assert {"rows", "findings", "hosts"} <= set(doc)
    assert all({"host", "device", "kind", "state", "detail", "status"}
               == set(r) for r in doc["rows"])


def test_command_table_lists_findings():
    code, app = run_command("--from-capture", str(FIXTURES / "tunnel-removed"))
    out = app.stdout.getvalue()
    assert code == 4
    assert "Findings:" in out and "NETDIAG_TUNNEL_MISSING" in out


def test_command_needs_hosts_or_all():
    with pytest.raises(SystemExit) as exc:
        run_command()
    assert exc.value.code == exitcodes.USAGE


def test_dvr_lab_l2population_tunnels_and_distributed_router():
    """Recorded on the DVR lab: l2population opened only VXLAN tunnels (no
    network is GRE) and compute1/compute2 run the distributed router's
    qrouter- though the API binds it to network1 only.
    """
    result = load("dvr-lab-healthy")
    assert result.exit_code == exitcodes.OK
    assert codes(result) == ["NETDIAG_HOST_EXTRA_BRIDGE"] * 3
    tunnels = rows(result, kind="tunnel")
    assert len(tunnels) == 6 and all(r.device.startswith("vxlan-")
                                     for r in tunnels)
    context = context_of("dvr-lab-healthy")
    assert context.tunnel_needs["compute1"] == {
        "vxlan": ("compute2", "network1")}
    [dvr_router] = context.distributed_router_ids
    spaces = {(r.host, r.device): r for r in rows(result, kind="namespace")}
    for host in ("compute1", "compute2"):
        row = spaces[(host, "qrouter-" + dvr_router)]
        assert str(row.status) == "OK" and "distributed" in row.detail
    # without l2population every tunnel type is expected to every peer
    agents = {h: dataclasses.replace(a, configurations=dict(
        a.configurations, l2_population=False))
        for h, a in context.ovs_agents.items()}
    full_mesh = with_context("dvr-lab-healthy", ovs_agents=agents)
    missing = [f for f in full_mesh.findings
               if f.code == "NETDIAG_TUNNEL_MISSING"]
    assert len(missing) == 6 and all("gre" in f.summary for f in missing)


def test_dvr_lab_tunnel_removed_under_l2population():
    result = load("dvr-lab-tunnel-removed")
    assert result.exit_code == exitcodes.ERROR_FINDING
    [finding] = [f for f in result.findings
                 if f.code == "NETDIAG_TUNNEL_MISSING"]
    assert finding.subject == "compute1->compute2"
    assert "vxlan" in finding.summary
