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

"""Commands run through OpenStackClient's real shell, in-process (as
osc-placement's functional tests do): the plugin's entry points, OSC's
option parsing and output, and the exit code the shell returns.

No API or host is contacted: replays need neither, and the live commands
get the SDK fake as their connection. The endpoint given to OSC's "none"
auth is loopback and never used.
"""

import json
import os
import pathlib

from openstackclient import shell
import pytest

from tests.unit.api import sdk_fakes as sf
from tests.unit.api.test_backends import OVN_DETAILS

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
GOLDEN = FIXTURES / "golden"
NO_AUTH = ["--os-auth-type", "none", "--os-endpoint", "http://127.0.0.1:9"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No clouds.yaml, no OS_* variable of the machine running the tests."""
    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def cloud(monkeypatch):
    """Make OSC's client manager hand the commands ``cloud.conn``."""
    from osc_lib import clientmanager
    holder = {}

    def connection(**kwargs):
        conn = holder["conn"]
        conn.close = lambda: None       # OSC closes it when the run ends
        return conn
    monkeypatch.setattr(clientmanager.connection, "Connection", connection)
    return holder


def openstack(capsys, *argv):
    code = shell.OpenStackShell().run([*NO_AUTH, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def golden_stdout(name):
    text = (GOLDEN / name).read_text()
    return text.split("--- stdout\n", 1)[1]


def test_host_check_replay_prints_the_golden_document(capsys):
    code, out, _ = openstack(
        capsys, "netdiag", "host", "check", "--from-capture",
        str(FIXTURES / "hostcheck" / "tunnel-removed"), "-f", "json")
    assert code == 4
    assert out == golden_stdout("host-check/tunnel-removed--json.txt")


def test_router_check_replay_table_output(capsys):
    code, out, _ = openstack(
        capsys, "netdiag", "router", "check", "--from-capture",
        str(FIXTURES / "l3dhcp" / "scenarios" /
            "router-dvr-snat-rule-deleted"))
    assert code == 4
    assert out == golden_stdout(
        "router-check/router-dvr-snat-rule-deleted--table.txt")


def test_ovn_port_is_refused_with_exit_3(capsys, cloud):
    conn = sf.vlan_cloud(binding_vif_details=OVN_DETAILS)
    cloud["conn"] = conn
    code, out, err = openstack(capsys, "netdiag", "port", "trace",
                               sf.PORT_ID)
    assert code == 3
    assert out == ""
    assert err == (
        f"Port {sf.PORT_ID} is bound by ML2/OVN (vif_type ovs, bound "
        "drivers ovn); this release traces ML2/OVS ports only\n")


def test_unknown_port_exits_3(capsys, cloud):
    cloud["conn"] = sf.vlan_cloud()
    code, _, err = openstack(capsys, "netdiag", "port", "trace",
                             "198.18.16.99")
    assert code == 3
    assert "No port found for fixed IP 198.18.16.99" in err


def test_usage_error_exits_2(capsys):
    # the command exits itself (cliff lets SystemExit through), as the
    # openstack program does
    with pytest.raises(SystemExit) as exc:
        openstack(capsys, "netdiag", "host", "check")
    assert exc.value.code == 2
    assert capsys.readouterr().err == (
        "netdiag host check: give <host> names or --all\n")


def test_json_document_of_a_port_trace_replay(capsys):
    code, out, _ = openstack(
        capsys, "netdiag", "port", "trace", "--from-capture",
        str(FIXTURES / "scenarios" / "vlan-tap-down"), "-f", "json")
    assert code == 4
    assert json.loads(out)["exit_code"] == 4
