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

import subprocess
import sys

from osc_netdiag import plugin


def test_plugin_import_stays_cheap():
    # OSC imports every plugin on every call: no paramiko, SDK or commands.
    code = ("import sys, osc_netdiag.plugin; "
            "heavy = [m for m in ('paramiko', 'openstack', 'yaml', "
            "'osc_netdiag.v1.port', 'osc_netdiag.api') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "[]"


def test_plugin_hooks():
    assert plugin.API_NAME == "netdiag"
    assert plugin.DEFAULT_API_VERSION == "1"
    import argparse
    parser = plugin.build_option_parser(argparse.ArgumentParser())
    assert parser.parse_args([]).os_netdiag_api_version is None


def test_entry_points_registered():
    from importlib import metadata
    eps = metadata.entry_points()
    ext = [e for e in eps.select(group="openstack.cli.extension")
           if e.name == "netdiag"]
    assert ext and ext[0].value == "osc_netdiag.plugin"
    cmds = {e.name: e.value for e in eps.select(group="openstack.netdiag.v1")}
    assert cmds["netdiag_port_trace"] == "osc_netdiag.v1.port:TracePort"
