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

"""known_hosts parsing and host matching, on lines OpenSSH's tools write.

Keys are made with ssh-keygen here; hashed names come from ``ssh-keygen
-H``; ``ssh-keygen -F`` (OpenSSH's own lookup) is the oracle for which
lines name a host. ``@revoked``/``@cert-authority`` lines are written by
hand in OpenSSH too (sshd(8)), with real public keys.
"""

import pathlib
import shutil
import subprocess

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from osc_netdiag.transport import known_hosts

SSH_KEYGEN = shutil.which("ssh-keygen")
pytestmark = pytest.mark.skipif(SSH_KEYGEN is None,
                                reason="ssh-keygen not installed")


def keygen(path, kind="ed25519"):
    subprocess.run([SSH_KEYGEN, "-q", "-t", kind, "-N", "", "-C", "nd-test",
                    "-f", str(path)], check=True)
    return pathlib.Path(f"{path}.pub").read_text().split()[:2]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    return {name: keygen(folder / name, kind) for name, kind in
            (("host", "ed25519"), ("other", "ecdsa"), ("ca", "ed25519"),
             ("rsa", "rsa"))}


def ssh_keygen_finds(tmp_path, text, name):
    """Does OpenSSH (ssh-keygen -F) find ``name`` in known_hosts ``text``?"""
    path = tmp_path / "oracle_known_hosts"
    path.write_text(text)
    found = subprocess.run([SSH_KEYGEN, "-F", name, "-f", str(path)],
                           capture_output=True, text=True)
    return found.returncode == 0


def test_plain_hashed_marked_and_port_lines(tmp_path, keys):
    kind, blob = keys["host"]
    okind, oblob = keys["other"]
    plain = (f"compute1,198.18.0.11 {kind} {blob}\n"
             f"[198.18.0.12]:2222 {okind} {oblob} a comment\n")
    hashed_file = tmp_path / "hashed"
    hashed_file.write_text(plain)
    subprocess.run([SSH_KEYGEN, "-H", "-f", str(hashed_file)], check=True,
                   capture_output=True)
    hashed = hashed_file.read_text()
    assert hashed.startswith("|1|")                 # what ssh-keygen -H wrote
    text = (f"# a comment line\n\n{hashed}"
            f"@revoked * {okind} {oblob}\n"
            f"@cert-authority *.mgmt.example {keys['ca'][0]} {keys['ca'][1]}\n")
    parsed = known_hosts.parse(text, "kh")
    assert parsed.problems == ()
    markers = [e.marker for e in parsed.entries]
    assert markers == [None, None, None, known_hosts.REVOKED,
                       known_hosts.CERT_AUTHORITY]
    assert [e.source for e in parsed.entries] == ["kh:3", "kh:4", "kh:5",
                                                  "kh:6", "kh:7"]
    for name, port in (("compute1", 22), ("198.18.0.11", 22),
                       ("198.18.0.12", 2222), ("198.18.0.12", 22),
                       ("compute2", 22), ("a.mgmt.example", 22)):
        lookup = known_hosts.lookup_name(name, port)
        ours = [e.source for e in parsed.entries if e.matches(lookup)]
        assert bool(ours) == ssh_keygen_finds(tmp_path, text, lookup), lookup
    view = known_hosts.for_host(parsed.entries, "198.18.0.12", 2222)
    assert view.name == "[198.18.0.12]:2222"
    # The ecdsa key is listed for the host and revoked for every host.
    assert view.known == () and view.is_revoked(
        parsed.entries[2].blob).source == "kh:6"
    view = known_hosts.for_host(parsed.entries, "compute1", 22)
    assert [e.source for e in view.known] == ["kh:3"]
    assert view.is_known(parsed.entries[0].blob)
    assert view.authorities == ()
    view = known_hosts.for_host(parsed.entries, "n1.mgmt.example", 22)
    assert view.known == () and [e.source for e in view.authorities] == ["kh:7"]


def test_unreadable_lines_are_problems_and_the_rest_still_count(keys):
    kind, blob = keys["host"]
    # Real lines, each broken in one place (said per line).
    text = (f"good {kind} {blob}\n"
            f"@trusted good {kind} {blob}\n"          # unknown marker
            f"short {kind}\n"                         # no key
            f"badb64 {kind} {blob[:-3]}!!!\n"        # not base64
            f"mismatch ssh-rsa {blob}\n"             # type is not the key's
            f"@revoked\n")
    parsed = known_hosts.parse(text, "f")
    assert [e.patterns for e in parsed.entries] == ["good"]
    assert [where for where, _ in parsed.problems] == ["f:2", "f:3", "f:4",
                                                       "f:5", "f:6"]


@pytest.mark.parametrize("field,name", [
    ("*.example", "a.example"), ("*.example", "example"),
    ("*.Example,!bad.example", "bad.example"),
    ("*.Example,!bad.example", "good.EXAMPLE"),
    ("node?", "node1"), ("node?", "node12"),
    ("[10.0.0.1]:2222", "[10.0.0.1]:2222"), ("[10.0.0.1]:2222", "10.0.0.1"),
    ("[10.0.0.*]:*", "[10.0.0.9]:22022"), ("10.0.0.1", "[10.0.0.1]:2222"),
    ("!a,b", "a"), ("!a", "a"), ("a,b,c", "c"),
])
def test_patterns_match_as_openssh_does(tmp_path, keys, field, name):
    kind, blob = keys["host"]
    text = f"{field} {kind} {blob}\n"
    expected = ssh_keygen_finds(tmp_path, text, name)
    assert known_hosts.matches(field, name) == expected


@settings(max_examples=40, deadline=None)
@given(field=st.lists(st.from_regex(r"!?[a-c*?.]{1,4}", fullmatch=True),
                      min_size=1, max_size=3).map(",".join),
       name=st.from_regex(r"[a-c.]{1,4}", fullmatch=True))
def test_generated_patterns_agree_with_ssh_keygen(tmp_path_factory, keys,
                                                  field, name):
    tmp_path = tmp_path_factory.mktemp("oracle")
    kind, blob = keys["host"]
    text = f"{field} {kind} {blob}\n"
    assert known_hosts.matches(field, name) == ssh_keygen_finds(
        tmp_path, text, name), (field, name)


def test_hashed_name_matches_only_its_name(tmp_path, keys):
    kind, blob = keys["rsa"]
    path = tmp_path / "kh"
    path.write_text(f"[198.18.0.5]:2200 {kind} {blob}\n")
    subprocess.run([SSH_KEYGEN, "-H", "-f", str(path)], check=True,
                   capture_output=True)
    [entry] = known_hosts.parse(path.read_text()).entries
    assert entry.matches("[198.18.0.5]:2200")
    assert not entry.matches("198.18.0.5")
    assert not entry.matches("[198.18.0.5]:2201")
    assert known_hosts.for_host([entry], "198.18.0.5", 2200).known_types() \
        == ("ssh-rsa",)
