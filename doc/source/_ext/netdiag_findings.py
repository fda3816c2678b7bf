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

"""``.. netdiag-findings::`` renders every finding code from the catalogue,
so the docs can never fall behind the code.
"""

from docutils import nodes
from docutils.parsers.rst import Directive


class FindingsTable(Directive):
    def run(self):
        from osc_netdiag.checks.catalogue import CATALOGUE
        table = nodes.table()
        group = nodes.tgroup(cols=3)
        table += group
        for width in (35, 10, 55):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        body = nodes.tbody()
        group += body

        def row(cells, literal_first=False):
            tr = nodes.row()
            for i, text in enumerate(cells):
                entry = nodes.entry()
                para = nodes.paragraph()
                para += (nodes.literal(text=text) if literal_first and i == 0
                         else nodes.Text(text))
                entry += para
                tr += entry
            return tr

        head += row(("Code", "Severity", "Remedy (template)"))
        for code, (severity, remedy) in sorted(CATALOGUE.items()):
            body += row((code, str(severity), remedy), literal_first=True)
        return [table]


def setup(app):
    app.add_directive("netdiag-findings", FindingsTable)
    return {"parallel_read_safe": True}
