"""Issue 10, the store half: conditions compiled to SQLite, pages as cursors, reads beside writers, slots.

The compiled SQL is checked against the Python evaluator record by record (the evaluator is the
reference the query tests pin down); the rest goes through the wire.
"""

from __future__ import annotations

import gc
import os
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intacct_harness.simulator.app import backend_of
from intacct_harness.simulator.console import console_capture
from intacct_harness.simulator.models.reads import flat
from intacct_harness.simulator.query import And, Comparison, InList, IsNull, Like, Not, Or, evaluate, parse_condition
from intacct_harness.simulator.query.sql import Index, glob_pattern, to_sql
from intacct_harness.simulator.store import Record, Slots, Store
from intacct_harness.simulator.testing import standard_company
from tests.wire import Gateway, fn

DOCS = [
    {"A": "abc", "B": "5", "C": "01/02/2024", "D": "x_y%z"},
    {"A": "ABC", "B": "5.0", "C": "1/2/2024", "D": "x*y?z[w]"},
    {"A": "abd", "B": "10", "C": "12/31/2023 10:00", "D": "Æther"},
    {"A": "", "B": "abc", "C": "not a date", "D": "line\nbreak"},
    {"A": "b", "B": "-3", "C": "02/30/2020"},
    {"B": "0", "D": {"NESTED": "v"}},
    {"A": ["a", "b"], "B": ".5"},
    {"A": "a'b", "B": "+7", "C": "01/02/2024 00:00:00", "D": "O'Brien"},
    {"A": "zz", "B": "1e3", "D": "%"},
    {},
]
QUERIES = [
    "A = 'abc'", "A <> 'abc'", "A < 'abd'", "A >= 'ABC'", "A > ''", "A = ''", "NOT A = 'abc'",
    "A IN ('abc', 'b', 'nope')", "A NOT IN ('abc', 'b')", "NOT (A IN ('abc'))", "A IS NULL", "A IS NOT NULL",
    "A LIKE 'a%'", "A LIKE '_b_'", "A NOT LIKE '%c'", "D LIKE 'x*y?z[w]'", "D LIKE 'x_y%z'", "D LIKE '%[%'",
    "D LIKE 'line%'", "D = 'v'", "D IS NULL", "A LIKE '%'",
    "B = 5", "B = '5'", "B > 4", "B IN ('5', 'abc')", "B IN (5, 10)", "B < 'b'",
    "C = '01/02/2024'", "C > '12/01/2023'", "C IN ('1/2/2024')",
    "A = 'abc' OR B = 5", "A = 'abc' AND B = 5", "NOT (A = 'abc' OR B > 4)", "NOT (A = 'abc' AND D LIKE 'x%')",
    "(A = 'b' OR A IS NULL) AND NOT D IS NULL",
    "RECORDNO = 3", "RECORDNO IN (1, '2', 3.0, 4.5)", "RECORDNO > '5'", "RECORDNO < 'a'", "RECORDNO LIKE '1%'",
    "RECORDNO >= 5 AND A IS NOT NULL", "NOT RECORDNO IN (1, 2)", "RECORDNO IS NULL", "RECORDNO = '03'",
]


@pytest.fixture(scope="module")
def table():
    store = Store()
    with store.transaction() as tx:
        tx.insert_records("C", [(Record("X", n, f"k{doc['A']}" if isinstance(doc.get("A"), str) else f"#{n}", "",
                                        dict(doc, RECORDNO=str(n))), None) for n, doc in enumerate(DOCS, start=1)])
    return store


def column(name: str) -> str | None:
    return None if "." in name else f"(CASE json_type(doc, '$.{name}') WHEN 'text' THEN doc->>'$.{name}' END)"


@pytest.mark.parametrize("case_insensitive", [False, True])
@pytest.mark.parametrize("text", QUERIES)
def test_compiled_sql_selects_what_the_evaluator_accepts(table, text, case_insensitive):
    pred = parse_condition(text)
    sql = to_sql(pred, column, {"A": Index("key", lambda v: "k" + v)}, case_insensitive)
    with table.read() as tx:
        selected = [r.recordno for r in tx.select("C", "X", sql.where, sql.params)]
        docs = {r.recordno: r.doc for r in tx.select("C", "X")}
    wanted = [n for n, doc in docs.items() if evaluate(pred, flat(doc), case_insensitive=case_insensitive)]
    if sql.exact:
        assert selected == wanted
    else:  # a superset, evaluated afterwards
        assert set(wanted) <= set(selected)


