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

"""port trace behind a distributed router, on real lab recordings.

``dvr-lab-distributed-router-healthy``: dvr1 on compute1 with a floating
IP; ``dvr-lab-dvr2-snat-healthy``: dvr2 on compute2 without one (out
through SNAT on network1). Each fault test copies a recording and changes
one value in one command's real output (or one field of the recorded API
context), named in the test: something left present but wrong. It asserts
the exact finding codes, the hop that holds the fault and the exit code.
The values edited are read from the recording itself (which address, which
table), so the edits follow a re-recording.
"""

import json
import pathlib

import pytest

from osc_netdiag import api
from osc_netdiag.backends.ml2_ovs.trace import plan as trace_plan
from osc_netdiag import context as ctx_mod
from osc_netdiag import exitcodes
from osc_netdiag import names
from tests.unit.edited import EditedCapture

SCENARIOS = pathlib.Path(__file__).parents[1] / "fixtures" / "scenarios"
FIP_SCENARIO = "dvr-lab-distributed-router-healthy"
SNAT_SCENARIO = "dvr-lab-dvr2-snat-healthy"
OK, ERROR_FINDING = exitcodes.OK, exitcodes.ERROR_FINDING


class Dvr:
    """A copy of one DVR recording, with its names and JSON edits."""

    def __init__(self, name, tmp_path):
        self.capture = EditedCapture(SCENARIOS / name, tmp_path)
        ctx = self.capture.context()
        self.router = ctx["router"]
        self.host = ctx["port"]["binding_host"]
        self.fixed_ip = ctx["port"]["fixed_ips"][0][1]
        self.qrouter = names.qrouter_namespace(self.router["id"])
        self.fip_ns = names.fip_namespace(
            self.router["gateway_port"]["network_id"])
        self.snat = names.snat_namespace(self.router["id"])
        self.qr = names.qr_device(self.router["interface_port"]["id"])
        self.rfp = names.rfp_device(self.router["id"])
        self.fpr = names.fpr_device(self.router["id"])

    def parsed(self, host, probe):
        return json.loads(self.capture.output(host, probe))

    def edit(self, host, probe, change):
        """Load ``probe``'s JSON stdout and ``change`` it in place.

        Stored back as iproute2 prints it (compact, one line).
        """
        data = self.parsed(host, probe)
        change(data)
        old = self.capture.output(host, probe)
        self.capture.replace(host, probe, old, json.dumps(
            data, separators=(",", ":")) + "\n")

    def trace(self):
        return api.trace_from_capture(str(self.capture))


@pytest.fixture
def fip(tmp_path):
    return Dvr(FIP_SCENARIO, tmp_path)


@pytest.fixture
def snat(tmp_path):
    return Dvr(SNAT_SCENARIO, tmp_path)


def codes(trace):
    return sorted(f.code for f in trace.findings)


def bad(trace):
    return [(h.host, h.kind, h.state) for h in trace.hops
            if str(h.status) not in ("OK", "SKIP")]


def rows(trace, host):
    return [(h.kind, h.device) for h in trace.hops if h.host == host]


def _link(links, ifname):
    return next(link for link in links if link["ifname"] == ifname)


def _route(routes, **match):
    return next(r for r in routes
                if all(r.get(k) == v for k, v in match.items()))


# -- healthy ------------------------------------------------------------------

def test_floating_ip_port_first_hop_on_its_own_host(fip):
    trace = fip.trace()
    assert (trace.exit_code, codes(trace), bad(trace)) == (OK, [], [])
    here = rows(trace, fip.host)
    fg = names.fg_device(next(p["id"] for p in fip.router["agent_gateways"]
                              if p["binding_host"] == fip.host))
    address = fip.router["floating_ips"][0]["address"]
    dvr_rows = [
        ("ovs-port", fip.qr), ("namespace", fip.qrouter),
        ("router-port", fip.qr), ("dvr-mac", "br-tun table=1"),
        ("fip-link", fip.rfp), ("fip-rule", f"from {fip.fixed_ip}"),
        ("nat-rule", f"DNAT {address}"), ("nat-rule", f"SNAT {fip.fixed_ip}"),
        ("namespace", fip.fip_ns), ("fip-link", fip.fpr),
        ("fip-gateway-port", fg), ("fip-route", address), ("ovs-port", fg)]
    # in path order, after the instance's own L2 hops
    assert here[here.index(("ovs-port", fip.qr)):][:len(dvr_rows)] == dvr_rows
    # the network node's router (qrouter-, snat-) is not on this port's
    # path: neither read nor shown
    assert not [h for h in trace.hops if h.host == "network1"
                and h.device in (fip.qrouter, fip.snat)]
    planned = trace_plan(ctx_mod.PortContext.from_json(fip.capture.context()))
    assert not [p.name for p in planned["network1"]
                if fip.snat in p.name or fip.qrouter in p.name]


