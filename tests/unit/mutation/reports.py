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

"""Stored whole reports, kept small: a delta against the healthy report.

An item of a list (a hop, row or finding) that equals the item at the same
place of the healthy recording's report is stored as "="; one that equals
another item of the healthy list as "=N" (its index there, when a missing
hop shifts the rest). Anything else is stored in full, so equality of the
delta is equality of the whole report.
"""

import json
import os


def delta(doc, healthy):
    out = {}
    for key, value in doc.items():
        base = healthy.get(key)
        if isinstance(value, list) and isinstance(base, list):
            value = [_mark(i, item, base) for i, item in enumerate(value)]
        out[key] = value
    return out


def _mark(i, item, base):
    if i < len(base) and item == base[i]:
        return "="
    if item in base:
        return f"={base.index(item)}"
    return item


def check(doc, stored):
    """``doc`` must equal the document stored at ``stored`` (a Path);
    ``NETDIAG_WRITE_REPORTS=1`` writes it there first.
    """
    if os.environ.get("NETDIAG_WRITE_REPORTS"):
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    assert doc == json.loads(stored.read_text())


def changed(doc):
    return any(item != "=" for value in doc.values() if isinstance(value, list)
               for item in value)
