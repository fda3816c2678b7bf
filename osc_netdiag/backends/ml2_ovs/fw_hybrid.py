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

"""ML2/OVS with the iptables_hybrid firewall driver: one port on its host.

What the host enforces for one port, against what the API says. The three
names the ``port firewall`` command calls for this driver:

* :func:`probes`: the read-only commands to run on the port's host;
* :func:`judge`: the port's chains, jumps and remote-group ipsets compared
  line by line with the rules rendered from the API
  (:mod:`.fw_hybrid_render`), as hops and findings;
* :func:`host_verdict`: a packet walked through the host's filter table
  (:mod:`.fw_hybrid_eval`), with the rule that decided.

They read the probes' output through the run's HostView; a plain mapping
of probe name to output text (or to the parsed output) also does.
"""

import ipaddress

from osc_netdiag.backends.ml2_ovs import fw_hybrid_eval as evaluation
from osc_netdiag.backends.ml2_ovs import fw_hybrid_render as render
from osc_netdiag.checks.catalogue import finding
from osc_netdiag.errors import ParseError
from osc_netdiag.models import Evidence
from osc_netdiag.models import Hop
from osc_netdiag.models import Status
from osc_netdiag import names
from osc_netdiag.parsers import ipset as ipset_parser
from osc_netdiag.parsers import iptables as iptables_parser
from osc_netdiag import probes as host_probes
from osc_netdiag.secgroups import ALLOW
from osc_netdiag.secgroups import DENY
from osc_netdiag.secgroups import EGRESS
from osc_netdiag.secgroups import IPV4
from osc_netdiag.secgroups import Verdict

DRIVER = "iptables_hybrid"
FILTER = "iptables-filter"
IPSETS = "ipset-list"
_PARSERS = {FILTER: iptables_parser.parse_iptables_save,
            IPSETS: ipset_parser.parse_ipset_list}
_PROBES = {FILTER: host_probes.iptables_filter, IPSETS: host_probes.ipset_list}


def probes(port_id):
    """The commands to run on the port's host.

    The port ID is checked, though neither command takes it: the host's
    whole table is read and filtered here.
    """
    names.checked_uuid(port_id)
    return [host_probes.iptables_filter(), host_probes.ipset_list()]


def _parsed(outputs, name):
    if hasattr(outputs, "read"):            # a HostView: Unreadable if not run
        return outputs.read(_PROBES[name]())
    value = outputs.get(name)
    if value is None:
        raise ParseError(f"{name}: no output")
    if isinstance(value, str):
        value = _PARSERS[name](value)
    return value


def filter_table(outputs):
    for table in _parsed(outputs, FILTER):
        if table.name == "filter":
            return table
    raise ParseError(f"{FILTER}: no filter table in the output")


def ipsets(outputs):
    return ipset_parser.by_name(_parsed(outputs, IPSETS))


def _installed(table, chain):
    """rule text after '-A CHAIN ' -> the parsed Rule, in order."""
    cut = len(f"-A {chain} ")
    return [(rule.text[cut:], rule) for rule in table.rules_of(chain)]


def _row(expected, state, rule=None):
    comment = rule.comment if rule is not None else _comment_of(expected.text)
    return {"chain": expected.chain, "rule": expected.text, "state": state,
            "origin": expected.origin, "kind": expected.kind,
            "packets": rule.packets if rule is not None else None,
            "bytes": rule.bytes if rule is not None else None,
            "meaning": render.MEANINGS.get(comment, "")}


def _comment_of(text):
    marker = '--comment "'
    if marker not in text:
        return None
    return text.split(marker, 1)[1].split('"', 1)[0]


def _port_rules(table, chain, port_id):
    """The port's lines in a shared chain (FORWARD, INPUT, sg-chain).

    Those that name the port's tap or jump to its own chains.
    """
    tap = names.tap_device(port_id)
    own = render.port_chains(port_id)
    return [(text, rule) for text, rule in _installed(table, chain)
            if f" {tap} " in f" {text} " or rule.target in own]


def _missing_finding(intent, expected):
    host = intent.host
    if expected.kind == "spoof":
        address, mac = expected.text.split()[1], expected.text.split()[5]
        return finding("NETDIAG_FW_IPT_SPOOF_MISSING",
                       f"{host}:{expected.chain}",
                       f"{expected.chain} on {host} lacks the RETURN for "
                       f"{address} ({expected.origin})",
                       host=host, chain=expected.chain, address=address,
                       mac=mac, origin=expected.origin)
    return finding("NETDIAG_FW_IPT_RULE_MISSING", f"{host}:{expected.chain}",
                   f"{expected.chain} on {host} lacks '{expected.text}' "
                   f"({expected.origin})",
                   host=host, chain=expected.chain, rule=expected.text,
                   origin=expected.origin)


