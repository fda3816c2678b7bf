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

"""Every finding code in the catalogue is raised by the code and named by a
test.

A code that no unit or safety test names is a diagnosis nobody has seen
fire: the test that raises it must assert it by name (the whole code, as
a word, in a string of an ``assert`` statement, on any of its lines: a
comment, a table or a list that no assert names does not count). This
file and the catalogue's own test do not count, since they name codes
without raising them. A code raised nowhere in the package is removed
from the catalogue instead.
"""

import ast
import pathlib
import re

from osc_netdiag.checks.catalogue import CATALOGUE

ROOT = pathlib.Path(__file__).parents[2]
TEST_DIRS = (ROOT / "tests" / "unit", ROOT / "tests" / "safety")
NOT_COUNTED = {pathlib.Path(__file__).resolve(),
               (ROOT / "tests" / "unit" / "test_catalogue.py").resolve()}
CODE = re.compile(r"\bNETDIAG_[A-Z0-9_]+\b")


def _names_in(paths):
    found = set()
    for path in paths:
        found.update(CODE.findall(path.read_text(encoding="utf-8")))
    return found


def asserted_in(text):
    """The codes named in the strings of the ``assert`` statements of a
    module's source ``text``.
    """
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Assert):
            for part in ast.walk(node):
                if isinstance(part, ast.Constant) and \
                        isinstance(part.value, str):
                    found.update(CODE.findall(part.value))
    return found


def test_every_code_is_asserted_by_a_test():
    sources = [p for folder in TEST_DIRS for p in sorted(folder.rglob("*.py"))
               if p.resolve() not in NOT_COUNTED]
    assert sources
    asserted = set()
    for path in sources:
        asserted |= asserted_in(path.read_text(encoding="utf-8"))
    uncovered = sorted(set(CATALOGUE) - asserted)
    assert uncovered == [], (
        f"{len(uncovered)} finding code(s) named in no assert of a test "
        "under tests/unit or tests/safety: " + ", ".join(uncovered))


def test_only_an_assert_names_a_code():
    text = (
        "# NETDIAG_IN_A_COMMENT\n"
        "TABLE = ['NETDIAG_IN_A_LIST']\n"
        "def test():\n"
        "    found = f(TABLE)  # NETDIAG_BESIDE_AN_ASSERT\n"
        "    assert found == ['NETDIAG_ON_THE_ASSERT_LINE']\n"
        "    assert found == ['NETDIAG_A',\n"
        "                     'NETDIAG_ON_A_CONTINUATION_LINE']\n")
    assert asserted_in(text) == {"NETDIAG_ON_THE_ASSERT_LINE", "NETDIAG_A",
                                 "NETDIAG_ON_A_CONTINUATION_LINE"}


def test_every_code_is_raised_by_the_package():
    package = ROOT / "osc_netdiag"
    checks = package / "checks"
    # the code tables name every code; the check engine beside them
    # raises some (a host unreadable, a command failed) like any module
    sources = [p for p in sorted(package.rglob("*.py"))
               if checks not in p.parents or p.name == "engine.py"]
    unraised = sorted(set(CATALOGUE) - _names_in(sources))
    assert unraised == [], (
        "finding code(s) in the catalogue that no module raises: "
        + ", ".join(unraised))


def test_the_scan_sees_a_code_only_as_a_whole_word():
    assert CODE.findall("x NETDIAG_TAP_DOWN, NETDIAG_TAP_DOWNSTREAM") == [
        "NETDIAG_TAP_DOWN", "NETDIAG_TAP_DOWNSTREAM"]
    assert CODE.findall("MY_NETDIAG_TAP_DOWN") == []
