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

"""The tree passes flake8 with OpenStack's hacking rules (``tox -e pep8``).

Run here too, so that the one test command (``tools/run-tests``) enforces
the style: a failure prints flake8's report.
"""

import configparser
import fnmatch
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def flake8_options():
    config = configparser.ConfigParser()
    config.read(ROOT / "tox.ini")
    return config["flake8"]


def test_flake8_with_hacking_is_clean():
    # from the top of the tree: the [flake8] section of tox.ini applies,
    # and hacking finds LICENSE there (its licence-header checks need it)
    proc = subprocess.run([sys.executable, "-m", "flake8", "."], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.stderr == ""
    assert proc.returncode == 0, "flake8 reports:\n" + proc.stdout


def test_hacking_is_the_flake8_in_use():
    proc = subprocess.run([sys.executable, "-m", "flake8", "--version"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "hacking" in proc.stdout


def python_scripts_without_suffix():
    return sorted(p for p in (ROOT / "tools").iterdir()
                  if p.is_file() and p.suffix == ""
                  and p.read_bytes()[:80].split(b"\n")[0].startswith(b"#!")
                  and b"python" in p.read_bytes()[:80].split(b"\n")[0])


def test_flake8_reads_every_python_script_under_tools():
    patterns = [p.strip() for p in flake8_options()["filename"].split(",")
                if p.strip()]
    scripts = python_scripts_without_suffix()
    assert "lab" in {p.name for p in scripts}
    unchecked = [p.name for p in scripts
                 if not any(fnmatch.fnmatch(f"./tools/{p.name}", pattern)
                            for pattern in patterns)]
    assert unchecked == [], "add them to filename in tox.ini [flake8]"
