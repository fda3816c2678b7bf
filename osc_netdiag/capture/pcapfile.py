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
instead, created with O_EXCL so two runs cannot take the same name.
"""

import base64
import binascii
import os
import re

from osc_netdiag.errors import ParseError
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
    """Refuse a path that exists and is not a directory (before any run)."""
    if os.path.lexists(path) and not os.path.isdir(path):
        raise ValueError(f"--write {path}: exists and is not a directory")
    return path


def prepare_dir(path):
    """Create DIR if missing; refuse a non-directory or an unwritable one."""
    check_dir(path)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"--write {path}: cannot create: "
                         f"{exc.strerror}") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise ValueError(f"--write {path}: not writable")
    return path


def file_stem(host, point, device):
    """``compute1-tap-tap3f1c9a2b-7d`` from names that are data."""
    parts = [_UNSAFE.sub("_", str(p or "none")) for p in (host, point,
                                                          device)]
    # A leading dot or dash would hide the file or read as an option.
    return "-".join(parts).lstrip(".-")[:MAX_NAME] or "capture"


def write_new(directory, stem, data):
    """Write ``data`` to a file that did not exist before; return its path."""
    for n in range(MAX_SUFFIX):
        name = f"{stem}.pcap" if n == 0 else f"{stem}.{n}.pcap"
        path = os.path.join(directory, name)
        try:
            # 0600: packets can carry credentials and personal data.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return path
    raise OSError(f"{directory}: {stem}.pcap and {MAX_SUFFIX - 1} numbered "
                  f"variants already exist")