def _compare_chain(intent, table, chain, wanted, rows, findings, shared):
    """Rows and findings of one chain:

    each expected line installed or missing, each installed line of the port
    explained or extra.
    """
    host = intent.host
    have = (_port_rules(table, chain, intent.port_id) if shared
            else _installed(table, chain))
    have_texts = [text for text, _ in have]
    by_text = dict(have)
    if not shared and table.chain(chain) is None:
        findings.append(finding(
            "NETDIAG_FW_IPT_CHAIN_MISSING", f"{host}:{chain}",
            f"{chain} is not in {host}'s filter table", host=host,
            chain=chain))
        for expected in wanted:
            rows.append(_row(expected, "missing"))
        return
    wanted_texts = {e.text for e in wanted}
    for expected in wanted:
        if expected.text in by_text:
            rows.append(_row(expected, "installed", by_text[expected.text]))
            continue
        rows.append(_row(expected, "missing"))
        if shared and expected.kind == "jump" and \
                not expected.text.endswith("-j ACCEPT"):
            findings.append(finding(
                "NETDIAG_FW_IPT_CHAIN_MISSING", f"{host}:{chain}",
                f"{chain} on {host} has no '{expected.text}'", host=host,
                chain=expected.text.rsplit(" ", 1)[-1]))
        else:
            findings.append(_missing_finding(intent, expected))
    for text, rule in have:
        if text in wanted_texts:
            continue
        extra = render.ExpectedRule(chain, text, "no API rule", "extra")
        rows.append(_row(extra, "extra", rule))
        findings.append(finding(
            "NETDIAG_FW_IPT_RULE_EXTRA", f"{host}:{chain}",
            f"{chain} on {host} has '{text}', which no API rule of the "
            f"port explains", host=host, chain=chain, rule=text))
    if not shared:
        _check_order(intent, chain, wanted, have_texts, findings)


def _check_order(intent, chain, wanted, have_texts, findings):
    """The fixed lines keep Neutron's order around the group rules:

    the group rules' own order follows the agent's cache and is not checked.
    """
    fixed = [e.text for e in wanted if e.kind != "rule"]
    seen = [text for text in have_texts if text in fixed]
    expected = [text for text in fixed if text in seen]
    if seen != expected:
        findings.append(finding(
            "NETDIAG_FW_IPT_RULE_ORDER", f"{intent.host}:{chain}",
            f"{chain} on {intent.host} has Neutron's fixed rules out of "
            f"order", host=intent.host, chain=chain,
            detail=f"first out of place: {_first_diff(seen, expected)}"))
        return
    group_lines = {e.text for e in wanted if e.kind == "rule"}
    positions = [i for i, text in enumerate(have_texts) if text in group_lines]
    fixed_pos = {text: i for i, text in enumerate(have_texts)}
    bounds = [fixed_pos.get(e.text) for e in wanted if e.kind != "rule"
              and ("ESTABLISHED" in e.text or "INVALID" in e.text)]
    if positions and len(bounds) == 2 and None not in bounds and \
            not bounds[0] < min(positions) <= max(positions) < bounds[1]:
        findings.append(finding(
            "NETDIAG_FW_IPT_RULE_ORDER", f"{intent.host}:{chain}",
            f"{chain} on {intent.host} has a group rule outside the "
            f"ESTABLISHED..INVALID block", host=intent.host, chain=chain,
            detail="a group rule outside the ESTABLISHED..INVALID block"))


def _first_diff(seen, expected):
    for a, b in zip(seen, expected):
        if a != b:
            return a
    return seen[-1] if seen else "-"


def _compare_sets(intent, sets, rows, findings):
    host = intent.host
    for name, (group, members) in sorted(render.expected_sets(intent).items()):
        found = sets.get(name)
        row = {"ipset": name, "group": group,
               "expected": sorted(str(m) for m in members)}
        if found is None:
            row.update(state="missing", members=[])
            rows.append(row)
            findings.append(finding(
                "NETDIAG_FW_IPT_IPSET_MISSING", f"{host}:{name}",
                f"ipset {name} (remote group {group}) is not on {host}",
                host=host, ipset=name, group=group))
            continue
        have = {ipaddress.ip_network(m, strict=False) for m in found.members}
        missing = sorted(members - have, key=str)
        stale = sorted(have - members, key=str)
        row.update(state="installed" if not (missing or stale) else "differs",
                   members=sorted(str(m) for m in have),
                   missing=[str(m) for m in missing],
                   stale=[str(m) for m in stale])
        rows.append(row)
        for net in missing:
            address = _plain(net)
            findings.append(finding(
                "NETDIAG_FW_IPT_IPSET_MEMBER_MISSING", f"{host}:{name}",
                f"{address} is missing from ipset {name} on {host}",
                host=host, ipset=name, group=group, address=address))
        for net in stale:
            address = _plain(net)
            findings.append(finding(
                "NETDIAG_FW_IPT_IPSET_MEMBER_STALE", f"{host}:{name}",
                f"{address} is in ipset {name} on {host} but in no port of "
                f"group {group}", host=host, ipset=name, group=group,
                address=address))


