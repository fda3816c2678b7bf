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

"""The lab's /usr/local/bin/privsep-helper link (tools/netdiag_lab/build.py):
ours when absent or dangling, left alone when another live checkout's.

The link is shared by every lab flavour running the same Neutron, so a lab
going down keeps it while another lab is up; when that other checkout is
later removed, the link dangles, and agents started through it cannot get
their privileges. Run on a temporary directory, never the real path.
"""

import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parents[2] / "tools"))

from netdiag_lab import build  # noqa: E402


@pytest.fixture
def paths(tmp_path, monkeypatch):
    ours = tmp_path / "venv" / "bin" / "privsep-helper"
    ours.parent.mkdir(parents=True)
    ours.write_text("#!/bin/sh\n")
    link = tmp_path / "usr-local-bin" / "privsep-helper"
    system = tmp_path / "system.json"
    monkeypatch.setattr(build, "VENV", str(tmp_path / "venv"))
    monkeypatch.setattr(build, "PRIVSEP_LINK", str(link))
    monkeypatch.setattr(build, "SYSTEM_FILE", str(system))
    return ours, link, system


def _recorded(system):
    return json.loads(system.read_text())["privsep_link"]


def test_absent_link_is_made_and_recorded(paths):
    ours, link, system = paths
    build.ensure_privsep_link()
    assert link.readlink() == ours
    assert _recorded(system) == {"path": str(link), "target": str(ours)}


def test_dangling_link_of_a_removed_checkout_is_replaced(paths, tmp_path):
    ours, link, system = paths
    link.parent.mkdir()
    link.symlink_to(tmp_path / "gone" / "venv" / "bin" / "privsep-helper")
    build.ensure_privsep_link()
    assert link.readlink() == ours
    assert _recorded(system) == {"path": str(link), "target": str(ours)}


def test_live_link_of_another_checkout_is_left_alone(paths, tmp_path):
    ours, link, system = paths
    other = tmp_path / "other" / "privsep-helper"
    other.parent.mkdir()
    other.write_text("#!/bin/sh\n")
    link.parent.mkdir()
    link.symlink_to(other)
    build.ensure_privsep_link()
    assert link.readlink() == other
    assert not system.exists()
