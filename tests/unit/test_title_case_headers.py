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

"""Every table's headers are Title Case: each word of a column name
starts with a capital ("Ingress Packets", "Segmentation ID"), in the
column tuples of every command module and in the headers the commands
printed for the goldens (csv's first line, a table's header row)."""

import importlib
import pathlib
import pkgutil
import re

import pytest

import osc_netdiag.v1

GOLDEN = pathlib.Path(__file__).parents[1] / "fixtures" / "golden"


def is_title_case(name):
    return all(word[0].isupper() or not word[0].isalpha()
               for word in name.split())


def column_tuples():
    """(module.NAME, columns) of every ``*COLUMNS`` tuple in osc_netdiag.v1."""
    found = []
    for info in pkgutil.iter_modules(osc_netdiag.v1.__path__):
        module = importlib.import_module(f"osc_netdiag.v1.{info.name}")
        for attr, value in vars(module).items():
            if attr.endswith("COLUMNS") and isinstance(value, tuple):
                found.append((f"{info.name}.{attr}", value))
    return found


def test_the_check_rejects_lower_case_words():
    assert is_title_case("Segmentation ID")
    assert not is_title_case("Ingress packets")


@pytest.mark.parametrize("name,columns", column_tuples(),
                         ids=[n for n, _ in column_tuples()])
def test_every_column_tuple_is_title_case(name, columns):
    assert [c for c in columns if not is_title_case(c)] == []


def printed_headers():
    headers = set()
    for path in GOLDEN.glob("**/*csv*.txt"):
        lines = path.read_text().split("--- stdout\n", 1)[1].splitlines()
        if lines and lines[0].startswith('"'):
            headers.update(re.findall(r'"([^"]*)"', lines[0]))
    for path in GOLDEN.glob("**/*table*.txt"):
        lines = path.read_text().splitlines()
        # a header row: the row under a table's top border
        for index, line in enumerate(lines[1:-1], start=1):
            top = index == 1 or not lines[index - 2].startswith(("+", "|"))
            if (top and lines[index - 1].startswith("+-")
                    and line.startswith("| ")):
                headers.update(h.strip() for h in line.strip("|").split("|"))
    return headers


def test_every_printed_header_is_title_case():
    headers = printed_headers()
    # the goldens do print the headers this reads
    assert {"Ingress Packets", "Watched Port", "Code"} <= headers
    assert sorted(h for h in headers if not is_title_case(h)) == []
