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

"""A -w folder swapped for a link during the run (after the check that
made it): no file is written through the link, each point reports
NETDIAG_CAPTURE_FILE_FAILED and the capture itself still completes.
"""

import os

from osc_netdiag.capture import pcapfile
# the stand-in host tools and the capture helper of the end-to-end tests
from tests.unit.capture.test_capture_local import capture
from tests.unit.capture.test_capture_local import local  # noqa: F401
from tests.unit.capture.test_capture_local import local_pcap  # noqa: F401


def test_a_folder_swapped_for_a_link_is_never_written_through(
        local_pcap, monkeypatch):  # noqa: F811
    out = local_pcap / "pcaps"
    outside = local_pcap / "outside"
    outside.mkdir(mode=0o700)
    real_prepare = pcapfile.prepare_dir

    def prepare_then_swap(path):
        real_prepare(path)
        os.rename(path, local_pcap / "moved-away")
        os.symlink(outside, path)
        return path
    monkeypatch.setattr(pcapfile, "prepare_dir", prepare_then_swap)
    result = capture(write_dir=str(out), bpf="dhcp")
    assert result.applied and result.exit_code == 0
    failed = [f for f in result.findings
              if f.code == "NETDIAG_CAPTURE_FILE_FAILED"]
    # one finding per point subject (both patch mirrors are compute1:patch)
    assert sorted(f.subject for f in failed) == [
        "compute1:patch", "compute1:tap", "network1:qr"]
    assert all(f"--write {out}: is a symbolic link" in f.summary
               for f in failed)
    assert [r["file"] for r in result.point_status] == [None] * 4
    assert os.listdir(outside) == []
    assert os.listdir(local_pcap / "moved-away") == []
