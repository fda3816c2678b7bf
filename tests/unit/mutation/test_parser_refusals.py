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

"""Each parser's refusals, message for message, and the optional fields of
its records, on real captures edited in one place (named in each test).

The hop of a check whose output could not be read shows the parser's
message ("not checked: unreadable output: ..."), so the message is part of
the product's output: the name of the tool, the line number, the reason.
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import dnsmasq
from osc_netdiag.parsers import dnsquery
from osc_netdiag.parsers import oslo_ini
from osc_netdiag.parsers import ovs_vsctl
from osc_netdiag.parsers import ps

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures"
L3DHCP = FIXTURES / "l3dhcp"
TRUNCATED = "output does not end with a newline (truncated?)"


def read(path):
    return path.read_text()


def edited(text, old, new):
    assert text.count(old) == 1, old
    return text.replace(old, new)


def refused(parser, text, message):
    with pytest.raises(ParseError) as exc:
        parser(text)
    assert str(exc.value) == message


# -- the product's DNS query script (one JSON line) ------------------------

FORWARD = read(L3DHCP / "dnsquery--forward.out")
TIMEOUT = read(L3DHCP / "dnsquery--timeout.out")


def test_dns_query_values():
    answer = dnsquery.parse_dns_query(FORWARD)
    assert (answer.server, answer.name, answer.type, answer.status,
            answer.answers, answer.ms, answer.error) == (
        "198.18.16.10", "host-198-18-16-39", "A", "NOERROR",
        ("198.18.16.39",), 0.4, "")
    timeout = dnsquery.parse_dns_query(TIMEOUT)
    assert (timeout.status, timeout.ms, timeout.error) == ("TIMEOUT", None, "")
    # edit: the script's "error" key, which it adds when the query failed
    failed = edited(TIMEOUT, '"type": "A"}', '"type": "A", "error": "boom"}')
    assert dnsquery.parse_dns_query(failed).error == "boom"


def test_dns_query_refusals():
    refused(dnsquery.parse_dns_query, FORWARD[:-1], f"dns query: {TRUNCATED}")
    refused(dnsquery.parse_dns_query, FORWARD + TIMEOUT,
            "dns query: expected one line, got 2")
    refused(dnsquery.parse_dns_query, FORWARD.replace("{", "[", 1),
            "dns query: not JSON: Expecting ',' delimiter: line 1 column "
            "11 (char 10)")
    no_ms = edited(FORWARD, '"ms": 0.4, ', "")
    refused(dnsquery.parse_dns_query, no_ms,
            f"dns query: missing keys in {no_ms.strip()!r}")
    refused(dnsquery.parse_dns_query,
            edited(FORWARD, '["198.18.16.39"]', '"198.18.16.39"'),
            "dns query: answers is not a list")


# -- oslo.config files (cat of the agent's configuration) ------------------

AGENT_INI = read(L3DHCP / "agent" / "cat--dhcp_agent.ini.out")


def test_ini_continuation_comment_and_blank_lines():
    # edits: a value continued on an indented line, a ';' comment, and a
    # blank line between an option and an indented comment-like line
    text = edited(AGENT_INI, "interface_driver = openvswitch\n",
                  "interface_driver = openvswitch\n  second\n; a comment\n")
    ini = oslo_ini.parse_oslo_ini(text)
    assert ini["DEFAULT"]["interface_driver"] == "openvswitch\nsecond"
    assert ini["DEFAULT"]["dhcp_driver"] == "neutron.agent.linux.dhcp.Dnsmasq"
    # an indented line right after a section header continues nothing
    text = edited(AGENT_INI, "[DEFAULT]\n", "[DEFAULT]\n  x = 1\n")
    assert oslo_ini.parse_oslo_ini(text)["DEFAULT"]["x"] == "1"


def test_ini_refusals_name_the_text_and_the_line():
    refused(oslo_ini.parse_oslo_ini, AGENT_INI[:-1], f"config: {TRUNCATED}")
    refused(lambda t: oslo_ini.parse_oslo_ini(t, what="dhcp_agent.ini"),
            AGENT_INI[:-1], f"dhcp_agent.ini: {TRUNCATED}")
    refused(oslo_ini.parse_oslo_ini, edited(AGENT_INI, "[DEFAULT]", "[DEFAULT"),
            "config line 1: expected a section header '[name]'")
    refused(oslo_ini.parse_oslo_ini, edited(AGENT_INI, "[DEFAULT]\n", ""),
            "config line 1: expected 'key = value' in a section")


# -- dnsmasq's log ----------------------------------------------------------

LOG = read(L3DHCP / "dnsmasq-log--vxlan.out")
FIRST = "Nov 25 20:14:16 dnsmasq[26329]: started, version 2.90 cachesize 150\n"


def test_dnsmasq_log_optional_fields():
    # edits: a blank line after the first line, and the first line without
    # its [pid] (syslog lines of a program that logs none)
    text = edited(LOG, FIRST, FIRST + "\n")
    assert len(dnsmasq.parse_log(text)) == len(dnsmasq.parse_log(LOG))
    text = edited(LOG, FIRST, FIRST.replace("[26329]", ""))
    first = dnsmasq.parse_log(text)[0]
    assert (first.program, first.pid) == ("dnsmasq", None)
    # edit: an offer logged without the client's MAC
    offer = ("1351728466 DHCPOFFER(tap6bdcf039-02) 198.18.17.41 "
             "fa:16:3e:75:62:49 \n")
    text = edited(LOG, offer, "1351728466 DHCPOFFER(tap6bdcf039-02) "
                  "198.18.17.41 \n")
    [event] = [line.event for line in dnsmasq.parse_log(text)
               if line.event and line.event.kind == "DHCPOFFER" and
               line.event.xid == "1351728466"]
    # (the line is stripped, so the address without a following field is
    # read as the note)
    assert (event.ip, event.mac, event.note) == (None, None, "198.18.17.41")


def test_dnsmasq_log_refusals():
    refused(dnsmasq.parse_log, LOG[:-1], f"dnsmasq log: {TRUNCATED}")


# -- ps owners, ovs-vsctl Controller ------------------------------------------

def test_ps_owners_refusals():
    text = read(L3DHCP / "agent" / "ps-owners--network1.out")
    refused(ps.parse_owners, text[:-1], f"ps owners: {TRUNCATED}")


CONTROLLERS = read(FIXTURES / "captures" / "ovs-vsctl-list-controller--compute.out")


def test_controller_refusals_name_the_table_and_column():
    refused(ovs_vsctl.parse_controllers,
            edited(CONTROLLERS, '"is_connected"]', '"connected"]'),
            "ovs-vsctl list Controller: missing columns ['is_connected']")
    first = '["uuid","d1651480-4fb0-4367-9757-8ca1da258045"],"tcp:127.0.0.1:6633",false'
    refused(ovs_vsctl.parse_controllers,
            edited(CONTROLLERS, first, first.replace("false", '"no"')),
            "ovs-vsctl list Controller: unexpected value 'no'")
    refused(ovs_vsctl.parse_controllers,
            edited(CONTROLLERS, first, first.replace('"tcp:127.0.0.1:6633"', "5")),
            "ovs-vsctl list Controller: unexpected value 5")
