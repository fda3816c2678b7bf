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

import pytest

from osc_netdiag.capture import mirror
from osc_netdiag import names

MARKER = mirror.Marker("0badc0de", "tester", 1800000000)


def test_port_mirror_selects_the_port_both_ways():
    spec = mirror.MirrorSpec("br-int", "patch-tun", "ndm0badc0de0")
    argv = mirror.create_argv(spec, MARKER)
    assert argv[argv.index("get") + 2] == "patch-tun"
    assert "select-src-port=@watched" in argv
    assert "select-dst-port=@watched" in argv
    assert "select-all=true" not in argv
    assert spec.watched == "patch-tun"


def test_all_ports_mirror_names_no_port():
    spec = mirror.MirrorSpec("br-tun", None, "ndm0badc0de1", all_ports=True)
    argv = mirror.create_argv(spec, MARKER)
    assert "select-all=true" in argv
    assert "--id=@watched" not in argv
    assert not [a for a in argv if a.startswith("select-") and
                a != "select-all=true"]
    # the output port is still made, marked, and the only port looked up
    assert argv[argv.index("add-port") + 1:argv.index("add-port") + 3] == (
        "br-tun", "ndm0badc0de1")
    assert [argv[i + 2] for i, a in enumerate(argv) if a == "get"] == [
        "ndm0badc0de1"]
    assert "external_ids:netdiag-run=0badc0de" in argv
    assert spec.watched == "all ports"


def test_port_mirror_refuses_a_bad_port_name():
    with pytest.raises(names.UnsafeNameError):
        mirror.create_argv(
            mirror.MirrorSpec("br-int", "patch-tun;reboot", "ndm0badc0de0"),
            MARKER)
