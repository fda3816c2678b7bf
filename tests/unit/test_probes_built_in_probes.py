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

"""Every probe is built in the probes layer (probes.py, probes_ovn.py
for ML2/OVN, probes_fw.py for the firewall view's conntrack): no other
module constructs a Probe (the features and backends call their
builders), so every argv is reviewed in one place against
doc/source/netdiag.sudoers.
"""

import ast
import pathlib

from osc_netdiag.l3dhcp import dhcp
from osc_netdiag.l3dhcp import dns
from osc_netdiag.l3dhcp import metadata
from osc_netdiag.parsers import dnsmasq
from osc_netdiag.parsers import oslo_ini
from osc_netdiag import probes

ROOT = pathlib.Path(__file__).parents[2] / "osc_netdiag"
MAC = "fa:16:3e:5c:09:a1"
PROBE_MODULES = (ROOT / "probes.py", ROOT / "probes_ovn.py",
                 ROOT / "probes_fw.py")


def probe_constructions(source, label):
    """``label:line`` of each ``Probe(...)`` or ``<x>.Probe(...)`` call in
    ``source``.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else \
                getattr(func, "id", None)
            if name == "Probe":
                found.append(f"{label}:{node.lineno}")
    return found


def test_no_module_but_probes_builds_a_probe():
    built = [hit for path in sorted(ROOT.rglob("*.py"))
             if path not in PROBE_MODULES
             for hit in probe_constructions(
                 path.read_text(), path.relative_to(ROOT.parent))]
    assert built == []


def test_the_check_sees_a_probe_built_elsewhere():
    assert probe_constructions(
        "from osc_netdiag import probes\n"
        "p = probes.Probe('x', ('true',), str)\n"
        "q = Probe('y', ('true',), str)\n", "stray") == ["stray:2", "stray:3"]
    assert len(probe_constructions((ROOT / "probes.py").read_text(),
                                   "probes")) > 10
    assert len(probe_constructions((ROOT / "probes_ovn.py").read_text(),
                                   "probes_ovn")) == 3


def test_the_moved_probes_keep_their_names_argv_and_parsers():
    # the capture keys of saved captures must not change
    journal = dhcp.log_probe(MAC, "journal")
    assert journal == probes.dnsmasq_log(MAC, "journal")
    assert journal.name == f"dnsmasq-log:{MAC}:journal"
    assert journal.parse == dnsmasq.MacLines(MAC, 20000)
    syslog = dhcp.log_probe(MAC, "/var/log/syslog")
    assert syslog.argv == ("grep", "-F", "-i", "-h", "-a", "-m", "20000",
                           "--", MAC, "/var/log/syslog")
    config = metadata.config_probe("/etc/neutron/dhcp_agent.ini")
    assert config.name == "agent-config:/etc/neutron/dhcp_agent.ini"
    assert config.argv == ("grep", "-h", "-w", "-F", "-e", "force_metadata",
                           "-e", "enable_isolated_metadata", "--",
                           "/etc/neutron/dhcp_agent.ini")
    assert config.parse is oslo_ini.parse_option_lines
    query = dns.query_probe("qdhcp-n", "198.18.16.2", "host-198-18-16-10",
                            "A")
    assert query.name == "dns-query:qdhcp-n:198.18.16.2:A:host-198-18-16-10"
    assert query.argv[:5] == ("ip", "netns", "exec", "qdhcp-n",
                              "/usr/bin/python3")
    assert query.argv[-4:] == ("198.18.16.2", "host-198-18-16-10", "A", "3")
    assert query.timeout == 10.0
