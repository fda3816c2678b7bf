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

"""dns check: the ss and DNS-query parsers on lab captures, and the check
replayed from a lab recording (healthy, and with edited answers).
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag import exitcodes
from osc_netdiag.l3dhcp import dns
from osc_netdiag.models import Status
from osc_netdiag.parsers import dnsquery
from osc_netdiag.parsers import ss

from tests.unit.l3dhcp import scenario

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "l3dhcp"


def read(name):
    return (FIXTURES / name).read_text()


def test_ss_listeners():
    sockets = ss.parse_ss(read("ss-lnup--qdhcp-dns.out"))
    assert [(s.address, s.port) for s in sockets] == [
        ("127.0.0.1", 53), ("198.18.16.10", 53), ("::1", 53),
        ("fe80::f816:3eff:fee1:cd5d", 53)]
    assert sockets[3].interface.startswith("tap")
    assert all(s.processes[0][0] == "dnsmasq" for s in sockets)
    assert ss.parse_ss(read("ss-lnup--none.out")) == ()


def test_ss_refuses_cut_output():
    with pytest.raises(ParseError):
        ss.parse_ss(read("ss-lnup--qdhcp-dns.out")[:-1])


@pytest.mark.parametrize("case, status, answers", [
    ("forward", "NOERROR", ("198.18.16.39",)),
    ("reverse", "NOERROR", ("host-198-18-16-39.openstacklocal",)),
    ("refused", "REFUSED", ()),
    ("nxdomain", "NXDOMAIN", ()),
    ("timeout", "TIMEOUT", ()),
])
def test_dns_query_answers(case, status, answers):
    answer = dnsquery.parse_dns_query(read(f"dnsquery--{case}.out"))
    assert (answer.status, answer.answers) == (status, answers)
    assert (answer.ms is None) == (status == "TIMEOUT")


def test_dns_query_refuses_two_lines():
    text = read("dnsquery--forward.out")
    with pytest.raises(ParseError):
        dnsquery.parse_dns_query(text + text)


def run(tmp_path, edit=None):
    context = scenario.load_context("dns-port")
    capture = scenario.copy_capture("dns-port", tmp_path, edit)
    return context, dns.check_context(context, **scenario.options(capture))


def test_dns_check_healthy(tmp_path):
    context, result = run(tmp_path)
    assert result.exit_code == exitcodes.OK
    kinds = {r.kind: r for r in result.rows}
    assert kinds["dns-listener"].status == Status.OK
    assert kinds["dns-forward"].detail.startswith(
        dns.target_port(context)[1])
    assert kinds["dns-reverse"].state == "NOERROR"


def _with_answer(kind, stdout):
    def edit(command):
        if command["name"].startswith("dns-query:") and \
                command["name"].split(":")[3] == kind:
            command["stdout"] = stdout
    return edit


def test_dns_reverse_timeout_explains_slow_ssh(tmp_path):
    timeout = read("dnsquery--timeout.out")
    _, result = run(tmp_path, _with_answer("PTR", timeout))
    row, = [r for r in result.rows if r.kind == "dns-reverse"]
    assert row.state == "timeout" and "sshd UseDNS" in row.detail
    finding, = result.findings
    assert finding.code == "NETDIAG_DNS_REVERSE_TIMEOUT"
    assert result.exit_code == exitcodes.OK        # a WARNING


def test_dns_forward_refused_is_an_error(tmp_path):
    _, result = run(tmp_path, _with_answer("A",
                                           read("dnsquery--refused.out")))
    assert "NETDIAG_DNS_FORWARD_FAILED" in {f.code for f in result.findings}
    assert result.exit_code == exitcodes.OK          # a WARNING


def test_missing_python3_is_missing_command(tmp_path):
    def edit(command):
        if command["name"].startswith("dns-query:"):
            command.update(stdout="", exit_status=1, stderr=(
                'exec of "python3" failed: No such file or directory\n'))
    _, result = run(tmp_path, edit)
    assert result.exit_code == exitcodes.UNREADABLE
    assert result.hosts[0].status == "missing-command"


def test_nothing_listening(tmp_path):
    def edit(command):
        if command["name"].startswith("ns-ss-dns:"):
            command["stdout"] = ""
    _, result = run(tmp_path, edit)
    assert "NETDIAG_DNS_NOT_LISTENING" in {f.code for f in result.findings}
    assert result.exit_code == exitcodes.ERROR_FINDING
