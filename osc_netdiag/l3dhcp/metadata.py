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

"""Is 169.254.169.254 on the DHCP tap where the agent's configuration says
it should be?

Neutron's DHCP agent puts the metadata address (169.254.169.254/32) on its
tap in ``qdhcp-<network>`` whenever ``enable_isolated_metadata`` or
``force_metadata`` is true (DeviceManager.setup), and instances of an
isolated network then reach the metadata proxy through it. Without the
address, cloud-init's "can't connect to remote host (169.254.169.254)".

Whether it is expected is read, not guessed: the agent's command line
(``pgrep -a -f neutron-dhcp-agent``) names its ``--config-file``\\ s; the
lines of each that name the two options are read with ``grep`` in the
second phase (never the whole file: it holds passwords) and merged as
oslo.config does (a later file wins). A ``--config-dir`` is not listed
(that would need a directory read the sudoers file does not grant); when
the files read do not settle it, the row says so and is skipped.

Only an agent process whose real and effective users are Neutron's
(``neutron_users``) is believed, and only its config files under
``neutron_paths.config`` are read (:mod:`.host_files`): a local user's
process named like the agent must not make root read other files.
"""

import dataclasses

from osc_netdiag.checks.engine import Unreadable
from osc_netdiag.errors import UnsafeNameError
from osc_netdiag.linux import host_files
from osc_netdiag.models import Status
from osc_netdiag.parsers import oslo_ini
from osc_netdiag import probes

METADATA_IP = "169.254.169.254"
FLAGS = ("force_metadata", "enable_isolated_metadata")
AGENT_PROGRAM = probes.DHCP_AGENT_PROGRAM


# built in probes.py, like every probe
agent_process_probe = probes.dhcp_agent_process


def _is_agent(process):
    """The agent itself: its program first (oslo.service retitles the
    parent "neutron-dhcp-agent: master process [<argv>]"), or the Python
    running it.
    """
    argv = process.argv
    first = argv[0].rstrip(":") if argv else ""
    if first.rsplit("/", 1)[-1] == AGENT_PROGRAM:
        return True
    return (len(argv) > 1 and
            first.rsplit("/", 1)[-1].startswith("python") and
            argv[1].rsplit("/", 1)[-1] == AGENT_PROGRAM)


def agent_processes(processes):
    return tuple(p for p in processes if _is_agent(p))


def config_probe(path):
    """The lines of one config file that name the two options, and nothing
    else (built in probes.py; both options exist only in [DEFAULT],
    neutron/conf/agent/dhcp.py).
    """
    return probes.config_option_lines(path, FLAGS)


@dataclasses.dataclass(frozen=True)
class AgentConfig:
    files: tuple          # --config-file paths, in order
    dirs: tuple           # --config-dir paths (not read)


def _config_of(process):
    argv = list(process.argv)
    if process.args.endswith("]") and " [" in process.args:
        # "neutron-dhcp-agent: master process [<argv>]": the brackets are
        # the title's, not part of the last argument.
        argv[-1] = argv[-1][:-1]
    files, dirs = [], []
    for i, word in enumerate(argv):
        for flag, into in (("--config-file", files), ("--config-dir", dirs)):
            if word == flag and i + 1 < len(argv):
                into.append(argv[i + 1])
            elif word.startswith(flag + "="):
                into.append(word[len(flag) + 1:])
    return AgentConfig(tuple(files), tuple(dirs))


def agent_config(processes):
    """The config files and dirs of the DHCP agent: the process naming the
    most of them (workers carry none, the master all).
    """
    configs = [_config_of(p) for p in agent_processes(processes)]
    if not configs:
        return None
    return max(configs, key=lambda c: len(c.files) + len(c.dirs))


