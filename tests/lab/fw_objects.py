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

"""Firewall objects the lab's scenario does not have, made for a while on
compute1 and removed after: a dual-stack network (IPv4 and IPv6 subnets,
no DHCP), a stateful group with IPv6 rules and a stateless group, and
three ports plugged the way os-vif plugs them, each with a "VM"
namespace of its own:

``v6a``   the IPv6 port under test: its group (IPv6 in: ICMPv6, TCP 22
          from the subnet, anything from the group; IPv6 out: TCP and echo requests only),
          an IPv6 allowed address pair (a VIP), fixed IPs of both
          families
``v6b``   its peer in the same group (a remote group member)
``sl``    a port in the stateless group

``every_address_pairs`` gives v6a the allowed address pair 0.0.0.0/0
for a while. ``egress_to_members`` changes the IPv6 group for a while more: IPv4 out
only TCP to the group's members (in place of the allow-all rule), IPv6
out UDP to them as well.

The caller holds the lab's lock for the whole time (the lab tests'
session lock, or ``flock .lab/tests.lock`` around the recording tool).
"""

import contextlib
import os
import subprocess
import sys
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tools"))

from netdiag_lab import api  # noqa: E402
from netdiag_lab.common import hrun  # noqa: E402
from netdiag_lab.common import netns  # noqa: E402
from netdiag_lab.common import PROJECT_ID  # noqa: E402
from netdiag_lab.flavour import PREFIX  # noqa: E402

HOST = "compute1"
NAME = "ndfw"                       # every object's name starts with it
CIDR4 = "198.18.21.0/24"
CIDR6 = "2001:db8:21::/64"
VIP6 = "2001:db8:21::250"
PORTS = ("v6a", "v6b", "sl")
# what each port's "VM" listens on, for the stateless group's reply test
LISTEN_PORT = 8080


def _run(argv, check=True):
    return subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, check=check)


def vm_ns(name):
    return f"{PREFIX}-vm-{NAME}-{name}"


def vm(name, *argv, check=False, timeout=30):
    return subprocess.run(["ip", "netns", "exec", vm_ns(name)] +
                          [str(a) for a in argv], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, check=check,
                          timeout=timeout)


def _rule(group_id, direction, ethertype, **more):
    body = dict(security_group_id=group_id, direction=direction,
                ethertype=ethertype, **more)
    return api.post("security-group-rules",
                    {"security_group_rule": body})["security_group_rule"]


def _groups():
    v6 = api.post("security-groups", {"security_group": {
        "name": f"{NAME}-v6", "project_id": PROJECT_ID,
        "description": "netdiag lab: IPv6 rules"}})["security_group"]
    _rule(v6["id"], "ingress", "IPv6", protocol="ipv6-icmp")
    _rule(v6["id"], "ingress", "IPv6", protocol="tcp", port_range_min=22,
          port_range_max=22, remote_ip_prefix=CIDR6)
    _rule(v6["id"], "ingress", "IPv6", remote_group_id=v6["id"])
    _rule(v6["id"], "ingress", "IPv4", protocol="tcp",
          port_range_min=LISTEN_PORT, port_range_max=LISTEN_PORT,
          remote_ip_prefix=CIDR4)
    # egress IPv6: TCP and echo requests, in place of the group's
    # allow-all rule, so that a neighbour advertisement leaves only by
    # its own base flow (the allow-all rule would let it out through
    # conntrack anyway, and a wrong nd_target would break nothing)
    for rule in api.get(f"security-groups/{v6['id']}")["security_group"][
            "security_group_rules"]:
        if rule["direction"] == "egress" and rule["ethertype"] == "IPv6":
            api.delete(f"security-group-rules/{rule['id']}")
    _rule(v6["id"], "egress", "IPv6", protocol="tcp")
    _rule(v6["id"], "egress", "IPv6", protocol="ipv6-icmp",
          port_range_min=128)
    stateless = api.post("security-groups", {"security_group": {
        "name": f"{NAME}-stateless", "project_id": PROJECT_ID,
        "stateful": False,
        "description": "netdiag lab: stateless"}})["security_group"]
    _rule(stateless["id"], "ingress", "IPv4", protocol="tcp",
          port_range_min=22, port_range_max=22)
    _rule(stateless["id"], "ingress", "IPv4", protocol="icmp")
    return v6, stateless


