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

"""One port's installed iptables_hybrid lines against the API's, per family.

The same comparison for ``iptables-save`` (IPv4) and ``ip6tables-save``
(IPv6): every line rendered from the API (:mod:`.fw_hybrid_render`,
:mod:`.fw_hybrid_render6`) found installed or missing, every line of the
port's chains (and of the shared chains naming its tap) that no API rule
explains extra, the order that decides kept (:mod:`.fw_hybrid_order`),
and the remote groups' sets with their members. Pure: it reads parsed
output only; rows are plain dicts, the caller makes hops of them.
"""

import dataclasses
import ipaddress

from osc_netdiag.backends.ml2_ovs import fw_hybrid_order as order
from osc_netdiag.backends.ml2_ovs import fw_hybrid_render as render
from osc_netdiag.backends.ml2_ovs import fw_hybrid_render6 as render6
from osc_netdiag.checks.catalogue import finding
from osc_netdiag import names
from osc_netdiag.secgroups import IPV4
from osc_netdiag.secgroups import IPV6


@dataclasses.dataclass(frozen=True)
class Family:
    """What differs between the IPv4 and the IPv6 comparison."""
    ethertype: str
    command: str            # as the evidence names it
    kind: str               # the rows' kind
    rules: object           # intent -> [ExpectedRule]
    sets: object            # intent -> {ipset name: (group, members)}

    @property
    def tag(self):
        """Said after a finding's summary (IPv4 says nothing, as before)."""
        return "" if self.ethertype == IPV4 else f" ({self.ethertype})"


V4 = Family(IPV4, "iptables-save -c -t filter", "iptables-rule",
            render.expected_rules, render.expected_sets)
V6 = Family(IPV6, "ip6tables-save -c -t filter", "ip6tables-rule",
            render6.expected_rules, render6.expected_sets)

MEANINGS = dict(render.MEANINGS, **render6.MEANINGS)


def installed(table, chain):
    """rule text after '-A CHAIN ' -> the parsed Rule, in order."""
    cut = len(f"-A {chain} ")
    return [(rule.text[cut:], rule) for rule in table.rules_of(chain)]


def comment_of(text):
    marker = '--comment "'
    if marker not in text:
        return None
    return text.split(marker, 1)[1].split('"', 1)[0]


def _row(family, expected, state, rule=None):
    comment = rule.comment if rule is not None else comment_of(expected.text)
    return {"chain": expected.chain, "rule": expected.text, "state": state,
            "origin": expected.origin, "kind": expected.kind,
            "family": family.ethertype,
            "packets": rule.packets if rule is not None else None,
            "bytes": rule.bytes if rule is not None else None,
            "meaning": MEANINGS.get(comment, "")}


def _port_rules(table, chain, port_id):
    """The port's lines in a shared chain (FORWARD, INPUT, sg-chain).

    Those that name the port's tap or jump to its own chains.
    """
    tap = names.tap_device(port_id)
    own = render.port_chains(port_id)
    return [(text, rule) for text, rule in installed(table, chain)
            if f" {tap} " in f" {text} " or rule.target in own]


def _missing_finding(intent, family, expected):
    host = intent.host
    if expected.kind == "spoof":
        address, mac = expected.text.split()[1], expected.text.split()[5]
        return finding("NETDIAG_FW_IPT_SPOOF_MISSING",
                       f"{host}:{expected.chain}",
                       f"{expected.chain} on {host} lacks the RETURN for "
                       f"{address} ({expected.origin}){family.tag}",
                       host=host, chain=expected.chain, address=address,
                       mac=mac, origin=expected.origin)
    return finding("NETDIAG_FW_IPT_RULE_MISSING", f"{host}:{expected.chain}",
                   f"{expected.chain} on {host} lacks '{expected.text}' "
                   f"({expected.origin}){family.tag}",
                   host=host, chain=expected.chain, rule=expected.text,
                   origin=expected.origin)


def _compare_chain(intent, family, table, chain, wanted, out, shared):
    """Rows and findings of one chain:

    each expected line installed or missing, each installed line of the port
    explained or extra.
    """
    rows, findings = out
    host = intent.host
    have = (_port_rules(table, chain, intent.port_id) if shared
            else installed(table, chain))
    by_text = dict(have)
    if not shared and table.chain(chain) is None:
        findings.append(finding(
            "NETDIAG_FW_IPT_CHAIN_MISSING", f"{host}:{chain}",
            f"{chain} is not in {host}'s filter table{family.tag}",
            host=host, chain=chain))
        rows.extend(_row(family, e, "missing") for e in wanted)
        return
    wanted_texts = {e.text for e in wanted}
    for expected in wanted:
        if expected.text in by_text:
            rows.append(_row(family, expected, "installed",
                             by_text[expected.text]))
            continue
        rows.append(_row(family, expected, "missing"))
        if shared and expected.kind == "jump" and \
                not expected.text.endswith("-j ACCEPT"):
            findings.append(finding(
                "NETDIAG_FW_IPT_CHAIN_MISSING", f"{host}:{chain}",
                f"{chain} on {host} has no '{expected.text}'{family.tag}",
                host=host, chain=expected.text.rsplit(" ", 1)[-1]))
        else:
            findings.append(_missing_finding(intent, family, expected))
    for text, rule in have:
        if text in wanted_texts:
            continue
        extra = render.ExpectedRule(chain, text, "no API rule", "extra")
        rows.append(_row(family, extra, "extra", rule))
        findings.append(finding(
            "NETDIAG_FW_IPT_RULE_EXTRA", f"{host}:{chain}",
            f"{chain} on {host} has '{text}', which no API rule of the "
            f"port explains{family.tag}", host=host, chain=chain, rule=text))
    if not shared:
        findings.extend(order.check(intent.host, chain, wanted,
                                    [text for text, _ in have], family.tag))


def _plain(net):
    return str(net.network_address) if net.prefixlen == net.max_prefixlen \
        else str(net)


def _compare_sets(intent, family, sets, out):
    rows, findings = out
    host = intent.host
    for name, (group, members) in sorted(family.sets(intent).items()):
        found = sets.get(name)
        row = {"ipset": name, "group": group, "family": family.ethertype,
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


def compare(intent, family, table, sets):
    """(rows, findings) of the port in one family's filter table."""
    out = ([], [])
    wanted = family.rules(intent)
    chains = []
    for expected in wanted:
        if expected.chain not in chains:
            chains.append(expected.chain)
    shared = (render.FORWARD, render.INPUT, render.SG_CHAIN)
    for chain in chains:
        _compare_chain(intent, family, table, chain,
                       [e for e in wanted if e.chain == chain], out,
                       chain in shared)
    rows, findings = out
    if not intent.port_security_enabled:
        for chain in render.port_chains(intent.port_id):
            if table.chain(chain) is not None:
                findings.append(finding(
                    "NETDIAG_FW_IPT_PORT_SECURITY_MISMATCH",
                    f"{intent.host}:{chain}",
                    f"port security is off but {chain} is on "
                    f"{intent.host}{family.tag}",
                    host=intent.host, state="off",
                    found=f"still has the port's chain {chain}"))
    else:
        _compare_sets(intent, family, sets, out)
    return rows, findings
