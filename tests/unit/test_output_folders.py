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

"""Folders netdiag writes on this machine (--save-capture's JSON, port
capture's -w pcaps): made 0700, an unsafe existing folder refused before
the API or any host is contacted (exit 2 on the command line), and no
link planted in a folder followed. (Ownership by another uid needs root:
tests/safety/test_local_files.py.)
"""

import json
import os
import pathlib
import stat

import pytest

from osc_netdiag import api
from osc_netdiag.capture import pcapfile
from osc_netdiag.capture import run as capture_run
from osc_netdiag import context as ctx_mod
from osc_netdiag import errors
from osc_netdiag import exitcodes
from osc_netdiag.inventory import Inventory
from osc_netdiag.transport import replay
from osc_netdiag.v1 import capture as capture_cmd
from osc_netdiag.v1 import port as port_cmd
from tests.unit.api import sdk_fakes as sf
from tests.unit.helpers import run_command

SCENARIO = (pathlib.Path(__file__).parents[1] / "fixtures" / "scenarios" /
            "vlan-healthy")


@pytest.fixture(autouse=True)
def umask_022():
    """The usual umask: what os.makedirs alone would turn into 0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


class Recorder(replay.ReplayTransport):
    """Serves the recorded lab trace; remembers every host it was asked
    to open (a refused folder must stop the run before any).
    """

    def __init__(self):
        super().__init__(str(SCENARIO))
        self.opened = []

    def open(self, target):
        self.opened.append(target.name)
        return super().open(target)


def record(save_dir, transport=None):
    """port trace --save-capture's code path, on the recorded lab trace."""
    context = ctx_mod.PortContext.from_json(
        json.loads((SCENARIO / "context.json").read_text()))
    return api.trace_context(context, inventory=Inventory(),
                             transport=transport or Recorder(),
                             save_capture=str(save_dir))


class NoApi:
    """An SDK connection that fails the test when touched."""

    def __getattr__(self, name):
        pytest.fail(f"the API was used ({name})")


def private_dir(path):
    path.mkdir()
    path.chmod(0o700)
    return path


@pytest.fixture
def outside(tmp_path):
    """A folder and a file a planted link points at: must stay as they
    are.
    """
    folder = private_dir(tmp_path / "outside")
    (folder / "precious").write_text("operator's file\n")
    return folder


def untouched(outside):
    assert sorted(os.listdir(outside)) == ["precious"]
    assert (outside / "precious").read_text() == "operator's file\n"


# -- --save-capture ----------------------------------------------------------

def test_save_capture_folders_and_parents_are_made_0700(tmp_path):
    save = tmp_path / "new" / "run1"
    trace = record(save)
    assert trace.exit_code == exitcodes.OK
    assert mode(tmp_path / "new") == 0o700        # a parent made on the way
    assert mode(save) == 0o700
    assert mode(save / "hosts") == 0o700
    files = [save / "context.json", save / "hosts" / "compute1.json",
             save / "hosts" / "network1.json"]
    assert sorted(str(p) for p in save.rglob("*") if p.is_file()) == \
        sorted(map(str, files))
    assert [mode(f) for f in files] == [0o600] * 3
    # what was saved replays to the same trace
    assert api.trace_from_capture(str(save)).hops == trace.hops


@pytest.mark.parametrize("bits", [0o770, 0o707, 0o777])
def test_save_capture_refuses_a_folder_others_can_write(tmp_path, bits):
    shared = private_dir(tmp_path / "shared")
    shared.chmod(bits)
    transport = Recorder()
    with pytest.raises(errors.NetdiagError,
                       match=r"is writable by group or others \(mode 0"
                             f"{bits:o}"r"\)"):
        record(shared, transport)
    assert transport.opened == []
    assert os.listdir(shared) == []


@pytest.mark.parametrize("suffix", ["", "/", "/.", "//"])
def test_save_capture_refuses_a_link_as_the_folder(tmp_path, outside,
                                                   suffix):
    # "link/" makes the kernel (and lstat) follow the link: still refused
    link = tmp_path / "link"
    link.symlink_to(outside)
    transport = Recorder()
    with pytest.raises(errors.NetdiagError,
                       match=f"{link}: is a symbolic link"):
        record(f"{link}{suffix}", transport)
    assert transport.opened == []
    untouched(outside)


def test_save_capture_refuses_a_hosts_link_planted_in_it(tmp_path, outside):
    save = private_dir(tmp_path / "save")
    (save / "hosts").symlink_to(outside)
    transport = Recorder()
    with pytest.raises(errors.NetdiagError,
                       match=r"save/hosts: is a symbolic link"):
        record(save, transport)
    assert transport.opened == []
    untouched(outside)