def test_text_conditions_compile_exactly_and_numbers_do_not():
    exact = [parse_condition(q) for q in ("A = 'abc'", "A IN ('x','y')", "A LIKE 'a%'", "NOT A IS NULL",
                                          "RECORDNO > 5", "RECORDNO IN (1, 2)")]
    assert all(to_sql(p, column).exact for p in exact)
    assert not to_sql(parse_condition("B = 5"), column).exact
    assert not to_sql(parse_condition("A = 'x'"), column, case_insensitive=True).exact
    either = to_sql(parse_condition("A = 'x' OR B = 5"), column)
    assert (either.exact, either.where.endswith("OR (1)")) == (False, True)   # candidates, evaluated afterwards


def test_glob_pattern_keeps_globs_own_characters_literal():
    assert glob_pattern("a%b_c*d?e[f]") == "a*b?c[*]d[?]e[[]f]"


# --------------------------------------------------------------------------- over the wire
@pytest.fixture
def gw(intacct_sim_factory):
    # the QA console stays on: its record of the exchange is written in the request's own transaction
    sim = intacct_sim_factory(standard_company(custom_fields={"VENDOR": ["SCAC"]}))
    sim.admin.add_records(sim.company_id, {"VENDOR": [
        {"VENDORID": f"V{i:03d}", "NAME": f"Carrier {i:03d}", "VENDTYPE": "Truckload" if i % 2 else "LTL",
         "SCAC": f"S{i % 3}"} for i in range(30)]})
    return Gateway(sim)


def rbq(query: str, pagesize: int = 100, fields: str = "VENDORID") -> str:
    return (f"<readByQuery><object>VENDOR</object><query>{query}</query><fields>{fields}</fields>"
            f"<pagesize>{pagesize}</pagesize></readByQuery>")


def page(reply) -> tuple[dict[str, str], list[str]]:  # type: ignore[no-untyped-def]
    data = reply.result().find("data")
    return dict(data.attrib), [v.findtext("VENDORID") for v in data.iter("vendor")]


def read_more(gw: Gateway, result_id: str):  # type: ignore[no-untyped-def]
    return gw.call(fn(f"<readMore><resultId>{result_id}</resultId></readMore>"))


def test_a_result_set_is_what_matched_when_it_was_asked(gw):
    attrs, first = page(gw.call(fn(rbq("VENDTYPE = 'LTL'", pagesize=10))))
    assert (attrs["count"], attrs["totalcount"], attrs["numremaining"]) == ("10", "15", "5")
    created = gw.call(fn("<create><VENDOR><VENDORID>V999</VENDORID><NAME>Late</NAME><VENDTYPE>LTL</VENDTYPE>"
                         "</VENDOR></create>"))
    assert created.status() == "success"
    attrs, rest = page(read_more(gw, attrs["resultId"]))
    assert (attrs["count"], attrs["totalcount"], attrs["numremaining"], attrs["resultId"]) == ("5", "15", "0", "")
    assert first + rest == [f"V{i:03d}" for i in range(0, 30, 2)]     # the later vendor is not in it


def test_a_record_deleted_between_pages_ends_the_result_set_cleanly(gw):
    attrs, _ = page(gw.call(fn(rbq("", pagesize=28))))
    assert attrs["numremaining"] == "2"
    assert gw.call(fn("<delete><object>VENDOR</object><keys>V029</keys></delete>")).status() == "success"
    attrs, rest = page(read_more(gw, attrs["resultId"]))
    assert (attrs["count"], attrs["totalcount"], attrs["numremaining"], attrs["resultId"]) == ("1", "30", "0", "")
    assert rest == ["V028"]


def test_custom_and_numeric_filters_are_evaluated_exactly(gw):
    _, found = page(gw.call(fn(rbq("SCAC = 'S1' AND RECORDNO > 0", pagesize=100))))
    assert found == [f"V{i:03d}" for i in range(30) if i % 3 == 1]
    _, found = page(gw.call(fn(rbq("VENDORID IN ('V001', 'V002', 'nope') OR NAME = 'Carrier 010'"))))
    assert found == ["V001", "V002", "V010"]


def _traced(gw: Gateway, statements: list[str]):  # type: ignore[no-untyped-def]
    """The SQL statements the store runs while the block lasts, appended to ``statements``."""
    return backend_of(gw.sim.app).store.traced(statements.append)


