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

"""Stand-ins for the host tools a capture script calls (ovs-vsctl,
tcpdump, ip, sysctl), installed as one shell script on a PATH folder, so
the real generated script runs on this machine without touching its OVS
or interfaces.
"""

import stat

TOOLS = ("ovs-vsctl", "tcpdump", "ip", "sysctl")


def install(folder, script, tools=TOOLS):
    """Write ``script`` as each tool in ``folder``/bin; return that bin."""
    bindir = folder / "bin"
    bindir.mkdir(exist_ok=True)
    for tool in tools:
        path = bindir / tool
        path.write_text(script)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return bindir
