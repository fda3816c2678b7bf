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

"""Send each host to the transport that can reach it.

``--local`` means "this machine is one of the hosts": its probes run here
through the local transport, while the other hosts of the path are still
read over SSH, so a trace started on a compute node covers the whole path.
"""

import socket

from osc_netdiag.transport.base import Transport


def this_host_names():
    names = {socket.gethostname()}
    try:
        names.add(socket.getfqdn())
    except OSError:
        pass
    names.update(name.split(".")[0] for name in list(names))
    return frozenset(n for n in names if n)


class RoutingTransport(Transport):
    def __init__(self, local, remote, local_names=None):
        self.local = local
        self.remote = remote
        self.local_names = frozenset(local_names or this_host_names())

    def open(self, target):
        if target.name in self.local_names:
            return self.local.open(target)
        return self.remote.open(target)
