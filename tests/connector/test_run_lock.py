"""One sync at a time per ledger and subsidiary: overlapping runs refuse, killed runs' locks are taken over."""

from __future__ import annotations

import io
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import yaml

from intacct_harness.connector.cli import main
from intacct_harness.connector.ledger import Ledger
from intacct_harness.connector.runlock import RunLock, RunLocked, pid_alive
from intacct_harness.connector.sync import Syncer
from intacct_harness.simulator.testing import InProcessTransport
from tests.connector.conftest import connect, environ_for, writes
from tests.connector.test_faults import assert_exactly_once

HANG_GUARD = 60


class Gate(httpx.BaseTransport):
    """Holds the first write until ``release`` is set (or the hang guard passes); ``reached`` says it got there."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.inner = InProcessTransport(app=app)
        self.reached, self.release = threading.Event(), threading.Event()
        self.held = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if writes(request) and not self.held:
            self.held = True
            self.reached.set()
            self.release.wait(HANG_GUARD)
        return self.inner.handle_request(request)


def _holder_row(path, **values):  # type: ignore[no-untyped-def]
    """Write the lock row as another process or machine would have left it in the shared ledger file."""
    Ledger(path).run_lock_holder("SUB-1")   # the table exists
    with sqlite3.connect(path) as db:
        db.execute("INSERT OR REPLACE INTO run_locks VALUES (:sub, :token, :host, :pid, :started, :beat)",
                   {"sub": "SUB-1", "token": "t-other", "host": "other-host", "pid": 4242,
                    "started": "2026-01-01T00:00:00.000+00:00", "beat": datetime.now(UTC).isoformat(), **values})


def test_overlapping_syncs_on_one_ledger_post_every_document_once(seeded, data, tmp_path):
    """A cron run and a manual run at once, as two processes would (two ledgers on one file)."""
    gate = Gate(seeded.app)
    first = connect(seeded, http=httpx.Client(transport=gate, base_url=seeded.base_url),
                    ledger=Ledger(tmp_path / "ledger.sqlite3"), batch_size=5, concurrency_limit=1)
    second = connect(seeded, ledger=Ledger(tmp_path / "ledger.sqlite3"), batch_size=5, concurrency_limit=1)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(first.sync, data)
        assert gate.reached.wait(HANG_GUARD)          # the first run is mid-post
        try:
            with pytest.raises(RunLocked) as refused:
                second.sync(data)
        finally:
            gate.release.set()
        report = running.result(timeout=HANG_GUARD)
    message = str(refused.value)
    assert f"host {socket.gethostname()}, pid {os.getpid()}, running since 20" in message
    assert "Wait for it to finish" in message
    assert report.ok and report.posted > 0
    assert_exactly_once(seeded, data)
    again = second.sync(data)                        # the lock was released: the next run runs, posts nothing
    assert again.ok and again.posted == 0
    assert_exactly_once(seeded, data)


@pytest.fixture
def config(seeded, tmp_path):  # type: ignore[no-untyped-def]
    c = seeded.credentials
    path = tmp_path / "connector.yaml"
    path.write_text(yaml.safe_dump({
        "ledger": "ledger.sqlite3", "tms": {"seed": 5, "customers": 6, "carriers": 5, "drivers": 4, "loads": 30,
                                            "settlements": 12},
        "connection": {"subsidiary_id": "SUB-1", "company_id": c.company_id, "user_id": c.user_id,
                       "user_password": c.user_password, "established_at": "2026-01-15T00:00:00+00:00",
                       "endpoint": seeded.url}}))
    return path


def run(sim, *argv):  # type: ignore[no-untyped-def]
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), http=sim.client(), environ=environ_for(sim), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_refuses_with_exit_2_naming_the_holder_and_status_shows_it(seeded, config, tmp_path):
    _holder_row(tmp_path / "ledger.sqlite3")                 # a live run on another machine
    code, out, err = run(seeded, "sync", "-c", str(config))
    assert code == 2 and out == ""
    assert "another sync of subsidiary SUB-1 is running on the ledger" in err
    assert "host other-host, pid 4242, running since 2026-01-01T00:00:00.000+00:00" in err
    assert seeded.records("ARINVOICE") == []                 # nothing posted
    code, out, _ = run(seeded, "status", "-c", str(config))
    assert "sync running now: host other-host, pid 4242" in out
    code, out, _ = run(seeded, "status", "-c", str(config), "--json")
    assert '"pid": 4242' in out and '"host": "other-host"' in out


def test_a_lock_whose_heartbeat_is_older_than_the_lease_is_taken_over(seeded, data, tmp_path, config):
    stale = (datetime.now(UTC) - timedelta(seconds=120)).isoformat()
    _holder_row(tmp_path / "ledger.sqlite3", beat=stale)      # a killed run on another machine
    code, out, err = run(seeded, "sync", "-c", str(config), "--json")
    assert code == 0, err
    assert "took over the run lock left by a sync that is gone (host other-host, pid 4242" in out
    assert_exactly_once(seeded, data)
    code, out, _ = run(seeded, "status", "-c", str(config))
    assert "sync running now" not in out                     # released at the end


def test_a_lock_of_a_dead_pid_on_this_host_is_taken_over_at_once(seeded, data, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    pid = int(dead.stdout)
    assert not pid_alive(pid)
    _holder_row(tmp_path / "ledger.sqlite3", host=socket.gethostname(), pid=pid)   # fresh heartbeat, dead pid
    report = connect(seeded, ledger=Ledger(tmp_path / "ledger.sqlite3")).sync(data)
    assert report.ok and any(f"pid {pid}" in n for n in report.notes)
    assert_exactly_once(seeded, data)


def test_a_live_pid_on_this_host_keeps_its_lock(seeded, data, tmp_path):
    _holder_row(tmp_path / "ledger.sqlite3", host=socket.gethostname(), pid=os.getppid())
    with pytest.raises(RunLocked):
        connect(seeded, ledger=Ledger(tmp_path / "ledger.sqlite3")).sync(data)


def test_a_run_whose_lock_was_taken_over_stops_posting(seeded, data, tmp_path):
    """A run that stalled past the lease (its lock taken by another host) posts nothing more."""
    gate = Gate(seeded.app)
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    conn = connect(seeded, http=httpx.Client(transport=gate, base_url=seeded.base_url), ledger=ledger, batch_size=5,
                   concurrency_limit=1)
    syncer = Syncer(conn.client, conn.settings, ledger, lease=0.3)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(syncer.run, data)
        assert gate.reached.wait(HANG_GUARD)
        _holder_row(tmp_path / "ledger.sqlite3")            # another host took the lock over
        assert syncer._run_lock is not None and syncer._run_lock._lost.wait(HANG_GUARD)
        gate.release.set()
        report = running.result(timeout=HANG_GUARD)
    assert report.error and "another sync took over this subsidiary's run lock" in report.error
    assert len(seeded.records("ARINVOICE")) + len(seeded.records("APBILL")) == 5   # only the batch in flight
    assert Ledger(tmp_path / "ledger.sqlite3").run_lock_holder("SUB-1").token == "t-other"  # theirs, kept


def test_one_ledger_in_memory_allows_one_run_at_a_time():
    ledger = Ledger()
    with RunLock(ledger, "SUB-1"), pytest.raises(RunLocked):
        RunLock(ledger, "SUB-1").acquire()
    with RunLock(ledger, "SUB-1"):     # released
        assert ledger.run_lock_holder("SUB-2") is None
