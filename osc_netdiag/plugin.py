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

"""OpenStackClient plugin hooks for ``openstack netdiag``.

OSC imports every plugin on every ``openstack`` call, so this module imports
nothing beyond the standard library: paramiko, openstacksdk and the command
modules load only when a netdiag command actually runs.
"""

import logging

LOG = logging.getLogger(__name__)

API_NAME = "netdiag"
API_VERSION_OPTION = "os_netdiag_api_version"
DEFAULT_API_VERSION = "1"
API_VERSIONS = ("1",)


def make_client(instance):
    """netdiag talks to Neutron through the SDK connection OSC already has."""
    return instance.sdk_connection


def build_option_parser(parser):
    parser.add_argument(
        "--os-netdiag-api-version",
        metavar="<netdiag-api-version>",
        default=None,
        help="netdiag command set version (default: 1)",
    )
    return parser
