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

"""The bounded remote script of one host's capture, and running it.

One ``sh -c`` script per host does everything there: create the mirrors,
run one ``tcpdump`` per point in parallel, remove the mirrors. Every line it
prints starts with ``NDCAP:<run id>:``. The script can end five ways, and
each one removes what it created:

* normal end: every tcpdump stopped at its ``-c`` count or ``timeout``;
* the client asks to stop (Ctrl-C, SIGTERM, SIGHUP): it closes the channel's
  stdin; a watcher blocked on stdin sends the script SIGTERM, its trap
  cleans up and reports ``C ok``;
* the client dies or the connection closes (SIGKILL, cut TCP): sshd closes
  stdin, same path;
* the connection hangs without closing: the script runs under
  ``timeout -k 3 <deadline>``, whose TERM fires the same trap;
* the shell itself is killed (``kill -9``): a watchdog in its own session
  (``setsid``) runs the same removal at the deadline plus 5 seconds.

Removal selects rows by name AND by the run's owner marker, so it can never
take an operator's mirror or another run's.
"""

import dataclasses
import shlex
import time

from osc_netdiag.capture import mirror as mirror_mod
from osc_netdiag.transport import stream

SETUP_MARGIN = 15          # seconds for mirror setup and removal
WATCHDOG_GRACE = 5
KILL_AFTER = 2
LINE_TAG = "NDCAP"


@dataclasses.dataclass(frozen=True)
class RemotePoint:
    """One tcpdump: on ``device`` (in ``netns``), or on a mirror's output."""
    index: int
    device: str
    netns: str = None
    mirror: mirror_mod.MirrorSpec = None
    bpf: str = None                # this point's own filter, if any
    vlan: int = None               # 802.1Q tag the frames carry here


@dataclasses.dataclass(frozen=True)
class Bounds:
    count: int
    duration: float
    snaplen: int

    @property
    def deadline(self):
        """Seconds the whole remote script may live."""
        return self.duration + KILL_AFTER + SETUP_MARGIN


def _q(argv):
    return " ".join(shlex.quote(a) for a in argv)


def _ovs(argv, exec_prefix):
    return _q(tuple(exec_prefix) + tuple(argv))


def removal_script(points, run_id, exec_prefix=()):
    """sh code removing this run's mirrors and output ports (idempotent)."""
    lines = []
    for point in points:
        spec = point.mirror
        if spec is None:
            continue
        find_m = _ovs(mirror_mod.find_mirror_argv(spec.name, run_id),
                      exec_prefix)
        find_p = _ovs(mirror_mod.find_port_argv(spec.output, run_id),
                      exec_prefix)
        remove = _ovs(mirror_mod.remove_argv(spec.bridge), exec_prefix)
        lines += [
            f'for m in $({find_m} 2>/dev/null); do '
            f'{remove} -- --if-exists remove Bridge '
            f'{shlex.quote(spec.bridge)} mirrors "$m"; done',
            f'for p in $({find_p} 2>/dev/null); do '
            f'{remove} -- --if-exists del-port {shlex.quote(spec.bridge)} '
            f'"$p"; done',
        ]
    return "\n".join(lines) or ":"


def remaining_script(points, run_id, exec_prefix=()):
    """sh code printing what of this run is still on the host."""
    lines = []
    for point in points:
        spec = point.mirror
        if spec is None:
            continue
        lines.append(_ovs(mirror_mod.find_mirror_argv(spec.name, run_id),
                          exec_prefix) + " 2>/dev/null")
        lines.append(_ovs(mirror_mod.find_port_argv(spec.output, run_id),
                          exec_prefix) + " 2>/dev/null")
    return "\n".join(lines) or ":"


# Reads the pcap stream of a ``-w -`` capture back into the same text as a
# live capture prints (timestamps come from the records).
READER_ARGV = ("tcpdump", "-n", "-tt", "-e", "-l", "-r", "-")


def tcpdump_argv(point, bounds, bpf, write_pcap=False):
    """One point's bounded tcpdump; with ``write_pcap`` it writes the pcap
    stream to stdout, flushed per packet (``-U -w -``), instead of text.
    """
    argv = ("timeout", "-k", str(KILL_AFTER), f"{bounds.duration:g}")
    if point.netns:
        argv += ("ip", "netns", "exec", point.netns)
    argv += ("tcpdump", "-p", "-n", "-tt", "-e", "-l",
             "-c", str(int(bounds.count)), "-s", str(int(bounds.snaplen)),
             "-i", point.device)
    if write_pcap:
        argv += ("-U", "-w", "-")
    bpf = point.bpf or bpf
    if bpf and point.vlan is not None:
        # Sent frames keep their tag (received ones are untagged by the
        # kernel before a capture sees them); "vlan" shifts the offsets of
        # what follows it, so the untagged form comes first.
        bpf = f"({bpf}) or (vlan {int(point.vlan)} and ({bpf}))"
    if bpf:
        argv += ("--", bpf)
    return argv


