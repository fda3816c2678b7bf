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

"""The order of one port chain's lines against Neutron's.

iptables stops at the first rule that decides, so the same lines in
another order can decide otherwise. Neutron writes each port chain in a
fixed order (``iptables_firewall``: the ICMPv6 and DHCP lines, then
``RELATED,ESTABLISHED`` RETURN, the groups' rules, ``INVALID`` DROP and
the jump to ``sg-fallback``; in the anti-spoofing chain every RETURN
before the DROP). Two findings:

* ``NETDIAG_FW_IPT_RULE_SHADOWED`` (ERROR): a RETURN that Neutron puts
  before a line that drops everything it reaches (the jump to
  ``sg-fallback``, a DROP with no match but its comment) sits after it:
  what the RETURN allows is dropped, the decision changed;
* ``NETDIAG_FW_IPT_RULE_ORDER`` (WARNING): Neutron's own lines out of
  their order, or a group rule outside the ``ESTABLISHED``..``INVALID``
  block, where no allow is shadowed (the ``INVALID`` DROP only drops what
  conntrack cannot place). The groups' rules among themselves follow the
  agent's cache and are not checked: they all RETURN.

Pure: texts as ``iptables-save`` prints them after ``-A CHAIN``.
"""

from osc_netdiag.backends.ml2_ovs import fw_hybrid_render as render
from osc_netdiag.checks.catalogue import finding


def drops_all(text):
    """Whether a line drops every packet that reaches it.

    The jump to sg-fallback (which only DROPs), or a DROP whose only match
    is its comment.
    """
    if text.endswith(f"-j {render.FALLBACK}"):
        return True
    if not text.endswith("-j DROP"):
        return False
    rest = text[:-len("-j DROP")].strip()
    return rest == "" or (rest.startswith("-m comment --comment \"") and
                          rest.endswith("\"") and rest.count("\"") == 2)


def _shadowed(wanted, position):
    """(allow, blocker) of the first RETURN placed after an all-DROP.

    Only pairs in which Neutron puts the RETURN first.
    """
    placed = [e.text for e in wanted if e.text in position]
    for i, allow in enumerate(placed):
        if not allow.endswith("-j RETURN"):
            continue
        for blocker in placed[i + 1:]:
            if drops_all(blocker) and position[blocker] < position[allow]:
                return allow, blocker
    return None


def _first_diff(seen, expected):
    for a, b in zip(seen, expected):
        if a != b:
            return a
    return seen[-1] if seen else "-"


def _misplaced(wanted, have_texts):
    """What is out of Neutron's order without shadowing an allow, or None."""
    fixed = [e.text for e in wanted if e.kind not in ("rule", "spoof")]
    seen = [text for text in have_texts if text in fixed]
    expected = [text for text in fixed if text in seen]
    if seen != expected:
        return f"first out of place: {_first_diff(seen, expected)}"
    group_lines = {e.text for e in wanted if e.kind == "rule"}
    positions = [i for i, text in enumerate(have_texts) if text in group_lines]
    where = {text: i for i, text in enumerate(have_texts)}
    bounds = [where.get(e.text) for e in wanted if e.kind != "rule"
              and ("ESTABLISHED" in e.text or "INVALID" in e.text)]
    if positions and len(bounds) == 2 and None not in bounds and \
            not bounds[0] < min(positions) <= max(positions) < bounds[1]:
        return "a group rule outside the ESTABLISHED..INVALID block"
    return None


def check(host, chain, wanted, have_texts, tag=""):
    """The order findings of one port chain (a list, at most one)."""
    position = {}
    for index, text in enumerate(have_texts):
        position.setdefault(text, index)
    hit = _shadowed(wanted, position)
    if hit is not None:
        allow, blocker = hit
        return [finding(
            "NETDIAG_FW_IPT_RULE_SHADOWED", f"{host}:{chain}",
            f"{chain} on {host} drops with '{blocker}' before '{allow}' "
            f"can allow{tag}", host=host, chain=chain, rule=allow,
            blocker=blocker)]
    detail = _misplaced(wanted, have_texts)
    if detail is None:
        return []
    return [finding(
        "NETDIAG_FW_IPT_RULE_ORDER", f"{host}:{chain}",
        f"{chain} on {host} has Neutron's fixed rules out of order{tag}"
        if detail.startswith("first") else
        f"{chain} on {host} has a group rule outside the "
        f"ESTABLISHED..INVALID block{tag}", host=host, chain=chain,
        detail=detail)]
