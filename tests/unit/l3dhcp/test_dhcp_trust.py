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

"""Host data must not make netdiag (root, with sudo) read or print other
files: dhcp check believes only processes run by Neutron's users, reads
only files under Neutron's directories, and never quotes a host file's
bad line.

Every case starts from a real lab recording (tests/fixtures/l3dhcp) and
edits one recorded output in one place, said at each edit. A spy on the
replay transport records every command the check sends, so "not read"
means "not even asked for".
"""

import json

import pytest

from osc_netdiag.errors import NetdiagError
from osc_netdiag.errors import ParseError
from osc_netdiag import exitcodes
from osc_netdiag.inventory import Inventory
from osc_netdiag.inventory import neutron_layout
from osc_netdiag.l3dhcp import dhcp
from osc_netdiag.l3dhcp import metadata
from osc_netdiag.linux import host_files
from osc_netdiag.models import Status
from osc_netdiag.parsers import ps
from osc_netdiag.transport import replay
from osc_netdiag.v1 import dhcp as dhcp_cmd
from tests.unit import helpers
from tests.unit.l3dhcp import scenario
from tests.unit.l3dhcp import test_metadata

NET = "3e2b7484-02f6-43f9-98e7-87a1ff51eff8"       # dhcp-port's network
PID = 29020                                        # its dnsmasq
HOSTS_FILE = f"/var/lib/neutron/dhcp/{NET}/host"
LOG_FILE = f"/var/log/neutron/dnsmasq/{NET}/dhcp_dns_log"
SECRET = "s3cr3t-root-only-Zq9"
OWNERS_FIXTURE = (scenario.SCENARIOS.parents[1] / "captures" /
                  "ps-owners--network1.out")


class SpyTransport(replay.ReplayTransport):
    """The recorded answers, and the argv of every command asked for."""

    def __init__(self, capture_dir):
        super().__init__(str(capture_dir))
        self.sent = []

    def open(self, target):
        session = super().open(target)
        inner = session.run

        def run(commands):
            self.sent.extend(tuple(c.argv) for c in commands)
            return inner(commands)
        session.run = run
        return session


def check(tmp_path, edit=None, inventory=None):
    """(result, argvs sent) of dhcp check on the edited dhcp-port capture."""
    capture = scenario.copy_capture("dhcp-port", tmp_path, edit)
    spy = SpyTransport(capture)
    result = dhcp.check_context(scenario.load_context("dhcp-port"),
                                inventory=inventory or Inventory(),
                                transport=spy)
    return result, spy.sent


def edit_output(name, change):
    """Edit: the output of the command ``name`` (or ``name:...``)."""
    def edit(command):
        if command["name"] == name or command["name"].startswith(name + ":"):
            command["stdout"] = change(command["stdout"])
    return edit


def owner_is(real_user, user, pid=PID):
    """Edit: the owners line of ``pid`` says these users (one line)."""
    def change(text):
        lines = text.splitlines()
        [i] = [n for n, line in enumerate(lines)
               if line.split()[-1] == str(pid)]
        lines[i] = f"{real_user:<32} {user:<32} {pid:>5}"
        return "\n".join(lines) + "\n"
    return edit_output("process-owners", change)


def dnsmasq_option(option, value):
    """Edit: the network's dnsmasq names ``value`` for --option."""
    def change(text):
        lines = text.splitlines()
        [i] = [n for n, line in enumerate(lines) if line.startswith(str(PID))]
        words = [f"--{option}={value}" if w.startswith(f"--{option}=")
                 else w for w in lines[i].split(" ")]
        lines[i] = " ".join(words)
        return "\n".join(lines) + "\n"
    return edit_output("dnsmasq", change)


def file_reads(sent):
    """The commands that read a file a process named: cat, and grep with
    a path other than netdiag's own syslog fallbacks.
    """
    return [a for a in sent if a[0] == "cat" or
            (a[0] == "grep" and a[-1].startswith("/") and
             a[-1] not in dhcp.SYSLOG_SOURCES)]


def codes(result):
    return sorted(f.code for f in result.findings)


# -- whose dnsmasq ------------------------------------------------------------

def test_the_owners_probe_reads_the_real_ps_output():
    owners = ps.parse_owners(OWNERS_FIXTURE.read_text())
    assert len(owners) == 180
    assert owners[0] == ps.ProcessOwner(1, "root", "root")
    assert {o.user for o in owners} == {"root"}


