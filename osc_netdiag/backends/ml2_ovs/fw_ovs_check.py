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

"""The openvswitch firewall driver's flows of one port, against the intent.

Each check reads the port's flows through the HostView and adds hops and
findings to a Report: the port sent through the firewall (table 60), its
anti-spoofing (table 71: each fixed IP and allowed address pair with its
MAC, ARP and IP), the DHCP-spoofing drop, and every rule's flows in the
rules tables (72/82), conjunctions and their member addresses included.
``verdict_of_trace`` reads an ofproto/trace the same way.
"""

import ipaddress

from osc_netdiag.backends.ml2_ovs import fw_ovs_base
from osc_netdiag.backends.ml2_ovs import fw_ovs_flows as flows
from osc_netdiag.backends.ml2_ovs import topology
from osc_netdiag.models import Status
from osc_netdiag import probes
from osc_netdiag import secgroups as sg
from osc_netdiag.sgrules import describe_rule

KIND = "ovs-firewall"


def _all_flows(view, ofport, zone, lvid, bridge, whole_tables=False):
    """The port's flows of the firewall tables, and whether its remote
    group members' flows are among them.

    Read filtered by its registers on the host (the members' by the local
    VLAN the port's tag named when the probes were planned), or
    (``whole_tables``, a one-round plan such as the trace's, made before
    the ofport is known) filtered here. ``zone`` is what table 60 loads
    into register 6 for the port: the members' flows match it.
    """
    from osc_netdiag.backends.ml2_ovs import fw_openvswitch
    if not whole_tables:
        found = []
        for probe in fw_openvswitch.port_flow_probes(ofport, lvid,
                                                     bridge)[1:]:
            found.extend(view.read(probe))
        return found, zone is not None and zone == lvid
    found = []
    for probe in fw_openvswitch.whole_table_probes(bridge)[1:]:
        found.extend(
            f for f in view.read(probe)
            if f.match_get("reg5") == hex(ofport) or
            (zone is not None and f.match_get("reg6") == hex(zone)))
    return found, zone is not None


def _zone(entry):
    """What the port's table 60 flow loads into register 6 (its
    network's local VLAN, which is also the conntrack zone), or None.
    """
    for action in entry.actions_named("load"):
        value, _, field = (action.arg or "").partition("->")
        if field == "NXM_NX_REG6[]":
            return int(value, 0)
    return None


def _entry(flows_60, ofport):
    """The table 60 flow that takes the port's traffic, or None."""
    for flow in flows_60:
        if flow.priority == 100 and flow.match_get("in_port") == str(ofport):
            return flow
    return None


def _resubmit_tables(flow):
    return [int(a.arg.lstrip(",")) for a in flow.actions_named("resubmit")
            if a.arg and a.arg.lstrip(",").isdigit()]


def check_port(report, view, intent, bridge, whole_tables=False):
    host, port = view.host, intent.port_id
    topo = topology.topology(view)
    iface = topo.interface_by_iface_id(port)
    if iface is None or iface.ofport is None or iface.ofport < 0:
        report.find("NETDIAG_OVS_PORT_MISSING", f"{host}:{bridge}",
                    f"no interface of {bridge} on {host} has iface-id "
                    f"{port}", host=host, bridge=bridge)
        report.hop(host, port, KIND, "absent", f"not a port of {bridge}",
                   Status.ERROR, [topology.ovs_evidence(view)])
        return
    ovs_port = topo.port(iface.name)
    check_wired(report, view, intent, bridge, iface.name, iface.ofport,
                ovs_port.tag if ovs_port is not None else None, whole_tables)


