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

"""``cleanup``'s exact exit codes (0, 2, 8, 16, 32 and their OR) over a
stand-in transport answering with real listings of an Open vSwitch
database (tools/capture_cleanup_fixtures): br-int with an operator's
mirror and a capture's marked mirror and output port, expired at 1000
(-leftover), and the same database after the product's removal commands
(-cleaned). A host whose removal "works" is answered with the -cleaned
listings after its removal command; one whose removal "sticks" keeps
answering -leftover.
"""

from osc_netdiag.capture import cleanup
from osc_netdiag import errors
from osc_netdiag import exitcodes
from osc_netdiag.inventory import Inventory
from osc_netdiag import models
from osc_netdiag.transport.base import CommandResult
from tests.unit.capture.test_cleanup import FIXTURES

TABLES = {"capture-bridges": "bridge", "capture-mirrors": "mirror",
          "capture-ports": "port"}


def listing(command_name, state):
    return (FIXTURES / f"ovs-vsctl-list--{TABLES[command_name]}-{state}.out"
            ).read_text()


class Hosts:
    """host -> "ok" (removal works), "stuck" (rows stay), "failing" (the
    listing exits 1) or a HostError status (the host cannot be opened).
    """

    def __init__(self, **hosts):
        self.hosts = hosts
        self.removed = set()

    def open(self, target):
        how = self.hosts[target.name]
        if how not in ("ok", "stuck", "failing"):
            raise errors.HostError(target.name, how, f"{how} (test)")
        return _Session(self, target.name, how)


class _Session:
    round_trips = 0

    def __init__(self, owner, host, how):
        self.owner, self.host, self.how = owner, host, how

    def run(self, commands):
        self.round_trips += 1
        out = []
        for command in commands:
            if command.name.startswith("capture-remove-"):
                if self.how == "ok":
                    self.owner.removed.add(self.host)
                out.append(CommandResult(command.name, command.argv, "", "",
                                         0))
                continue
            if self.how == "failing":
                out.append(CommandResult(
                    command.name, command.argv, "",
                    "ovs-vsctl: unix:/var/run/openvswitch/db.sock: database "
                    "connection failed (No such file or directory)\n", 1))
                continue
            text = listing(command.name, "cleaned" if self.host in
                           self.owner.removed else "leftover")
            out.append(CommandResult(command.name, command.argv, text, "", 0))
        return out

    def close(self):
        pass


def run(hosts, **kwargs):
    options = dict(inventory=Inventory(), transport=hosts, now=2000,
                   yes=True)
    options.update(kwargs)
    return cleanup.cleanup(list(hosts.hosts), **options)


def test_nothing_due_is_0_and_lists_nothing():
    result = run(Hosts(compute1="ok"), now=999)
    assert (result.exit_code, result.leftovers) == (exitcodes.OK, ())


def test_due_rows_without_yes_is_2_and_removes_nothing():
    hosts = Hosts(compute1="ok")
    result = run(hosts, yes=False)
    assert result.exit_code == exitcodes.USAGE and not result.applied
    assert [x.row()[-1] for x in result.leftovers] == ["left", "left"]
    assert hosts.removed == set()


def test_removed_rows_is_0():
    hosts = Hosts(compute1="ok")
    result = run(hosts)
    assert result.exit_code == exitcodes.OK
    assert [(x.table, x.name, x.row()[-1]) for x in result.leftovers] == [
        ("Mirror", "ndm0badc0de0", "removed"),
        ("Port", "ndm0badc0de0", "removed")]
    assert hosts.removed == {"compute1"}
    # a second run finds nothing
    again = run(hosts)
    assert (again.exit_code, again.leftovers) == (exitcodes.OK, ())


def test_rows_that_stay_is_32():
    result = run(Hosts(compute1="stuck"))
    assert result.exit_code == exitcodes.CLEANUP_INCOMPLETE == 32
    assert [x.row()[-1] for x in result.leftovers] == ["left", "left"]


def test_unreachable_host_and_rows_that_stay_is_40():
    result = run(Hosts(compute1="stuck", compute2=models.HOST_UNREACHABLE))
    assert result.exit_code == (exitcodes.UNREADABLE |
                                exitcodes.CLEANUP_INCOMPLETE) == 40
    assert {h.host: h.status for h in result.hosts} == {
        "compute1": "ok", "compute2": models.HOST_UNREACHABLE}


def test_listing_that_fails_is_8():
    result = run(Hosts(compute1="failing"))
    assert result.exit_code == exitcodes.UNREADABLE
    assert result.leftovers == ()


def test_host_key_refused_is_16_and_24_with_an_unreadable_host():
    result = run(Hosts(compute1=models.HOST_HOSTKEY))
    assert result.exit_code == exitcodes.CREDENTIALS_REFUSED == 16
    result = run(Hosts(compute1=models.HOST_HOSTKEY, compute2="failing"))
    assert result.exit_code == 24
