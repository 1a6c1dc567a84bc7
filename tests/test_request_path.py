"""The request path under client mistakes and hostile callers (issue 9 items 4, 6, 7, 9; issue 10's busy store).

Every case answers as the gateway would: the login path's entity errors, a number error for a bad
amount, 429 for any operation over its company's limit, never the internal error DL02000001.
"""

from __future__ import annotations

import logging
import sqlite3

import pytest
from lxml import etree

from intacct_harness.simulator.app import backend_of, create_app
from intacct_harness.simulator.models.backend import InternalErrorLog
from intacct_harness.simulator.testing import DEFAULT_ROLE, standard_company
from tests.test_wire_records import bill
from tests.wire import Gateway, Reply, fn, login_auth

SECOND_USER = ("other_ws", "other-secret")


def two_operations(gw: Gateway, first_auth: str, functions: str, *, uniqueid: str = "false",
                   controlid: str = "two-ops") -> bytes:
    """A request whose first operation names a bogus session and whose second signs in properly."""
    op = '<operation transaction="false"><authentication>{}</authentication><content>{}</content></operation>'
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f"<request><control><senderid>{gw.sender}</senderid><password>{gw.sender_password}</password>"
            f"<controlid>{controlid}</controlid><uniqueid>{uniqueid}</uniqueid><dtdversion>3.0</dtdversion>"
            "</control>" + op.format(first_auth, fn("<getAPISession/>")) + op.format(gw.login, functions)
            + "</request>").encode()


def reply_of(resp) -> Reply:  # type: ignore[no-untyped-def]
    return Reply(resp, etree.fromstring(resp.content))


@pytest.fixture
def entities_gw(intacct_sim_factory):
    company = standard_company(entities=[{"id": "E1"}, {"id": "E2"}])
    company["users"].append({"id": SECOND_USER[0], "password": SECOND_USER[1], "web_services": True,
                             "roles": [DEFAULT_ROLE]})
    sim = intacct_sim_factory(company)
    sim.admin.add_records(sim.company_id, {"CUSTOMER": [
        {"CUSTOMERID": f"C{i}", "NAME": f"Customer {i}"} for i in range(5)]})
    return Gateway(sim)