def test_healthy_recording_reads_both_files(tmp_path):
    result, sent = check(tmp_path)
    assert result.exit_code == exitcodes.OK
    assert file_reads(sent) == [
        ("cat", "--", HOSTS_FILE),
        ("grep", "-F", "-i", "-h", "-a", "-m", "20000", "--",
         "fa:16:3e:b9:d1:75", LOG_FILE)]
    assert ("ps", "-e", "-o", "ruser:32=,user:32=,pid=") in sent


def test_dnsmasq_of_an_ordinary_user_is_not_trusted(tmp_path):
    result, sent = check(tmp_path, owner_is("alice", "alice"))
    assert file_reads(sent) == []
    assert codes(result) == ["NETDIAG_COMMAND_FAILED",
                             "NETDIAG_DHCP_DNSMASQ_NOT_RUNNING",
                             "NETDIAG_HOST_PROCESS_UNTRUSTED"]
    [untrusted] = [f for f in result.findings
                   if f.code == "NETDIAG_HOST_PROCESS_UNTRUSTED"]
    assert untrusted.subject == f"network1:dnsmasq:{PID}"
    assert untrusted.summary == (
        f"dnsmasq pid {PID} on network1: pid {PID} runs as alice, not as "
        f"one of root, neutron, nobody, dnsmasq; none of the files it "
        f"names was read")
    [row] = [r for r in result.rows if r.kind == "process-owner"]
    assert (row.state, row.status) == ("untrusted", Status.WARN)
    # No Neutron dnsmasq serves the network: the log is looked for in
    # syslog only (paths of netdiag's own, not the process's).
    assert result.exit_code == exitcodes.ERROR_FINDING | exitcodes.UNREADABLE


def test_a_set_user_id_program_named_dnsmasq_is_not_trusted(tmp_path):
    # Real user alice, effective user root: what a set-user-ID binary
    # started under the name dnsmasq looks like.
    result, sent = check(tmp_path, owner_is("alice", "root"))
    assert file_reads(sent) == []
    [untrusted] = [f for f in result.findings
                   if f.code == "NETDIAG_HOST_PROCESS_UNTRUSTED"]
    assert "runs as root (real user alice)" in untrusted.summary


def test_unknown_owner_is_not_trusted(tmp_path):
    # A capture without the owners probe (made before it existed).
    def drop(command):
        if command["name"] == "process-owners":
            command["argv"] = ["not", "recorded"]
    result, sent = check(tmp_path, drop)
    assert file_reads(sent) == []
    [untrusted] = [f for f in result.findings
                   if f.code == "NETDIAG_HOST_PROCESS_UNTRUSTED"]
    assert "its owner could not be read" in untrusted.summary
    # Not "not running": whether a Neutron dnsmasq runs is not known.
    assert "NETDIAG_DHCP_DNSMASQ_NOT_RUNNING" not in codes(result)


@pytest.mark.parametrize("user", ["root", "neutron", "nobody", "dnsmasq"])
def test_neutrons_users_are_trusted_by_default(tmp_path, user):
    # Neutron starts dnsmasq as root without --user; dnsmasq drops to its
    # compiled-in user: nobody (upstream, Debian) or dnsmasq (RHEL).
    result, sent = check(tmp_path, owner_is(user, user))
    assert result.exit_code == exitcodes.OK
    assert len(file_reads(sent)) == 2


def test_trusted_users_come_from_the_inventory(tmp_path):
    inventory = Inventory(defaults={"neutron_users": ["42435"]})
    result, sent = check(tmp_path, owner_is("42435", "42435"), inventory)
    assert result.exit_code == exitcodes.OK
    result, sent = check(tmp_path / "root", None, inventory)
    assert file_reads(sent) == []
    assert "NETDIAG_HOST_PROCESS_UNTRUSTED" in codes(result)


