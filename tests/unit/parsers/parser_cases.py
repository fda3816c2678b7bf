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

"""Every real capture a parser reads, in every fixture folder, with its parser.

``capture_cases`` covers tests/fixtures/captures (the files with a golden
``.json``); the l3dhcp and capture folders hold more real captures of the
DHCP/DNS/router probes and of tcpdump. The property and known-value tests
run on all of them, so a parser without a real capture, or a capture read by
no parser test, is caught by ``test_every_parser_fixture_is_registered``.
"""

from __future__ import annotations

import pathlib

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import dnsmasq
from osc_netdiag.parsers import dnsquery
from osc_netdiag.parsers import ip
from osc_netdiag.parsers import ip_route
from osc_netdiag.parsers import iptables
from osc_netdiag.parsers import oslo_ini
from osc_netdiag.parsers import ovn_db
from osc_netdiag.parsers import ovn_trace
from osc_netdiag.parsers import ps
from osc_netdiag.parsers import ss
from osc_netdiag.parsers import tcpdump

import capture_cases

FIXTURES = capture_cases.ROOT / "tests" / "fixtures"
L3DHCP = FIXTURES / "l3dhcp"
AGENT = L3DHCP / "agent"
CAPTURE = FIXTURES / "capture"
# the ML2/OVN probes' real outputs, from the OVN lab's recordings
# (tools/record_ovn_scenarios)
OVN = FIXTURES / "ovn" / "probes"

# Tool part of a file name (before "--") -> parser, per folder.
L3DHCP_PARSERS = {
    "dnsmasq-hostsfile": dnsmasq.parse_hosts_file,
    "dnsmasq-log": dnsmasq.parse_log,
    "dnsquery": dnsquery.parse_dns_query,
    "ip-d-j-addr": ip.parse_ip_addr,
    "ip-j-netns": ip.parse_ip_netns,
    "ip-j-route": ip_route.parse_ip_route,
    "ip-j-route-table-all": ip_route.parse_ip_route,
    "ip-j-rule": ip_route.parse_ip_rule,
    "iptables-save": iptables.parse_iptables_save,
    "iptables-save-t-nat": iptables.parse_iptables_save,
    "pgrep-a": ps.parse_ps,
    "ss-lnup": ss.parse_ss,
}
AGENT_PARSERS = {
    "cat": oslo_ini.parse_oslo_ini,
    # The dhcp check reads these grep lines as the [DEFAULT] section
    # (osc_netdiag.l3dhcp.metadata): parse them the same way.
    "grep-metadata": lambda text: oslo_ini.parse_oslo_ini("[DEFAULT]\n" + text),
    "pgrep-a-f": ps.parse_ps,
    "ps-owners": ps.parse_owners,
}
CAPTURE_PARSERS = {
    "tcpdump": tcpdump.parse_tcpdump,
}
OVN_PARSERS = {
    "ovn-nb-lsp": ovn_db.parse_switch_ports,
    "ovn-nb-localnet": ovn_db.parse_switch_ports,
    "ovn-nb-ls": ovn_db.parse_switches,
    "ovn-nb-lrp": ovn_db.parse_router_ports,
    "ovn-nb-ha-groups": ovn_db.parse_ha_groups,
    "ovn-nb-ha-chassis": ovn_db.parse_ha_chassis,
    "ovn-sb-pb": ovn_db.parse_port_bindings,
    "ovn-sb-chassis": ovn_db.parse_chassis,
    "ovn-sb-encaps": ovn_db.parse_encaps,
    "ovn-sb-datapaths": ovn_db.parse_datapaths,
    "ovn-controller-status": ovn_db.parse_connection_status,
    "ovs-system-ids": ovn_db.parse_open_vswitch_ids,
    "ovn-trace": ovn_trace.parse_ovn_trace,
    "ovn-nb-acls": ovn_db.parse_acls,
}

