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

"""What a failed command's finding may quote of its stderr: one line,
bounded, with secrets masked. The real outputs: a sudo refusal (see
tests/safety/test_sudoers.py) and ip netns exec on a missing namespace,
captured on the single-node lab's aio1; the masking cases are lines of
the forms an agent's or a client's error quotes (a transport_url, an
option with a password)."""

from osc_netdiag.checks import failure

# `ip netns exec qrouter-00000000-0000-0000-0000-000000000000 ip a` on
# aio1 (exit 255)
NETNS_MISSING = ('Cannot open network namespace "qrouter-00000000-0000-0000-'
                 '0000-000000000000": No such file or directory\n')


def test_status_exit_code_and_first_line():
    assert failure.describe("error", 255, NETNS_MISSING) == (
        'error, exit 255: Cannot open network namespace "qrouter-00000000-'
        '0000-0000-0000-000000000000": No such file or directory')


def test_only_the_first_non_blank_line():
    text = "\n  sudo: a password is required\nsecond line\n"
    assert failure.first_line(text) == "sudo: a password is required"


def test_no_stderr_falls_back_to_the_transport_message():
    assert failure.describe("timeout", None, "", "deadline 20s passed") == \
        "timeout, exit -: deadline 20s passed"
    assert failure.describe("error", 2, "") == \
        "error, exit 2: nothing on stderr"


def test_bounded():
    line = failure.first_line("x" * 1000)
    assert len(line) == failure.MAX_LINE and line.endswith("...")


def test_url_credentials_are_masked():
    text = ("ERROR oslo.messaging transport_url = "
            "rabbit://openstack:S3cr3t@10.0.0.5:5672/ unreachable")
    line = failure.first_line(text)
    assert "S3cr3t" not in line
    assert "rabbit://openstack:***@10.0.0.5:5672/" in line


def test_password_options_are_masked():
    for text in ("error: password=hunter2 rejected",
                 "admin_password: hunter2",
                 'token = "hunter2"'):
        assert "hunter2" not in failure.first_line(text), text
    # the word alone is no secret
    assert failure.first_line("sudo: a password is required") == \
        "sudo: a password is required"


def test_control_characters_are_dropped():
    assert failure.first_line("bad\x1b[31m red\x07") == "bad[31m red"
