"""Replay the lab captures in tests/fixtures/l3dhcp/scenarios.

Each scenario holds the API context the check resolved (context.json) and
what the hosts answered (hosts/<host>.json), recorded with --save-capture
from the lab. A fault is made by editing one command's real output in a
temporary copy, so the rest of the host stays as recorded.
"""

import json
import pathlib
import shutil

from osc_netdiag import context as ctx
from osc_netdiag.inventory import Inventory
from osc_netdiag.l3dhcp import dhcp
from osc_netdiag.l3dhcp import floatingip
from osc_netdiag.l3dhcp import router
from osc_netdiag.transport import replay

SCENARIOS = (pathlib.Path(__file__).resolve().parents[2] / "fixtures" /
             "l3dhcp" / "scenarios")


def _port(data):
    if data is None:
        return None
    data = dict(data)
    data["fixed_ips"] = tuple(tuple(i) for i in data["fixed_ips"])
    return ctx.PortInfo(**data)


def _agent(data):
    return ctx.Agent(**data)


def load_context(name):
    data = json.loads((SCENARIOS / name / "context.json").read_text())
    if name.startswith(("dhcp", "dns")):
        return dhcp.DhcpContext(
            network_id=data["network_id"], network_name=data["network_name"],
            subnets=tuple(dhcp.SubnetInfo(**s) for s in data["subnets"]),
            agents=tuple(_agent(a) for a in data["agents"]),
            dhcp_ports=tuple(_port(p) for p in data["dhcp_ports"]),
            ports=tuple(_port(p) for p in data["ports"]),
            port=_port(data["port"]), console=data["console"],
            console_skip=data["console_skip"])
    if name == "router":
        return router.RouterContext(
            id=data["id"], name=data["name"], ha=data["ha"],
            distributed=data["distributed"],
            interfaces=tuple(_port(p) for p in data["interfaces"]),
            gateway=_port(data["gateway"]),
            agents=tuple(_agent(a) for a in data["agents"]),
            floating_ips=tuple(router.FloatingIp(**f)
                               for f in data["floating_ips"]))
    return tuple(floatingip.FipState(
        id=s["id"], address=s["address"], port_id=s["port_id"],
        port=_port(s["port"])) for s in data)


def copy_capture(name, tmp_path, edit=None):
    """A copy of the scenario; ``edit(command_dict)`` may change results."""
    target = tmp_path / name
    shutil.copytree(SCENARIOS / name, target)
    if edit is not None:
        for path in (target / "hosts").glob("*.json"):
            data = json.loads(path.read_text())
            for command in data["commands"]:
                edit(command)
            path.write_text(json.dumps(data))
    return target


def options(capture_dir):
    return dict(inventory=Inventory(),
                transport=replay.ReplayTransport(str(capture_dir)))
