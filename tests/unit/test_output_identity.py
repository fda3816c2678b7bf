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

"""Output identity: every command's stdout, stderr and exit code, in
every format, on every recorded scenario, byte for byte as recorded in
tests/fixtures/golden. It guards refactors that must not change what a
user sees (the capture directories under tests/fixtures are the ones
this release saves, so each replay also proves old captures still load).

A change that is meant to alter output regenerates the goldens with
``NETDIAG_WRITE_GOLDEN=1`` and the diff is reviewed like code.
"""

import os
import pathlib

import pytest

from osc_netdiag.v1 import capture as capture_cmd
from osc_netdiag.v1 import cleanup as cleanup_cmd
from osc_netdiag.v1 import dhcp as dhcp_cmd
from osc_netdiag.v1 import dns as dns_cmd
from osc_netdiag.v1 import floatingip as floatingip_cmd
from osc_netdiag.v1 import host as host_cmd
from osc_netdiag.v1 import ip as ip_cmd
from osc_netdiag.v1 import network as network_cmd
from osc_netdiag.v1 import port as port_cmd
from osc_netdiag.v1 import router as router_cmd
from tests.unit.helpers import run_command
# the fixtures that give the live-only commands a recorded world
from tests.unit.test_command_output import marked_leftovers  # noqa: F401
from tests.unit.test_command_output import reclaim_cloud
from tests.unit.test_command_output import recorded_port  # noqa: F401

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
GOLDEN = FIXTURES / "golden"
FORMATS = ("table", "json", "yaml", "csv", "value")

OVN = FIXTURES / "ovn" / "scenarios"
OVN_TRACES = ("geneve-", "vlan-", "controller-", "iface-", "bridge-",
              "metadata-", "stale-", "switch-", "port-", "remote-")

# which command replays which recorded folder
REPLAYS = {
    "port-trace": (port_cmd.TracePort, FIXTURES / "scenarios", ("--long",)),
    # a trace with its firewall row (the port's firewall intent recorded)
    "port-trace-firewall": (port_cmd.TracePort, FIXTURES / "firewall" /
                            "trace", ("--long",)),
    "host-check": (host_cmd.CheckHost, FIXTURES / "hostcheck", ()),
    "network-vlan-map": (network_cmd.ShowVlanMap, FIXTURES / "vlanmap", ()),
    "dhcp-check": (dhcp_cmd.CheckDhcp,
                   FIXTURES / "l3dhcp" / "scenarios", ("dhcp-",)),
    "dns-check": (dns_cmd.CheckDns,
                  FIXTURES / "l3dhcp" / "scenarios", ("dns-",)),
    "router-check": (router_cmd.CheckRouter,
                     FIXTURES / "l3dhcp" / "scenarios", ("router",)),
    "floatingip-check": (floatingip_cmd.CheckFloatingIp,
                         FIXTURES / "l3dhcp" / "scenarios", ("floatingip",)),
    # ML2/OVN, recorded on the OVN lab (tools/record_ovn_scenarios)
    "ovn-port-trace": (port_cmd.TracePort, OVN, OVN_TRACES + ("--long",)),
    "ovn-host-check": (host_cmd.CheckHost, OVN, ("hostcheck-",)),
    "ovn-network-vlan-map": (network_cmd.ShowVlanMap, OVN, ("vlanmap-",)),
}

# a capture of another command's kind, replayed by the wrong command
WRONG_KIND = {
    "port-trace": FIXTURES / "hostcheck" / "healthy",
    "port-trace-firewall": FIXTURES / "hostcheck" / "healthy",
    "host-check": FIXTURES / "vlanmap" / "vlan-healthy",
    "network-vlan-map": FIXTURES / "scenarios" / "vlan-healthy",
    "dhcp-check": FIXTURES / "l3dhcp" / "scenarios" / "router",
    "dns-check": FIXTURES / "l3dhcp" / "scenarios" / "dhcp-port",
    "router-check": FIXTURES / "l3dhcp" / "scenarios" / "floatingip",
    "floatingip-check": FIXTURES / "l3dhcp" / "scenarios" / "dns-port",
    "ovn-port-trace": OVN / "hostcheck-healthy",
    "ovn-host-check": OVN / "vlanmap-vlan-healthy",
    "ovn-network-vlan-map": OVN / "geneve-healthy",
}

# the commands that only run live, on the recorded worlds of
# test_command_output (command, argv, SDK connection factory)
LIVE = {
    "ip-reclaim": (ip_cmd.ReclaimIp,
                   ["198.18.16.77", "--network", "vlan-net"], reclaim_cloud),
    "cleanup": (cleanup_cmd.Cleanup, ["--host", "compute1"], None),
    "port-capture": (capture_cmd.CapturePort, ["some-port"], None),
}


def replay_cases():
    cases = []
    for command, (cls, folder, extra) in sorted(REPLAYS.items()):
        prefixes = tuple(e for e in extra if not e.startswith("--"))
        long_flags = tuple(e for e in extra if e.startswith("--"))
        for scenario in sorted(p.name for p in folder.iterdir()
                               if p.is_dir()):
            if prefixes and not scenario.startswith(prefixes):
                continue
            for fmt in FORMATS:
                for flags in ((),) + tuple((f,) for f in long_flags):
                    name = "--".join((scenario, fmt) + tuple(
                        f.strip("-") for f in flags))
                    cases.append((command, name, cls, [
                        "--from-capture", str(folder / scenario),
                        "-f", fmt, *flags], None))
        cases.append((command, "wrong-kind--table", cls, [
            "--from-capture", str(WRONG_KIND[command])], None))
    for command, (cls, argv, conn) in sorted(LIVE.items()):
        formats = ("table", "json", "yaml", "value", "shell") \
            if command == "ip-reclaim" else FORMATS
        for fmt in formats:
            cases.append((command, fmt, cls, [*argv, "-f", fmt], conn))
    return cases


CASES = replay_cases()


def render(cls, argv, conn):
    """What the user sees: the exit code, stdout and stderr, as one text.
    Paths of this checkout are written relative, so goldens do not
    depend on where the tests run.
    """
    try:
        code, app = run_command(cls, *argv, conn=conn() if conn else None)
        stdout, stderr = app.stdout.getvalue(), app.stderr.getvalue()
    except SystemExit as exc:
        code, stdout, stderr = exc.code, "", ""
    except Exception as exc:  # noqa: B902 - cliff turns it into exit 1
        # only the type: the message names code lines, not user output
        code, stdout, stderr = 1, "", f"raised {type(exc).__name__}\n"
    text = f"exit: {code}\n--- stdout\n{stdout}"
    if stderr:
        text += f"--- stderr\n{stderr}"
    return text.replace(str(FIXTURES), "FIXTURES")


@pytest.mark.usefixtures("marked_leftovers", "recorded_port")
@pytest.mark.parametrize("command,name,cls,argv,conn", CASES,
                         ids=[f"{c[0]}/{c[1]}" for c in CASES])
def test_output_is_byte_identical_to_the_golden(command, name, cls, argv,
                                                conn):
    golden = GOLDEN / command / f"{name}.txt"
    actual = render(cls, argv, conn)
    if os.environ.get("NETDIAG_WRITE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual)
    assert actual == golden.read_text()


def test_every_recorded_folder_is_replayed():
    # a scenario added later gets a golden, or this fails
    replayed = {str(a[1]) for _, _, _, a, _ in CASES if a[0] ==
                "--from-capture"}
    recorded = {str(p.parent) for p in FIXTURES.glob("**/context.json")}
    assert recorded <= replayed
