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

"""``pool.each_host``: work on every host in parallel (a capture's
streams), and on an interruption every host is told to stop and given
its grace period before the interruption goes on.
"""

import concurrent.futures
import threading
import time

import pytest

from osc_netdiag.transport import pool


def test_every_host_is_worked_on_in_parallel():
    seen, barrier = [], threading.Barrier(3, timeout=5)

    def work(host):
        barrier.wait()          # all three at once, or a BrokenBarrierError
        seen.append(host)
    pool.each_host(["a", "b", "c"], work, max_workers=3)
    assert sorted(seen) == ["a", "b", "c"]


def test_an_interruption_stops_every_host_then_goes_on(monkeypatch):
    stop = threading.Event()
    stopped = []

    def work(host):
        stopped.append(stop.wait(5))
    real_wait = concurrent.futures.wait
    calls = []

    def interrupted_once(futures, timeout=None):
        calls.append(timeout)
        if len(calls) == 1:
            raise KeyboardInterrupt()
        return real_wait(futures, timeout=timeout)
    monkeypatch.setattr(pool.concurrent.futures, "wait", interrupted_once)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        pool.each_host(["a", "b"], work, max_workers=2, stop=stop, grace=7)
    assert stop.is_set() and stopped == [True, True]
    assert calls[1] == 7
    assert time.monotonic() - started < 4
