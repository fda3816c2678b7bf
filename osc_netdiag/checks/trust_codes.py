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

"""Finding codes of what netdiag refused to believe or read on a host
(osc_netdiag/linux/host_files.py; merged into the catalogue).
"""

from osc_netdiag.models import Severity

W = Severity.WARNING

CODES = {
    "NETDIAG_HOST_PROCESS_UNTRUSTED": (
        W, "A process on {host} looks like {program} for this network but "
           "does not run as a user Neutron uses ({users}): netdiag read none "
           "of the files its command line names. Find out who started it "
           "('ps -o ruser,user,pid,args -p {pid}' on {host}); if your "
           "deployment runs {program} as another user, add that user to "
           "neutron_users in the inventory."),
    "NETDIAG_HOST_FILE_REFUSED": (
        W, "netdiag did not read {path} on {host}: it is outside the "
           "directories Neutron uses ({roots}). If your deployment keeps "
           "its {kind} files elsewhere, add that directory to "
           "neutron_paths.{kind} in the inventory (and to the sudoers "
           "file)."),
}
