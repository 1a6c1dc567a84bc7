"""Each process keeps the setup it read (companies, senders, clock, faults) per generation of the setup tables.

Two apps on one state file stand for two gunicorn workers: every change made through one (or by any SQL
statement at all) must show in the very next request the other answers, though the other has the old setup
in its cache. Sessions slide on every call, written at most once a second, never expiring before the second
the latest response named.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from intacct_harness.simulator.app import create_app
from intacct_harness.simulator.errors import UserLockedOut
from intacct_harness.simulator.testing import SimulatedCompany, company_credentials, standard_company, standard_seed
from tests.test_wire_records import bill
from tests.wire import Gateway, envelope, fn, login_auth

SESSION = fn("<getAPISession/>")


@pytest.fixture
def workers(tmp_path):
    """Two apps (worker A and worker B) sharing one state file, the company seeded through A."""
    state = str(tmp_path / "state.sqlite3")
    company = standard_company()
    credentials = company_credentials(company)
    a = SimulatedCompany(create_app({"LATENCY": False, "STATE_FILE": state}), credentials)
    b = SimulatedCompany(create_app({"LATENCY": False, "STATE_FILE": state}), credentials)
    a.admin.seed(standard_seed(company))
    a.admin.add_records(a.company_id, {"VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}]})
    yield Gateway(a), Gateway(b), state
    a.close()
    b.close()


def _warm(gw: Gateway) -> str:
    """A session, used once more so the worker has read (and cached) the company, sender and clock."""
    auth = gw.session()
    assert gw.call(fn(bill()), auth=auth).status() == "success"
    return auth


def test_a_permission_changed_through_one_worker_refuses_the_next_write_in_the_other(workers):
    a, b, _ = workers
    auth = _warm(b)
    a.sim.set_permission("Accounts Payable", "Read only")
    reply = b.call(fn(bill()), auth=auth)
    assert reply.errornos() == ["PL04000005"]
    a.sim.set_permission("Accounts Payable", "All")
    assert b.call(fn(bill()), auth=auth).status() == "success"


def test_a_user_made_inactive_in_one_worker_cannot_use_a_session_in_the_other(workers):
    a, b, _ = workers
    auth = _warm(b)
    a.sim.admin.change_user(a.sim.company_id, "alvys_ws", status="inactive")
    reply = b.call(SESSION, auth=auth)
    assert reply.auth_status == "failure"
    assert reply.errornos() == ["XL03000006"]


def test_the_clock_moved_in_one_worker_expires_sessions_in_the_other(workers):
    a, b, _ = workers
    auth = _warm(b)
    a.sim.admin.advance_clock(2 * 24 * 3600)
    assert b.call(SESSION, auth=auth).auth_status == "failure"


def test_a_fault_set_in_one_worker_strikes_in_the_other_and_goes_when_cleared(workers):
    a, b, _ = workers
    auth = _warm(b)
    a.sim.admin.add_fault(action="http", status=503)
    body = envelope(fn(bill()), sender=b.sender, sender_password=b.sender_password, auth=auth)
    assert b.post_raw(body).status_code == 503
    a.sim.admin.clear_faults()
    assert b.call(fn(bill()), auth=auth).status() == "success"


def test_failed_sign_ins_count_across_workers(workers):
    a, b, _ = workers
    _warm(a)
    _warm(b)
    c = a.sim.credentials
    wrong = login_auth(c.user_id, c.company_id, "not-the-password")
    for i in range(UserLockedOut.THRESHOLD):   # wrong passwords, alternating workers
        assert (a if i % 2 else b).call(SESSION, auth=wrong).auth_status == "failure"
    reply = b.call(SESSION, auth=a.login)
    assert reply.auth_status == "failure"
    assert reply.errors()[0]["description2"] == f"User '{c.user_id}' is locked out."


def test_a_change_written_by_plain_sql_is_seen_at_once(workers):
    _, b, state = workers
    auth = _warm(b)
    with sqlite3.connect(state) as conn:   # no simulator code involved: the tables' triggers renew the generation
        conn.execute("UPDATE companies SET doc = json_set(doc, '$.web_services', json('false'))")
    reply = b.call(SESSION, auth=auth)
    assert reply.auth_status == "failure"
    assert "not authorized for XML transactions" in reply.errors()[0]["description2"]


def test_a_reset_and_new_seed_are_seen_by_the_other_worker(workers):
    a, b, _ = workers
    _warm(b)
    a.sim.admin.reset()
    gone = b.call(SESSION)                                   # no company any more: the control block fails
    assert gone.control_status == "failure"
    a.sim.admin.seed(standard_seed(standard_company(session_minutes=1)))
    reply = b.call(SESSION)
    assert reply.auth_status == "success"
    shown = [datetime.fromisoformat(reply.root.findtext(f".//{tag}") or "")
             for tag in ("sessiontimestamp", "sessiontimeout")]
    assert (shown[1] - shown[0]).total_seconds() == pytest.approx(60, abs=1)   # the new seed's timeout


def test_a_session_lives_through_the_second_its_latest_response_named(workers):
    a, b, _ = workers
    auth = a.session()
    a.sim.admin.change_company(a.sim.company_id, session_minutes=10)   # shorter: the next call shortens it
    for _ in range(3):   # calls within the same second leave the stored expiry where it was
        assert b.call(SESSION, auth=auth).auth_status == "success"
    a.sim.admin.advance_clock(600 - 2)   # before the shown timeout's second: valid
    assert b.call(SESSION, auth=auth).auth_status == "success"
    a.sim.admin.advance_clock(600 - 2)   # that call slid it again
    assert a.call(SESSION, auth=auth).auth_status == "success"
    a.sim.admin.advance_clock(600 + 2)
    assert b.call(SESSION, auth=auth).auth_status == "failure"
