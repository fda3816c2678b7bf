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

"""The name checks of ``osc_netdiag.names``, both ways: the real names of
the labs pass unchanged, and each refusal names what it refused (the
operator reads that message), for a hostile string and for a value that is
no string at all. The derived names are Neutron's and OVN's own, as seen
on the labs.
"""

import pytest

from osc_netdiag.errors import UnsafeNameError
from osc_netdiag import names

PORT = "717073a8-d05e-4f5f-a3a5-3c1c29bd0e8a"
# the geneve network of the OVN lab (its ovnmeta- namespace on compute1)
NETWORK = "020d93e7-c3da-4e43-9adc-979af6ff0866"
# the microflow of a ping the firewall view traced on the OVN lab
TRACE_FLOW = ("icmp,in_port=5,vlan_tci=0x0000,dl_src=fa:16:3e:14:4d:3f,"
              "dl_dst=fa:16:3e:a6:01:f3,nw_src=198.18.17.76,nw_dst=198.18.17.1,"
              "nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,icmp_type=8,icmp_code=0")


def test_derived_names_of_the_hybrid_plug_dhcp_and_metadata():
    assert names.qvb_device(PORT) == "qvb717073a8-d0"
    assert names.dhcp_tap_device(PORT) == "tap717073a8-d0"
    assert names.ovnmeta_namespace(NETWORK) == "ovnmeta-" + NETWORK
    assert names.ovnmeta_namespace(NETWORK.upper()) == "ovnmeta-" + NETWORK


@pytest.mark.parametrize("check,value", [
    (names.check_host_name, "compute1"),
    (names.check_host_name, "compute1-old-system-id"),
    (names.check_host_name, "network1.lab:22"),
    (names.checked_trace_flow, TRACE_FLOW),
    (names.checked_bridge, "br-int"),
    (names.checked_device, "tap717073a8-d0"),
    (names.checked_netns, "ovnmeta-" + NETWORK),
    (names.checked_flow_filter, "table=0,dl_vlan=2113"),
])
def test_real_names_pass_unchanged(check, value):
    assert check(value) == value


HOST = ("unsafe host name {!r}: only letters, digits and . _ : - are "
        "accepted, starting with a letter or digit")


@pytest.mark.parametrize("check,value,message", [
    (names.check_host_name, "-oProxyCommand=sh", HOST.format("-oProxyCommand=sh")),
    (names.check_host_name, "compute1 ", HOST.format("compute1 ")),
    (names.check_host_name, "compute1%h", HOST.format("compute1%h")),
    (names.check_host_name, None, HOST.format(None)),
    (names.check_host_name, 7, HOST.format(7)),
    (names.checked_trace_flow, TRACE_FLOW + ";id", f"unsafe trace flow: {TRACE_FLOW + ';id'!r}"),
    (names.checked_trace_flow, "-" + TRACE_FLOW, f"unsafe trace flow: {'-' + TRACE_FLOW!r}"),
    (names.checked_trace_flow, None, "unsafe trace flow: None"),
    (names.checked_bridge, "tcp:198.18.0.1:6653", "unsafe bridge name: 'tcp:198.18.0.1:6653'"),
    (names.checked_bridge, None, "unsafe bridge name: None"),
    (names.checked_device, "tap717073a8-d0;", "unsafe device name: 'tap717073a8-d0;'"),
    (names.checked_device, None, "unsafe device name: None"),
    (names.checked_netns, "ovnmeta-$(id)", "unsafe namespace name: 'ovnmeta-$(id)'"),
    (names.checked_netns, None, "unsafe namespace name: None"),
    (names.checked_flow_filter, "table=0 dl_vlan=1", "unsafe flow filter: 'table=0 dl_vlan=1'"),
    (names.checked_flow_filter, None, "unsafe flow filter: None"),
    (names.checked_uuid, PORT + "x", f"not a UUID: {PORT + 'x'!r}"),
    (names.checked_uuid, None, "not a UUID: None"),
])
def test_a_refusal_names_what_it_refused(check, value, message):
    with pytest.raises(UnsafeNameError) as exc:
        check(value)
    assert str(exc.value) == message
