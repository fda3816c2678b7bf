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

"""The container listing's grant (NETDIAG_CONTAINERS) as the real sudo
reads it, even where neither docker nor podman is installed (sudo refuses
a program it cannot find before it looks at the arguments): the shipped
file's two lines with their program swapped for /usr/bin/cat, which is
everywhere, must grant exactly ``ps --format {{.Names}}`` (the braces and
dot taken literally) and nothing more."""

import pytest

from osc_netdiag import probes
from tests.safety import sudoers_lib as lib

STAND_IN = "/usr/bin/cat"


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory, request):
    why = lib.real_sudo_missing()
    if why:
        pytest.skip(f"needs sudo: {why}")
    text = lib.SUDOERS.read_text()
    for runtime in probes.CONTAINER_RUNTIMES:
        assert f"/usr/bin/{runtime} ps --format {{{{.Names}}}}" in text
        text = text.replace(f"/usr/bin/{runtime} ps", f"{STAND_IN} ps")
    path = tmp_path_factory.mktemp("sudoers") / "netdiag.sudoers"
    path.write_text(text)
    real = lib.SUDOERS
    lib.SUDOERS = path
    try:
        with lib.sudo_namespace("ctr") as prefix:
            yield prefix
    finally:
        lib.SUDOERS = real


def test_exactly_the_listing(stand_in):
    argv = ["cat"] + list(probes.running_containers("docker").argv[1:])
    refused = [argv + ["-a"], argv[:3] + ["{{.ID}}"],
               argv[:3] + ["{{.Names}} {{.Command}}"], argv[:1] + ["-a"]
               + argv[1:], ["cat", "ps", "--format", "x.Names"],
               ["cat", "/etc/shadow"]]
    answers = lib.sudo_list_many(stand_in, [argv] + refused)
    assert answers[tuple(argv)][0] == 0, answers[tuple(argv)]
    for item in refused:
        assert answers[tuple(item)][0] != 0, item
