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

"""cleanup's selection against real ovs-vsctl listings (recorded by
tools/capture_cleanup_fixtures from a private ovsdb-server): one mirror and
output port made by the product's own argv and marked (expired at 1000),
one operator's mirror with no marker, an instance's port.
"""

import pathlib

from osc_netdiag.capture import cleanup
from osc_netdiag.transport.base import CommandResult

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "capture"


def results():
    out = []
    for command, table in zip(cleanup.list_commands(),
                              ("bridge", "mirror", "port")):
        text = (FIXTURES / f"ovs-vsctl-list--{table}-leftover.out").read_text()
        out.append(CommandResult(command.name, command.argv, text, "", 0))
    return out


def test_only_marked_expired_rows_are_selected():
    found = cleanup.find_leftovers("compute1", results(), now=2000)
    assert sorted((x.table, x.name, x.bridge) for x in found) == [
        ("Mirror", "ndm0badc0de0", "br-int"),
        ("Port", "ndm0badc0de0", "br-int")]
    assert all(x.run_id == "0badc0de" and x.user == "tester" for x in found)
    assert not any("opmirror" in x.name for x in found)


def test_not_expired_rows_wait_unless_forced():
    assert cleanup.find_leftovers("compute1", results(), now=999) == []
    assert len(cleanup.find_leftovers("compute1", results(), now=999,
                                      force=True)) == 2


def test_removal_is_one_transaction_per_bridge():
    found = cleanup.find_leftovers("compute1", results(), now=2000)
    (command,) = cleanup.removal_commands(found)
    argv = command.argv
    assert command.ovs
    assert "del-port" in argv and "ndm0badc0de0" in argv
    assert argv[argv.index("mirrors") + 1] == [
        x.uuid for x in found if x.table == "Mirror"][0]
