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

"""doc/source/netdiag.sudoers grants dhcp check's process-owners probe
exactly, and no other ``ps`` (one showing the command lines of every
process would show other programs' secrets), checked with the matcher of
test_sudoers and with the real sudo.
"""

import pytest

from osc_netdiag.linux import host_files
from tests.safety import sudoers_lib as lib
from tests.safety.test_sudoers import sudo_ns  # noqa: F401 (fixture)

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
    argv = lib.sudo_argv(host_files.owners_probe().command)
    assert argv == OWNERS
    assert lib.allowed(argv, lib.sudoers_commands())


@pytest.mark.parametrize("argv", REFUSED, ids=[" ".join(a) for a in REFUSED])
def test_other_ps_are_not_granted(argv):
    assert not lib.allowed(argv, lib.sudoers_commands())


@pytest.fixture(scope="module")
def answers(sudo_ns):  # noqa: F811
    return lib.sudo_list_many(sudo_ns, [OWNERS] + REFUSED)


def test_real_sudo_grants_the_probe(answers):
    status, stdout, stderr = answers[tuple(OWNERS)]
    assert status == 0, stderr
    assert stdout.rstrip("\n").split(" ", 1)[1] == " ".join(OWNERS[1:])


@pytest.mark.parametrize("argv", REFUSED, ids=[" ".join(a) for a in REFUSED])
def test_real_sudo_refuses_other_ps(answers, argv):
    status, stdout, _ = answers[tuple(argv)]
    assert (status, stdout) == (1, ""), argv