def _plain(net):
    return str(net.network_address) if net.prefixlen == net.max_prefixlen \
        else str(net)


def compare(intent, outputs):
    """(rows, findings) of the port on its host: a dict per rule and set."""
    table = filter_table(outputs)
    sets = ipsets(outputs)
    rows, findings = [], []
    wanted = render.expected_rules(intent)
    chains = []
    for expected in wanted:
        if expected.chain not in chains:
            chains.append(expected.chain)
    shared = (render.FORWARD, render.INPUT, render.SG_CHAIN)
    for chain in chains:
        _compare_chain(intent, table, chain,
                       [e for e in wanted if e.chain == chain], rows,
                       findings, chain in shared)
    if not intent.port_security_enabled:
        for chain in render.port_chains(intent.port_id):
            if table.chain(chain) is not None:
                findings.append(finding(
                    "NETDIAG_FW_IPT_PORT_SECURITY_MISMATCH",
                    f"{intent.host}:{chain}",
                    f"port security is off but {chain} is on {intent.host}",
                    host=intent.host, state="off",
                    found=f"still has the port's chain {chain}"))
    else:
        _compare_sets(intent, sets, rows, findings)
    return rows, findings


def _hop(intent, row):
    """A row as a hop of the command's output.

    ``--long`` shows the installed line and what its comment means.
    """
    host = intent.host
    status = Status.OK if row["state"] == "installed" else Status.ERROR
    if "ipset" in row:
        detail = (f"remote group {row['group']}: "
                  f"{', '.join(row['members']) or 'no member'}")
        for key in ("missing", "stale"):
            if row.get(key):
                detail += f"; {key}: {', '.join(row[key])}"
        lines = tuple(row["members"])
        return Hop(host, row["ipset"], "ipset", row["state"], detail, status,
                   (Evidence(host, "ipset list", lines),))
    counters = ("" if row["packets"] is None
                else f"; {row['packets']} packets, {row['bytes']} bytes")
    detail = f"{row['rule']} [{row['origin']}]{counters}"
    lines = ()
    if row["state"] != "missing":
        lines = (f"-A {row['chain']} {row['rule']}",)
    if row["meaning"]:
        lines += (f"# {row['meaning']}",)
    return Hop(host, row["chain"], "iptables-rule", row["state"], detail,
               status, (Evidence(host, "iptables-save -c -t filter", lines),))


def judge(intent, outputs):
    """(hops, findings) of the port on its host; see the module doc."""
    rows, findings = compare(intent, outputs)
    return tuple(_hop(intent, row) for row in rows), tuple(findings)


def _wire(intent, packet):
    """The Wire of an operator's Packet for this port:

    the port's own first IPv4 address and MAC on the instance's side.
    """
    own = next((ip for ip in intent.fixed_ips
                if ipaddress.ip_address(ip).version == 4), "0.0.0.0")
    tap = names.tap_device(intent.port_id)
    qvb = names.qvb_device(intent.port_id)
    qbr = names.qbr_device(intent.port_id)
    common = dict(protocol=packet.protocol, in_iface=qbr, out_iface=qbr,
                  icmp_type=packet.icmp_type, icmp_code=packet.icmp_code,
                  established=packet.established)
    if packet.direction == EGRESS:
        return evaluation.Wire(src=own, dst=packet.remote_ip,
                               physdev_in=tap, physdev_out=qvb,
                               src_mac=intent.mac_address,
                               sport=None, dport=packet.port, **common)
    return evaluation.Wire(src=packet.remote_ip, dst=own, physdev_in=qvb,
                           physdev_out=tap, sport=None, dport=packet.port,
                           **common)


def host_verdict(intent, packet, outputs):
    """allow or deny from the host's installed rules, with the deciding rule:

    the packet is walked through FORWARD as the qbr bridge hands it over (IPv4
    only).
    """
    if packet.ethertype != IPV4:
        raise ValueError("the iptables_hybrid view reads IPv4 rules only")
    decision = evaluation.evaluate(filter_table(outputs),
                                   _wire(intent, packet), ipsets(outputs))
    case = ("an established connection" if packet.established
            else "a new connection")
    detail = f"{case}; chains: {' -> '.join(decision.path)}"
    if decision.not_understood:
        detail += (f"; {len(decision.not_understood)} rule(s) with matches "
                   f"not understood were skipped")
    allowed = decision.target == "ACCEPT"
    # an allowed packet was let through by the last RETURN of the port's
    # chain; sg-chain's closing ACCEPT is the same for every port
    decided_by = (decision.returned_by or decision.rule) if allowed \
        else decision.rule
    if allowed and decision.returned_by:
        detail += f"; accepted by {decision.rule}"
    return Verdict(decision=ALLOW if allowed else DENY,
                   decided_by=decided_by, source="host", detail=detail)
