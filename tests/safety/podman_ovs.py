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

"""A real Podman container named like kolla's ``openvswitch_vswitchd``,
running a real ovsdb-server with ``br-int``, built without any image or
network access.

Its root is a folder made here (``--rootfs``): empty apart from the
directories Open vSwitch writes to and the start script, with this
machine's ``/usr`` mounted read-only (``ovsdb-server``, ``ovs-vsctl`` and
their libraries). Podman keeps everything in the folder too: its own
``containers.conf`` and ``storage.conf`` (vfs; graph, run and tmp
directories inside), named by ``CONTAINERS_CONF`` and
``CONTAINERS_STORAGE_CONF``, which :func:`env` gives to the commands run
here and to the SSH logins that run ``podman`` on the "host". runc with
cgroupfs, and ulimits no higher than ours: crun refuses this machine's
hybrid cgroup layout and a container may not raise a limit.
:meth:`PodmanOvs.remove` removes the container, the folder, and the empty
runtime state folders Podman made under ``/run`` if they were not there.
"""

import dataclasses
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

NAME = "openvswitch_vswitchd"
RUN_DIRS = ("/run/runc", "/run/crun", "/run/containers/networks",
            "/run/containers")
SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
START = """\
#!/bin/sh
set -e
ovsdb-tool create /etc/openvswitch/conf.db {schema}
ovsdb-server --remote=punix:/var/run/openvswitch/db.sock --detach \\
    --no-chdir --pidfile=/var/run/openvswitch/ovsdb-server.pid \\
    --log-file=/var/log/openvswitch/ovsdb-server.log \\
    /etc/openvswitch/conf.db
ovs-vsctl --no-wait init
ovs-vsctl --no-wait add-br br-int
echo ready
exec sleep 600
"""


def missing():
    """None if a container can run here, else why not."""
    if os.geteuid() != 0:
        return "needs root: a rootful Podman container"
    for tool in ("podman", "runc"):
        if shutil.which(tool) is None:
            return (f"needs podman: {tool} not installed (apt-get install "
                    f"podman runc)")
    for path in ("/usr/sbin/ovsdb-server", "/usr/bin/ovsdb-tool", SCHEMA):
        if not os.path.exists(path):
            return f"needs podman: no {path} for the container's Open vSwitch"
    return None


@dataclasses.dataclass
class PodmanOvs:
    folder: pathlib.Path
    made_run_dirs: tuple = ()

    def env(self):
        return {"CONTAINERS_CONF": str(self.folder / "containers.conf"),
                "CONTAINERS_STORAGE_CONF": str(self.folder / "storage.conf")}

    def podman(self, *argv, check=True):
        return subprocess.run(("podman",) + argv, check=check, timeout=60,
                              capture_output=True, text=True,
                              env=dict(os.environ, **self.env()))

    def remove(self):
        self.podman("rm", "--force", "--time", "0", NAME, check=False)
        # conmon runs "podman container cleanup" once the container is
        # gone, on its own: removing the folder under it would leave what
        # it writes after
        _wait_unused(self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)
        for path in self.made_run_dirs:
            try:
                os.rmdir(path)      # only if empty: never another's state
            except OSError:
                pass


def _wait_unused(folder, timeout=15.0):
    """Until no process names ``folder`` on its command line."""
    needle = str(folder).encode()
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        busy = False
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    busy = busy or needle in handle.read()
            except OSError:
                continue        # gone meanwhile
        if not busy:
            return
        time.sleep(0.1)


def _configs(folder):
    (folder / "storage.conf").write_text(f"""\
[storage]
driver = "vfs"
graphroot = "{folder}/graph"
runroot = "{folder}/run"
""")
    limits = ", ".join(f'"{name}={value}:{value}"' for name, value in (
        ("nofile", 1024), ("nproc", 1024)))
    (folder / "containers.conf").write_text(f"""\
[containers]
netns = "none"
default_ulimits = [{limits}]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{folder}/events.log"
tmp_dir = "{folder}/tmp"

[network]
network_config_dir = "{folder}/networks"
""")


def _rootfs(folder):
    root = folder / "rootfs"
    for name in ("usr", "etc/openvswitch", "var/run/openvswitch",
                 "var/log/openvswitch", "tmp", "proc", "dev", "sys", "run"):
        (root / name).mkdir(parents=True)
    for name in ("bin", "sbin", "lib", "lib64"):
        (root / name).symlink_to(f"usr/{name}")
    start = root / "start.sh"
    start.write_text(START.format(schema=SCHEMA))
    start.chmod(0o755)
    return root


def start() -> PodmanOvs:
    """Run the container (the caller must call remove())."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="ndpodman-"))
    folder.chmod(0o755)
    made = tuple(p for p in RUN_DIRS if not os.path.exists(p))
    box = PodmanOvs(folder, made)
    try:
        _configs(folder)
        root = _rootfs(folder)
        box.podman("run", "--detach", "--name", NAME,
                   "--volume", "/usr:/usr:ro", "--rootfs", str(root),
                   "/start.sh")
        end = time.monotonic() + 20
        while "ready" not in box.podman("logs", NAME, check=False).stdout:
            if time.monotonic() > end:
                raise RuntimeError("the container did not start: " +
                                   box.podman("logs", NAME,
                                              check=False).stderr)
            time.sleep(0.1)
    except BaseException:
        box.remove()
        raise
    return box
