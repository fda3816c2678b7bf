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

"""How ``port capture`` prints a packet's time: ISO 8601 UTC with
microseconds, or seconds since the run's first packet (``--relative``).

Times come from ``tcpdump -tt`` as epoch floats; they are turned into
whole microseconds first, as a float difference of two epochs
(1.7e9 s) is off by up to a microsecond in its sixth decimal.
"""

import datetime

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def microseconds(epoch_seconds):
    return round(epoch_seconds * 1_000_000)


def iso_utc(epoch_seconds):
    """1764611433.012345 -> '2025-12-01T17:50:33.012345Z'."""
    moment = _EPOCH + datetime.timedelta(
        microseconds=microseconds(epoch_seconds))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rendered(times, relative=False):
    """The text of each time of ``times`` (epoch seconds), in order.

    ISO 8601 UTC, or with ``relative`` seconds since the earliest
    ('0.000000', '0.001024', ...).
    """
    if not relative:
        return [iso_utc(t) for t in times]
    first = min((microseconds(t) for t in times), default=0)
    texts = []
    for t in times:
        whole, fraction = divmod(microseconds(t) - first, 1_000_000)
        texts.append(f"{whole}.{fraction:06d}")
    return texts
