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

"""Finding codes of the iptables_hybrid firewall view.

Merged into the catalogue. The agent rebuilds a port's chains and the
remote groups' ipsets from the API on a restart (a full resync), so a
host that drifted from the API is fixed there; a rule the API lacks is
fixed in the API.
"""

from osc_netdiag.models import Severity

E, W = Severity.ERROR, Severity.WARNING

_RESTART = ("Restart neutron-openvswitch-agent on {host}: its resync "
            "rebuilds the port's chains and ipsets from the API.")

CODES = {
    "NETDIAG_FW_IPT_CHAIN_MISSING": (E, "The port's chain {chain} (or the "
                                     "jump to it) is not in {host}'s filter "
                                     "table, so the port's traffic is not "
                                     "filtered as the API says. " + _RESTART),
    "NETDIAG_FW_IPT_RULE_MISSING": (E, "{host} lacks the rule '{rule}' in "
                                    "{chain} that the API asks for "
                                    "({origin}). " + _RESTART),
    "NETDIAG_FW_IPT_RULE_EXTRA": (E, "{chain} on {host} has the rule "
                                  "'{rule}' that no API rule of the port "
                                  "explains (added by hand, or left from a "
                                  "deleted rule). " + _RESTART),
    "NETDIAG_FW_IPT_RULE_ORDER": (W, "{chain} on {host} has its rules out "
                                  "of Neutron's order ({detail}): a rule "
                                  "may be shadowed. " + _RESTART),
    "NETDIAG_FW_IPT_RULE_SHADOWED": (E, "{chain} on {host} has '{blocker}', "
                                     "which drops everything it reaches, "
                                     "before '{rule}', which Neutron puts "
                                     "ahead of it: what that rule allows is "
                                     "dropped. " + _RESTART),
    "NETDIAG_FW_IPT_SPOOF_MISSING": (E, "The anti-spoofing chain {chain} on "
                                     "{host} has no RETURN for {address} "
                                     "with MAC {mac}: the port cannot send "
                                     "from that address ({origin}). "
                                     + _RESTART),
    "NETDIAG_FW_IPT_IPSET_MISSING": (E, "The ipset {ipset} of remote group "
                                     "{group} is not on {host}: the rules "
                                     "that match on it were not installed. "
                                     + _RESTART),
    "NETDIAG_FW_IPT_IPSET_MEMBER_MISSING": (E, "{address} (a port of remote "
                                            "group {group}) is missing from "
                                            "the ipset {ipset} on {host}: "
                                            "that port's packets fall "
                                            "through to the fallback DROP. "
                                            + _RESTART),
    "NETDIAG_FW_IPT_IPSET_MEMBER_STALE": (W, "{address} is in the ipset "
                                          "{ipset} on {host} but no port of "
                                          "remote group {group} has it: a "
                                          "deleted port's leftover lets its "
                                          "next owner in. " + _RESTART),
    "NETDIAG_FW_IPT_PORT_SECURITY_MISMATCH": (E, "The port has port "
                                              "security {state} in the API "
                                              "but {host} {found}. "
                                              + _RESTART),
}