def test_snat_port_first_hop_then_snat_on_network1(snat):
    trace = snat.trace()
    assert (trace.exit_code, codes(trace), bad(trace)) == (OK, [], [])
    here = [k for k, _d in rows(trace, snat.host)]
    assert here[-5:] == ["ovs-port", "namespace", "router-port", "dvr-mac",
                         "snat-route"]
    (route,) = [h for h in trace.hops if h.kind == "snat-route"]
    sg_ip = snat.router["snat_ports"][0]["fixed_ips"][0][1]
    assert f"default via {sg_ip} dev {snat.qr}" in route.detail
    network1 = [k for k, _d in rows(trace, "network1")]
    sg = network1.index("snat-port")
    assert network1[sg - 2:sg + 4] == ["ovs-port", "namespace", "snat-port",
                                       "gateway-port", "route", "nat-rule"]
    assert "fip-rule" not in here


def test_older_recordings_without_dvr_parts_still_replay(snat):
    # a recording made before the trace kept the router's sg- ports: the
    # route to SNAT is then reported wrong, never a crash
    snat.capture.edit_context(lambda d: d["router"].pop("snat_ports"))
    trace = snat.trace()
    assert codes(trace) == ["NETDIAG_DVR_SNAT_ROUTE_WRONG"]


# -- present but wrong: the instance's host -----------------------------------

def test_qrouter_of_another_router(fip):
    # ip netns on compute1 lists the namespace under another router's ID
    other = names.qrouter_namespace("00000000-0000-4000-8000-000000000000")
    fip.capture.replace(fip.host, "netns", f'"{fip.qrouter}"', f'"{other}"')
    trace = fip.trace()
    assert codes(trace) == ["NETDIAG_DVR_QROUTER_MISSING"]
    assert bad(trace) == [(fip.host, "namespace", "absent")]
    assert trace.exit_code == ERROR_FINDING


def test_qr_with_another_mac(fip):
    # qr- in qrouter- carries a MAC that is not the interface port's
    fip.edit(fip.host, f"ns-addr:{fip.qrouter}",
             lambda links: _link(links, fip.qr).update(
                 address="fa:16:3e:00:00:01"))
    trace = fip.trace()
    assert codes(trace) == ["NETDIAG_DVR_QR_MAC_WRONG"]
    assert bad(trace) == [(fip.host, "router-mac", "wrong")]
    assert trace.exit_code == ERROR_FINDING


def test_qr_without_the_gateway_address(snat):
    # qr- holds another address of the subnet than the gateway's
    def change(links):
        addr = next(a for a in _link(links, snat.qr)["addr_info"]
                    if a["family"] == "inet")
        addr["local"] = addr["local"].rsplit(".", 1)[0] + ".254"
    snat.edit(snat.host, f"ns-addr:{snat.qrouter}", change)
    trace = snat.trace()
    assert codes(trace) == ["NETDIAG_DVR_DEVICE_BROKEN"]
    assert bad(trace) == [(snat.host, "router-port", "broken")]
    assert trace.exit_code == ERROR_FINDING


def test_mac_rewrite_to_the_shared_router_mac(snat):
    # br-tun table 1 rewrites the qr- MAC to itself, not the host's DVR MAC
    mac = snat.router["interface_port"]["mac"]
    text = snat.capture.output(snat.host, "flows:br-tun:table=1")
    dvr_mac = text.split(f"dl_src={mac} actions=mod_dl_src:")[1][:17]
    snat.capture.replace(snat.host, "flows:br-tun:table=1",
                         f"mod_dl_src:{dvr_mac}", f"mod_dl_src:{mac}")
    trace = snat.trace()
    assert codes(trace) == ["NETDIAG_DVR_MAC_REWRITE_WRONG"]
    assert bad(trace) == [(snat.host, "dvr-mac", "absent")]
    assert trace.exit_code == ERROR_FINDING


def test_fixed_ip_rule_for_another_address(fip):
    # the rule to table 16 names another source than the fixed IP
    fip.edit(fip.host, f"ns-rule:{fip.qrouter}",
             lambda rules: _route(rules, src=fip.fixed_ip).update(
                 src=fip.fixed_ip.rsplit(".", 1)[0] + ".254"))
    trace = fip.trace()
    assert codes(trace) == ["NETDIAG_DVR_FIP_RULE_MISSING"]
    assert bad(trace) == [(fip.host, "fip-rule", "absent")]
    assert trace.exit_code == ERROR_FINDING


