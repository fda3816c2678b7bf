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

"""port trace behind the lab's distributed router: the instance's first hop
on its own host (dvr1 on compute1 with a floating IP, dvr2 on compute2
without one, out through SNAT on network1), healthy and with one thing
left present but wrong on the lab, restored in ``finally`` by the
``fault`` fixture (each restore checks the data path answers again).

The command runs exactly as an operator runs it (the openstack CLI,
openstacksdk, SSH to the lab hosts).
"""

import json

import pytest

from tests.lab import conftest as lab_faults
from tests.lab.conftest import lab_exec
from tests.lab.test_l3dhcp_lab import codes
from tests.lab.test_l3dhcp_lab import netdiag

pytestmark = pytest.mark.lab


def trace(lab, instance):
    return netdiag("port", "trace", lab["instances"][instance]["port_id"])


def not_ok(doc):
    return [(r["host"], r["kind"]) for r in doc["hops"]
            if r["status"] not in ("OK", "SKIP")]


def kinds(doc, host):
    return {r["kind"] for r in doc["hops"] if r["host"] == host}


def _ns_json(host, ns, *argv):
    return json.loads(lab_exec(host, "ip", "netns", "exec", ns, "ip", "-j",
                               *argv).stdout or "[]")


def _qrouter(lab):
    return "qrouter-%s" % lab["dvr_router"]["id"]


def _fip_ns(lab):
    return "fip-%s" % lab["networks"]["external"]["id"]


def _device(host, ns, prefix):
    return next(link["ifname"] for link in _ns_json(host, ns, "link")
                if link["ifname"].startswith(prefix))


def _default_of_table(host, ns, table):
    return next(r for r in _ns_json(host, ns, "route", "show", "table",
                                    table) if r["dst"] == "default")


def _replace_route(host, ns, spec, restore_spec, check):
    """ip route replace ``spec``.

    The restore puts ``restore_spec`` back and waits for ``check`` (the
    data path answers again).
    """
    lab_exec(host, "ip", "netns", "exec", ns, "ip", "route", "replace",
             *spec)

    def restore():
        lab_exec(host, "ip", "netns", "exec", ns, "ip", "route", "replace",
                 *restore_spec)
        lab_faults.wait_until(check, 60, what="DVR path answers again")
    return lab_faults._restorer(restore)


def fault_fip_route_without_gateway(lab):
    """compute1's fip-: the floating IP routed on-link over fpr-.

    Instead of via the router's rfp- end.
    """
    ns, fip = _fip_ns(lab), lab["dvr_floating_ip"]["address"]
    route = next(r for r in _ns_json("compute1", ns, "route")
                 if r["dst"] == fip)
    return _replace_route(
        "compute1", ns, [fip, "dev", route["dev"]],
        [fip, "via", route["gateway"], "dev", route["dev"]],
        lambda: lab_faults._dvr_fip_ok(lab))


def fault_table_16_without_gateway(lab):
    """compute1's qrouter-: table 16 (the fixed IP's) on-link over rfp-.

    Instead of via the fpr- end.
    """
    ns = _qrouter(lab)
    route = _default_of_table("compute1", ns, "16")
    return _replace_route(
        "compute1", ns, ["default", "dev", route["dev"], "table", "16"],
        ["default", "via", route["gateway"], "dev", route["dev"], "table",
         "16"], lambda: lab_faults._dvr_fip_ok(lab))


def fault_snat_table_wrong_gateway(lab):
    """compute2's qrouter-: the subnet's table goes to the DHCP port.

    Instead of the router's SNAT port.
    """
    ns = _qrouter(lab)
    rule = next(r for r in _ns_json("compute2", ns, "rule")
                if r.get("srclen") and r["src"] != "all")
    route = _default_of_table("compute2", ns, rule["table"])
    wrong = _dhcp_address(lab)
    return _replace_route(
        "compute2", ns, ["default", "via", wrong, "dev", route["dev"],
                         "table", rule["table"]],
        ["default", "via", route["gateway"], "dev", route["dev"], "table",
         rule["table"]],
        lambda: lab_faults._ping_ok(
            lab, "dvr2", lab["networks"]["external"]["gateway_ip"]))


