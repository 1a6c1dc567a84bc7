"""Faults on the wire: throttling, 5xx, timeouts, lost answers, a killed run, expired sessions, a broken login.

Every fault is injected by the transport (``Wire``) or the simulator's admin API; the invariant checked
each time is that Sage holds every document exactly once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

import pytest

from intacct_harness.connector import Ledger, Secret, State, TmsUser
from intacct_harness.connector.export import documents_for
from intacct_harness.connector.intacct import RateLimited, RetryPolicy, functions
from tests.connector.conftest import ESTABLISHED, Killed, company_block, connect, fast_retry, writes


def new_docs(data):
    return [d for d in documents_for(data, "SUB-1") if d.created_at >= ESTABLISHED]


def assert_exactly_once(sim, data):
    ids = Counter(r["RECORDID"] for obj in ("ARINVOICE", "APBILL") for r in sim.records(obj))
    assert sorted(ids) == sorted(d.key.number for d in new_docs(data))
    assert set(ids.values()) == {1}


def first_writes(actions):
    """A rule applying ``actions`` to the first write requests, in order."""
    state = {"n": 0}

    def rule(request, _n):
        if not writes(request):
            return None
        state["n"] += 1
        return actions[state["n"] - 1] if state["n"] <= len(actions) else None
    return rule


@pytest.mark.parametrize("action", ["lose", "502", "timeout", 502, 503, "refuse", 429])
def test_write_faults_never_duplicate(seeded, data, wire_factory, action):
    wire, http = wire_factory(first_writes([action, action]))
    conn = connect(seeded, http=http, batch_size=8, settle_seconds=0.2)
    report = conn.sync(data)
    assert report.error is None and not report.failed, report.to_dict()
    if action in ("lose", "502"):
        assert report.recovered and report.ok          # Sage had them: found by RECORDID, not posted again
    if action in ("timeout", 502, 503):
        # No answer and not in Sage (yet): Sage may still be running them, so they wait, uncertain.
        assert report.uncertain and not report.ok
        assert "may still be processing them" in " ".join(report.notes)
        time.sleep(0.25)                               # settled: the next sync posts what is still missing
        assert connect(seeded, ledger=conn.ledger, batch_size=8, settle_seconds=0.2).sync(data).ok
    if action in ("refuse", 429):
        assert report.ok and not report.uncertain      # never reached Sage: retried at once
    assert_exactly_once(seeded, data)


def test_a_524_whose_work_lands_later_is_not_posted_twice(seeded, data):
    """The CDN answers 524 while Sage keeps processing: not finding the documents at once proves nothing."""
    seeded.admin.add_fault(action="still_processing", ms=300, function="create_invoice", times=1)
    conn = connect(seeded, batch_size=50, settle_seconds=0.6)
    first = conn.sync(data)
    assert first.uncertain and not first.recovered
    time.sleep(0.7)                                    # Sage finished; the settle time has passed
    second = connect(seeded, ledger=conn.ledger, batch_size=50, settle_seconds=0.6).sync(data)
    assert second.ok and sorted(second.recovered) == sorted(first.uncertain)
    assert_exactly_once(seeded, data)


def test_the_settle_time_counts_from_the_lost_answer_not_from_the_first_attempt(seeded, data):
    """Throttled first, then a 524 whose work lands later: Sage may have got the post at the last attempt.

    The wait before re-checking Sage starts when the answer was lost; counted from the first attempt,
    it had already run out during the backoff and the invoices were posted a second time.
    """
    seeded.admin.add_fault(action="http", status=429, function="create_invoice", times=1)
    seeded.admin.add_fault(action="still_processing", ms=200, function="create_invoice", times=1)
    retry = RetryPolicy(attempts=5, base_delay=0.5, jitter=0.0)   # the backoff outlasts the settle time
    conn = connect(seeded, retry=retry, batch_size=50, settle_seconds=0.4)
    first = conn.sync(data)
    assert first.uncertain and not first.recovered, first.to_dict()
    time.sleep(0.8)                                    # Sage finished; the settle time has passed
    second = connect(seeded, ledger=conn.ledger, batch_size=50, settle_seconds=0.4).sync(data)
    assert second.ok and sorted(second.recovered) == sorted(first.uncertain)
    assert_exactly_once(seeded, data)


def test_a_post_is_marked_sent_when_it_leaves_not_while_it_waits_for_a_slot(seeded):
    """``on_send`` (the ledger's ``posting`` mark, the settle clock) runs inside the concurrency slot: a post
    that waited for another subsidiary's request on the same company is marked when it really left."""
    conn = connect(seeded, concurrency_limit=1)
    lookup = functions.read_by_query("VENDOR", "VENDORID = 'V-0001'", ["VENDORID"])
    conn.client.execute([lookup])                       # the session is open
    calls: list[tuple[bool, bool]] = []
    freed = threading.Event()
    with conn.client.limiter.slot():                    # the company's only slot is busy
        worker = threading.Thread(target=conn.client.execute, args=([lookup],),
                                  kwargs={"on_send": lambda first: calls.append((first, freed.is_set()))})
        worker.start()
        time.sleep(0.2)
        assert calls == []                              # still waiting: nothing has left
        freed.set()
    worker.join(10)
    assert calls == [(True, True)]


@pytest.mark.parametrize("action", [429, 502, "timeout", "lose", "refuse"])
def test_reads_are_retried(seeded, data, wire_factory, action):
    wire, http = wire_factory(lambda r, n: action if n in (2, 3) else None)   # the matching lookup, twice
    conn = connect(seeded, http=http)
    assert conn.sync(data).ok and conn.client.stats["retries"] == 2


def test_backoff_honours_retry_after_and_grows(seeded, data, wire_factory):
    slept: list[float] = []
    _, http = wire_factory(lambda r, n: 429 if n in (2, 3, 4) else None)
    conn = connect(seeded, http=http, retry=RetryPolicy(attempts=5, base_delay=1.0, jitter=0.0, sleep=slept.append))
    assert conn.sync(data).ok and slept == [1.0, 2.0, 4.0]


def test_throttling_beyond_retries_stops_the_sync_cleanly(seeded, data, wire_factory):
    _, http = wire_factory(lambda r, n: 429 if writes(r) else None)
    conn = connect(seeded, http=http, retry=fast_retry(3))
    report = conn.sync(data)
    assert report.error and "limiting requests" in report.error and not report.posted
    assert conn.status().counts["posting"] == 0 and conn.status().last_error == report.error
    assert seeded.records("ARINVOICE") == []
    fixed = connect(seeded, ledger=conn.ledger).sync(data)
    assert fixed.ok
    assert_exactly_once(seeded, data)


def test_lost_answers_every_time_leave_documents_uncertain_then_resume(seeded, data, wire_factory):
    _, http = wire_factory(lambda r, n: "lose" if writes(r) else None)
    conn = connect(seeded, http=http, batch_size=50)
    report = conn.sync(data)
    # the first post ran (answer lost) and was found by RECORDID, so nothing is left uncertain or duplicated
    assert report.ok and len(report.recovered) == len(new_docs(data))
    assert_exactly_once(seeded, data)


def test_gateway_down_for_writes_leaves_documents_uncertain(seeded, data, wire_factory):
    _, http = wire_factory(lambda r, n: 503 if writes(r) else None)
    conn = connect(seeded, http=http, settle_seconds=0)
    report = conn.sync(data)
    assert report.uncertain and not report.ok and "stay pending" in report.error
    assert conn.status().counts["pending"] == len(report.uncertain)
    report = connect(seeded, ledger=conn.ledger).sync(data)
    assert report.ok and not report.recovered
    assert_exactly_once(seeded, data)


def test_killed_mid_batch_then_resumed_without_duplicates(seeded, data, wire_factory, tmp_path):
    path = tmp_path / "ledger.sqlite3"
    _, http = wire_factory(first_writes([None, "kill"]))
    # one posting stream, so "the second write request" is one well-defined batch
    conn = connect(seeded, http=http, ledger=Ledger(path), batch_size=5, concurrency_limit=1)
    with pytest.raises(Killed):
        conn.sync(data)
    conn.ledger.close()
    before = Ledger(path)
    assert before.counts("SUB-1")["posting"] == 5 and before.counts("SUB-1")["posted"] == 5
    assert connect(seeded, ledger=before).status().render().count("UNCERTAIN") == 5
    resumed = connect(seeded, ledger=before, batch_size=5).sync(data)      # a new process: new client, same ledger
    assert resumed.ok and len(resumed.recovered) == 5
    assert_exactly_once(seeded, data)


def test_reconcile_failure_keeps_documents_uncertain(seeded, data, wire_factory, tmp_path):
    path = tmp_path / "ledger.sqlite3"
    _, http = wire_factory(first_writes(["kill"]))
    with pytest.raises(Killed):
        connect(seeded, http=http, ledger=Ledger(path)).sync(data)
    seeded.set_permission("Accounts Receivable", "None")
    report = connect(seeded, ledger=Ledger(path)).sync(data)
    posting = Ledger(path).entries("SUB-1", State.POSTING)
    assert posting and sorted(report.uncertain) == sorted(e.key.number for e in posting)
    assert any("could not be looked up in Sage" in n and "Checking Sage for uncertain documents" in n
               for n in report.notes)


def test_expired_session_is_refreshed(seeded, data):
    conn = connect(seeded)
    assert conn.doctor(TmsUser("a", "Admin")).ok
    seeded.admin.expire_sessions(seeded.company_id)
    assert conn.sync(data).ok and conn.client.stats["session_refreshes"] == 1


def test_authentication_failure_mid_run_stops_and_keeps_documents_pending(seeded, data):
    conn = connect(seeded)
    assert conn.doctor(TmsUser("a", "Admin")).ok
    seeded.admin.change_company(seeded.company_id, authorized_senders=[])
    report = conn.sync(data)
    assert report.error and "Company > Web Services Authorizations" in report.error
    assert conn.status().counts["pending"] == len(new_docs(data))
    seeded.admin.change_company(seeded.company_id, authorized_senders=["AlvysMPP"])
    assert connect(seeded, ledger=conn.ledger).sync(data).ok


def test_authentication_failure_while_posting(seeded, data, wire_factory):
    def rule(request, n):
        if writes(request):
            seeded.admin.change_user(seeded.company_id, seeded.credentials.user_id, status="inactive")
        return None
    _, http = wire_factory(rule)
    conn = connect(seeded, http=http)
    report = conn.sync(data)
    assert "status to Active" in (report.error or "") and conn.status().counts["posting"] == 0


def test_wrong_password_stops_the_sync(seeded, data):
    report = connect(seeded, user_password=Secret("nope")).sync(data)
    assert "Sign-in information is incorrect" in report.error and not report.posted


def test_company_concurrency_limit_is_honoured(intacct_sim_factory, data):
    block = company_block(concurrency_limit=1, latency={"base_ms": 60})
    sim = intacct_sim_factory(block, {"LATENCY": True})
    from intacct_harness.connector.tms.fake import sage_records
    sim.admin.add_records(sim.company_id, sage_records(data, "SUB-1"))
    # our limiter allows 2 in flight but Sage only 1: the second gets GW-0010 and backs off
    conns = [connect(sim, subsidiary_id="SUB-1", concurrency_limit=2, retry=RetryPolicy(attempts=8, base_delay=0.05)),
             connect(sim, subsidiary_id="SUB-1", concurrency_limit=2, retry=RetryPolicy(attempts=8, base_delay=0.05))]
    threads = [threading.Thread(target=c.doctor, args=(TmsUser("a", "Admin"),)) for c in conns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    throttled = [e for e in sim.admin.journal(sim.company_id) if e.get("errorno") == "GW-0010"]
    assert throttled and sum(c.client.stats["retries"] for c in conns) >= len(throttled)


def test_limiter_keeps_us_under_the_company_limit(intacct_sim_factory):
    sim = intacct_sim_factory(company_block(concurrency_limit=1, latency={"base_ms": 40}), {"LATENCY": True})
    conns = [connect(sim, concurrency_limit=1) for _ in range(3)]
    assert len({id(c.client.limiter) for c in conns}) == 1        # one company, one shared limiter
    threads = [threading.Thread(target=c.doctor, args=(TmsUser("a", "Admin"),)) for c in conns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not [e for e in sim.admin.journal(sim.company_id) if e.get("errorno") == "GW-0010"]


def test_rate_limited_read_raises_after_retries(seeded, wire_factory):
    _, http = wire_factory(lambda r, n: 429)
    with pytest.raises(RateLimited):
        connect(seeded, http=http, retry=fast_retry(2)).client.login()


def test_secrets_never_reach_logs_or_reports(seeded, data, wire_factory, caplog):
    caplog.set_level(logging.DEBUG)
    seeded.set_permission("Accounts Payable", "Read only")
    _, http = wire_factory(first_writes(["lose", 502]))
    conn = connect(seeded, http=http)
    doctor = conn.doctor(TmsUser("a", "Admin"))
    seeded.admin.expire_sessions(seeded.company_id)
    report = conn.sync(data)
    session = conn.client._session.reveal()
    bad = connect(seeded, user_password=Secret("wrong-password-123")).sync(data)
    texts = [caplog.text, repr(report.to_dict()), repr(bad.to_dict()), doctor.render(), repr(conn.settings),
             conn.status().render(), repr(conn.client.credentials)]
    creds = seeded.credentials
    for secret in (creds.user_password, creds.sender_password, session, "wrong-password-123"):
        assert all(secret not in t for t in texts), secret
    assert "retrying" in caplog.text or "answer lost" in caplog.text
