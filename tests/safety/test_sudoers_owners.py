"""doc/source/netdiag.sudoers grants dhcp check's process-owners probe
exactly, and no other ``ps`` (one showing the command lines of every
process would show other programs' secrets), checked with the matcher of
test_sudoers and with the real sudo."""

import pytest

from osc_netdiag.l3dhcp import host_files
from tests.safety.test_sudoers import _installed
from tests.safety.test_sudoers import _sudo_list
from tests.safety.test_sudoers import allowed
from tests.safety.test_sudoers import sudo_argvs
from tests.safety.test_sudoers import sudo_ns  # noqa: F401 (fixture)
from tests.safety.test_sudoers import sudoers_commands

OWNERS = ["ps", "-e", "-o", "ruser:32=,user:32=,pid="]
REFUSED = [
    ["ps", "-e", "-o", "ruser:32=,user:32=,pid=,args="],
    ["ps", "-e", "-o", "ruser:32=,user:32=,pid=", "-o", "args="],
    ["ps", "-e", "-o", "args="],
    ["ps", "aux"],
    ["ps", "-ef"],
    ["ps", "-e", "-o", "ruser:32=,user:32=,pid=", "e"],
]


def test_the_probe_is_what_the_file_grants():
    [argv] = sudo_argvs([host_files.owners_probe().command])
    assert argv == OWNERS
    assert allowed(argv, sudoers_commands())


@pytest.mark.parametrize("argv", REFUSED, ids=[" ".join(a) for a in REFUSED])
def test_other_ps_are_not_granted(argv):
    assert not allowed(argv, sudoers_commands())


def test_real_sudo_grants_the_probe(sudo_ns):  # noqa: F811
    _installed(OWNERS)
    done = _sudo_list(sudo_ns, OWNERS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip("\n").split(" ", 1)[1] == " ".join(OWNERS[1:])


@pytest.mark.parametrize("argv", REFUSED, ids=[" ".join(a) for a in REFUSED])
def test_real_sudo_refuses_other_ps(sudo_ns, argv):  # noqa: F811
    _installed(argv)
    done = _sudo_list(sudo_ns, argv)
    assert done.returncode == 1 and done.stdout == "", (argv, done.stdout)
