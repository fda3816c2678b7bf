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

"""Folders netdiag writes into on this machine (``--save-capture``,
``port capture -w``), kept private and free of planted links.

What goes there is what hosts answered (addresses, configuration lines,
packets), so:

* a folder netdiag creates is 0700, and so is every missing parent it
  creates on the way;
* an existing folder is used only if it is a directory itself (not a
  symbolic link to one), owned by the user netdiag runs as, and not
  writable by group or others: anyone else who can write there could
  read the files, swap them, or plant links in the folder;
* files are opened through the folder's descriptor with ``O_NOFOLLOW``:
  new ones with ``O_EXCL`` (never an existing name), replaced ones as a
  new 0600 file renamed over the name (a link at that name is replaced,
  never written through); a subfolder that is a link is refused.

Only the last component of the path the user gave is held to these rules;
the parents above it are the user's choice.
"""

import os
import secrets
import stat

from osc_netdiag.errors import NetdiagError

_DIR_FLAGS = (os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW |
              getattr(os, "O_CLOEXEC", 0))
_NEW_FILE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW |
                   getattr(os, "O_CLOEXEC", 0))


class UnsafeOutputDir(NetdiagError, ValueError):
    """An output folder netdiag refuses to write into (or cannot create)."""


def _refuse(path, label, why):
    prefix = f"{label} {path}" if label else str(path)
    raise UnsafeOutputDir(f"{prefix}: {why}")


def _check_stat(st, path, label):
    """Refuse a link, a non-directory, someone else's or a shared folder."""
    if stat.S_ISLNK(st.st_mode):
        _refuse(path, label, "is a symbolic link; name the directory itself")
    if not stat.S_ISDIR(st.st_mode):
        _refuse(path, label, "exists and is not a directory")
    uid = os.geteuid()
    if st.st_uid != uid:
        _refuse(path, label, f"is owned by uid {st.st_uid}, not by you "
                             f"(uid {uid}); use a folder of your own")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        _refuse(path, label, f"is writable by group or others (mode "
                             f"{stat.S_IMODE(st.st_mode):04o}); use a "
                             f"private folder (chmod go-w)")


def _no_trailing_slash(path):
    """``dir/`` and ``dir/.`` name ``dir``; with the slash the kernel would
    follow a link at ``dir`` even with O_NOFOLLOW, and lstat too.
    """
    path = os.fspath(path)
    while len(path) > 1 and path.endswith(("/", "/.")):
        path = path[:-1] if path.endswith("/") else path[:-2]
    return path or "/"


def check(path, label=None):
    """Refuse, before anything runs, an existing ``path`` that is not a
    safe output folder; a missing one is fine (``prepare`` makes it).
    """
    path = _no_trailing_slash(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        _refuse(path, label, exc.strerror)
    _check_stat(st, path, label)
    return path


def _make(path):
    """mkdir -p with 0700 for every folder made (os.makedirs gives the
    parents the umask's mode).
    """
    if os.path.lexists(path):
        return
    parent = os.path.dirname(os.path.normpath(path))
    if parent and parent != path:
        _make(parent)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass        # made by a concurrent run: open_dir checks it as usual


def open_dir(path, label=None):
    """Create ``path`` (0700) if missing, open and check it; return its
    descriptor.
    """
    path = _no_trailing_slash(path)
    try:
        _make(path)
        fd = os.open(path, _DIR_FLAGS)
    except OSError as exc:
        # a link or a file at the name: say so in the usual words
        try:
            st = os.lstat(path)
        except OSError:
            st = None
        if st is not None:
            _check_stat(st, path, label)
        _refuse(path, label, f"cannot create or open: {exc.strerror}")
    try:
        _check_stat(os.fstat(fd), path, label)
    except BaseException:
        os.close(fd)
        raise
    return fd


def prepare(path, label=None):
    """Create ``path`` (0700) if missing, or check the existing one; it
    must be writable too (a run whose output cannot be kept is wasted).
    """
    os.close(open_dir(path, label))
    if not os.access(path, os.W_OK | os.X_OK):
        _refuse(path, label, "not writable")
    return path


def _write_all(fd, data):
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def create_at(dir_fd, name, data):
    """Write ``data`` to a new 0600 file ``name`` in the folder;
    FileExistsError if the name is taken (a link included).
    """
    fd = os.open(name, _NEW_FILE_FLAGS, 0o600, dir_fd=dir_fd)
    try:
        _write_all(fd, data)
    except BaseException:
        os.unlink(name, dir_fd=dir_fd)
        raise


def replace_at(dir_fd, name, data):
    """Write ``data`` as ``name`` in the folder, atomically: a new 0600
    file renamed over whatever had the name (a link is replaced, not
    followed).
    """
    while True:
        tmp = f".tmp-{secrets.token_hex(8)}"
        try:
            create_at(dir_fd, tmp, data)
            break
        except FileExistsError:
            continue
    try:
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        os.unlink(tmp, dir_fd=dir_fd)
        raise


def write_file(path, data, label=None):
    """``replace_at`` for a path: its folder (made 0700 as needed) is
    opened and checked first.
    """
    folder, name = os.path.split(path)
    fd = open_dir(folder or ".", label)
    try:
        replace_at(fd, name, data)
    finally:
        os.close(fd)
    return path
