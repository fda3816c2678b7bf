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

"""How a failed or unreadable command is told to the operator: its status,
its exit code and the first line of its stderr, bounded and with anything
that looks like a secret masked (a command's stderr may quote a config
line, a URL with credentials, or a token)."""

import re

# One line, as a terminal would show it; long enough for "Cannot open
# network namespace "qrouter-<uuid>": No such file or directory".
MAX_LINE = 160

_URL_CREDENTIALS = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:)"
                              r"[^@\s]*@")
_KEY_VALUE = re.compile(
    r"(?i)\b([a-z0-9_.-]*(?:password|passwd|secret|token|credential|"
    r"private[_-]?key|api[_-]?key)[a-z0-9_.-]*)(\s*[=:]\s*)"
    r"(\"[^\"]*\"|'[^']*'|\S+)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def mask_secrets(text):
    text = _URL_CREDENTIALS.sub(r"\1***@", text)
    return _KEY_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)


def first_line(text):
    """The first non-blank line of ``text``, secrets masked, control
    characters dropped, cut at MAX_LINE; "" when there is none.
    """
    for line in (text or "").splitlines():
        line = _CONTROL.sub("", line).strip()
        if line:
            line = mask_secrets(line)
            if len(line) > MAX_LINE:
                line = line[:MAX_LINE - 3] + "..."
            return line
    return ""


def describe(status, exit_status, stderr, message=""):
    """'<status>, exit <n>: <first stderr line>' (the transport's own word
    when the command said nothing on stderr).
    """
    said = first_line(stderr) or first_line(message) or "nothing on stderr"
    code = "-" if exit_status is None else exit_status
    return f"{status}, exit {code}: {said}"
