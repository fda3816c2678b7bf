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