def check_wired(report, view, intent, bridge, device, ofport, lvid,
                whole_tables=False):
    """The firewall flows of the port ``device``, from table 60 on.

    ``ofport`` is its OpenFlow port, ``lvid`` its local VLAN.
    """
    host, port = view.host, intent.port_id
    probe = probes.dump_flows(bridge, f"table={flows.TRANSIENT_TABLE}")
    entry = _entry(view.read(probe), ofport)
    evidence = [view.evidence(probe, [entry.text.strip()] if entry else [])]
    tables = _resubmit_tables(entry) if entry is not None else []
    values = dict(host=host, port=port, bridge=bridge,
                  table=flows.TRANSIENT_TABLE)
    if not intent.filtered:
        state = "unfiltered" if flows.ACCEPT_OR_INGRESS_TABLE in tables \
            else "not wired"
        report.hop(host, device, KIND, state,
                   f"ofport {ofport}: port security off, table 60 -> "
                   f"{tables or 'nothing'}", Status.OK, evidence)
        return
    if entry is None or flows.ACCEPT_OR_INGRESS_TABLE in tables:
        why = ("no flow takes its traffic" if entry is None else
               "its traffic goes straight to table 73, unfiltered")
        report.find("NETDIAG_FW_OF_PORT_NOT_WIRED", f"{host}:{port}",
                    f"port {port} (ofport {ofport}) is not sent through "
                    f"the firewall on {host}: {why}", **values)
        report.hop(host, device, KIND, "not filtered",
                   f"ofport {ofport}: {why}", Status.ERROR, evidence)
        return
    if flows.BASE_EGRESS_TABLE not in tables:
        report.find("NETDIAG_FW_OF_TABLES_UNKNOWN", f"{host}:{port}",
                    f"table 60 sends port {port} to table(s) {tables}",
                    found=",".join(map(str, tables)),
                    expected=flows.BASE_EGRESS_TABLE, **values)
        report.hop(host, device, KIND, "unknown layout",
                   f"table 60 -> {tables}", Status.WARN, evidence)
        return
    zone = _zone(entry)
    report.hop(host, device, KIND, f"ofport {ofport}",
               f"table 60 sends it to the firewall (reg5={hex(ofport)}, "
               f"zone {zone if zone is not None else '-'})", Status.OK,
               evidence)
    installed, members_read = _all_flows(view, ofport, zone, lvid, bridge,
                                         whole_tables)
    _check_spoofing(report, view, intent, installed, ofport, values)
    fw_ovs_base.check_base(report, intent, installed, ofport, values)
    if not intent.stateful:
        _check_stateless(report, intent, installed, ofport, values)
    _check_rules(report, view, intent, installed, ofport,
                 zone if members_read else None, values)


def _check_stateless(report, intent, installed, ofport, values):
    """A stateless group on a host that tracks the port's connections.

    Neutron 29.0.0's openvswitch driver reads no ``stateful`` flag: it
    installs a stateless group's rules like a stateful one's, conntrack
    and all, and accepts replies (priority 50, ``+est-rel+rpl``) that
    the API says need a rule of their own. Its rules are compared as
    such; the accepting flow is the evidence.
    """
    host, port = values["host"], values["port"]
    tracked = [f for f in installed
               if f.table in (flows.RULES_EGRESS_TABLE,
                              flows.RULES_INGRESS_TABLE)
               and f.match_get("reg5") == hex(ofport) and f.priority == 50
               and f.match_get("ct_state") == "+est-rel+rpl"]
    names = ", ".join(g.name or g.id for g in intent.security_groups
                      if not g.stateful)
    if not tracked:
        report.hop(host, "stateless", KIND, "untracked",
                   f"stateless group(s) {names}: no conntrack reply flow",
                   Status.OK)
        return
    report.find("NETDIAG_FW_OF_STATELESS_TRACKED", f"{host}:{port}:stateless",
                f"port {port}'s group(s) {names} are stateless, but the "
                f"openvswitch firewall on {host} tracks its connections and "
                f"accepts their replies without a rule ({len(tracked)} "
                "reply flow(s) in tables 72/82)", groups=names, **values)
    report.hop(host, "stateless", KIND, "tracked",
               f"stateless group(s) {names}: replies accepted by conntrack "
               f"(table {tracked[0].table} priority 50 "
               "ct_state=+est-rel+rpl)", Status.WARN)