def test_a_write_request_is_one_write_transaction(gw):
    gw.call(fn("<getAPISession/>"))   # the first request of a minute also purges
    statements: list[str] = []
    with _traced(gw, statements):
        reply = gw.call(fn("<create><VENDOR><VENDORID>ONE</VENDORID><NAME>One</NAME></VENDOR></create>")
                        + fn("<create><VENDOR><VENDORID>TWO</VENDORID><NAME>Two</NAME></VENDOR></create>", "f2"))
    assert [reply.status(0), reply.status(1)] == ["success", "success"]
    assert statements.count("BEGIN IMMEDIATE") == 1
    [exchange] = console_capture(gw.sim.app).exchanges(limit=1)     # ...and the console has it, from that one
    assert (exchange["functions"], exchange["status"]) == ("create", "success") and "TWO" in exchange["request"]
    assert gw.sim.credentials.user_password not in exchange["request"]


def test_a_read_request_reads_outside_the_write_transaction(gw):
    gw.call(fn("<getAPISession/>"))
    statements: list[str] = []
    with _traced(gw, statements):
        assert gw.call(fn(rbq("VENDTYPE = 'LTL'", pagesize=5))).status() == "success"
    assert statements.count("BEGIN IMMEDIATE") == 1            # the journal, usage, session, result set, console
    assert console_capture(gw.sim.app).exchanges(limit=1)[0]["functions"] == "readByQuery"
    writing = statements[statements.index("BEGIN IMMEDIATE"):]
    assert any("FROM records" in s for s in statements)
    assert not any("FROM records" in s for s in writing)


def test_a_writer_goes_on_while_a_reader_holds_its_snapshot(gw):
    store = backend_of(gw.sim.app).store
    done: dict[str, object] = {}
    with store.read() as tx:
        assert tx.count_visible(gw.sim.company_id, "VENDOR") == 30
        writer = threading.Thread(target=lambda: done.update(reply=gw.call(fn(
            "<create><VENDOR><VENDORID>NEW</VENDORID><NAME>New</NAME></VENDOR></create>"))))
        writer.start()
        writer.join(10)
        assert not writer.is_alive()
        assert tx.count_visible(gw.sim.company_id, "VENDOR") == 30   # the snapshot does not move
    assert done["reply"].status() == "success"  # type: ignore[attr-defined]
    with store.read() as tx:
        assert tx.count_visible(gw.sim.company_id, "VENDOR") == 31


def test_a_failed_sign_in_of_a_read_request_is_still_counted(gw):
    wrong = (f"<login><userid>{gw.sim.credentials.user_id}</userid><companyid>{gw.sim.company_id}</companyid>"
             "<password>wrong</password></login>")
    assert gw.call(fn(rbq("")), auth=wrong).auth_status == "failure"
    with backend_of(gw.sim.app).store.read() as tx:
        doc = tx.get_company(gw.sim.company_id)
    assert doc["users"][gw.sim.credentials.user_id]["failed_signins"] == 1


# --------------------------------------------------------------------------- slots and files
def test_a_dead_workers_slots_are_free(tmp_path):
    state = str(tmp_path / "state.sqlite3")
    ready_r, ready_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the "worker": takes the company's only slot and dies holding it
        slots = Slots(state)
        os.write(ready_w, b"1" if slots.acquire("ACME", 1) == 0 else b"0")
        os.read(done_r, 1)
        os._exit(0)
    assert os.read(ready_r, 1) == b"1"
    mine = Slots(state)
    assert mine.acquire("ACME", 1) is None          # held by the other process
    assert mine.acquire("OTHER", 1) == 0            # another company's slots are its own
    os.write(done_w, b"x")
    os.waitpid(pid, 0)
    assert mine.acquire("ACME", 1) == 0             # freed with the process
    assert mine.held("ACME") == 1
    mine.release("ACME", 0)
    assert mine.held("ACME") == 0


def test_a_store_without_a_state_file_leaves_no_file_behind():
    store = Store()
    with store.transaction() as tx:
        tx.set_meta("k", "v")
    where = store._temp_dir
    assert where and os.path.exists(os.path.join(where, "state.sqlite3"))
    del store, tx
    gc.collect()
    assert not os.path.exists(where)