def trusted_agent_config(view, layout=host_files.DEFAULT_LAYOUT):
    """(AgentConfig or None, why not): the config of the agent processes
    run by Neutron's users; Unreadable if the command line was not read.
    """
    agents = agent_processes(view.read(agent_process_probe()))
    trusted, refused = host_files.split_trusted(view, agents, layout)
    config = agent_config(trusted)
    # A trusted worker names no file; if the process that does is not
    # trusted, the defaults are not what the agent runs with either.
    if refused and (config is None or not (config.files or config.dirs)):
        return None, "; ".join(f"{AGENT_PROGRAM} not trusted: {why}"
                               for _, why in refused)
    if config is None:
        return None, f"no {AGENT_PROGRAM} process found"
    return config, ""


def config_file_probe(path, layout=host_files.DEFAULT_LAYOUT):
    """config_probe of ``path`` if it lies under the config roots;
    UnsafeNameError otherwise.
    """
    return config_probe(host_files.allowed_file(path, "config", layout,
                                                "--config-file"))


def second_probes(view, layout=host_files.DEFAULT_LAYOUT):
    """The option lines of each config file the running agent names."""
    try:
        config, _ = trusted_agent_config(view, layout)
    except Unreadable:
        return []
    if config is None:
        return []
    items = []
    for path in config.files:
        try:
            items.append(config_file_probe(path, layout))
        except UnsafeNameError:
            continue
    return items


@dataclasses.dataclass(frozen=True)
class Expectation:
    expected: object      # True, False, or None (cannot tell)
    why: str


def expectation(view, layout=host_files.DEFAULT_LAYOUT):
    """Whether this host's DHCP agent puts the metadata address on taps."""
    try:
        config, why = trusted_agent_config(view, layout)
    except Unreadable as exc:
        return Expectation(None, f"agent command line not read: {exc}")
    if config is None:
        return Expectation(None, why)
    values, read = {}, []
    for path in config.files:
        try:
            sections = view.read(config_file_probe(path, layout))
        except UnsafeNameError as exc:
            return Expectation(None, str(exc))
        except Unreadable as exc:
            return Expectation(None, f"{path} not read: {exc}")
        read.append(path)
        for flag in FLAGS:
            if flag in sections.get("DEFAULT", {}):
                values[flag] = (oslo_ini.as_bool(
                    sections["DEFAULT"][flag]), path)
    on = [f"{flag} = true ({where})" for flag, (value, where)
          in values.items() if value]
    if on:
        return Expectation(True, "; ".join(on))
    if config.dirs and len(values) < len(FLAGS):
        return Expectation(None, "--config-dir "
                           f"{', '.join(config.dirs)} not read and "
                           f"{', '.join(f for f in FLAGS if f not in values)}"
                           " not set in the files")
    return Expectation(False, "enable_isolated_metadata and force_metadata "
                       f"off in {', '.join(read) or 'the defaults'}")


def check(report, view, ns, device, link, layout=host_files.DEFAULT_LAYOUT):
    """One ``metadata`` row for the DHCP tap ``device`` (a Link or None)."""
    host = view.host
    present = link is not None and any(a.local == METADATA_IP
                                       for a in link.addresses)
    wanted = expectation(view, layout)
    if present:
        report.hop(host, METADATA_IP, "metadata", "present",
                   f"isolated metadata address on {device}", Status.OK)
    elif wanted.expected is True:
        report.find("NETDIAG_DHCP_METADATA_ADDRESS_MISSING",
                    f"{host}:{ns}",
                    f"{METADATA_IP} is not on {device} in {ns} on {host} "
                    f"although {wanted.why}", host=host, namespace=ns,
                    device=device)
        report.hop(host, METADATA_IP, "metadata", "absent",
                   f"expected on {device}: {wanted.why}", Status.ERROR)
    elif wanted.expected is False:
        report.hop(host, METADATA_IP, "metadata", "not configured",
                   wanted.why, Status.OK)
    else:
        report.hop(host, METADATA_IP, "metadata", "unknown",
                   f"not on {device}; expectation unknown: {wanted.why}",
                   Status.SKIP)
