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

"""Output folders on the client belong to the user who runs netdiag.

As root: a --save-capture or -w folder (or a capture's hosts/ subfolder)
owned by another uid is refused before the API or any host is contacted;
and, in a child process that switched to an unprivileged uid, the same
rules hold for that uid: a folder root made, or root's link, planted in a
sticky world-writable folder like /tmp, is refused, and the folder that
uid makes is its own, mode 0700.
"""

import json
import os
import pathlib
import shutil
import stat
import tempfile

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
from tests.unit.helpers import run_command

SCENARIO = (pathlib.Path(__file__).parents[1] / "fixtures" / "scenarios" /
            "vlan-healthy")
OTHER_UID = 65534                     # nobody
OTHER_GID = 65534

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="changing owners needs root")


class NoApi:
    def __getattr__(self, name):
        pytest.fail(f"the API was used ({name})")


class Recorder(replay.ReplayTransport):
    def __init__(self):
        super().__init__(str(SCENARIO))
        self.opened = []

    def open(self, target):
        self.opened.append(target.name)
        return super().open(target)


def record(save_dir, transport):
    context = ctx_mod.PortContext.from_json(
        json.loads((SCENARIO / "context.json").read_text()))
    return api.trace_context(context, inventory=Inventory(),
                             transport=transport, save_capture=str(save_dir))


@pytest.fixture
def others(tmp_path):
    """A private folder that belongs to another uid."""
    folder = tmp_path / "others"
    folder.mkdir(mode=0o700)
    os.chown(folder, OTHER_UID, OTHER_GID)
    return folder


def test_save_capture_refuses_another_users_folder(others, monkeypatch,
                                                   capsys):
    transport = Recorder()
    with pytest.raises(errors.NetdiagError,
                       match=f"is owned by uid {OTHER_UID}, not by you "
                             r"\(uid 0\)"):
        record(others, transport)
    monkeypatch.setattr(port_cmd.TracePort, "transport",
                        lambda self, args, inventory: transport)
    with pytest.raises(SystemExit) as exc:
        run_command(port_cmd.TracePort, "vm-port", "--save-capture",
                    str(others), conn=NoApi())
    assert exc.value.code == exitcodes.USAGE
    assert (f"argument --save-capture: {others}: is owned by uid "
            f"{OTHER_UID}, not by you (uid 0); use a folder of your own"
            in capsys.readouterr().err)
    assert transport.opened == []
    assert os.listdir(others) == []


def test_save_capture_refuses_a_hosts_folder_of_another_user(tmp_path):
    save = tmp_path / "save"
    save.mkdir(mode=0o700)
    (save / "hosts").mkdir(mode=0o700)
    os.chown(save / "hosts", OTHER_UID, OTHER_GID)
    transport = Recorder()
    with pytest.raises(errors.NetdiagError,
                       match=f"save/hosts: is owned by uid {OTHER_UID}"):
        record(save, transport)
    assert transport.opened == []
    assert os.listdir(save / "hosts") == []


def test_write_refuses_another_users_folder(others, monkeypatch, capsys):
    monkeypatch.setattr(capture_run, "capture_port",
                        lambda *a, **k: pytest.fail("the capture started"))
    with pytest.raises(SystemExit) as exc:
        run_command(capture_cmd.CapturePort, "vm-port", "--yes", "-w",
                    str(others))
    assert exc.value.code == exitcodes.USAGE
    assert (f"argument -w/--write: {others}: is owned by uid {OTHER_UID}"
            in capsys.readouterr().err)
    assert os.listdir(others) == []


def as_other_user(function):
    """Run ``function()`` in a child process switched to OTHER_UID; return
    what it returned (a short string) or raise what it raised, as text.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:                                   # the child
        code = 0
        try:
            os.close(read_end)
            os.setgroups([])
            os.setresgid(OTHER_GID, OTHER_GID, OTHER_GID)
            os.setresuid(OTHER_UID, OTHER_UID, OTHER_UID)
            os.umask(0o022)
            text = "ok: " + str(function())
        except BaseException as exc:               # noqa: BLE001 - reported
            text = f"{type(exc).__name__}: {exc}"
            code = 1
        os.write(write_end, text.encode())
        os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        text = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) in (0, 1), text
    return text


@pytest.fixture
def shared_tmp():
    """A sticky world-writable folder like /tmp that OTHER_UID can reach
    (pytest's own temporary folders are root's, 0700).
    """
    base = pathlib.Path(tempfile.mkdtemp(prefix="netdiag-localfiles-"))
    try:
        base.chmod(0o755)
        shared = base / "tmp"
        shared.mkdir()
        shared.chmod(0o1777)
        yield shared
    finally:
        shutil.rmtree(base)


def test_an_unprivileged_user_refuses_what_root_planted_in_tmp(shared_tmp):
    planted = shared_tmp / "capture"             # root's, 0755: not theirs
    planted.mkdir(mode=0o755)
    target = shared_tmp / "roots-own"
    target.mkdir(mode=0o755)
    link = shared_tmp / "pcaps"                  # a link to root's folder
    link.symlink_to(target)
    assert as_other_user(lambda: replay.prepare(str(planted))) == (
        f"UnsafeOutputDir: --save-capture {planted}: is owned by uid 0, not "
        f"by you (uid {OTHER_UID}); use a folder of your own")
    assert as_other_user(lambda: pcapfile.prepare_dir(str(link))) == (
        f"UnsafeOutputDir: --write {link}: is a symbolic link; name the "
        f"directory itself")
    # the same folders are fine for root, who owns them (the link aside)
    assert replay.prepare(str(planted)) == str(planted)


def test_an_unprivileged_user_makes_its_own_private_folder(shared_tmp):
    save = shared_tmp / "mine" / "run1"

    def make():
        replay.save_json(str(save), "context", {"port": {"id": "p1"}})
        return "made"
    assert as_other_user(make) == "ok: made"
    for path in (shared_tmp / "mine", save):
        st = os.lstat(path)
        assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (OTHER_UID, 0o700)
    st = os.lstat(save / "context.json")
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (OTHER_UID, 0o600)