def _dhcp_address(lab):
    ns = "qdhcp-%s" % lab["networks"]["dvr"]["id"]
    for link in _ns_json("network1", ns, "addr"):
        for addr in link.get("addr_info", ()):
            if addr["family"] == "inet" and link["ifname"].startswith("tap") \
                    and not addr["local"].startswith("169.254."):
                return addr["local"]
    raise AssertionError("no DHCP address on the dvr network")


def fault_fg_down(lab):
    """compute1's fg- set down (present, not passing traffic)."""
    ns = _fip_ns(lab)
    fg = _device("compute1", ns, "fg-")
    lab_exec("compute1", "ip", "netns", "exec", ns, "ip", "link", "set",
             fg, "down")

    def restore():
        lab_exec("compute1", "ip", "netns", "exec", ns, "ip", "link", "set",
                 fg, "up")
        lab_faults.wait_until(lambda: lab_faults._dvr_fip_ok(lab), 60,
                              what="DVR floating IP answers again")
    return lab_faults._restorer(restore)


# -- healthy ------------------------------------------------------------------

def test_dvr1_first_hop_and_floating_ip_side_read_only(lab):
    before = {h: lab_faults.snapshot(h) for h in lab["hosts"]}
    code, doc = trace(lab, "dvr1")
    assert {h: lab_faults.snapshot(h) for h in lab["hosts"]} == before
    assert code == 0, doc["findings"]
    assert not_ok(doc) == []
    assert {"router-port", "dvr-mac", "fip-rule", "fip-link", "nat-rule",
            "fip-gateway-port", "fip-route"} <= kinds(doc, "compute1")
    fip = lab["dvr_floating_ip"]["address"]
    (route,) = [r for r in doc["hops"] if r["kind"] == "fip-route"]
    assert (route["host"], route["device"]) == ("compute1", fip)
    # its way out is compute1's fip-: network1's router is not on its path
    assert not [r for r in doc["hops"] if r["host"] == "network1"
                and r["device"].startswith(("snat-", "qrouter-"))]


def test_dvr2_first_hop_then_snat_on_network1(lab):
    code, doc = trace(lab, "dvr2")
    assert code == 0, doc["findings"]
    assert not_ok(doc) == []
    assert {"router-port", "dvr-mac", "snat-route"} <= kinds(doc, "compute2")
    assert "fip-rule" not in kinds(doc, "compute2")
    assert {"snat-port", "gateway-port", "route", "nat-rule"} <= \
        kinds(doc, "network1")


# -- present but wrong --------------------------------------------------------

def test_fip_route_on_link_instead_of_via_rfp(lab, fault):
    with fault(fault_fip_route_without_gateway):
        code, doc = trace(lab, "dvr1")
    assert code == 4
    assert codes(doc) == {"NETDIAG_DVR_FIP_ROUTE_WRONG"}
    assert not_ok(doc) == [("compute1", "fip-route")]


def test_fixed_ip_table_on_link_instead_of_via_fpr(lab, fault):
    with fault(fault_table_16_without_gateway):
        code, doc = trace(lab, "dvr1")
    assert code == 4
    assert codes(doc) == {"NETDIAG_DVR_FIP_LINK_WRONG"}
    assert not_ok(doc) == [("compute1", "fip-link")]


def test_fg_down_on_compute1(lab, fault):
    with fault(fault_fg_down):
        code, doc = trace(lab, "dvr1")
    assert code == 4
    assert codes(doc) == {"NETDIAG_DVR_DEVICE_BROKEN"}
    assert not_ok(doc) == [("compute1", "fip-gateway-port")]


def test_snat_table_to_the_wrong_address_on_compute2(lab, fault):
    with fault(fault_snat_table_wrong_gateway):
        code, doc = trace(lab, "dvr2")
    assert code == 4
    assert codes(doc) == {"NETDIAG_DVR_SNAT_ROUTE_WRONG"}
    assert not_ok(doc) == [("compute2", "snat-route")]