@pytest.fixture
def gw(intacct_sim_factory):
    sim = intacct_sim_factory()
    sim.admin.add_records(sim.company_id, {"VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}]})
    return Gateway(sim)


# --------------------------------------------------------------------------- item 6: client mistakes
@pytest.mark.parametrize(("entity", "text"), [
    ("NOPE", "Invalid entity 'NOPE': no such entity in company 'ACME-TRUCKING'."),
])
def test_slide_in_to_a_missing_entity_is_the_login_paths_error(entities_gw, entity, text, caplog):
    reply = entities_gw.call(fn(f"<getAPISession><locationid>{entity}</locationid></getAPISession>"))
    assert reply.status() == "failure"
    assert reply.errornos() == ["XL03000006"]
    assert reply.errors()[0]["description2"] == text
    assert "Traceback" not in caplog.text and "internal error" not in caplog.text


def test_slide_in_to_a_forbidden_entity_is_the_login_paths_error(entities_gw):
    entities_gw.sim.admin.change_user(entities_gw.sim.company_id, "alvys_ws", entities=["E1"])
    login = login_auth("alvys_ws", entities_gw.sim.company_id, "sim-user-secret", "E1")
    reply = entities_gw.call(fn("<getAPISession><locationid>E2</locationid></getAPISession>"), auth=login)
    assert reply.auth_status == "success"
    assert reply.errornos() == ["XL03000006"]
    assert reply.errors()[0]["description2"] == "User 'alvys_ws' does not have access to entity 'E2'."


@pytest.mark.parametrize(("amount", "shown"), [
    ("1e999999999", "1e999999999"),
    ("1E+999999", "1E+999999"),
    ("9" * 100_000, "9" * 100),
    ("1e-999999999", "1e-999999999"),
    ("1_000", "1_000"),
    ("1234567890123456", "1234567890123456"),
    ("1.12345678901", "1.12345678901"),
    ("<x>1</x>", "(an element with child elements)"),
])
def test_bad_or_huge_amounts_are_number_errors(gw, amount, shown, caplog):
    reply = gw.call(fn(bill(amount=amount)))
    assert reply.status() == "failure"
    err = reply.errors()[0]
    assert err["errorno"] == "BL01001975"
    assert err["description2"].startswith(f"Invalid value '{shown}' for field TRX_AMOUNT: expected ")
    assert gw.sim.records("APBILL") == []
    assert "Traceback" not in caplog.text


def test_a_repeated_amount_is_a_number_error(gw):
    reply = gw.call(fn(bill(line="<TRX_AMOUNT>2</TRX_AMOUNT>")))
    assert reply.errornos() == ["BL01001975"]
    assert "'(a repeated element)' for field TRX_AMOUNT" in reply.errors()[0]["description2"]


@pytest.mark.parametrize("amount", ["100", "0.0000000001", "999999999999999.99", ".5"])
def test_ordinary_amounts_still_post(gw, amount):
    assert gw.call(fn(bill(amount=amount))).status() == "success"


@pytest.mark.intacct(allow_simulator_bugs=True)   # reports made up on purpose; the plugin's watch would fail them
def test_a_repeated_internal_error_is_logged_once_with_a_count(caplog):
    book = InternalErrorLog()
    caplog.set_level(logging.ERROR)
    for _ in range(1000):
        try:
            raise KeyError("boom")
        except KeyError as exc:
            book.report("create", exc)
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    counts = [r.getMessage() for r in caplog.records if not r.exc_info]
    assert [c.split("has now happened ")[1] for c in counts] == ["10 times; traceback logged once",
                                                                 "100 times; traceback logged once",
                                                                 "1000 times; traceback logged once"]


# --------------------------------------------------------------------------- item 4: isolation of result sets
def _first_page(gw: Gateway, auth: str) -> str:
    reply = gw.call(fn("<readByQuery><object>CUSTOMER</object><query></query><pagesize>2</pagesize></readByQuery>"),
                    auth=auth)
    result_id = reply.root.find(".//data").get("resultId")
    assert result_id
    return result_id


def _read_more(gw: Gateway, auth: str, result_id: str) -> Reply:
    return gw.call(fn(f"<readMore><resultId>{result_id}</resultId></readMore>"), auth=auth)


def test_read_more_with_another_users_result_id_fails(entities_gw):
    gw = entities_gw
    mine = login_auth("alvys_ws", gw.sim.company_id, "sim-user-secret", "E1")
    theirs = login_auth(*SECOND_USER[:1], gw.sim.company_id, SECOND_USER[1], "E1")
    result_id = _first_page(gw, mine)
    stolen = _read_more(gw, theirs, result_id)
    assert stolen.errornos() == ["readMore failed"]
    assert stolen.root.find(".//data") is None
    assert _read_more(gw, mine, result_id).status() == "success"   # the owner still pages on


def test_read_more_from_another_entity_fails(entities_gw):
    gw = entities_gw
    result_id = _first_page(gw, login_auth("alvys_ws", gw.sim.company_id, "sim-user-secret", "E1"))
    other = _read_more(gw, login_auth("alvys_ws", gw.sim.company_id, "sim-user-secret", "E2"), result_id)
    assert other.errornos() == ["readMore failed"]


def test_a_session_loses_an_entity_its_user_lost(entities_gw):
    gw = entities_gw
    reply = gw.call(fn("<getAPISession/>"), auth=login_auth("alvys_ws", gw.sim.company_id, "sim-user-secret", "E1"))
    session = f"<sessionid>{reply.root.findtext('.//api/sessionid')}</sessionid>"
    assert gw.call(fn("<getAPISession/>"), auth=session).status() == "success"
    gw.sim.admin.change_user(gw.sim.company_id, "alvys_ws", entities=["E2"])
    after = gw.call(fn("<getAPISession/>"), auth=session)
    assert after.auth_status == "failure"
    assert after.errors()[0]["description2"] == "User 'alvys_ws' does not have access to entity 'E1'."


# --------------------------------------------------------------------------- item 7: every operation counts
BOGUS_SESSION = "<sessionid>no-such-session</sessionid>"


def test_a_bogus_first_operation_does_not_slip_the_second_past_the_limit(gw):
    store = backend_of(gw.sim.app).store
    slots = [store.acquire_slot(gw.sim.company_id, 2) for _ in range(2)]  # taken by other requests
    assert None not in slots
    resp = gw.post_raw(two_operations(gw, BOGUS_SESSION, fn(bill())))
    assert resp.status_code == 429
    assert reply_of(resp).errornos() == ["GW-0010"]
    assert gw.sim.records("APBILL") == []
    store.release_slot(gw.sim.company_id, slots[0])
    assert gw.post_raw(two_operations(gw, BOGUS_SESSION, fn(bill()))).status_code == 200


def test_fault_rules_match_the_second_operation(gw):
    gw.sim.admin.add_fault(company=gw.sim.company_id, action="http", status=503)
    resp = gw.post_raw(two_operations(gw, BOGUS_SESSION, fn(bill())))
    assert resp.status_code == 503
    assert gw.sim.records("APBILL") == []


def test_uniqueid_covers_the_second_operations_company(gw):
    body = two_operations(gw, BOGUS_SESSION, fn(bill()), uniqueid="true", controlid="once-only")
    assert reply_of(gw.post_raw(body)).root.findtext("operation[2]/result/status") == "success"
    again = reply_of(gw.post_raw(body))
    assert again.errornos() == ["XL03000010"]
    assert len(gw.sim.records("APBILL")) == 1


def test_the_latency_model_counts_every_operations_functions(intacct_sim_factory):
    from intacct_harness.simulator.models import admission
    from intacct_harness.simulator.wire.envelope import parse_request

    sim = intacct_sim_factory(standard_company(latency={"base_ms": 100, "per_function_ms": 10}))
    gw = Gateway(sim)
    parsed = parse_request(two_operations(gw, BOGUS_SESSION, fn("<getAPISession/>", "a") + fn("<getAPISession/>")))
    with backend_of(sim.app).store.read() as tx:
        planned = admission.plan(tx, parsed)
    assert [(a.company_id, a.functions) for a in planned.admissions] == [(sim.company_id, 2)]
    assert admission.modelled_seconds(planned.admissions, {}) == pytest.approx(0.12)


# --------------------------------------------------------------------------- item 9: retention
def _count(sim, table: str) -> int:  # type: ignore[no-untyped-def]
    with backend_of(sim.app).store.read() as tx:
        return int(tx.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608 - fixed names


def test_expired_sessions_and_abandoned_result_sets_are_purged(intacct_sim_factory):
    sim = intacct_sim_factory(standard_company(session_minutes=5))
    sim.admin.add_records(sim.company_id, {"CUSTOMER": [{"CUSTOMERID": f"C{i}", "NAME": "x"} for i in range(3)]})
    gw = Gateway(sim)
    for _ in range(5):
        gw.session()
    _first_page(gw, gw.login)
    assert _count(sim, "sessions") >= 5 and _count(sim, "resultsets") == 1
    sim.admin.advance_clock(31 * 60)
    gw.call(fn("<getAPISession/>"))
    assert _count(sim, "sessions") == 1           # only the one this request opened
    assert _count(sim, "resultsets") == 0


def test_the_journal_is_capped(intacct_sim_factory):
    sim = intacct_sim_factory(config={"JOURNAL_LIMIT": 5})
    gw = Gateway(sim)
    for _ in range(12):
        gw.call(fn("<getAPISession/>"))
    sim.admin.advance_clock(61)
    gw.call(fn("<getAPISession/>"))
    assert _count(sim, "journal") <= 6
    assert sim.admin.journal(sim.company_id)[-1]["function"] == "getAPISession"


@pytest.mark.parametrize("value", [0, -1, "100", True, 1.5])
def test_a_bad_journal_limit_is_refused(value):
    with pytest.raises(ValueError, match="JOURNAL_LIMIT: a whole number"):
        create_app({"JOURNAL_LIMIT": value})


# --------------------------------------------------------------------------- issue 10: a busy store
def test_a_busy_store_answers_the_gateways_xml_error(intacct_sim_factory, tmp_path):
    state = tmp_path / "state.sqlite3"
    sim = intacct_sim_factory(config={"STATE_FILE": str(state), "BUSY_TIMEOUT": 0.2})
    gw = Gateway(sim)
    assert gw.call(fn("<getAPISession/>")).status() == "success"
    holder = sqlite3.connect(state, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")                 # another process holds the state file's lock
    try:
        resp = gw.post_raw(two_operations(gw, gw.login, fn("<getAPISession/>")))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert resp.status_code == 503
    assert resp.headers["content-type"].startswith("text/xml")
    assert reply_of(resp).errornos() == ["GW-0012"]
    assert gw.call(fn("<getAPISession/>")).status() == "success"


@pytest.mark.parametrize("value", [0, -1, "5", True])
def test_a_bad_busy_timeout_is_refused(value):
    with pytest.raises(ValueError, match="BUSY_TIMEOUT"):
        create_app({"BUSY_TIMEOUT": value})
