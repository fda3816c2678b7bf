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

"""Finding codes of ``port capture`` (merged into the catalogue).

``cleanup`` reports no findings: a row it could not remove is a row with
State ``left`` and exit bit 32.
"""

from osc_netdiag.models import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

CODES = {
    "NETDIAG_CAPTURE_FLOW_LOST": (W, "Packets of {flow} reached {last} but "
                                  "not {missing}: run 'openstack netdiag "
                                  "port trace' on the port and look at the "
                                  "hops between those points."),
    "NETDIAG_CAPTURE_NO_PACKETS": (INFO, "Nothing matched the filter at any "
                                   "point within the bounds: generate the "
                                   "traffic during the capture, widen "
                                   "--filter or raise --duration."),
    "NETDIAG_CAPTURE_POINT_FAILED": (E, "tcpdump could not run at {point} "
                                     "on {host}: {error}. Check that tcpdump "
                                     "is installed and the device exists "
                                     "('port trace' shows it)."),
    "NETDIAG_CAPTURE_MIRROR_FAILED": (E, "The mirror of {port} on {host} "
                                      "could not be created: {error}. Check "
                                      "ovs-vswitchd's log on {host}."),
    "NETDIAG_CAPTURE_CLEANUP_UNCONFIRMED": (E, "{host} did not confirm the "
                                            "removal of this run's mirrors: "
                                            "run 'openstack netdiag cleanup "
                                            "--host {host}' after "
                                            "{expires}."),
    "NETDIAG_CAPTURE_FILE_FAILED": (W, "The pcap file of {point} on {host} "
                                    "is missing or incomplete ({error}); "
                                    "the text timeline is still valid. "
                                    "Check free space in --write's "
                                    "directory and retry."),
}
