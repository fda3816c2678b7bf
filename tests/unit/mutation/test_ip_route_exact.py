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

"""``ip -j route`` and ``ip -j rule`` read field by field, and their
refusals word for word (written ahead of the mutation run's verdicts on
this module). Real captures of the lab's router and FIP namespaces
(tests/fixtures/l3dhcp); each refusal is one of them edited in one place,
named in the case.
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import ip_route
from osc_netdiag.parsers.ip_route import Route
from osc_netdiag.parsers.ip_route import Rule

L3DHCP = pathlib.Path(__file__).parents[2] / "fixtures" / "l3dhcp"
ROUTES = (L3DHCP / "ip-j-route--qrouter.out").read_text()
ALL = (L3DHCP / "ip-j-route-table-all--fip.out").read_text()
RULES = (L3DHCP / "ip-j-rule--fip.out").read_text()
DVR_RULES = (L3DHCP / "ip-j-rule--qrouter-dvr.out").read_text()


def test_router_routes_every_field():
    assert ip_route.parse_ip_route(ROUTES) == (
        Route("default", "qg-4ed7e451-34", "198.19.0.1", "static", None,
              None),
        Route("198.18.16.0/24", "qr-12cf768b-a6", None, "kernel", "link",
              "198.18.16.1"),
        Route("198.18.17.0/24", "qr-9b515daf-d3", None, "kernel", "link",
              "198.18.17.1"),
        Route("198.19.0.0/24", "qg-4ed7e451-34", None, "kernel", "link",
              "198.19.0.56"))


def test_local_table_route_every_field():
    assert ip_route.parse_ip_route(ALL)[4] == Route(
        "127.0.0.0/8", "lo", None, "kernel", "host", "127.0.0.1",
        table="local", type="local")


def test_rules_every_field():
    assert ip_route.parse_ip_rule(RULES) == (
        Rule(0, "all", None, None, "local"),
        Rule(32766, "all", None, None, "main"),
        Rule(32767, "all", None, None, "default"),
        Rule(2852018311, "all", None, "fpr-43235e16-e", "2852018311"))
    assert ip_route.parse_ip_rule(DVR_RULES)[-1] == Rule(
        3323073025, "198.18.18.1", 24, None, "3323073025")


@pytest.mark.parametrize("text", ["", "\n", "[]\n"])
def test_nothing_is_no_entry(text):
    assert ip_route.parse_ip_route(text) == ()
    assert ip_route.parse_ip_rule(text) == ()


def first_object(text):
    """The first object of a JSON list, alone (the list's brackets cut)."""
    return text[1:text.index("},") + 1] + "\n"


@pytest.mark.parametrize("parser,text,message", [
    (ip_route.parse_ip_route, ROUTES[:-1],
     "ip route: output does not end with a newline (truncated?)"),
    (ip_route.parse_ip_rule, RULES[:-1],
     "ip rule: output does not end with a newline (truncated?)"),
    # the list's closing bracket cut
    (ip_route.parse_ip_route, ROUTES.replace('"flags":[]}]\n', '"flags":[]}\n'),
     "ip route: not JSON (Expecting ',' delimiter: line 2 column 1 "
     "(char 449))"),
    (ip_route.parse_ip_rule, RULES.replace("}]\n", "}\n"),
     "ip rule: not JSON (Expecting ',' delimiter: line 2 column 1 "
     "(char 219))"),
    (ip_route.parse_ip_route, first_object(ROUTES),
     "ip route: expected a JSON list"),
    (ip_route.parse_ip_rule, first_object(RULES),
     "ip rule: expected a JSON list"),
    # the default route's dst null: the entry is quoted, cut at 80
    (ip_route.parse_ip_route, ROUTES.replace('"dst":"default"', '"dst":null'),
     "ip route: unexpected entry {'dst': None, 'gateway': '198.19.0.1', "
     "'dev': 'qg-4ed7e451-34', 'protocol': 'sta"),
    (ip_route.parse_ip_rule, RULES.replace('"priority":0,', '"priority":"0",'),
     "ip rule: unexpected entry {'priority': '0', 'src': 'all', "
     "'table': 'local'}"),
    # a srclen that is text: quoted, cut at 20
    (ip_route.parse_ip_rule,
     RULES.replace('"src":"all","table":"main"',
                   '"src":"all","srclen":"twenty-four bits long",'
                   '"table":"main"'),
     "ip rule: unexpected srclen 'twenty-four bits lo"),
])
def test_refusal_message(parser, text, message):
    with pytest.raises(ParseError) as exc:
        parser(text)
    assert str(exc.value) == message