def test_table_16_via_the_wrong_next_hop(fip):
    # table 16's default route via rfp-'s own address, not the fpr- end
    def change(routes):
        default = _route(routes, dst="default", table="16")
        rfp = _route(routes, dev=fip.rfp, protocol="kernel")
        default["gateway"] = rfp["prefsrc"]
    fip.edit(fip.host, f"ns-route-all:{fip.qrouter}", change)
    trace = fip.trace()
    assert codes(trace) == ["NETDIAG_DVR_FIP_LINK_WRONG"]
    assert bad(trace) == [(fip.host, "fip-link", "wrong")]
    assert trace.exit_code == ERROR_FINDING


def test_rfp_address_moved_out_of_the_pair(fip):
    # rfp- holds a /31 of another pair: table 16 no longer points at its
    # peer, fpr- lacks the peer address and fip-'s route points elsewhere
    def change(links):
        addr = next(a for a in _link(links, fip.rfp)["addr_info"]
                    if a["family"] == "inet")
        addr["local"] = "169.254.90.2"
    fip.edit(fip.host, f"ns-addr:{fip.qrouter}", change)
    trace = fip.trace()
    assert codes(trace) == ["NETDIAG_DVR_DEVICE_BROKEN",
                            "NETDIAG_DVR_FIP_LINK_WRONG",
                            "NETDIAG_DVR_FIP_ROUTE_WRONG"]
    assert bad(trace) == [(fip.host, "fip-link", "wrong"),
                          (fip.host, "fip-link", "broken"),
                          (fip.host, "fip-route", "wrong")]
    assert trace.exit_code == ERROR_FINDING


def test_rfp_address_not_a_pair(fip):
    # rfp- holds a /24: no peer to route through
    fip.edit(fip.host, f"ns-addr:{fip.qrouter}",
             lambda links: next(
                 a for a in _link(links, fip.rfp)["addr_info"]
                 if a["family"] == "inet").update(prefixlen=24))
    trace = fip.trace()
    # rfp- itself, and table 16's route that has no fpr- end to go to
    assert codes(trace) == ["NETDIAG_DVR_FIP_LINK_WRONG"] * 2
    assert bad(trace) == [(fip.host, "fip-link", "wrong"),
                          (fip.host, "fip-link", "wrong")]
    assert trace.exit_code == ERROR_FINDING


def test_dnat_to_another_fixed_ip(fip):
    # the floating IP's DNAT rule in qrouter- sends to another address
    probe = f"ns-iptables:{fip.qrouter}"
    fip.capture.replace(fip.host, probe, f"--to-destination {fip.fixed_ip}",
                        "--to-destination 198.18.18.254")
    trace = fip.trace()
    assert codes(trace) == ["NETDIAG_ROUTER_NAT_RULE_MISSING"]
    assert bad(trace) == [(fip.host, "nat-rule", "absent")]
    assert trace.exit_code == ERROR_FINDING


def test_fip_namespace_of_another_network(fip):
    other = names.fip_namespace("00000000-0000-4000-8000-000000000000")
    fip.capture.replace(fip.host, "netns", f'"{fip.fip_ns}"', f'"{other}"')
    trace = fip.trace()
    assert codes(trace) == ["NETDIAG_DVR_FIP_NAMESPACE_MISSING"]
    assert bad(trace) == [(fip.host, "namespace", "absent")]
    assert trace.exit_code == ERROR_FINDING


def test_fg_of_another_port(fip):
    # fip- holds an fg- whose name is not this host's gateway port's
    fg = names.fg_device(next(p["id"] for p in fip.router["agent_gateways"]
                              if p["binding_host"] == fip.host))
    fip.edit(fip.host, f"ns-addr:{fip.fip_ns}",
             lambda links: _link(links, fg).update(ifname="fg-00000000-00"))
    trace = fip.trace()
    assert codes(trace) == ["NETDIAG_DVR_DEVICE_BROKEN"]
    assert bad(trace) == [(fip.host, "fip-gateway-port", "absent")]
    assert trace.exit_code == ERROR_FINDING


