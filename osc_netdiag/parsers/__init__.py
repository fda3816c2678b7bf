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

"""Pure parsers: text of a tool's standard output -> frozen dataclasses/tuples.

No I/O, no logging, no SDK. Malformed, unknown or truncated input raises
:class:`osc_netdiag.errors.ParseError` and nothing else. Every tool read
here ends its output with a newline, so a non-empty text that does not is
taken as cut short and refused: give the parsers stdout verbatim (do not
strip it).

Output cut exactly at a line boundary cannot be told from shorter output by
a line-oriented parser (dump-flows, iptables-save between tables, ps, ss,
dnsmasq, tcpdump, ip netns, config lines): it returns the records of the
complete lines, each unchanged (a decapsulated packet may lose its inner
frame line). Such a cut is refused one level up: each command's output
travels between markers carrying its exit status, and a command whose end
marker never arrived is an error, whatever its text (transport/script.py).
JSON documents (ip -j, ovs-vsctl, ip route, dns query) and ``ovs-ofctl
show`` (which ends with its get-config reply) refuse every cut.
"""
