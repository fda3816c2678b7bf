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

import json
import pathlib

import pytest

from osc_netdiag.backends.ml2_ovs import capture_points
from osc_netdiag.capture import plan
from osc_netdiag import context as ctx_mod
from osc_netdiag import taps

SCENARIOS = pathlib.Path(__file__).parents[2] / "fixtures" / "scenarios"


def context(name):
    return ctx_mod.PortContext.from_json(
        json.loads((SCENARIOS / name / "context.json").read_text()))


def test_vlan_port_default_points():
    ctx = context("vlan-healthy")
    points = plan.select(ctx)
    assert [p.label for p in points] == ["tap", "patch", "nic", "qr"]
    tap, patch, nic, qr = points
    assert nic.taps[0].nic and nic.taps[0].device is None
    assert tap.taps[0].device == "tap" + ctx.port.id[:11]
    assert tap.host == ctx.port.binding_host
    # OVS mirrors no packet output to a patch port: the peer bridge is
    # watched on all its ports for the frames the port sent (VLAN-tagged
    # on its way to the NIC)
    int_tap, phys_tap = patch.taps
    assert (int_tap.bridge, int_tap.port, int_tap.all_ports) == (
        "br-int", "int-br-eth1", False)
    assert (phys_tap.bridge, phys_tap.all_ports) == ("br-eth1", True)
    assert phys_tap.sender == ctx.port.mac
    assert phys_tap.vlan == 2113
    assert phys_tap.describe() == (
        f"mirror of all ports of br-eth1, frames from {ctx.port.mac}")
    assert qr.taps[0].netns == "qrouter-" + ctx.router.id
    assert qr.taps[0].device.startswith("qr-")


def test_vxlan_port_patch_point_is_patch_tun_and_br_tun():
    ctx = context("vxlan-healthy")
    (point,) = plan.select(ctx, ["patch"])
    int_tap, tun_tap = point.taps
    assert (int_tap.bridge, int_tap.port) == ("br-int", "patch-tun")
    # frames leave br-tun untagged (the tunnel carries the VNI)
    assert (tun_tap.bridge, tun_tap.all_ports, tun_tap.sender,
            tun_tap.vlan) == ("br-tun", True, ctx.port.mac, None)


def test_bad_port_mac_refused():
    with pytest.raises(ValueError, match="not a MAC address"):
        taps.checked_mac("fa:16:3e:00:00:01 or ip")
    assert taps.checked_mac("FA:16:3E:00:00:0A") == "fa:16:3e:00:00:0a"


def test_dhcp_point_is_in_qdhcp():
    ctx = context("vlan-healthy")
    (point,) = plan.select(ctx, ["dhcp"])
    assert point.taps[0].netns == "qdhcp-" + ctx.network.id
    assert not point.mirrored


def test_unknown_point_refused():
    with pytest.raises(ValueError, match="unknown capture point"):
        plan.select(context("vlan-healthy"), ["eth9"])


def test_point_absent_from_path_refused():
    # direct plug: no qvb on this path
    with pytest.raises(ValueError, match="has no qvb"):
        plan.select(context("vlan-healthy"), ["qvb"])


def test_tunnel_nic_filters_the_segment_vni():
    ctx = context("vxlan-healthy")
    (point,) = plan.select(ctx, ["nic"])
    vni = ctx.network.segments[0].segmentation_id
    assert point.taps[0].bpf == f"udp port 4789 and udp[12:4] >> 8 = {vni}"
    assert plan.select(context("vlan-healthy"), ["nic"])[0].taps[0].bpf is None


def test_distributed_router_points_are_on_the_compute_and_the_snat_host():
    # Recorded on the DVR lab: dvr1 on compute1 behind lab-dvr-router.
    ctx = context("dvr-lab-distributed-router-healthy")
    router = ctx.router
    assert router.distributed
    points = {p.label: p for p in capture_points.all_points(ctx)}
    qr, qg = points["qr"], points["qg"]
    assert qr.host == ctx.port.binding_host == "compute1"
    assert qr.taps[0].netns == f"qrouter-{router.id}"
    assert qg.host == router.gateway_port.binding_host == "network1"
    assert qg.taps[0].netns == f"snat-{router.id}"
    assert qg.taps[0].device == "qg-" + router.gateway_port.id[:11]
