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

"""Values read by hand off the distributed router's captures on the lab's
compute1 (``ip -j rule show`` and ``ip -j route show table all`` in its
qrouter- and fip- namespaces, iproute2 6.1)."""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import ip_route

L3DHCP = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "l3dhcp"


def read(name):
    return (L3DHCP / name).read_text()


def test_qrouter_rules_send_the_fixed_ip_to_table_16():
    rules = ip_route.parse_ip_rule(read("ip-j-rule--qrouter-dvr.out"))
    assert [(r.priority, r.src, r.srclen, r.table) for r in rules] == [
        (0, "all", None, "local"), (32766, "all", None, "main"),
        (32767, "all", None, "default"),
        (43647, "198.18.18.74", None, "16"),
        (3323073025, "198.18.18.1", 24, "3323073025")]
    assert all(r.iif is None for r in rules)


def test_fip_rule_names_its_input_device():
    *_, last = ip_route.parse_ip_rule(read("ip-j-rule--fip.out"))
    assert (last.priority, last.src, last.iif, last.table) == (
        2852018311, "all", "fpr-43235e16-e", "2852018311")


def test_qrouter_tables():
    routes = ip_route.parse_ip_route(
        read("ip-j-route-table-all--qrouter-dvr.out"))
    assert len(routes) == 20
    snat, fip, link, subnet = routes[:4]
    assert (snat.dst, snat.gateway, snat.dev, snat.table) == (
        "default", "198.18.18.86", "qr-3f5b69e3-57", "3323073025")
    assert (fip.gateway, fip.dev, fip.table) == (
        "169.254.88.135", "rfp-43235e16-e", "16")
    assert (link.dst, link.prefsrc, link.table, link.type) == (
        "169.254.88.134/31", "169.254.88.134", None, None)
    assert (subnet.dst, subnet.dev) == ("198.18.18.0/24", "qr-3f5b69e3-57")
    assert (routes[4].type, routes[4].table, routes[4].dst) == (
        "local", "local", "127.0.0.0/8")


def test_fip_namespace_routes_the_floating_ip_over_fpr():
    routes = ip_route.parse_ip_route(read("ip-j-route-table-all--fip.out"))
    default, _link, _ext, fip = routes[:4]
    assert (default.gateway, default.dev, default.table) == (
        "198.19.0.1", "fg-10451bf7-8b", "2852018311")
    assert (fip.dst, fip.gateway, fip.dev, fip.table, fip.type) == (
        "198.19.0.64", "169.254.88.134", "fpr-43235e16-e", None, None)


@pytest.mark.parametrize("text", [
    '[{"priority":0,"table":"local"}]\n',
    '[{"priority":"0","src":"all","table":"local"}]\n',
    '[{"priority":0,"src":"all","srclen":"24","table":"local"}]\n',
    '{"priority":0}\n',
    '[{"priority":0,"src":"all","table":"local"}]',
])
def test_rule_parser_refuses(text):
    with pytest.raises(ParseError):
        ip_route.parse_ip_rule(text)
