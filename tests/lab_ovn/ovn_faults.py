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

"""Faults of the ML2/OVN lab (``tools/lab up --backend ovn``).

Each ``fault_*(status, name)`` breaks one thing on the live lab, for the
instance ``name`` of ``status`` (the parsed ``tools/lab --flavour ovn
status``), and returns a ``restore`` callable that brings the lab back
(bounded in time, safe to call twice). Used by tests/lab/test_ovn_lab.py
and tools/record_ovn_scenarios. Every fault leaves something present but
wrong where it can: a cleared iface-id on a plugged tap, a bridge mapping
without the physnet, a second chassis under the same hostname.
"""

import os
import subprocess
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB_TOOL = os.path.join(REPO, "tools", "lab")
FLAVOUR = ("--flavour", "ovn")
DB_HOST = "network1"
STALE_CHASSIS = "compute1-old-system-id"


def tool(*args, timeout=180, check=True):
    cp = subprocess.run([LAB_TOOL, *FLAVOUR, *args], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True, timeout=timeout)
    if check and cp.returncode != 0:
        raise AssertionError("tools/lab %s failed (%d): %s %s" % (
            " ".join(args), cp.returncode, cp.stdout[-2000:], cp.stderr[-2000:]))
    return cp


def lab_exec(host, *argv, check=True, timeout=60):
    return tool("exec", host, "--", *[str(a) for a in argv], check=check,
                timeout=timeout)


