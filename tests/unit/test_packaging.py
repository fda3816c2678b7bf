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

"""What the sdist and the wheel are built from (setup.cfg, tox.ini)."""

import configparser
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def read_ini(name):
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / name)
    return config


def test_every_directory_of_the_package_is_a_package():
    # pbr ships a directory without __init__.py only because git tracks
    # it; the wheel's package list comes from find_packages
    dirs = {p.parent for p in (ROOT / "osc_netdiag").rglob("*.py")}
    missing = sorted(str(d.relative_to(ROOT)) for d in dirs
                     if not (d / "__init__.py").is_file())
    assert missing == []


def test_the_data_files_exist():
    lines = read_ini("setup.cfg")["files"]["data_files"].strip().splitlines()
    sources = [line.split("=", 1)[1].strip() for line in lines]
    assert sources == ["doc/source/netdiag.sudoers"]
    assert all((ROOT / source).is_file() for source in sources)


def requirement(text, name):
    found = [line.split("#")[0].strip() for line in text.splitlines()
             if line.strip().startswith(name)]
    assert len(found) == 1, found
    return found[0]


def test_pep8_installs_the_hacking_of_the_tests():
    # tox -e pep8 installs hacking alone; the unit tests run the same
    # flake8 (tests/unit/test_style.py) from test-requirements.txt
    pep8 = read_ini("tox.ini")["testenv:pep8"]["deps"]
    tests = (ROOT / "test-requirements.txt").read_text()
    assert requirement(pep8, "hacking") == requirement(tests, "hacking")