def test_the_tally_follows_inserts_deletes_entity_and_status_changes():
    store = Store()
    with store.transaction() as tx:
        tx.insert_records("C", [(Record("V", n, f"k{n}", "E1" if n % 2 else "",
                                        {"N": str(n), **({"STATUS": "active"} if n <= 6 else {})}), None)
                                for n in range(1, 11)])
        tx.delete_record("C", "V", 1)
        rec = tx.by_recordno("C", "V", 3)
        assert rec is not None
        rec.entity = ""
        rec.doc["STATUS"] = "inactive"
        tx.update_record("C", rec, None)
    with store.read() as tx:
        assert (tx.count_visible("C", "V"), tx.count_visible("C", "V", "E1"), tx.count_visible("C", "V", "E2")) \
            == (9, 9, 6)
        assert [tx.count_visible("C", "V", status=s) for s in ("active", "inactive", "")] == [4, 1, 0]
        assert tx.count_visible("C", "V", "E2", status="active") == 3     # 2, 4, 6 at the top level
        assert tx.objects_with_records("C") == {"V": 9}


def test_a_state_file_from_before_the_tally_is_counted_once(tmp_path):
    import sqlite3

    path = str(tmp_path / "old.sqlite3")
    old = sqlite3.connect(path)
    old.executescript("CREATE TABLE records(company TEXT NOT NULL, object TEXT NOT NULL, recordno INTEGER NOT NULL,"
                      " key TEXT NOT NULL, name_ci TEXT, entity TEXT, doc TEXT NOT NULL, docno TEXT,"
                      " PRIMARY KEY(company, object, recordno));"
                      "INSERT INTO records VALUES('C', 'V', 1, 'a', NULL, '', '{\"STATUS\": \"active\"}', NULL);"
                      "INSERT INTO records VALUES('C', 'V', 2, 'b', NULL, 'E1', '{}', NULL);")
    old.commit()
    old.close()
    store = Store(path)
    with store.read() as tx:
        assert (tx.count_visible("C", "V"), tx.count_visible("C", "V", status="active")) == (2, 1)
    assert Store(path) is not None   # opened again: not counted twice
    with Store(path).read() as tx:
        assert tx.count_visible("C", "V") == 2


def test_a_status_page_counts_from_the_tally(gw):
    gw.call(fn("<update><VENDOR><VENDORID>V003</VENDORID><STATUS>inactive</STATUS></VENDOR></update>"))
    attrs, found = page(gw.call(fn(rbq("STATUS = 'inactive'"))))
    assert (attrs["totalcount"], found) == ("1", ["V003"])
    attrs, _ = page(gw.call(fn(rbq("STATUS = 'active'", pagesize=5))))
    assert (attrs["count"], attrs["totalcount"], attrs["numremaining"]) == ("5", "29", "24")


# --------------------------------------------------------------------------- random conditions
VALUES = st.sampled_from(["abc", "ABC", "b", "", "5", "5.0", "-3", "10", "01/02/2024", "1/2/2024", "a'b", "x_y%z",
                          "%", "a%", "_b_", "Æther", "zz", "abd"])
FIELDS = st.sampled_from(["A", "B", "C", "D", "RECORDNO"])
LEAVES = st.one_of(
    st.builds(Comparison, FIELDS, st.sampled_from(["=", "<>", "<", ">", "<=", ">="]), VALUES),
    st.builds(Like, FIELDS, VALUES, st.booleans()),
    st.builds(InList, FIELDS, st.lists(VALUES, min_size=1, max_size=4).map(tuple), st.booleans()),
    st.builds(IsNull, FIELDS, st.booleans()))
PREDICATES = st.recursive(LEAVES, lambda inner: st.one_of(
    st.builds(And, st.lists(inner, min_size=2, max_size=3).map(tuple)),
    st.builds(Or, st.lists(inner, min_size=2, max_size=3).map(tuple)),
    st.builds(Not, inner)), max_leaves=6)


@settings(max_examples=300, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pred=PREDICATES, case_insensitive=st.booleans())
def test_random_conditions_select_what_the_evaluator_accepts(table, pred, case_insensitive):
    sql = to_sql(pred, column, {"A": Index("key", lambda v: "k" + v)}, case_insensitive)
    with table.read() as tx:
        selected = [r.recordno for r in tx.select("C", "X", sql.where, sql.params)]
        docs = {r.recordno: r.doc for r in tx.select("C", "X")}
    wanted = [n for n, doc in docs.items() if evaluate(pred, flat(doc), case_insensitive=case_insensitive)]
    assert selected == wanted if sql.exact else set(wanted) <= set(selected)