def _check_spoofing(report, view, intent, installed, ofport, values):
    host, port = values["host"], values["port"]
    wanted = flows.allowed_sources(intent)
    have = flows.installed_sources(installed, ofport)
    arp = flows.installed_arp_sources(installed, ofport)
    problems = []
    for (mac, net), what in wanted.items():
        missing = (mac, net) not in have or \
            (net.version == 4 and (mac, net) not in arp)
        if missing:
            address = flows.network_text(net)
            problems.append(f"{what} {address} missing")
            report.find("NETDIAG_FW_OF_SPOOF_MISSING",
                        f"{host}:{port}:{address}",
                        f"no anti-spoofing flow lets port {port} send "
                        f"from {address} ({what}, MAC {mac}) on {host}",
                        address=address, mac=mac, **values)
    for (mac, net) in sorted(set(have) - set(wanted), key=str):
        address = flows.network_text(net)
        problems.append(f"{address} not in the API")
        report.find("NETDIAG_FW_OF_SPOOF_STALE", f"{host}:{port}:{address}",
                    f"port {port} may send from {address} (MAC {mac}) on "
                    f"{host}, which the API does not allow", address=address,
                    **values)
    if not flows.dhcp_spoof_blocked(installed, ofport):
        problems.append("DHCP offers from the port not dropped")
        report.find("NETDIAG_FW_OF_DHCP_SPOOF_MISSING", f"{host}:{port}",
                    f"no flow drops DHCP server replies sent by port "
                    f"{port} on {host}", **values)
    detail = (f"{len(wanted)} source(s) allowed: " + ", ".join(
        f"{flows.network_text(n)} ({m})" for m, n in wanted))
    if problems:
        detail += "; " + "; ".join(problems)
    report.hop(host, "anti-spoofing", KIND,
               "wrong" if problems else "in sync", detail,
               Status.ERROR if problems else Status.OK)


def _direction_of(table):
    return sg.INGRESS if table == flows.RULES_INGRESS_TABLE else sg.EGRESS


def _installed_rules(installed, ofport):
    """The port's installed rule flows, by Key.

    Plain rule flows {Key: ports}, conjunction flows {Key: [ids]}, the
    accepted conjunction IDs, and the flows by Key (for findings).
    """
    plain, conj, accepts, texts = {}, {}, set(), {}
    for flow in installed:
        if flow.table not in (flows.RULES_EGRESS_TABLE,
                              flows.RULES_INGRESS_TABLE):
            continue
        if flow.match_get("reg5") != hex(ofport) or \
                not 70 <= flow.priority <= 77 or \
                flow.match_get("ct_state") not in flows.CT_STATES:
            continue
        if flow.has_match("conj_id"):
            accepts.add(int(flow.match_get("conj_id")))
            continue
        key, ports = flows.flow_key(flow, _direction_of(flow.table))
        texts.setdefault(key, flow.text.strip())
        ids = flows.conj_ids(flow, 2)
        if ids:
            conj.setdefault(key, []).extend(ids)
        elif key in plain and plain[key] is not flows.ALL_PORTS:
            plain[key] = flows.ALL_PORTS if ports is flows.ALL_PORTS \
                else plain[key] | ports
        elif key not in plain:
            plain[key] = ports
    return plain, conj, accepts, texts


def _members(installed, table, state, lvid, conj_id):
    found = set()
    for flow in installed:
        if flow.table == table and lvid is not None and \
                flow.match_get("reg6") == hex(lvid) and \
                flow.match_get("ct_state") == state and \
                conj_id in flows.conj_ids(flow, 1):
            address = next((flow.match_get(f) for f in
                            ("nw_src", "nw_dst", "ipv6_src", "ipv6_dst")
                            if flow.has_match(f)), None)
            if address:
                found.add(ipaddress.ip_network(address, strict=False))
    return found


