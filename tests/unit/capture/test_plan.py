import json
import pathlib

import pytest

from osc_netdiag import context as ctx_mod
from osc_netdiag.capture import plan

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
    assert [(t.bridge, t.port) for t in patch.taps] == [
        ("br-int", "int-br-eth1"), ("br-eth1", "phy-br-eth1")]
    assert qr.taps[0].netns == "qrouter-" + ctx.router.id
    assert qr.taps[0].device.startswith("qr-")


def test_vxlan_port_patch_pair_is_patch_tun():
    points = plan.select(context("vxlan-healthy"), ["patch"])
    assert [(t.bridge, t.port) for t in points[0].taps] == [
        ("br-int", "patch-tun"), ("br-tun", "patch-int")]


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