def _text_capture(point, bounds, bpf):
    """sh: one point's tcpdump, its text and exit status tagged ``P``."""
    return (f"( {_q(tcpdump_argv(point, bounds, bpf))} 2>&1; "
            f'printf "NDCAP-RC %s\\n" "$?" ) | '
            f"{_line_loop('$T', f'P {point.index} ')} &")


def _line_loop(tag, kind):
    """sh: print every line read behind ``tag`` and ``kind``.

    One printf per whole line: lines of several writers sharing one pipe
    never mix as long as each writer's lines come through a loop like this.
    """
    return (f'while IFS= read -r l; do printf "%s{kind}%s\\n" "{tag}" '
            f'"$l" || exit 0; done')


def _pcap_capture(point, bounds, bpf):
    """sh: one capture whose pcap stream is both sent and read as text.

    Why this shape: one tcpdump captures (so the file and the text hold
    exactly the same packets, under the same -c/-s/timeout); ``tee``
    duplicates its stream into ``base64`` (sent as ``W`` lines) and into a
    second ``tcpdump -r -`` on fd 3, whose text replaces the live one. Pipes
    only: no FIFO or temporary file exists on the host, so nothing can
    outlive a killed connection. ``tee /dev/fd/3`` needs no bash.

    Every writer (the capture's stderr then its exit status, the encoder,
    the reader) has its own line loop into the shared pipe on fd 4, because
    tcpdump writes its stderr messages in pieces that would interleave with
    another process's lines. Only the last loop, the one ``finish`` kills,
    holds the channel: a stopped run's channel closes at once even while
    its capture winds down. The status printed is the capture's, not the
    reader's.
    """
    i = point.index
    capture = _q(tcpdump_argv(point, bounds, bpf, write_pcap=True))
    errors = (f"{{ {capture} 3>&- 2>&1 >&6 6>&-; "
              f'printf "NDCAP-RC %s\\n" "$?"; }} | '
              f"{_line_loop('', f'P {i} ')} >&4")
    encode = f"base64 3>&- | {_line_loop('', f'W {i} ')} >&4"
    return (f"( {{ {{ {errors}; }} 6>&1 | tee /dev/fd/3 | {encode}; }} "
            f"3>&1 | {_q(READER_ARGV)} 2>&1 | "
            f"{_line_loop('', f'P {i} ')} >&4 ) 4>&1 | "
            f"{_line_loop('$T', '')} &")


def build_script(points, bounds, bpf, marker, exec_prefix=(),
                 write_pcap=False):
    """The whole host script (text for ``sh -c``).

    With ``write_pcap`` every point also sends its pcap stream as
    ``W <index> <base64>`` lines (see ``_pcap_capture``).
    """
    run_id = mirror_mod.checked_run_id(marker.run_id)
    tag = f"{LINE_TAG}:{run_id}:"
    removal = removal_script(points, run_id, exec_prefix)
    watchdog = (f"sleep {int(bounds.deadline + WATCHDOG_GRACE)}\n"
                f"{removal}\n")
    lines = [
        "LC_ALL=C; LANG=C; export LC_ALL LANG",
        "exec 3<&0 </dev/null",
        "trap '' PIPE",
        f"T={shlex.quote(tag)}",
        'out() { printf "%s%s\\n" "$T" "$*" 2>/dev/null; }',
        "done_=; caps=; wd=; watcher=",
        "removal() {",
        removal,
        "}",
        "finish() {",
        '  [ -n "$done_" ] && return 0; done_=1',
        "  trap '' HUP INT TERM",
        '  [ -n "$caps" ] && kill $caps 2>/dev/null',
        "  removal",
        f'  left=$({remaining_script(points, run_id, exec_prefix)})',
        '  if [ -n "$left" ]; then out "C fail $(echo $left)"; '
        'else out "C ok"; fi',
        '  [ -n "$wd" ] && kill -- "-$wd" 2>/dev/null',
        '  [ -n "$watcher" ] && kill "$watcher" 2>/dev/null',
        '  out END',
        "}",
        "trap 'finish; exit 129' HUP",
        "trap 'finish; exit 130' INT",
        "trap 'finish; exit 143' TERM",
        "trap finish EXIT",
        f"setsid sh -c {shlex.quote(watchdog)} </dev/null >/dev/null 2>&1 &",
        "wd=$!",
        '( cat <&3 >/dev/null 2>&1; kill -TERM $$ ) </dev/null '
        '>/dev/null 2>&1 &',
        "watcher=$!",
        "exec 3<&-",
        'out BEGIN',
    ]
    for point in points:
        i = point.index
        if point.mirror is not None:
            create = _ovs(mirror_mod.create_argv(point.mirror, marker),
                          exec_prefix)
            dev = shlex.quote(point.device)
            lines += [
                f"err=$({create} 2>&1); rc=$?",
                f'out "M {i} $rc $(printf %s "$err" | tr "\\n" " ")"',
                f'sysctl -q -w net.ipv6.conf.{point.device}.disable_ipv6=1 '
                f'>/dev/null 2>&1',
                f"ip link set dev {dev} up >/dev/null 2>&1",
            ]
    for point in points:
        lines += [(_pcap_capture if write_pcap else _text_capture)(
                      point, bounds, bpf),
                  'caps="$caps $!"']
    # Only the captures: a bare "wait" would also wait for the watcher and
    # the watchdog.
    lines += ['wait $caps', "finish", "exit 0"]
    return "\n".join(lines) + "\n"


