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

"""The conftest hook that turns environmental skips into failures in CI
(tests/conftest.py), run on a tiny suite with and without ``CI``.
"""

import pathlib

import pytest

pytest_plugins = ["pytester"]

CONFTEST = (pathlib.Path(__file__).parents[1] / "conftest.py").read_text()

SUITE = '''
import pytest

def test_passes():
    pass

def test_needs_root_in_body():
    pytest.skip("needs root: namespaces")

@pytest.mark.skipif(True, reason="needs sshd: OpenSSH not installed")
def test_needs_sshd_mark():
    pass

@pytest.fixture
def sudo_host():
    pytest.skip("needs sudo: not installed")

def test_needs_sudo_fixture(sudo_host):
    pass

@pytest.mark.lab
def test_lab_skips_for_any_reason():
    pytest.skip("the agent restored the tag before the check ran")

def test_optional_tool():
    pytest.skip("tcpdump not installed")

@pytest.mark.xfail(reason="known", strict=True)
def test_expected_failure():
    assert False
'''


@pytest.fixture
def suite(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nmarkers =\n    lab: lab test\n")
    pytester.makepyfile(test_suite=SUITE)
    return pytester


def test_locally_environment_skips_stay_skips_with_their_reason(suite, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = suite.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=5, xfailed=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*needs root: namespaces*",
                                 "*needs sshd: OpenSSH not installed*"])


def test_in_ci_environment_skips_fail(suite, monkeypatch):
    monkeypatch.setenv("CI", "1")
    result = suite.runpytest("-rA")
    # needs-root (body) and the lab test fail; the skipif mark and the
    # fixture's skip fail in setup (reported as errors); tcpdump stays a skip.
    result.assert_outcomes(passed=1, failed=2, errors=2, skipped=1, xfailed=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        "*skipped in CI (CI='1'): needs root: namespaces*",
        "*skipped in CI (CI='1'): the agent restored the tag*",
    ])
    outcome = result.parseoutcomes()
    assert outcome.get("skipped") == 1


def test_empty_ci_variable_is_not_ci(suite, monkeypatch):
    monkeypatch.setenv("CI", "")
    result = suite.runpytest()
    result.assert_outcomes(passed=1, skipped=5, xfailed=1)