def _network():
    net = api.post("networks", {"network": {
        "name": f"{NAME}-net", "project_id": PROJECT_ID,
        "provider:network_type": "vxlan"}})["network"]
    for version, cidr in ((4, CIDR4), (6, CIDR6)):
        api.post("subnets", {"subnet": {
            "name": f"{NAME}-subnet{version}", "network_id": net["id"],
            "ip_version": version, "cidr": cidr, "enable_dhcp": False,
            "gateway_ip": None, "project_id": PROJECT_ID}})
    return net


def _port(name, net, group, pairs=()):
    body = {"name": f"{NAME}-{name}", "network_id": net["id"],
            "project_id": PROJECT_ID, "device_owner": "compute:nova",
            "device_id": str(uuid.uuid5(uuid.NAMESPACE_DNS,
                                        f"netdiag-lab-{NAME}-{name}")),
            "security_groups": [group["id"]], "binding:host_id": HOST}
    if pairs:
        body["allowed_address_pairs"] = [{"ip_address": a} for a in pairs]
    return api.post("ports", {"port": body})["port"]


def _plug(name, port):
    """veth tap<id[:11]> on compute1's br-int, eth0 in the VM namespace.

    IPv6 on, DAD off (the addresses are the API's: no one else has them),
    checksums computed by the sender as the lab's other VMs do.
    """
    hostns = netns(HOST)
    tap = "tap" + port["id"][:11]
    ns = vm_ns(name)
    a, b = f"{PREFIX}fwa{name}", f"{PREFIX}fwb{name}"
    _run(["ip", "netns", "add", ns])
    _run(["ip", "-n", ns, "link", "set", "lo", "up"])
    _run(["ip", "link", "add", a, "type", "veth", "peer", "name", b])
    _run(["ip", "link", "set", a, "netns", hostns])
    _run(["ip", "-n", hostns, "link", "set", a, "name", tap])
    _run(["ip", "link", "set", b, "netns", ns])
    _run(["ip", "-n", ns, "link", "set", b, "name", "eth0"])
    _run(["ip", "-n", ns, "link", "set", "eth0", "address",
          port["mac_address"]])
    for key in ("accept_dad=0", "disable_ipv6=0"):
        _run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w",
              f"net.ipv6.conf.eth0.{key}"], check=False)
    _run(["ip", "-n", ns, "link", "set", "eth0", "up"])
    _run(["ip", "-n", hostns, "link", "set", tap, "up"])
    _run(["ip", "netns", "exec", ns, "ethtool", "-K", "eth0", "tx", "off"])
    for item in port["fixed_ips"]:
        address = item["ip_address"]
        plen = "64" if ":" in address else "24"
        _run(["ip", "-n", ns, "addr", "add", f"{address}/{plen}", "dev",
              "eth0", "nodad"] if ":" in address else
             ["ip", "-n", ns, "addr", "add", f"{address}/{plen}", "dev",
              "eth0"])
    hrun(HOST, ["ovs-vsctl", "--timeout=20", "--", "--may-exist", "add-port",
                "br-int", tap, "--", "set", "Interface", tap,
                f"external-ids:iface-id={port['id']}",
                "external-ids:iface-status=active",
                f"external-ids:attached-mac={port['mac_address']}",
                f"external-ids:vm-uuid={port['device_id']}"])
    return tap


def _unplug(name, port_id):
    hostns = netns(HOST)
    tap = "tap" + port_id[:11]
    hrun(HOST, ["ovs-vsctl", "--timeout=20", "--if-exists", "del-port",
                "br-int", tap], check=False)
    _run(["ip", "-n", hostns, "link", "del", tap], check=False)
    _run(["ip", "netns", "del", vm_ns(name)], check=False)


def cleanup():
    """Remove whatever a run left behind, by name (safe to call twice)."""
    for port in api.find("ports", device_owner="compute:nova"):
        if (port.get("name") or "").startswith(f"{NAME}-"):
            _unplug(port["name"][len(NAME) + 1:], port["id"])
            api.delete(f"ports/{port['id']}")
    for name in PORTS:
        _run(["ip", "netns", "del", vm_ns(name)], check=False)
    for net in api.find("networks", name=f"{NAME}-net"):
        api.delete(f"networks/{net['id']}")
    for group in api.get("security-groups")["security_groups"]:
        if group["name"].startswith(f"{NAME}-"):
            api.delete(f"security-groups/{group['id']}")


