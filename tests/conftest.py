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

"""No silent skips in CI.

A test that needs root, a real sshd, real sudo, Podman or the lab skips on a
developer's machine that lacks them, with its reason. In CI (the ``CI``
environment variable is set and not empty) such a skip is a FAILURE: the run
would otherwise be green while every host-key or sudoers test was never run.

A skip is recognised as environmental when its reason starts with one of
:data:`ENVIRONMENT_REASONS` (write ``pytest.skip("needs root: ...")`` or
``skipif(..., reason="needs sshd: ...")``), or when the test is marked
``lab`` (any skip of a lab test in CI hides the failure it exists to catch).
Other skips (an optional tool such as tcpdump or socat missing) stay skips.
"""

import os

import pytest

ENVIRONMENT_REASONS = ("needs root", "needs sshd", "needs sudo", "needs the lab",
                       "needs podman")


def in_ci():
    return bool(os.environ.get("CI"))


def _skip_reason(report):
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = longrepr[2]
    else:
        reason = str(longrepr)
    return reason[len("Skipped: "):] if reason.startswith("Skipped: ") else reason


def is_environment_skip(item, reason):
    return reason.startswith(ENVIRONMENT_REASONS) or \
        item.get_closest_marker("lab") is not None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and in_ci()) or hasattr(report, "wasxfail"):
        return
    reason = _skip_reason(report)
    if is_environment_skip(item, reason):
        report.outcome = "failed"
        report.longrepr = (f"skipped in CI (CI={os.environ.get('CI')!r}): "
                           f"{reason}\nThis test needs an environment CI must "
                           f"provide; a skip here would hide it.")
