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

"""A minimal Neutron REST client (noauth) on urllib."""

import json
import urllib.error
import urllib.request

from .common import API


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__('HTTP %s: %s' % (status, body[:500]))
        self.status = status
        self.body = body


def call(method, path, body=None, timeout=30):
    url = API.rstrip('/') + '/v2.0/' + path.lstrip('/')
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header('Content-Type', 'application/json')
    req.add_header('Accept', 'application/json')
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
    except urllib.error.HTTPError as e:
        raise ApiError(e.code, e.read().decode(errors='replace'))
    return json.loads(raw) if raw else None


def get(path, **kw):
    return call('GET', path, **kw)


def post(path, body):
    return call('POST', path, body)


def put(path, body):
    return call('PUT', path, body)


def delete(path):
    return call('DELETE', path)


def find(collection, **filters):
    q = '&'.join('%s=%s' % (k, v) for k, v in filters.items())
    key = collection.replace('-', '_')
    return get('%s?%s' % (collection, q))[key]


def reachable(timeout=3):
    try:
        get('networks?limit=1', timeout=timeout)
        return True
    except Exception:  # noqa: BLE001
        return False
