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

"""A one-question DNS query that needs nothing but python3 on the host
(the script a ``dns check`` probe runs; built in :mod:`osc_netdiag.probes`).

Debian network nodes rarely have ``dig`` (bind9-dnsutils), but every node
running a Neutron agent has python3. :data:`SCRIPT` is fixed text run as
``python3 -c SCRIPT SERVER NAME TYPE TIMEOUT``: the values arrive in
``sys.argv``, never inside the code. It prints one JSON object, read by
:func:`osc_netdiag.parsers.dnsquery.parse_dns_query`.
"""

SCRIPT = r'''
import json, random, socket, struct, sys, time
server, name, qtype, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
codes = {"A": 1, "PTR": 12}
rcodes = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
qname = name
if qtype == "PTR":
    qname = ".".join(reversed(name.split("."))) + ".in-addr.arpa"
out = {"server": server, "name": qname, "type": qtype, "status": "", "answers": [], "ms": None}
def label_name(data, pos):
    labels, jumped, end = [], False, pos
    for _ in range(128):
        size = data[pos]
        if size & 0xC0 == 0xC0:
            if not jumped:
                end = pos + 2
            pos, jumped = ((size & 0x3F) << 8) | data[pos + 1], True
            continue
        if size == 0:
            return ".".join(labels), (end if jumped else pos + 1)
        labels.append(data[pos + 1:pos + 1 + size].decode("ascii", "replace"))
        pos += size + 1
    raise ValueError("name loop")
tid = random.randrange(65536)
query = struct.pack("!HHHHHH", tid, 0x0100, 1, 0, 0, 0) + b"".join(
    bytes([len(p)]) + p.encode("ascii") for p in qname.rstrip(".").split(".")) + b"\0" + struct.pack("!HH", codes[qtype], 1)
sock = socket.socket(socket.AF_INET6 if ":" in server else socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(timeout)
start = time.monotonic()
try:
    sock.sendto(query, (server, 53))
    while True:
        data = sock.recv(4096)
        if struct.unpack("!H", data[:2])[0] == tid:
            break
except socket.timeout:
    out["status"] = "TIMEOUT"
except OSError as exc:
    out["status"], out["error"] = "ERROR", str(exc)
else:
    out["ms"] = round((time.monotonic() - start) * 1000, 1)
    flags, qd, an = struct.unpack("!HHH", data[2:8])
    out["status"] = rcodes.get(flags & 0xF, str(flags & 0xF))
    pos = 12
    for _ in range(qd):
        pos = label_name(data, pos)[1] + 4
    for _ in range(an):
        rname, pos = label_name(data, pos)
        rtype, _cls, _ttl, size = struct.unpack("!HHIH", data[pos:pos + 10])
        pos += 10
        if rtype == 1 and size == 4:
            out["answers"].append(socket.inet_ntoa(data[pos:pos + 4]))
        elif rtype == 12:
            out["answers"].append(label_name(data, pos)[0])
        pos += size
print(json.dumps(out, sort_keys=True))
'''  # noqa: E501 (run as is on hosts; recordings and output carry it)
