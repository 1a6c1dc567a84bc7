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


def _functions(body: bytes) -> set[str]:
    from lxml import etree
    return {str(f[0].tag) for f in etree.fromstring(body).iter("function")}


def test_the_session_opened_early_is_the_runs_one_sign_in(seeded, data, wire_factory):
    """The API session opens while the ledger is read: still one sign-in, on its own, before anything else."""
    wire, http = wire_factory()
    report = connect(seeded, http=http, batch_size=4, concurrency_limit=2).sync(data)
    assert report.ok
    kinds = [_functions(b) for b in wire.bodies]
    assert kinds[0] == {"getAPISession"} and sum("getAPISession" in k for k in kinds) == 1
    assert b"<login>" in wire.bodies[0] and not any(b"<login>" in b for b in wire.bodies[1:])
    assert kinds[1] == {"query"}                 # the party lookup, then the posts
    assert_exactly_once(seeded, data)


def test_a_failed_early_sign_in_is_not_tried_again_by_the_sync(seeded, data, wire_factory):
    """A wrong password costs one failed sign-in per sync (Sage locks the user out after a few), not two."""
    from intacct_harness.connector.secrets import Secret
    wire, http = wire_factory()
    report = connect(seeded, http=http, user_password=Secret("nope")).sync(data)
    assert "Sign-in information is incorrect" in (report.error or "") and not report.posted
    assert len(wire.bodies) == 1 and b"<login>" in wire.bodies[0]


def test_a_sync_with_nothing_to_send_signs_in_nowhere(seeded, data, wire_factory):
    wire, http = wire_factory()
    conn = connect(seeded, http=http)
    assert conn.sync(data).ok
    sent = len(wire.bodies)
    again = conn.sync(data)
    assert again.ok and again.posted == 0 and len(wire.bodies) == sent
