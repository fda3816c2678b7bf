"""``cleanup``'s exact exit codes (0, 2, 8, 16, 32 and their OR) over a
stand-in transport answering with the ovs-vsctl listings of test_cleanup
(one marked mirror+port, expired at 1000, and an operator's mirror).
After a removal the listings are answered either unchanged (the row stays)
or with the marked rows taken out of the Mirror and Port listings."""

import json

from osc_netdiag import errors
from osc_netdiag import exitcodes
from osc_netdiag import models
from osc_netdiag.capture import cleanup
from osc_netdiag.inventory import Inventory
from osc_netdiag.transport.base import CommandResult
from tests.unit.capture.test_cleanup import FIXTURES

LISTINGS = {command.name: (FIXTURES / f"ovs-vsctl--{table}-marked.out"
                           ).read_text()
            for command, table in zip(cleanup.list_commands(),
                                      ("bridge", "mirror", "port"))}


def _without_marked(text):
    doc = json.loads(text)
    doc["data"] = [row for row in doc["data"]
                   if "netdiag-run" not in json.dumps(row)]
    return json.dumps(doc) + "\n"


class Hosts:
    """host -> "ok" (removal works), "stuck" (rows stay), "failing" (the
    listing exits 1) or a HostError status (the host cannot be opened)."""

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
            text = LISTINGS[command.name]
            if self.host in self.owner.removed:
                text = _without_marked(text)
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
    result = run(Hosts(compute1="ok"))
    assert result.exit_code == exitcodes.OK
    assert [x.row()[-1] for x in result.leftovers] == ["removed", "removed"]


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
