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

"""Lab flavours: which lab this process builds or reads.

Several labs can be up side by side (the multi-node ML2/OVS lab, a
single-node one, an ML2/OVN one): each has its own state folder, its own
prefix for every namespace, bridge and veth it makes in the root namespace,
its own management subnet (the only lab addresses the root namespace holds)
and its own Erlang ports. Everything else (host, tunnel and tenant addresses)
lives inside the lab's own namespaces and may repeat from lab to lab.

The flavour comes from NETDIAG_LAB_FLAVOUR; tools/lab sets it from its
--flavour option (and from ``up --single-node`` / ``up --backend ovn``)
before this module is imported.
"""

import os

FLAVOURS = {
    'ovs': {'prefix': 'ndl', 'dir': '.lab', 'mgmt_net': '198.18.0',
            'epmd_port': '4391', 'rabbit_dist_port': '25691'},
    'single': {'prefix': 'nds', 'dir': '.lab-single', 'mgmt_net': '198.18.32',
               'epmd_port': '4392', 'rabbit_dist_port': '25692'},
    'ovn': {'prefix': 'ndo', 'dir': '.lab-ovn', 'mgmt_net': '198.18.64',
            'epmd_port': '4393', 'rabbit_dist_port': '25693'},
}
DEFAULT = 'ovs'
ENV = 'NETDIAG_LAB_FLAVOUR'


def current():
    name = os.environ.get(ENV) or DEFAULT
    if name not in FLAVOURS:
        raise SystemExit('[lab] ERROR: unknown lab flavour %r (known: %s)'
                         % (name, ', '.join(sorted(FLAVOURS))))
    return name


NAME = current()
SETTINGS = FLAVOURS[NAME]
PREFIX = SETTINGS['prefix']
PREFIXES = tuple(f['prefix'] for f in FLAVOURS.values())


def from_argv(argv):
    """The flavour named on a tools/lab command line, or None.

    Read before argparse runs, because the module constants depend on it.
    """
    argv = list(argv)
    if '--' in argv:
        # what follows is a command for a lab host (exec, ssh)
        argv = argv[:argv.index('--')]
    if '--single-node' in argv:
        return 'single'
    for i, arg in enumerate(argv):
        if arg in ('--flavour', '--backend') and i + 1 < len(argv):
            value = argv[i + 1]
            return DEFAULT if value == 'ovs' else value
        for opt in ('--flavour=', '--backend='):
            if arg.startswith(opt):
                value = arg[len(opt):]
                return DEFAULT if value == 'ovs' else value
    return None


def other_labs_up(root):
    """Names of the other flavours whose lab is up (their status file exists)."""
    return sorted(name for name, f in FLAVOURS.items()
                  if name != NAME and os.path.exists(os.path.join(root, f['dir'], 'status.json')))