# -- which files --------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/etc/shadow",
    f"/var/lib/neutron/dhcp/{NET}/../../../../etc/shadow",
    f"/var/lib/neutron/./dhcp/{NET}/host",
    f"/var/lib/neutron//dhcp/{NET}/host",
    f"var/lib/neutron/dhcp/{NET}/host",            # relative
    f"/var/lib/neutron-other/dhcp/{NET}/host",     # a sibling, not under
    "/var/lib/neutron",
])
def test_hosts_file_outside_the_state_path_is_not_read(tmp_path, path):
    result, sent = check(tmp_path, dnsmasq_option("dhcp-hostsfile", path))
    assert [a for a in file_reads(sent) if a[0] == "cat"] == []
    refused = [f for f in result.findings
               if f.code == "NETDIAG_HOST_FILE_REFUSED"]
    assert [f.subject for f in refused] == ["network1:hosts file"]
    assert "/var/lib/neutron" in refused[0].remedy
    [row] = [r for r in result.rows if r.kind == "host-file"]
    assert (row.state, row.status) == ("not read", Status.WARN)
    assert row.detail.startswith("--dhcp-hostsfile ")


def test_other_state_paths_come_from_the_inventory(tmp_path):
    path = f"/srv/neutron/dhcp/{NET}/host"
    inventory = Inventory(hosts={"network1": {
        "neutron_paths": {"state": "/srv/neutron"}}})
    result, sent = check(tmp_path, dnsmasq_option("dhcp-hostsfile", path),
                         inventory)
    assert ("cat", "--", path) in sent
    assert "NETDIAG_HOST_FILE_REFUSED" not in codes(result)


@pytest.mark.parametrize("path", ["/root/.bash_history",
                                  "/var/log/neutron/../../../etc/shadow",
                                  "/var/log/neutronic/dhcp_dns_log"])
def test_log_facility_outside_the_log_dir_is_not_read(tmp_path, path):
    result, sent = check(tmp_path, dnsmasq_option("log-facility", path))
    assert [a for a in file_reads(sent) if a[0] == "grep"] == []
    refused = [f for f in result.findings
               if f.code == "NETDIAG_HOST_FILE_REFUSED"]
    assert [f.subject for f in refused] == ["network1:dnsmasq log"]
    assert "/var/log/neutron" in refused[0].remedy
    # the hosts file is still read: it is where it should be
    assert ("cat", "--", HOSTS_FILE) in sent


def agent_answers(pgrep=test_metadata.PGREP,
                  owners=test_metadata.OWNERS):
    return {metadata.agent_process_probe(): pgrep,
            host_files.owners_probe(): owners}


def test_config_file_outside_the_config_dir_is_not_read():
    pgrep = test_metadata.PGREP.replace("/etc/neutron/dhcp_agent.ini",
                                        "/root/secret.ini")
    answers = agent_answers(pgrep)
    probes = metadata.second_probes(test_metadata.view(answers))
    assert [p.argv[-1] for p in probes] == ["/etc/neutron/neutron.conf"]
    answers[metadata.config_probe("/etc/neutron/neutron.conf")] = (
        1, test_metadata.NEUTRON_CONF_FLAGS, "")
    wanted = metadata.expectation(test_metadata.view(answers))
    assert wanted.expected is None
    assert wanted.why == ("--config-file /root/secret.ini is not under "
                          "/etc/neutron (neutron_paths config of the "
                          "inventory): not read")


def test_dhcp_agent_of_an_ordinary_user_is_not_trusted():
    # The master's PID (1983) owned by alice in the real owners list; its
    # worker names no config file.
    owners = "\n".join(
        f"{'alice':<32} {'alice':<32} {1983:>5}" if line.split()[-1] == "1983"
        else line for line in test_metadata.OWNERS.splitlines()) + "\n"
    view = test_metadata.view(agent_answers(owners=owners))
    assert metadata.second_probes(view) == []
    wanted = metadata.expectation(view)
    assert wanted.expected is None
    assert wanted.why == ("neutron-dhcp-agent not trusted: pid 1983 runs as "
                          "alice, not as one of root, neutron, nobody, "
                          "dnsmasq")


# -- bad lines are located, never quoted --------------------------------------

def inject_line(name, number, line):
    """Edit: ``line`` becomes line ``number`` of a recorded output."""
    def change(text):
        lines = text.splitlines()
        lines.insert(number - 1, line)
        return "\n".join(lines) + "\n"
    return edit_output(name, change)


def test_bad_hosts_file_line_is_located_not_quoted(tmp_path):
    result, _ = check(tmp_path, inject_line("dnsmasq-hosts", 2,
                                            f"root:{SECRET}:19000:0:99999"))
    [failed] = [f for f in result.findings
                if f.code == "NETDIAG_COMMAND_FAILED"]
    assert failed.summary == (
        f"could not read 'cat -- {HOSTS_FILE}' on network1: error: "
        f"unreadable output: dnsmasq hosts file line 2: expected "
        f"'MAC,NAME,IP' (optionally after id:/set:/tag: fields), found no "
        f"MAC address; not checked: dhcp-hosts hosts file")
    assert SECRET not in json.dumps(result.to_dict())


