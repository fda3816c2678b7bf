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

"""The port's state as the API gives it, judged the same on every backend."""

from osc_netdiag.models import Status


def judge(report, port):
    """The status of the trace's API hop: administratively down is an
    ERROR, any status but ACTIVE a WARNING (the API's status lags the
    host; what really breaks raises its own finding).
    """
    if not port.admin_state_up:
        report.find("NETDIAG_PORT_ADMIN_DOWN", port.id,
                    f"port {port.id} is administratively down", port=port.id)
        return Status.ERROR
    if port.status != "ACTIVE":
        report.find("NETDIAG_PORT_DOWN", port.id,
                    f"port {port.id} status is {port.status}",
                    status=port.status, host=port.binding_host)
        return Status.WARN
    return Status.OK