# Real captures whose correct parse is empty (nothing to list).
EMPTY = {
    "ip-j-addr--empty", "ip-j-netns--none", "ip-netns--none",
    "ovs-ofctl-dump-flows--br-int-table99-empty",
    "ovs-vsctl-find-interface--none", "ss-lnup--none",
    "grep-metadata--neutron.conf",
    # the port's rows after its Logical_Switch_Port was deleted
    "ovn-nb-lsp--switch-port-deleted-network1",
    "ovn-sb-pb--switch-port-deleted-network1",
}

# Files in those folders that are not a parser's input, and why.
NOT_PARSER_INPUT = {
    # tcpdump's stderr: read by parse_stats (tests/unit/capture).
    **{p.name: "tcpdump stderr" for p in CAPTURE.glob("tcpdump--*.err")},
    # The framed base64 stream of `port capture -w` (tests/unit/capture).
    "ndcap-stream--dhcp-write.out": "capture stream",
    # An empty capture (one blank line; its stats are in the .err): read by
    # tests/unit/capture (test_tcpdump_parser, test_capture_codes).
    "tcpdump--nothing-lo.out": "empty capture",
    # ovs-vsctl's stderr without a database (tests/unit/capture).
    "ovs-vsctl--add-port-no-db.err": "ovs-vsctl stderr",
    # cleanup's listings from tools/capture_cleanup_fixtures, read through
    # cleanup.find_leftovers (tests/unit/capture/test_cleanup_codes.py,
    # test_cleanup.py) and the cleanup command (test_command_output.py).
    **{p.name: "cleanup listing"
       for p in CAPTURE.glob("ovs-vsctl-list--*.out")},
}


def _lookup(path: pathlib.Path, table: dict):
    tool = path.name.split("--", 1)[0]
    try:
        return table[tool]
    except KeyError:
        raise LookupError(f"no parser registered for {path}") from None


def cases() -> list:
    """(path, parser) for every real capture of every parser."""
    found = [(p, capture_cases.parser_for(p)) for p in capture_cases.captures()]
    found += [(p, _lookup(p, L3DHCP_PARSERS)) for p in sorted(L3DHCP.glob("*.out"))]
    found += [(p, _lookup(p, AGENT_PARSERS)) for p in sorted(AGENT.glob("*.out"))]
    found += [(p, _lookup(p, CAPTURE_PARSERS))
              for p in sorted(CAPTURE.glob("*.out"))
              if p.name not in NOT_PARSER_INPUT]
    found += [(p, _lookup(p, OVN_PARSERS)) for p in sorted(OVN.glob("*.out"))]
    return found


def case_id(path: pathlib.Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def records(result) -> list:
    """A parse result as a list of records, for prefix comparisons."""
    if isinstance(result, dict):            # oslo_ini: (section, key) -> value
        return [((s, k), v) for s, values in result.items() for k, v in values.items()]
    if isinstance(result, tuple):
        return list(result)
    return [result]                         # one document (dns query, ofctl show)


def assert_whole_records_or_parse_error(parser, cut_text, full_result):
    """``parser(cut_text)`` raises ParseError, or returns the first records
    of ``full_result`` unchanged (the parsers' contract for output cut at a
    line boundary, see osc_netdiag/parsers/__init__.py).
    """
    try:
        result = parser(cut_text)
    except ParseError:
        return
    got, full = records(result), records(full_result)
    assert len(got) <= len(full), "a cut text gave more records"
    if parser is tcpdump.parse_tcpdump and got:
        # A decapsulated packet prints its inner frame on the next line: a
        # cut between the two keeps the outer packet without it.
        last = full[len(got) - 1]
        assert got[-1] in (last, tcpdump.Packet(**{
            **last.__dict__, "inner": None, "text": last.text.split("\n")[0]}))
        got, full = got[:-1], full[:len(got) - 1]
    if isinstance(result, dict):
        assert dict(got).items() <= dict(full).items(), "a value changed"
    else:
        assert got == full[:len(got)], "a record changed or was dropped"
