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

"""The command as OSC runs it: argument parsing, exit codes, output."""

import pytest

from osc_netdiag import exitcodes
from osc_netdiag.v1 import port as port_cmd
from tests.unit.api import sdk_fakes as sf
from tests.unit import helpers


def run(conn, *argv):
    return helpers.run_command(port_cmd.TracePort, *argv, conn=conn)


def test_unknown_port_exits_3_before_any_ssh(monkeypatch):
    from osc_netdiag.transport import pool

    def no_ssh(*a, **k):
        raise AssertionError("no host may be contacted")
    monkeypatch.setattr(pool, "HostPool", no_ssh)
    code, app = run(sf.vlan_cloud(), "198.18.16.99")
    assert code == exitcodes.UNRESOLVED
    assert "No port found for fixed IP 198.18.16.99" in app.stderr.getvalue()


def test_ambiguous_exits_3_and_lists_candidates():
    conn = sf.vlan_cloud()
    conn.network._ports.append(sf.port(id="11111111-2222-4333-8444-555555555555"))
    code, app = run(conn, "vm1-port")
    assert code == exitcodes.UNRESOLVED
    err = app.stderr.getvalue()
    assert sf.PORT_ID in err and "11111111-2222-4333-8444-555555555555" in err


@pytest.mark.parametrize("attrs,words", [
    ({"binding_vif_type": "binding_failed"}, "not bound"),
    ({"binding_vif_type": None, "binding_host_id": None}, "admin"),
])
def test_unbound_and_non_admin_exit_3(attrs, words):
    code, app = run(sf.vlan_cloud(**attrs), sf.PORT_ID)
    assert code == exitcodes.UNRESOLVED
    assert words in app.stderr.getvalue()


def test_port_or_server_required():
    with pytest.raises(SystemExit) as exc:
        run(sf.vlan_cloud())
    assert exc.value.code == exitcodes.USAGE
