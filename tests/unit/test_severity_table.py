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

"""The findings docs state, for every code in the catalogue, the severity
it has and why: a severity changed in the code without the docs (or a new
code without its row) fails here."""

import pathlib
import re

from osc_netdiag.checks.catalogue import CATALOGUE

DOC = pathlib.Path(__file__).parents[2] / "doc" / "source" / "findings.rst"


def _rows():
    text = DOC.read_text().split("Decision per code", 1)[1]
    return dict(re.findall(r"\* - ``(NETDIAG_\w+)``\n\s+- (\w+)\n", text))


def test_every_code_has_its_severity_and_reason_in_the_docs():
    rows = _rows()
    assert sorted(rows) == sorted(CATALOGUE)
    for code, (severity, _remedy) in CATALOGUE.items():
        assert rows[code] == getattr(severity, "value", severity), code


def test_the_rule_is_written():
    text = DOC.read_text()
    assert ("A finding is an **ERROR** when traffic that Neutron's "
            "configuration says\nshould flow cannot flow") in text
