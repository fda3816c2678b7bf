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

"""``iptables-save -c`` refusals word for word, and the comment and target
read from edge rules (written ahead of the mutation run's verdicts on
this module). The text is the capture of a Neutron hybrid host's tables
(tests/fixtures/captures), edited in one place, named in each case.
"""

import pathlib

import pytest

from osc_netdiag.errors import ParseError
from osc_netdiag.parsers import iptables
from osc_netdiag.parsers.iptables import Rule

TEXT = (pathlib.Path(__file__).parents[2] / "fixtures" / "captures" /
        "iptables-save-c--neutron-like.out").read_text()
FIRST = "[10:636] -A PREROUTING -j neutron-openvswi-PREROUTING"
FALLBACK = ('-A neutron-openvswi-sg-fallback -m comment --comment '
            '"Default drop rule for unmatched traffic." -j DROP')


def edited(old, new):
    assert TEXT.count(old) == 1, old
    return TEXT.replace(old, new)


@pytest.mark.parametrize("old,new,message", [
    (FIRST, FIRST[:-len(" neutron-openvswi-PREROUTING")],
     "iptables-save: rule ends with '-j': '[10:636] -A PREROUTING -j'"),
    (FIRST, "[10:636] -A PREROUTING -g",
     "iptables-save: rule ends with '-g': '[10:636] -A PREROUTING -g'"),
    # the fallback rule's comment moved after its target, its text cut
    (f"[0:0] {FALLBACK}",
     "[0:0] -A neutron-openvswi-sg-fallback -j DROP -m comment --comment",
     "iptables-save: rule ends with '--comment': '[0:0] -A "
     "neutron-openvswi-sg-fallback -j DROP -m comment --comment'"),
    # the fallback rule's comment without its closing quote
    (f"[0:0] {FALLBACK}", "[0:0] " + FALLBACK.replace('c." -j', 'c. -j'),
     "iptables-save: bad quoting (No closing quotation) in '[0:0] -A "
     "neutron-openvswi-sg-fallback -m comment --comment \"Default drop "
     "rule for unmatched traffic. -j DROP'"),
    ("*raw\n", "raw\n", "iptables-save: expected '*table', got 'raw'"),
    (":OUTPUT ACCEPT [11:676]\n:neutron-openvswi-OUTPUT",
     ":OUTPUT ACCEPT [11:x676]\n:neutron-openvswi-OUTPUT",
     "iptables-save: unexpected line ':OUTPUT ACCEPT [11:x676]'"),
    # the last table's COMMIT and what follows cut
    ("neutron-l3-agent-snat\nCOMMIT\n# Completed on Wed Nov 25 19:56:27 "
     "2026\n", "neutron-l3-agent-snat\n",
     "iptables-save: table 'nat' not committed (truncated?)"),
    (TEXT, TEXT[:-1],
     "iptables-save: output does not end with a newline (truncated?)"),
])
def test_refusal_message(old, new, message):
    with pytest.raises(ParseError) as exc:
        iptables.parse_iptables_save(edited(old, new))
    assert str(exc.value) == message


def test_goto_target_is_the_target():
    # edit: the first rule goes to its chain (-g) instead of jumping
    raw = iptables.parse_iptables_save(
        edited(FIRST, FIRST.replace(" -j ", " -g ")))[0]
    assert raw.rules[0] == Rule(
        "PREROUTING", "-A PREROUTING -g neutron-openvswi-PREROUTING", None,
        "neutron-openvswi-PREROUTING", 10, 636)


def test_first_comment_and_first_target_are_kept():
    # edit: a second comment match and a second target on the fallback rule
    text = edited(FALLBACK, FALLBACK + ' -m comment --comment "second" '
                  '-j ACCEPT')
    _raw, flt, _nat = iptables.parse_iptables_save(text)
    (rule,) = flt.rules_of("neutron-openvswi-sg-fallback")
    assert (rule.comment, rule.target) == (
        "Default drop rule for unmatched traffic.", "DROP")


def test_rule_without_counters_has_none():
    # edit: the first rule printed without its [packets:bytes] (no -c)
    raw = iptables.parse_iptables_save(edited(FIRST, FIRST[9:]))[0]
    assert raw.rules[0] == Rule("PREROUTING", FIRST[9:], None,
                                "neutron-openvswi-PREROUTING", None, None)
    assert raw.chain("NOSUCH") is None