def byte_cap(bounds, points: int, write_pcap: bool) -> int:
    """What one host's capture can send for ``points`` points: each
    packet a text line (and with ``write_pcap`` its base64), the status
    lines, and slack.
    """
    from osc_netdiag.capture import pcapfile
    per_point = (bounds.count + 20) * stream.MAX_LINE
    if write_pcap:
        per_point += pcapfile.max_lines(bounds) * (pcapfile.LINE_WIDTH + 64)
    return max(1, points) * per_point + 1024 * 1024


def remote_argv(script, *, deadline, sudo=False):
    """The script under a hard ``timeout`` (outside sudo, as for probes)."""
    argv = ["timeout", "-k", "3", f"{deadline:g}"]
    if sudo:
        argv += ["sudo", "-n", "--"]
    return argv + ["sh", "-c", script]


def remote_command(script, *, deadline, sudo=False):
    """The exec request: :func:`remote_argv`, quoted."""
    return _q(remote_argv(script, deadline=deadline, sudo=sudo))


@dataclasses.dataclass
class HostRun:
    """What came back from one host's script, line by line."""
    host: str
    lines: dict = dataclasses.field(default_factory=dict)  # index -> [str]
    pcap_lines: dict = dataclasses.field(default_factory=dict)  # idem
    pcap_overflow: set = dataclasses.field(default_factory=set)
    exit_codes: dict = dataclasses.field(default_factory=dict)
    mirrors: dict = dataclasses.field(default_factory=dict)  # index -> (rc, err)
    cleanup: str = None            # "ok", "fail ..." or None (not confirmed)
    began: bool = False
    ended: bool = False
    error: str = None
    other: list = dataclasses.field(default_factory=list)
    nic_error: str = None
    started_at: float = dataclasses.field(default_factory=time.time)

    def feed(self, line, run_id, max_lines, max_pcap_lines=0):
        tag = f"{LINE_TAG}:{run_id}:"
        if not line.startswith(tag):
            self.other.append(line)
            return
        body = line[len(tag):]
        kind, _, rest = body.partition(" ")
        if kind == "BEGIN":
            self.began = True
        elif kind == "END":
            self.ended = True
        elif kind == "C":
            self.cleanup = rest
        elif kind == "M":
            index, _, rest = rest.partition(" ")
            rc, _, err = rest.partition(" ")
            self.mirrors[int(index)] = (int(rc), err.strip())
        elif kind == "P":
            index, _, text = rest.partition(" ")
            index = int(index)
            if text.startswith("NDCAP-RC "):
                self.exit_codes[index] = int(text.split()[1])
                return
            bucket = self.lines.setdefault(index, [])
            if len(bucket) < max_lines:
                bucket.append(text)
        elif kind == "W":
            index, _, text = rest.partition(" ")
            index = int(index)
            bucket = self.pcap_lines.setdefault(index, [])
            if len(bucket) < max_pcap_lines:
                bucket.append(text)
            else:           # more than -c/-s allow: never write it as whole
                self.pcap_overflow.add(index)
        else:
            self.other.append(line)
