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

"""A real recorded capture, copied and edited in exactly one place.

The fault tests start from a capture recorded on the lab (a scenario of
tests/fixtures) and change one value in one command's real output, or one
field of the recorded API context: the smallest change that turns a
healthy path into a present-but-wrong one. ``replace`` refuses a text that
does not occur exactly once, so an edit can never silently miss (or hit
two places) when a fixture is re-recorded.
"""

import json
import shutil


class EditedCapture:
    def __init__(self, source, tmp_path):
        self.path = tmp_path / source.name
        shutil.copytree(source, self.path)

    def __str__(self):
        return str(self.path)

    def _host_file(self, host):
        return self.path / "hosts" / f"{host}.json"

    def output(self, host, command):
        """The recorded stdout of ``command`` (probe name) on ``host``."""
        data = json.loads(self._host_file(host).read_text())
        [record] = [c for c in data["commands"] if c["name"] == command]
        return record["stdout"]

    def replace(self, host, command, old, new):
        """Replace the one occurrence of ``old`` in ``command``'s stdout."""
        path = self._host_file(host)
        data = json.loads(path.read_text())
        [record] = [c for c in data["commands"] if c["name"] == command]
        count = record["stdout"].count(old)
        assert count == 1, f"{old!r} occurs {count} times in {command}"
        record["stdout"] = record["stdout"].replace(old, new)
        path.write_text(json.dumps(data))
        return self

    def context(self):
        return json.loads((self.path / "context.json").read_text())

    def edit_context(self, change):
        """``change(data)`` edits the recorded API context in place."""
        data = self.context()
        change(data)
        (self.path / "context.json").write_text(json.dumps(data))
        return self
