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

"""How every netdiag command prints its result and which code it exits with.

The rows go through cliff's formatters as usual, with two additions:
``-f json``/``-f yaml`` print the whole result as one document instead
(rows, findings, hosts: what a script wants, not a flattened table), and
table output adds titled tables, such as the findings, after the rows.
"""

import abc
import json

from cliff import display
from cliff import lister
from osc_lib import exceptions as osc_exc

from osc_netdiag.errors import NetdiagError
from osc_netdiag.errors import ResolveError
from osc_netdiag import exitcodes
from osc_netdiag.v1 import common
from osc_netdiag.v1 import progress as progress_mod
from osc_netdiag.v1 import scripting
from osc_netdiag.v1 import show_commands

DOCUMENT_FORMATS = ("json", "yaml")
FINDING_COLUMNS = ("Code", "Severity", "Subject", "Summary", "Remedy")


def finding_rows(findings):
    return [(f.code, str(f.severity), f.subject, f.summary, f.remedy)
            for f in findings]


def write_document(args, document, stdout):
    if args.formatter == "json":
        json.dump(document, stdout, indent=None if getattr(
            args, "noindent", False) else 2, sort_keys=False)
        stdout.write("\n")
    else:
        import yaml
        yaml.safe_dump(document, stdout, default_flow_style=False,
                       sort_keys=False)


def run_with_exit_code(command, parsed_args):
    """cliff's Lister.run() returns 0 whatever happened; ours returns the
    diagnosis' exit code (see osc_netdiag.exitcodes).
    """
    try:
        # DisplayCommandBase.run() does the take_action/produce_output dance
        # and then returns 0; we keep the dance and replace the 0.
        display.DisplayCommandBase.run(command, parsed_args)
    except ResolveError as exc:
        command.app.stderr.write(f"{exc}\n")
        return exitcodes.UNRESOLVED
    except NetdiagError as exc:
        raise osc_exc.CommandError(str(exc)) from exc
    return command.exit_code


class DocumentOutput:
    """Output and exit code of a cliff display command (Lister or ShowOne)
    whose take_action() keeps its result in ``self.result`` and the exit
    code in ``self.exit_code``.
    """

    def document(self, parsed_args):
        """What ``-f json``/``-f yaml`` print: the whole result."""
        return self.result.to_dict()

    def sections(self, parsed_args):
        """``(title, columns, rows)`` that table output prints after the
        rows, each only when it has rows.
        """
        return ()

    def produce_output(self, parsed_args, column_names, data):
        if show_commands.planned(self):
            return show_commands.produce_output(self, parsed_args,
                                                column_names, data)
        if parsed_args.formatter in DOCUMENT_FORMATS:
            write_document(parsed_args, self.shaped_document(parsed_args),
                           self.app.stdout)
            return 0
        super().produce_output(parsed_args, column_names, data)
        # csv and value stay the bare rows, so scripts can still cut them;
        # --findings-only: the findings were the rows
        if (parsed_args.formatter == "table"
                and not getattr(parsed_args, "findings_only", False)):
            self.emit_after_rows(parsed_args)
        return 0

    def shaped_document(self, parsed_args):
        """The document, or the findings alone, -c and --sort-column on.

        See osc_netdiag.v1.scripting.
        """
        document, keys = self.document(parsed_args), None
        if getattr(parsed_args, "findings_only", False):
            document = scripting.findings_document(
                self.findings(), scripting.host_names(document))
            keys = scripting.FINDING_KEYS
        return scripting.shaped_for(parsed_args, document, keys)

    def emit_after_rows(self, parsed_args):
        for title, columns, rows in self.sections(parsed_args):
            if rows:
                self.app.stdout.write(f"\n{title}:\n")
                self.formatter.emit_list(columns, rows, self.app.stdout,
                                         parsed_args)

    def run(self, parsed_args):
        return run_with_exit_code(self, parsed_args)


class DiagnosisLister(DocumentOutput, common.HostAccessMixin, lister.Lister):
    """A command that diagnoses over the hosts: one row per thing checked,
    then the findings.

    A subclass declares its arguments, runs the diagnosis in diagnose()
    and names its columns in row_columns(); rows() and the exit code come
    from the result unless the subclass says otherwise.
    """

    @abc.abstractmethod
    def diagnose(self, parsed_args):
        """Run the diagnosis; return its result (``.exit_code``,
        ``.rows``, ``.findings``, ``.to_dict()``).
        """

    @abc.abstractmethod
    def row_columns(self, parsed_args):
        """The column names of rows()."""

    # False for a command with no findings (cleanup): no --findings-only
    reports_findings = True

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        if self.reports_findings:
            # shown with -f, -c and --sort-column, where it belongs
            scripting.add_arguments(
                getattr(self, "_formatter_group", None) or parser)
        return parser

    def rows(self, parsed_args):
        return [row.row() for row in self.result.rows]

    def exit_code_of(self, result):
        return result.exit_code

    def findings(self):
        return self.result.findings

    def sections(self, parsed_args):
        return (("Findings", FINDING_COLUMNS, finding_rows(self.findings())),)

    _progress = None

    def progress(self):
        """The callback a live run reports its hosts to, or None.

        None when nothing is to be shown (see osc_netdiag.v1.progress).
        """
        self._progress = progress_mod.for_app(self.app)
        return self._progress

    def take_action(self, parsed_args):
        try:
            self.result = self.diagnose(parsed_args)
        finally:
            # wipe the progress line before anything is printed
            if self._progress is not None:
                self._progress.close()
        if show_commands.planned(self):
            return show_commands.take_action(self)
        self.exit_code = self.exit_code_of(self.result)
        if getattr(parsed_args, "findings_only", False):
            hosts = scripting.host_names(self.document(parsed_args))
            return (scripting.FINDING_COLUMNS,
                    scripting.finding_rows(self.findings(), hosts))
        return self.row_columns(parsed_args), self.rows(parsed_args)
