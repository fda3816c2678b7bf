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

"""What the segment-map edit tests share: a vlan-map recording
(tests/fixtures/vlanmap) copied, edited where a test says, and mapped.
"""

from tests.unit.edited import EditedCapture
from tests.unit.test_vlanmap_faults import FIXTURES
from tests.unit.test_vlanmap_faults import vmap


def edited_map(tmp_path, scenario, *edits, context=None, capture=None):
    """Map ``scenario`` after ``edits`` ((host, command, old, new) each, on
    the recorded stdout) and ``context`` (a change of the recorded API
    context); ``capture(EditedCapture)`` may edit more first.
    """
    edited = EditedCapture(FIXTURES / scenario, tmp_path)
    for host, command, old, new in edits:
        edited.replace(host, command, old, new)
    if context is not None:
        edited.edit_context(context)
    if capture is not None:
        capture(edited)
    return vmap(edited)


def port_tag(name, interface, old, new):
    """(old, new) text of a Port row of ``ovs-vsctl list Port`` whose tag
    goes from ``old`` to ``new`` (``interface``: its Interface's UUID).
    """
    row = f'"{name}",["uuid","{interface}"],'
    return f"{row}{old},", f"{row}{new},"


def add_segment(network_type, physical_network, segmentation_id):
    """A context edit: the mapped network gets one more segment."""
    def edit(data):
        data["network"]["segments"].append(dict(
            network_type=network_type, physical_network=physical_network,
            segmentation_id=segmentation_id))
    return edit


def row_of(result, host, network_type):
    [row] = [r for r in result.rows
             if (r.host, r.network_type) == (host, network_type)]
    return row


def summaries(result, code):
    return [(f.subject, f.summary) for f in result.findings if f.code == code]
