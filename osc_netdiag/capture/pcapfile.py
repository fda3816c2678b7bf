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

"""``port capture -w DIR``: the pcap bytes a host sent, checked and saved.

The host encodes each point's ``tcpdump -w -`` stream with coreutils
``base64`` (76 characters a line) and tags every line ``W <index>`` (see
``remote``), so the binary survives the line-based channel. Here the lines
are joined, decoded strictly, validated as a pcap (``parsers.pcap``) and
written to one file per point on the client; nothing is ever written on the
host.

Files are named ``<host>-<point>-<device>.pcap`` with every character
outside ``A-Z a-z 0-9 . _ -`` replaced by ``_``. An existing file is never
overwritten: the first free ``<name>.1.pcap``, ``<name>.2.pcap``... is used
instead, created with O_EXCL so two runs cannot take the same name. The
folder is created 0700 and an unsafe existing one is refused
(:mod:`osc_netdiag.outdir`).
"""

import base64
import binascii
import os
import re

from osc_netdiag.errors import ParseError
from osc_netdiag import outdir
from osc_netdiag.parsers import pcap

LINE_WIDTH = 76                 # coreutils base64's default wrap
_B64_LINE = re.compile(r"[A-Za-z0-9+/]*={0,2}\Z")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
MAX_NAME = 200
MAX_SUFFIX = 1000


def max_lines(bounds):
    """Most base64 lines one point can send within its -c/-s bounds.

    A capture cannot be larger than its file header plus ``count`` records
    of at most ``snaplen`` bytes; anything beyond is not tcpdump's output.
    """
    largest = pcap.GLOBAL_HEADER + bounds.count * (pcap.RECORD_HEADER +
                                                   bounds.snaplen)
    per_line = LINE_WIDTH // 4 * 3
    return -(-largest // per_line) + 1


def decode(lines):
    """base64 lines (as ``base64`` printed them) -> pcap bytes, checked."""
    for number, line in enumerate(lines, 1):
        if len(line) > LINE_WIDTH or not _B64_LINE.match(line):
            raise ParseError(f"pcap stream: line {number} is not base64: "
                             f"{line[:40]!r}")
    try:
        data = base64.b64decode("".join(lines), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ParseError(f"pcap stream: {exc}") from exc
    return data, pcap.parse_pcap(data)


def check_dir(path):
    """Refuse, before any run, an existing path that is not a private
    directory of the user's (see :mod:`osc_netdiag.outdir`).
    """
    return outdir.check(path, "--write")


def prepare_dir(path):
    """Create DIR (0700) if missing; refuse an unsafe existing one."""
    return outdir.prepare(path, "--write")


def file_stem(host, point, device):
    """``compute1-tap-tap3f1c9a2b-7d`` from names that are data."""
    parts = [_UNSAFE.sub("_", str(p or "none")) for p in (host, point,
                                                          device)]
    # A leading dot or dash would hide the file or read as an option.
    return "-".join(parts).lstrip(".-")[:MAX_NAME] or "capture"


def write_new(directory, stem, data):
    """Write ``data`` to a file that did not exist before; return its path.

    The folder is opened and checked once; each name is created through it
    with O_EXCL|O_NOFOLLOW, so a link planted at a name is skipped like
    any existing file. 0600: packets can carry credentials and personal
    data.
    """
    dir_fd = outdir.open_dir(directory, "--write")
    try:
        for n in range(MAX_SUFFIX):
            name = f"{stem}.pcap" if n == 0 else f"{stem}.{n}.pcap"
            try:
                outdir.create_at(dir_fd, name, data)
            except FileExistsError:
                continue
            return os.path.join(directory, name)
    finally:
        os.close(dir_fd)
    raise OSError(f"{directory}: {stem}.pcap and {MAX_SUFFIX - 1} numbered "
                  f"variants already exist")
