"""Posting uses the company's concurrency limit: several batches at once, never more, exactly once."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from intacct_harness.connector.ledger import Ledger
from intacct_harness.simulator.testing import InProcessTransport
from tests.connector.conftest import Killed, company_block, connect, writes
from tests.connector.test_faults import assert_exactly_once


class Gauge(httpx.BaseTransport):
    """Counts write requests in flight at once; optionally kills the process on the n-th write."""

    def __init__(self, app, kill_on: int | None = None) -> None:  # type: ignore[no-untyped-def]
        self.inner = InProcessTransport(app=app)
        self.lock = threading.Lock()
        self.in_flight = self.peak = self.writes = 0
        self.kill_on = kill_on

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        is_write = writes(request)
        with self.lock:
            if is_write:
                self.writes += 1
                if self.kill_on is not None and self.writes >= self.kill_on:
                    raise Killed()
                self.in_flight += 1
                self.peak = max(self.peak, self.in_flight)
        try:
            return self.inner.handle_request(request)
        finally:
            if is_write:
                with self.lock:
                    self.in_flight -= 1


@pytest.fixture
def slow(intacct_sim_factory, data):  # type: ignore[no-untyped-def]
    """A Tier-1-shaped company: two concurrent requests, 150 ms each."""
    from intacct_harness.connector.tms.fake import sage_records
    sim = intacct_sim_factory(company_block(concurrency_limit=2, latency={"base_ms": 150}), config={"LATENCY": True})
    sim.admin.add_records(sim.company_id, sage_records(data, "SUB-1"))
    return sim


def test_batches_post_side_by_side_up_to_the_limit(slow, data):
    gauge = Gauge(slow.app)
    conn = connect(slow, http=httpx.Client(transport=gauge, base_url=slow.base_url), batch_size=4,
                   concurrency_limit=2)
    report = conn.sync(data)
    assert report.ok and gauge.writes >= 4
    assert gauge.peak == 2  # both slots used, never a third
    assert not [e for e in slow.admin.journal(slow.company_id) if e["errorno"] == "GW-0010"]
    assert_exactly_once(slow, data)


def test_one_stream_when_the_limit_is_one(slow, data):
    gauge = Gauge(slow.app)
    conn = connect(slow, http=httpx.Client(transport=gauge, base_url=slow.base_url), batch_size=4,
                   concurrency_limit=1)
    assert conn.sync(data).ok
    assert gauge.peak == 1


def test_killed_while_batches_are_in_flight_then_resumed_exactly_once(slow, data, tmp_path):
    path = tmp_path / "ledger.sqlite3"
    gauge = Gauge(slow.app, kill_on=3)
    conn = connect(slow, http=httpx.Client(transport=gauge, base_url=slow.base_url), ledger=Ledger(path),
                   batch_size=4, concurrency_limit=2, settle_seconds=0.3)
    with pytest.raises(Killed):
        conn.sync(data)
    # A restart takes longer than a request: what the dead process had already sent, Sage finishes first.
    deadline = time.monotonic() + 10
    while gauge.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # ...and the batch marked posting but never sent has waited out its settle time
    resumed = connect(slow, ledger=Ledger(path), batch_size=4, concurrency_limit=2, settle_seconds=0.3).sync(data)
    assert resumed.ok
    assert_exactly_once(slow, data)
