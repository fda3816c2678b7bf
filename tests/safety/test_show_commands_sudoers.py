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

"""What --show-commands prints as granted, the real sudo grants: every
argv the plans of the recorded runs print with a netdiag.sudoers entry is
asked of ``sudo -n -l`` as the unprivileged netdiag user reading the
shipped file (tests/safety/sudoers_lib.py), and each one printed as not
granted is refused: the read-only commands' plans and those of port
capture and cleanup."""

import pytest

from osc_netdiag.transport import plan as plan_mod
from tests.safety import sudoers_lib as lib
from tests.unit import test_show_commands as show
from tests.unit import test_show_commands_live as live


def _printed():
    printed = {}
    for plan in list(show._sudo_plans()) + list(live.sudo_plans()):
        for item in plan.commands:
            printed.setdefault(item.sudo_argv, item.sudoers)
    return printed


@pytest.fixture(scope="module")
def answers():
    why = lib.real_sudo_missing()
    if why:
        pytest.skip(f"needs sudo: {why}")
    printed = _printed()
    with lib.sudo_namespace("show") as prefix:
        yield printed, lib.sudo_list_many(
            prefix, [list(a) for a in printed if lib.installed(a)])


def test_printed_grants_are_real(answers):
    printed, real = answers
    granted = refused = 0
    for argv, entry in printed.items():
        if argv not in real:
            continue            # argv[0] not installed: sudo cannot resolve
        status, stdout, stderr = real[argv]
        if entry.startswith(plan_mod.NOT_GRANTED):
            assert status != 0, argv
            refused += 1
        else:
            assert entry.startswith("NETDIAG_"), entry
            assert status == 0, (argv, stderr)
            granted += 1
    assert granted > 20 and refused >= 1
    # capture's script and cleanup's Mirror listing were asked too
    assert {a[:2] for a in real} >= {("sh", "-c")}
    assert ("ovs-vsctl", "--timeout=5", "--format=json",
            "--columns=_uuid,name,external_ids", "list", "Mirror") in real