def test_save_capture_replaces_planted_file_links_never_writes_through(
        tmp_path, outside):
    save = private_dir(tmp_path / "save")
    private_dir(save / "hosts")
    (save / "context.json").symlink_to(outside / "precious")
    (save / "hosts" / "compute1.json").symlink_to(outside / "precious")
    (save / "hosts" / "network1.json").symlink_to(outside / "missing")
    assert record(save).exit_code == exitcodes.OK
    untouched(outside)
    for path in (save / "context.json", save / "hosts" / "compute1.json",
                 save / "hosts" / "network1.json"):
        assert stat.S_ISREG(os.lstat(path).st_mode) and mode(path) == 0o600
    assert json.loads((save / "hosts" / "compute1.json").read_text())[
        "host"] == "compute1"


def test_save_capture_refused_on_the_command_line_before_the_api(
        tmp_path, monkeypatch, capsys):
    shared = private_dir(tmp_path / "shared")
    shared.chmod(0o777)
    transport = Recorder()
    monkeypatch.setattr(port_cmd.TracePort, "transport",
                        lambda self, args, inventory: transport)
    with pytest.raises(SystemExit) as exc:
        run_command(port_cmd.TracePort, sf.PORT_ID, "--save-capture",
                    str(shared), conn=NoApi())
    assert exc.value.code == exitcodes.USAGE
    assert (f"argument --save-capture: {shared}: is writable by group or "
            f"others (mode 0777)") in capsys.readouterr().err
    assert transport.opened == []
    assert os.listdir(shared) == []


def test_save_capture_accepts_a_private_existing_folder(tmp_path):
    save = private_dir(tmp_path / "mine")
    save.chmod(0o755)               # readable by others is the user's call
    assert record(save).exit_code == exitcodes.OK
    assert mode(save) == 0o755 and mode(save / "hosts") == 0o700


# -- port capture -w ----------------------------------------------------------

def test_write_dir_and_parents_are_made_0700(tmp_path):
    pcaps = tmp_path / "new" / "pcaps"
    assert pcapfile.prepare_dir(str(pcaps)) == str(pcaps)
    assert mode(tmp_path / "new") == mode(pcaps) == 0o700


def test_write_never_follows_a_link_planted_at_a_file_name(tmp_path,
                                                           outside):
    pcaps = private_dir(tmp_path / "pcaps")
    (pcaps / "h-tap-tap0.pcap").symlink_to(outside / "precious")
    (pcaps / "h-tap-tap0.1.pcap").symlink_to(outside / "missing")
    path = pcapfile.write_new(str(pcaps), "h-tap-tap0", b"pcap bytes")
    assert path == str(pcaps / "h-tap-tap0.2.pcap")
    assert pathlib.Path(path).read_bytes() == b"pcap bytes"
    assert mode(path) == 0o600
    untouched(outside)


def test_write_refuses_a_folder_swapped_for_a_link_during_the_run(
        tmp_path, outside):
    # what capture.run reports as NETDIAG_CAPTURE_FILE_FAILED (it catches
    # NetdiagError and OSError around write_new)
    link = tmp_path / "pcaps"
    link.symlink_to(outside)
    with pytest.raises(errors.NetdiagError, match="is a symbolic link"):
        pcapfile.write_new(str(link), "h-tap-tap0", b"pcap bytes")
    untouched(outside)


def capture_cli(monkeypatch, *argv):
    """port capture as OSC runs it; the capture itself must not start."""
    started = []
    monkeypatch.setattr(capture_run, "capture_port",
                        lambda *a, **k: started.append(a) or pytest.fail(
                            "the capture started"))
    with pytest.raises(SystemExit) as exc:
        run_command(capture_cmd.CapturePort, "vm-port", "--yes", *argv)
    assert started == []
    return exc.value.code


@pytest.mark.parametrize("case,suffix,why", [
    ("shared", "", "is writable by group or others (mode 0777)"),
    ("link", "", "is a symbolic link; name the directory itself"),
    ("link", "/", "is a symbolic link; name the directory itself"),
    ("file", "", "exists and is not a directory"),
])
def test_write_refuses_an_unsafe_folder_on_the_command_line(
        tmp_path, outside, monkeypatch, capsys, case, suffix, why):
    path = tmp_path / case
    if case == "shared":
        private_dir(path).chmod(0o777)
    elif case == "link":
        path.symlink_to(outside)
    else:
        path.write_text("")
    assert capture_cli(monkeypatch, "-w", f"{path}{suffix}") == \
        exitcodes.USAGE
    assert (f"argument -w/--write: {path}: {why}"
            in capsys.readouterr().err)
    untouched(outside)