def wait(pred, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(1)
    raise AssertionError("timed out waiting for %s" % what)


def _binding_chassis(port_id):
    out = lab_exec(DB_HOST, "ovn-sbctl", "--bare", "--columns=chassis", "find",
                   "Port_Binding", "logical_port=%s" % port_id).stdout
    return out.strip()


def fault_stop_ovn_controller(status, name):
    host = status["instances"][name]["host"]
    tool("stop", host, "ovn-controller")

    def restore():
        tool("restart", host, "ovn-controller")
    return restore


def fault_clear_iface_id(status, name):
    inst = status["instances"][name]
    lab_exec(inst["host"], "ovs-vsctl", "remove", "Interface", inst["tap"],
             "external_ids", "iface-id")
    wait(lambda: not _binding_chassis(inst["port_id"]), 30,
         "the port released in the Southbound database")

    def restore():
        lab_exec(inst["host"], "ovs-vsctl", "set", "Interface", inst["tap"],
                 "external_ids:iface-id=%s" % inst["port_id"])
        wait(lambda: _binding_chassis(inst["port_id"]), 60,
             "the port claimed again")
    return restore


def fault_remove_bridge_mapping(status, name):
    host = status["instances"][name]["host"]
    # physnet1 gone, the external network's mapping kept
    lab_exec(host, "ovs-vsctl", "set", "Open_vSwitch", ".",
             "external_ids:ovn-bridge-mappings=public:br-ex")

    def restore():
        lab_exec(host, "ovs-vsctl", "set", "Open_vSwitch", ".",
                 "external_ids:ovn-bridge-mappings=physnet1:br-eth1,public:br-ex")
    return restore


def fault_delete_metadata_namespace(status, name):
    inst = status["instances"][name]
    ns = "ovnmeta-%s" % status["networks"][inst["network"]]["id"]
    lab_exec(inst["host"], "ip", "netns", "delete", ns)

    def restore():
        # the agent provisions every network of its chassis when it starts
        tool("restart", inst["host"], "ovn-metadata-agent")
        wait(lambda: ns in lab_exec(inst["host"], "ip", "netns").stdout, 90,
             "%s again" % ns)
    return restore


def fault_stale_duplicate_chassis(status, name):
    host = status["instances"][name]["host"]
    lab_exec(DB_HOST, "ovn-sbctl", "chassis-add", STALE_CHASSIS, "geneve",
             "198.18.1.99")
    lab_exec(DB_HOST, "ovn-sbctl", "set", "Chassis", STALE_CHASSIS,
             "hostname=%s" % host)

    def restore():
        lab_exec(DB_HOST, "ovn-sbctl", "--if-exists", "chassis-del",
                 STALE_CHASSIS)
    return restore


def fault_delete_switch_port(status, name):
    inst = status["instances"][name]
    lab_exec(DB_HOST, "ovn-nbctl", "lsp-del", inst["port_id"])

    def restore():
        # Neutron writes the port again when it is updated
        repair = os.path.join(REPO, ".lab-ovn", "venv", "bin",
                              "neutron-ovn-db-sync-util")
        conf = os.path.join(REPO, ".lab-ovn", "etc", "server")
        subprocess.run([repair, "--config-file", os.path.join(conf, "neutron.conf"),
                        "--config-file", os.path.join(conf, "ml2_conf.ini"),
                        "--ovn-neutron_sync_mode", "repair"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=300, check=False)
        wait(lambda: _binding_chassis(inst["port_id"]), 90,
             "the port back in OVN and claimed")
    return restore


def fault_wrong_port_security(status, name):
    """The Logical_Switch_Port's port_security names another MAC: OVN's
    pipeline drops everything the instance sends.
    """
    inst = status["instances"][name]
    lab_exec(DB_HOST, "ovn-nbctl", "lsp-set-port-security", inst["port_id"],
             "fa:16:3e:00:00:01 %s" % inst["ip"])

    def restore():
        lab_exec(DB_HOST, "ovn-nbctl", "lsp-set-port-security",
                 inst["port_id"], "%s %s" % (inst["mac"], inst["ip"]))
    return restore


def openstack(*argv, timeout=120):
    """The lab's API through the openstack client (what an operator
    would type), -f json where it prints something.
    """
    env = dict(os.environ,
               OS_CLIENT_CONFIG_FILE=os.path.join(REPO, ".lab-ovn", "clouds.yaml"))
    cp = subprocess.run([os.path.join(REPO, ".venv", "bin", "openstack"),
                         "--os-cloud", "netdiag-lab", *argv],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        text=True, timeout=timeout, env=env)
    if cp.returncode != 0:
        raise AssertionError("openstack %s failed: %s" % (" ".join(argv),
                                                          cp.stderr[-2000:]))
    return cp.stdout


NO_INGRESS_GROUP = "netdiag-test-no-ingress"


def fault_no_ingress_rule(status, name):
    """Instance ``name``'s port in a security group of its own with no
    ingress rule (Neutron's egress rules only): OVN's ACLs drop a ping to
    it. Present but wrong: the port keeps port security and a group.
    """
    import json
    inst = status["instances"][name]
    before = json.loads(openstack("port", "show", inst["port_id"], "-c",
                                  "security_group_ids", "-f", "json"))
    group = json.loads(openstack("security", "group", "create",
                                 NO_INGRESS_GROUP, "-f", "json"))["id"]
    openstack("port", "set", "--no-security-group", "--security-group",
              group, inst["port_id"])

    def restore():
        argv = ["port", "set", "--no-security-group"]
        for old in before["security_group_ids"]:
            argv += ["--security-group", old]
        openstack(*argv, inst["port_id"])
        openstack("security", "group", "delete", group)
    return restore


# OVN 23.03's OFTABLE_REMOTE_OUTPUT: the flows that send a logical port's
# packets through the tunnel to the chassis holding the destination port
REMOTE_OUTPUT_TABLE = 39


def _datapath_key(port_id):
    datapath = lab_exec(DB_HOST, "ovn-sbctl", "--bare", "--columns=datapath",
                        "find", "Port_Binding",
                        "logical_port=%s" % port_id).stdout.strip()
    return int(lab_exec(DB_HOST, "ovn-sbctl", "get", "Datapath_Binding",
                        datapath, "tunnel_key").stdout.strip())


def _remote_flows(host, key):
    out = lab_exec(host, "ovs-ofctl", "dump-flows", "br-int",
                   "table=%d,metadata=%#x" % (REMOTE_OUTPUT_TABLE, key)).stdout
    return [line for line in out.splitlines() if "cookie=" in line]


def fault_delete_remote_output_flows(status, name):
    """On instance ``name``'s chassis, the OpenFlow flows that tunnel its
    network's packets to the other chassis deleted behind ovn-controller's
    back (it does not put them back until it restarts): the logical
    pipeline still delivers to a port on another chassis, the chassis
    sends it nowhere.
    """
    inst = status["instances"][name]
    key = _datapath_key(inst["port_id"])
    before = len(_remote_flows(inst["host"], key))
    assert before, "no remote output flows to delete"
    lab_exec(inst["host"], "ovs-ofctl", "del-flows", "br-int",
             "table=%d,metadata=%#x" % (REMOTE_OUTPUT_TABLE, key))

    def restore():
        tool("restart", inst["host"], "ovn-controller")
        # every one of them back, not the first few ovn-controller puts
        wait(lambda: len(_remote_flows(inst["host"], key)) >= before, 60,
             "the remote output flows installed again")
        wait(lambda: "connected" in lab_exec(
            inst["host"], "ovn-appctl", "-t", "ovn-controller",
            "connection-status").stdout, 30, "ovn-controller connected")
    return restore


def fault_lower_encap_mtu(status, name):
    """The encap device (br-phy, holding ovn-encap-ip) of instance
    ``name``'s chassis lowered to 1400 through its mtu_request: geneve
    packets of the overlay network's full MTU no longer fit.
    """
    host = status["instances"][name]["host"]
    lab_exec(host, "ovs-vsctl", "set", "Interface", "br-phy",
             "mtu_request=1400")

    def restore():
        # OVS keeps an internal port's MTU when mtu_request is cleared:
        # ask for 1500 first, then leave it unset as the lab built it
        lab_exec(host, "ovs-vsctl", "set", "Interface", "br-phy",
                 "mtu_request=1500")
        wait(lambda: "mtu 1500" in lab_exec(host, "ip", "-o", "link", "show",
                                            "br-phy").stdout, 30,
             "br-phy's MTU back to 1500")
        lab_exec(host, "ovs-vsctl", "remove", "Interface", "br-phy",
                 "mtu_request", "1500")
    return restore
