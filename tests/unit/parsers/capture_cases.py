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

"""Map each captured ``<tool>--<case>.out`` to its parser; write expected JSON.

Run ``python tests/unit/parsers/capture_cases.py --write`` after
regenerating the captures, then review the diff of the ``.json`` files.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from osc_netdiag.parsers import conntrack  # noqa: E402
from osc_netdiag.parsers import ip  # noqa: E402
from osc_netdiag.parsers import ipset  # noqa: E402
from osc_netdiag.parsers import iptables  # noqa: E402
from osc_netdiag.parsers import ofctl  # noqa: E402
from osc_netdiag.parsers import ovs_vsctl  # noqa: E402
from osc_netdiag.parsers import ps  # noqa: E402

CAPTURES = ROOT / "tests" / "fixtures" / "captures"

# Tool part of the file name (before "--") -> parser.
PARSERS = {
    "ovs-ofctl-dump-flows": ofctl.parse_dump_flows,
    "ovs-ofctl-show": ofctl.parse_ofctl_show,
    "ovs-vsctl-list-bridge": ovs_vsctl.parse_bridges,
    "ovs-vsctl-list-port": ovs_vsctl.parse_ports,
    "ovs-vsctl-list-interface": ovs_vsctl.parse_interfaces,
    "ovs-vsctl-find-interface": ovs_vsctl.parse_interfaces,
    "ovs-vsctl-list-controller": ovs_vsctl.parse_controllers,
    "ip-d-j-addr": ip.parse_ip_addr,
    "ip-j-addr": ip.parse_ip_addr,
    "ip-j-link": ip.parse_ip_addr,
    "ip-d-j-link": ip.parse_ip_addr,
    "ip-j-netns": ip.parse_ip_netns,
    "ip-netns": ip.parse_ip_netns,
    "iptables-save": iptables.parse_iptables_save,
    "iptables-save-c": iptables.parse_iptables_save,
    "iptables-save-c-t-filter": iptables.parse_iptables_save,
    "ip6tables-save-c-t-filter": iptables.parse_iptables_save,
    "iptables-save-t-raw": iptables.parse_iptables_save,
    "conntrack-L": conntrack.parse_conntrack_list,
    "dpctl-dump-conntrack": conntrack.parse_dpctl_conntrack,
    "ipset-list": ipset.parse_ipset_list,
    "ps": ps.parse_ps,
    "pgrep-a": ps.parse_ps,
    "ps-owners": ps.parse_owners,      # ps -e -o ruser:32=,user:32=,pid=
}


def parser_for(path: pathlib.Path):
    tool = path.name.split("--", 1)[0]
    try:
        return PARSERS[tool]
    except KeyError:
        raise LookupError(f"no parser registered for capture {path.name}") from None


def captures() -> list:
    return sorted(CAPTURES.glob("*.out"))


def to_jsonable(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name))
                for f in dataclasses.fields(value) if not f.name.startswith("_")}
    if isinstance(value, (tuple, list)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def expected_of(path: pathlib.Path):
    return to_jsonable(parser_for(path)(path.read_text()))


def main(argv) -> int:
    if argv != ["--write"]:
        print(__doc__)
        return 2
    for path in captures():
        out = path.with_suffix(".json")
        out.write_text(json.dumps(expected_of(path), indent=1, sort_keys=True) + "\n")
        print(out.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