def _wait(what, pred, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def _active(port_id):
    return api.get(f"ports/{port_id}")["port"]["status"] == "ACTIVE"


def flows(*args):
    return hrun(HOST, ["ovs-ofctl", "dump-flows", "br-int", *args]).stdout


def ofport(port_id):
    tap = "tap" + port_id[:11]
    return int(hrun(HOST, ["ovs-vsctl", "--timeout=10", "get", "Interface",
                           tap, "ofport"]).stdout.strip())


@contextlib.contextmanager
def extra_ports():
    """Yield {"ports": {name: port body}, "groups": {...}, "network": ...}.

    Everything made here is removed on exit, also when the body fails.
    """
    cleanup()
    try:
        v6, stateless = _groups()
        net = _network()
        ports = {"v6a": _port("v6a", net, v6, pairs=(VIP6,)),
                 "v6b": _port("v6b", net, v6),
                 "sl": _port("sl", net, stateless)}
        for name, port in ports.items():
            _plug(name, port)
        for name, port in ports.items():
            _wait(f"port {name} ACTIVE", lambda p=port: _active(p["id"]))
            ports[name] = api.get(f"ports/{port['id']}")["port"]
        v6a = ports["v6a"]
        address6 = next(i["ip_address"] for i in v6a["fixed_ips"]
                        if ":" in i["ip_address"])
        # the agent wires a port and then installs its firewall: wait for
        # the last of it (the ND target of its IPv6 address)
        _wait("v6a's firewall flows", lambda: f"nd_target={address6}" in
              flows(f"table=71,reg5={ofport(v6a['id'])}"))
        _wait("sl's firewall flows", lambda: "priority=77" in flows(
            f"table=82,reg5={ofport(ports['sl']['id'])}"))
        yield {"ports": ports, "network": net,
               "groups": {"v6": v6, "stateless": stateless}}
    finally:
        cleanup()


def address(port, version):
    return next(i["ip_address"] for i in port["fixed_ips"]
                if (":" in i["ip_address"]) == (version == 6))


@contextlib.contextmanager
def egress_to_members(objs):
    """The v6 group's egress rules to its own members, for a while.

    Adds an IPv4 TCP and an IPv6 UDP egress rule with the group as
    remote group, and takes the group's IPv4 allow-all egress rule out,
    so that egress to a member is decided by the members' conjunction
    (the openvswitch driver matches the members on the destination).
    Yields the two rules; on exit the group is as ``extra_ports`` made
    it (the IPv4 allow-all rule made again).
    """
    group = objs["groups"]["v6"]["id"]
    v6b = objs["ports"]["v6b"]
    ofport_a = ofport(objs["ports"]["v6a"]["id"])
    for rule in api.get(f"security-groups/{group}")["security_group"][
            "security_group_rules"]:
        if rule["direction"] == "egress" and rule["ethertype"] == "IPv4":
            api.delete(f"security-group-rules/{rule['id']}")
    made = [_rule(group, "egress", "IPv4", protocol="tcp",
                  remote_group_id=group),
            _rule(group, "egress", "IPv6", protocol="udp",
                  remote_group_id=group)]
    try:
        _wait("the members' egress flows", lambda: all(
            f"{field}={address(v6b, version)} " in flows("table=72")
            for field, version in (("nw_dst", 4), ("ipv6_dst", 6))))
        # the port's own accept flows of the two conjunctions come in the
        # same pass: wait for them too (two conj_id flows per rule)
        _wait("the port's conjunction accept flows", lambda: flows(
            f"table=72,reg5={ofport_a}").count("conj_id=") >= 4)
        yield made
    finally:
        for rule in made:
            api.delete(f"security-group-rules/{rule['id']}")
        _rule(group, "egress", "IPv4")


@contextlib.contextmanager
def every_address_pairs(objs):
    """v6a's allowed address pairs widened to every address, for a while.

    Adds the pair 0.0.0.0/0 (with the port's MAC) beside the VIP, as
    operators do for a port that routes or runs a VPN, and waits for the
    agent's anti-spoofing flows of it (OVS prints their address match,
    fully masked, not at all). Neutron refuses ::/0 ("overlaps with
    multicast range ff00::/8"). Yields the port's body; on exit the pairs
    are as ``extra_ports`` made them.
    """
    port = objs["ports"]["v6a"]
    table71 = f"table=71,reg5={ofport(port['id'])}"
    before = flows(table71).count("priority=65,")
    wide = [{"ip_address": VIP6}, {"ip_address": "0.0.0.0/0"}]
    api.put(f"ports/{port['id']}", {"port": {"allowed_address_pairs": wide}})
    try:
        # the pair's priority 65 IPv4 flow, the last to come
        _wait("the wide pair's anti-spoofing flows", lambda: flows(
            table71).count("priority=65,") >= before + 1)
        yield api.get(f"ports/{port['id']}")["port"]
    finally:
        api.put(f"ports/{port['id']}", {"port": {
            "allowed_address_pairs": [{"ip_address": VIP6}]}})