def test_bad_log_line_is_located_not_quoted(tmp_path):
    # A line mentioning the MAC (so grep returns it) without a syslog head.
    result, _ = check(tmp_path, inject_line(
        "dnsmasq-log", 3, f"fa:16:3e:b9:d1:75 {SECRET}"))
    [failed] = [f for f in result.findings
                if f.code == "NETDIAG_COMMAND_FAILED"]
    assert "dnsmasq log line 3 of those read: expected" in failed.summary
    assert LOG_FILE in failed.summary
    assert SECRET not in json.dumps(result.to_dict())


def test_bad_config_line_is_located_not_quoted():
    answers = agent_answers()
    answers[metadata.config_probe("/etc/neutron/neutron.conf")] = (
        1, test_metadata.NEUTRON_CONF_FLAGS, "")
    answers[metadata.config_probe("/etc/neutron/dhcp_agent.ini")] = (
        test_metadata.DHCP_INI_FLAGS + f"force_metadata {SECRET}\n")
    wanted = metadata.expectation(test_metadata.view(answers))
    assert wanted.expected is None
    assert "/etc/neutron/dhcp_agent.ini not read" in wanted.why
    assert ("option lines read, line 3: expected 'key = value' in a "
            "section") in wanted.why
    assert SECRET not in wanted.why


def test_json_output_of_a_bad_hosts_file_holds_no_line_of_it(tmp_path):
    # The whole command, as an operator runs it on a capture: stdout (JSON)
    # and stderr hold the file and line number, never the line.
    capture = scenario.copy_capture(
        "dhcp-port", tmp_path, inject_line("dnsmasq-hosts", 2,
                                           f"root:{SECRET}:19000"))
    code, app = helpers.run_command(dhcp_cmd.CheckDhcp, "--from-capture",
                                    str(capture), "-f", "json")
    out, err = app.stdout.getvalue(), app.stderr.getvalue()
    assert code == exitcodes.UNREADABLE
    assert SECRET not in out and SECRET not in err
    doc = json.loads(out)
    assert any(f"cat -- {HOSTS_FILE}" in f["summary"] and
               "hosts file line 2:" in f["summary"]
               for f in doc["findings"])


@pytest.mark.parametrize("parse,text", [
    (ps.parse_ps, f"1983 ok\n{SECRET}\n"),
    (ps.parse_owners, f"root root 1\n{SECRET}\n"),
])
def test_process_list_errors_do_not_quote(parse, text):
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert "line 2" in str(caught.value)
    assert SECRET not in str(caught.value)


# -- the inventory settings ---------------------------------------------------

@pytest.mark.parametrize("entry", [
    {"neutron_paths": {"state": "/"}},
    {"neutron_paths": {"state": "var/lib/neutron"}},
    {"neutron_paths": {"log": "/var/log/../.."}},
    {"neutron_paths": {"config": []}},
    {"neutron_paths": {"cache": "/var/cache"}},
    {"neutron_paths": "/var/lib/neutron"},
    {"neutron_users": []},
    {"neutron_users": ["-u"]},
    {"neutron_users": ["neutron root"]},
])
def test_inventory_refuses_bad_neutron_settings(entry):
    with pytest.raises(NetdiagError):
        Inventory(defaults=entry)


def test_inventory_layout_per_host_then_pattern_then_defaults():
    inventory = Inventory(
        defaults={"neutron_paths": {"log": "/srv/log/"},
                  "neutron_users": ["root"]},
        hosts={"network1": {"neutron_paths": {"state": ["/srv/a", "/srv/b"]}},
               "net-*": {"neutron_users": ["root", "neutron"]}})
    one = neutron_layout(inventory, "network1")
    assert (one.state, one.log, one.config, one.users) == (
        ("/srv/a", "/srv/b"), ("/srv/log",), ("/etc/neutron",), ("root",))
    other = neutron_layout(inventory, "net-7")
    assert other.users == ("root", "neutron")
    assert neutron_layout(Inventory(), "x") == host_files.DEFAULT_LAYOUT