def test_agent_gateway_bound_to_another_host(fip):
    # the API's floatingip_agent_gateway port of compute1 is bound elsewhere
    def change(data):
        for port in data["router"]["agent_gateways"]:
            if port["binding_host"] == fip.host:
                port["binding_host"] = "compute9"
    fip.capture.edit_context(change)
    trace = fip.trace()
    assert codes(trace) == ["NETDIAG_DVR_NO_AGENT_GATEWAY"]
    assert bad(trace) == [(fip.host, "fip-gateway-port", "absent")]
    assert trace.exit_code == ERROR_FINDING


def test_floating_ip_route_via_the_wrong_address(fip):
    # fip- routes the floating IP via fpr-'s own address, not rfp-'s
    address = fip.router["floating_ips"][0]["address"]

    def change(routes):
        fpr = _route(routes, dev=fip.fpr, protocol="kernel")
        _route(routes, dst=address)["gateway"] = fpr["prefsrc"]
    fip.edit(fip.host, f"ns-route-all:{fip.fip_ns}", change)
    trace = fip.trace()
    assert codes(trace) == ["NETDIAG_DVR_FIP_ROUTE_WRONG"]
    assert bad(trace) == [(fip.host, "fip-route", "wrong")]
    assert trace.exit_code == ERROR_FINDING


# -- present but wrong: the way to SNAT ---------------------------------------

def test_subnet_table_to_another_address(snat):
    # the subnet's table sends its default route to the DHCP port, not sg-
    sg_ip = snat.router["snat_ports"][0]["fixed_ips"][0][1]
    snat.edit(snat.host, f"ns-route-all:{snat.qrouter}",
              lambda routes: _route(routes, dst="default",
                                    gateway=sg_ip).update(
                  gateway=sg_ip.rsplit(".", 1)[0] + ".10"))
    trace = snat.trace()
    assert codes(trace) == ["NETDIAG_DVR_SNAT_ROUTE_WRONG"]
    assert bad(trace) == [(snat.host, "snat-route", "wrong")]
    assert trace.exit_code == ERROR_FINDING


def test_snat_namespace_of_another_router(snat):
    other = names.snat_namespace("00000000-0000-4000-8000-000000000000")
    snat.capture.replace("network1", "netns", f'"{snat.snat}"', f'"{other}"')
    trace = snat.trace()
    assert codes(trace) == ["NETDIAG_DVR_SNAT_NAMESPACE_MISSING"]
    assert bad(trace) == [("network1", "namespace", "absent")]
    assert trace.exit_code == ERROR_FINDING


def test_sg_without_its_address(snat):
    sg = names.sg_device(snat.router["snat_ports"][0]["id"])
    sg_ip = snat.router["snat_ports"][0]["fixed_ips"][0][1]

    def change(links):
        addr = next(a for a in _link(links, sg)["addr_info"]
                    if a.get("local") == sg_ip)
        addr["local"] = sg_ip.rsplit(".", 1)[0] + ".254"
    snat.edit("network1", f"ns-addr:{snat.snat}", change)
    trace = snat.trace()
    assert codes(trace) == ["NETDIAG_DVR_DEVICE_BROKEN"]
    assert bad(trace) == [("network1", "snat-port", "broken")]
    assert trace.exit_code == ERROR_FINDING


def test_snat_rule_to_another_address(snat):
    # the gateway's SNAT rule (-o qg-) translates to another address
    gw = snat.router["gateway_port"]
    qg, gw_ip = names.qg_device(gw["id"]), gw["fixed_ips"][0][1]
    snat.capture.replace("network1", f"ns-iptables:{snat.snat}",
                         f"-o {qg} -j SNAT --to-source {gw_ip}",
                         f"-o {qg} -j SNAT --to-source 198.19.0.254")
    trace = snat.trace()
    assert codes(trace) == ["NETDIAG_ROUTER_NAT_RULE_MISSING"]
    assert bad(trace) == [("network1", "nat-rule", "absent")]
    assert trace.exit_code == ERROR_FINDING


def test_qg_without_its_address(snat):
    # snat-'s qg- holds another external address than the gateway port's
    gw = snat.router["gateway_port"]
    qg, gw_ip = names.qg_device(gw["id"]), gw["fixed_ips"][0][1]

    def change(links):
        addr = next(a for a in _link(links, qg)["addr_info"]
                    if a.get("local") == gw_ip)
        addr["local"] = "198.19.0.254"
    snat.edit("network1", f"ns-addr:{snat.snat}", change)
    trace = snat.trace()
    assert codes(trace) == ["NETDIAG_DVR_DEVICE_BROKEN"]
    assert bad(trace) == [("network1", "gateway-port", "broken")]
    assert trace.exit_code == ERROR_FINDING