def _covers(have, want):
    if have is None:
        return False
    if have is flows.ALL_PORTS:
        return True
    return want is not flows.ALL_PORTS and want <= have


def _check_rules(report, view, intent, installed, ofport, lvid, values):
    host = values["host"]
    plain, conj, accepts, texts = _installed_rules(installed, ofport)
    explained = set()
    for rule in intent.rules:
        keys, ports = flows.rule_keys(rule)
        table = keys[0].table
        problems = []
        for key in keys:
            explained.add(key)
            if rule.remote_group_id or rule.remote_address_group_id:
                problems += _check_conjunction(report, installed, rule, key,
                                               conj, accepts, lvid, values)
            elif not _covers(plain.get(key), ports):
                problems.append(f"no {key.ct_state} flow")
        if any(p.startswith("no ") for p in problems):
            report.find("NETDIAG_FW_OF_RULE_MISSING",
                        f"{host}:{values['port']}:{rule.id}",
                        f"rule {rule.id} ({describe_rule(rule)}) is not "
                        f"installed in table {table} on {host}",
                        rule=rule.id, what=describe_rule(rule),
                        **dict(values, table=table))
        report.hop(host, rule.id, "sg-rule",
                   "missing" if problems else "installed",
                   f"{describe_rule(rule)}: table {table} priority "
                   f"{keys[0].priority}" + ("; " + "; ".join(problems)
                                            if problems else ""),
                   Status.ERROR if problems else Status.OK)
    for key in sorted(set(plain) | set(conj), key=str):
        if key not in explained:
            report.find("NETDIAG_FW_OF_RULE_EXTRA",
                        f"{host}:{values['port']}:{texts[key]}",
                        f"table {key.table} on {host} holds a flow for port "
                        f"{values['port']} that no API rule explains: "
                        f"{texts[key]}", flow=texts[key],
                        **dict(values, table=key.table))
            report.hop(host, f"table {key.table}", "sg-rule", "extra",
                       texts[key], Status.WARN)


def _check_conjunction(report, installed, rule, key, conj, accepts, lvid,
                       values):
    ids = conj.get(key)
    if not ids:
        return [f"no {key.ct_state} conjunction flow"]
    host = values["host"]
    want = {ipaddress.ip_network(a, strict=False)
            for a in rule.remote_addresses}
    accepted = [i for i in sorted(set(ids)) if i in accepts]
    if not accepted:
        return [f"no accept flow for conjunction {sorted(set(ids))}"]
    if lvid is None:
        # the members' flows were not read (the port's tag and its
        # table 60 zone differ): not compared rather than all missing
        return []
    # several rules with the same match share the port's flows, one
    # conjunction each: judge the one whose members come closest
    members = {i: _members(installed, key.table, key.ct_state, lvid, i)
               for i in accepted}
    conj_id = min(accepted, key=lambda i: len(members[i] ^ want))
    have = members[conj_id]
    group = rule.remote_group_id or rule.remote_address_group_id
    problems = []
    for net in sorted(want - have, key=str):
        address = flows.network_text(net)
        problems.append(f"member {address} missing")
        report.find("NETDIAG_FW_OF_REMOTE_MEMBER_MISSING",
                    f"{host}:{rule.id}:{address}",
                    f"the conjunction of rule {rule.id} on {host} lacks "
                    f"member {address} of group {group}",
                    rule=rule.id, group=group, address=address, **values)
    for net in sorted(have - want, key=str):
        address = flows.network_text(net)
        problems.append(f"stale member {address}")
        report.find("NETDIAG_FW_OF_REMOTE_MEMBER_STALE",
                    f"{host}:{rule.id}:{address}",
                    f"the conjunction of rule {rule.id} on {host} admits "
                    f"{address}, not a member of group {group}",
                    rule=rule.id, group=group, address=address, **values)
    return problems
