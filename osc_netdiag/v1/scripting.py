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

"""What scripts ask of a command's output, beyond cliff's own: the
findings as rows (``--findings-only``), and ``-c``/``--sort-column``
applied to the ``-f json``/``-f yaml`` document.

A document's columns are its top-level keys, named as cliff names
columns (case-insensitive, ``_`` for a space: ``-c "Exit Code"`` is
``exit_code``). ``-c exit_code -c findings`` keeps those two keys, in
the document's order; a list under a kept key stays whole (``-c``
never reaches into the findings or the rows). With ``--findings-only``
the document is the list of findings, so there ``-c code`` keeps that
field of every finding. ``--sort-column`` sorts every list of objects
in the document (rows, findings, hosts...) by the named fields its
objects have. No key is ever renamed.
"""

import logging
import re

FINDING_COLUMNS = ("Code", "Severity", "Host", "Subject", "Summary",
                   "Remedy")
FINDING_KEYS = ("code", "severity", "host", "subject", "summary", "remedy")

LOG = logging.getLogger(__name__)
# a subject names its host first: "compute1:br-int", "compute1->network1"
_SUBJECT_HOST = re.compile(r"->|:")


def add_arguments(parser):
    """``--findings-only``, for a command that reports findings."""
    parser.add_argument(
        "--findings-only", action="store_true",
        help="Print only the findings, one row each (Code, Severity, "
             "Host, Subject, Summary, Remedy), in every format: with "
             "-f value -c Code a script gets one code per line. The exit "
             "code is the same as without it")
    return parser


def normalize(name):
    """cliff's column-name matching: ``Exit Code`` == ``exit_code``."""
    return name.lower().strip().replace(" ", "_")


def host_names(document):
    """Every host a document names in its lists of objects.

    Its rows and its host states, that is.
    """
    documents = document if isinstance(document, list) else [document]
    names = set()
    for doc in documents:
        for value in doc.values() if isinstance(doc, dict) else ():
            if isinstance(value, list):
                names.update(item["host"] for item in value
                             if isinstance(item, dict)
                             and isinstance(item.get("host"), str))
    names.difference_update(("", "-"))     # "-": a row of no host
    return names


def finding_host(subject, hosts):
    """The host a finding is about, read from its subject.

    The subject's first name when that is one of ``hosts``
    ("compute1:br-int" -> "compute1"); "" when the subject names no host
    ("198.19.0.46 -> <port id>").
    """
    head = _SUBJECT_HOST.split(subject, maxsplit=1)[0]
    return head if head in hosts else ""


def finding_rows(findings, hosts):
    """(Code, Severity, Host, Subject, Summary, Remedy) per finding."""
    return [(f.code, str(f.severity), finding_host(f.subject, hosts),
             f.subject, f.summary, f.remedy) for f in findings]


def findings_document(findings, hosts):
    """``--findings-only -f json``: the list of findings.

    Each with the keys of FINDING_KEYS: those of the full document's
    findings, and the host.
    """
    return [dict(zip(FINDING_KEYS, row))
            for row in finding_rows(findings, hosts)]


def shaped(document, columns=(), sort_columns=(), reverse=False,
           keys=None):
    """``document`` sorted by ``sort_columns`` and cut to ``columns``.

    See the module docstring. ``keys``: the columns a list document's
    objects have when it may be empty (to refuse an unknown -c all the
    same).
    """
    if sort_columns:
        document = _sorted(document, [normalize(c) for c in sort_columns],
                           reverse)
    if columns:
        document = _selected(document, columns, keys)
    return document


def shaped_for(parsed_args, document, keys=None):
    """shaped() with the -c and --sort-column options of ``parsed_args``."""
    return shaped(document, getattr(parsed_args, "columns", ()),
                  getattr(parsed_args, "sort_columns", ()),
                  reverse=getattr(parsed_args, "sort_direction",
                                  None) == "desc",
                  keys=keys)


def _selected(document, columns, keys):
    wanted = {normalize(c) for c in columns}
    if isinstance(document, dict):
        keys = list(document)
    elif keys is None:
        keys = list(next((d for d in document if isinstance(d, dict)), {}))
    if keys and not any(normalize(k) in wanted for k in keys):
        # as cliff refuses it for table output (exit 1)
        raise ValueError(f"No recognized column names in {list(columns)}. "
                         f"Recognized columns are {keys}.")

    def cut(item):
        return {k: v for k, v in item.items() if normalize(k) in wanted}
    if isinstance(document, dict):
        return cut(document)
    return [cut(d) if isinstance(d, dict) else d for d in document]


def _sorted(document, names, reverse):
    if isinstance(document, dict):
        return {k: _sorted_objects(v, names, reverse)
                for k, v in document.items()}
    if isinstance(document, list):
        # a list of documents (port trace --server): each, then the list
        inner = [{k: _sorted_objects(v, names, reverse)
                  for k, v in d.items()} if isinstance(d, dict) else d
                 for d in document]
        return _sorted_objects(inner, names, reverse)
    return document


def _sorted_objects(items, names, reverse):
    if not (isinstance(items, list) and items
            and all(isinstance(i, dict) for i in items)):
        return items
    by_name = {normalize(k): k for k in items[0]}
    fields = [by_name[n] for n in names if n in by_name]
    # last named first, each sort stable: the first named decides most,
    # and None sorts after values (as cliff sorts rows)
    for field in reversed(fields):
        try:
            items = sorted(items, reverse=reverse, key=lambda i: (
                i.get(field) is None, i.get(field)))
        except TypeError:
            LOG.warning("Could not sort on field '%s'; unsortable types",
                        field)
    return items
