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

"""ip route and iptables-save refusals and optional fields on real captures
edited in one place, and the names module's refusal messages (what an
operator reads when a name is refused before any host is asked).
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag import names
from osc_netdiag.parsers import ip_route
from osc_netdiag.parsers import iptables

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
ROUTES = (FIXTURES / "l3dhcp" / "ip-j-route--qrouter.out").read_text()
SAVE = (FIXTURES / "captures" / "iptables-save--neutron-like.out").read_text()
TRUNCATED = "output does not end with a newline (truncated?)"
FORWARD = ('-A neutron-openvswi-FORWARD -m physdev --physdev-out '
           'tap3f1c9a2b-7d --physdev-is-bridged -m comment --comment '
           '"Direct traffic from the VM interface to the security group '
           'chain." -j neutron-openvswi-sg-chain')


def edited(text, old, new):
    assert text.count(old) == 1, old
    return text.replace(old, new)


def refused(parser, text, message, error=ParseError):
    with pytest.raises(error) as exc:
        parser(text)
    assert str(exc.value) == message


def test_route_fields():
    first, second = ip_route.parse_ip_route(ROUTES)[:2]
    assert (first.dst, first.gateway, first.dev, first.protocol,
            first.scope) == ("default", "198.19.0.1", "qg-4ed7e451-34",
                             "static", None)
    assert (second.protocol, second.scope, second.prefsrc) == (
        "kernel", "link", "198.18.16.1")


def test_route_refusals():
    refused(ip_route.parse_ip_route, ROUTES[:-1], f"ip route: {TRUNCATED}")
    refused(ip_route.parse_ip_route, '{"dst":"default"}\n',
            "ip route: expected a JSON list")
    # edit: the comma after the default route's "dst" removed
    refused(ip_route.parse_ip_route,
            edited(ROUTES, '"dst":"default",', '"dst":"default"'),
            "ip route: not JSON (Expecting ',' delimiter: line 1 column 18 "
            "(char 17))")
    # edit: the default route's "dst" is a number
    refused(ip_route.parse_ip_route,
            edited(ROUTES, '"dst":"default"', '"dst":1'),
            "ip route: unexpected entry {'dst': 1, 'gateway': '198.19.0.1', "
            "'dev': 'qg-4ed7e451-34', 'protocol': 'static")


def test_iptables_targets_and_comments():
    [rule] = [r for t in iptables.parse_iptables_save(SAVE) for r in t.rules
              if r.text == FORWARD]
    assert (rule.chain, rule.target, rule.comment) == (
        "neutron-openvswi-FORWARD", "neutron-openvswi-sg-chain",
        "Direct traffic from the VM interface to the security group chain.")
    # edits: the same rule with -g, --jump, --goto; the first target wins
    for flag in ("-g", "--jump", "--goto"):
        text = edited(SAVE, FORWARD, FORWARD.replace(" -j ", f" {flag} "))
        [rule] = [r for t in iptables.parse_iptables_save(text)
                  for r in t.rules if "--physdev-out tap3f1c9a2b-7d" in r.text
                  and "VM interface" in (r.comment or "")]
        assert rule.target == "neutron-openvswi-sg-chain"
    text = edited(SAVE, FORWARD, FORWARD + " -j SECOND")
    [rule] = [r for t in iptables.parse_iptables_save(text) for r in t.rules
              if r.text == FORWARD + " -j SECOND"]
    assert rule.target == "neutron-openvswi-sg-chain"


@pytest.mark.parametrize("tail", ["-j", "-g", "--comment"])
def test_iptables_rule_ending_with_an_option_is_refused(tail):
    line = FORWARD + " " + tail
    refused(iptables.parse_iptables_save, edited(SAVE, FORWARD, line),
            f"iptables-save: rule ends with {tail!r}: {line!r}")


def test_iptables_refusals():
    refused(iptables.parse_iptables_save, SAVE[:-1],
            f"iptables-save: {TRUNCATED}")
    line = FORWARD.replace('"Direct', 'Direct')
    refused(iptables.parse_iptables_save, edited(SAVE, FORWARD, line),
            f"iptables-save: bad quoting (No closing quotation) in {line!r}")
    refused(iptables.parse_iptables_save, edited(SAVE, "*raw\n", "raw\n"),
            "iptables-save: expected '*table', got 'raw'")
    refused(iptables.parse_iptables_save,
            edited(SAVE, ":PREROUTING ACCEPT [10:636]\n",
                   "PREROUTING ACCEPT [10:636]\n"),
            "iptables-save: unexpected line 'PREROUTING ACCEPT [10:636]'")
    last_commit = SAVE.rindex("COMMIT\n")
    refused(iptables.parse_iptables_save, SAVE[:last_commit],
            "iptables-save: table 'nat' not committed (truncated?)")


@pytest.mark.parametrize("check,value,message", [
    (names.checked_bridge, "br-int;x", "unsafe bridge name: 'br-int;x'"),
    (names.checked_netns, "-qrouter", "unsafe namespace name: '-qrouter'"),
    (names.checked_flow_filter, "table=0 x",
     "unsafe flow filter: 'table=0 x'"),
])
def test_names_refusal_messages(check, value, message):
    refused(check, value, message, error=UnsafeNameError)
