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

"""dhcp check's reading of the port's DHCP exchange: the dhcp-port lab
recording with its log answer replaced by lines of a real dnsmasq log
(tests/fixtures/l3dhcp/dnsmasq-log--nak-noaddress.out): each log finding
code with the row's status and the exact exit code.
"""

from osc_netdiag import exitcodes
from osc_netdiag.models import Status

from tests.unit.l3dhcp import scenario
from tests.unit.l3dhcp.test_dhcp_faults import check
from tests.unit.l3dhcp.test_dhcp_faults import codes
from tests.unit.l3dhcp.test_dhcp_faults import PORT_MAC
from tests.unit.l3dhcp.test_dhcp_faults import rows


# -- the port's exchange in dnsmasq's log -------------------------------------
# The log answer replaced by lines of dnsmasq-log--nak-noaddress.out (a real
# dnsmasq configured as Neutron does, against a real dhclient with the
# port's MAC; see tools/capture_dnsmasq_log_fixtures): the lines mentioning
# the MAC, as the host's grep prints them, cut where each test says.

NAK_LOG = (scenario.SCENARIOS.parent / "dnsmasq-log--nak-noaddress.out"
           ).read_text()
PORT_LINES = [line for line in NAK_LOG.splitlines(True)
              if PORT_MAC in line.lower()]


def _upto(text, lines=PORT_LINES):
    """The lines up to and including the first one containing ``text``."""
    index = next(i for i, line in enumerate(lines) if text in line)
    return lines[:index + 1]


def _log(tmp_path, lines):
    def edit(command):
        if command["name"].startswith("dnsmasq-log:"):
            command["stdout"] = "".join(lines)
            edit.done += 1
    edit.done = 0
    return check("dhcp-port", edit, tmp_path)


def test_log_no_address(tmp_path):
    # up to dnsmasq's "no address available" (the hosts file was empty)
    result = _log(tmp_path, _upto("no address available"))
    assert codes(result) == ["NETDIAG_DHCP_NO_ADDRESS"]
    log, = rows(result, "dhcp-log")
    assert (log.state, log.status) == ("no address", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_log_nak(tmp_path):
    # up to the DHCPNAK of the client's old address
    result = _log(tmp_path, _upto("DHCPNAK("))
    assert codes(result) == ["NETDIAG_DHCP_NAK"]
    log, = rows(result, "dhcp-log")
    assert (log.state, log.status) == ("refused", Status.WARN)
    assert result.exit_code == exitcodes.OK


def test_log_whole_exchange_after_a_nak(tmp_path):
    # every line: the NAK is followed by a new DISCOVER ... ACK
    result = _log(tmp_path, PORT_LINES)
    assert codes(result) == ["NETDIAG_DHCP_EXCHANGE_COMPLETE"]
    log, = rows(result, "dhcp-log")
    assert (log.state, log.status) == ("acknowledged", Status.OK)
    assert "DHCPNAK x1" in log.detail
    assert result.exit_code == exitcodes.OK


# From the first exchange that got an address on (the lines before it hold
# the "no address available" answer, which would decide instead).
ANSWERED = PORT_LINES[PORT_LINES.index(_upto("DHCPOFFER(")[-1]) - 1:]


def test_log_discover_without_answer(tmp_path):
    # that exchange cut after its DISCOVER
    result = _log(tmp_path, _upto("DHCPDISCOVER(", ANSWERED))
    assert codes(result) == ["NETDIAG_DHCP_NO_OFFER"]
    log, = rows(result, "dhcp-log")
    assert (log.state, log.status) == ("unanswered", Status.ERROR)
    assert result.exit_code == exitcodes.ERROR_FINDING


def test_log_offer_without_request(tmp_path):
    # that exchange cut after dnsmasq's OFFER
    result = _log(tmp_path, _upto("DHCPOFFER(", ANSWERED))
    assert codes(result) == ["NETDIAG_DHCP_NO_REPLY_SEEN"]
    log, = rows(result, "dhcp-log")
    assert (log.state, log.status) == ("offered", Status.WARN)
    assert result.exit_code == exitcodes.OK


def test_no_address_line_keeps_its_mac():
    # dnsmasq prints no address before the MAC on this line: the MAC must
    # not be read as one
    from osc_netdiag.parsers import dnsmasq
    line, = _upto("no address available")[-1:]
    event = dnsmasq.parse_log(line)[0].event
    assert (event.kind, event.ip, event.mac, event.note) == (
        "DHCPDISCOVER", None, PORT_MAC, "no address available")
