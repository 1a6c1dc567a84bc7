"""Issue 10: the fields a definition lists under ``indexes`` are read through their index, and their
totals come from a tally; what is selected stays what the evaluator selects.

The plans are SQLite's own (EXPLAIN QUERY PLAN of the statements a request really ran), not timings.
"""

from __future__ import annotations

import sqlite3
from xml.sax.saxutils import escape

import pytest

from intacct_harness.simulator.app import backend_of
from intacct_harness.simulator.models.definitions import DefinitionError, parse_object
from intacct_harness.simulator.store import FIELD_INDEXES, Record, Store
from intacct_harness.simulator.testing import standard_company
from tests.wire import Gateway, fn

TYPES = 10
VENDORS = 300   # 30 of each VENDTYPE T0..T9


@pytest.fixture
def gw(intacct_sim_factory):
    sim = intacct_sim_factory(standard_company())
    sim.admin.add_records(sim.company_id, {"VENDOR": [
        {"VENDORID": f"V{i:03d}", "NAME": f"Carrier {i:03d}", "VENDTYPE": f"T{i % TYPES}",
         **({"STATUS": "inactive"} if i in (7, 250) else {})} for i in range(VENDORS)]})
    return Gateway(sim)


def _plans(gw: Gateway, body: str) -> tuple[object, list[str]]:
    """The reply, and SQLite's plan of each statement on the records the request ran."""
    store = backend_of(gw.sim.app).store
    statements: list[str] = []
    with store.traced(statements.append):
        reply = gw.call(fn(body))
    with store.read() as tx:
        plans = [" | ".join(row[3] for row in tx.conn.execute("EXPLAIN QUERY PLAN " + s))
                 for s in statements if " FROM records " in s]
    return reply, plans


def _vendor_ids(reply) -> tuple[dict[str, str], list[str]]:  # type: ignore[no-untyped-def]
    data = reply.result().find("data")
    return dict(data.attrib), [el.findtext("VENDORID") for el in data if el.findtext("VENDORID")]


RANGES = {   # readByQuery text -> the VENDTYPEs it selects
    "VENDTYPE = 'T7'": {"T7"},
    "VENDTYPE IN ('T7', 'T8', 'T7')": {"T7", "T8"},
    "VENDTYPE < 'T1'": {"T0"},
    "VENDTYPE > 'T8'": {"T9"},
    "VENDTYPE >= 'T2' AND VENDTYPE <= 'T3'": {"T2", "T3"},
    "VENDTYPE LIKE 'T4%'": {"T4"},
}


@pytest.mark.parametrize("text", RANGES)
def test_a_filter_on_an_indexed_field_reads_and_counts_through_its_index(gw, text):
    reply, plans = _plans(gw, "<readByQuery><object>VENDOR</object><fields>VENDORID</fields>"
                              f"<query>{escape(text)}</query><pagesize>20</pagesize></readByQuery>")
    wanted = [f"V{i:03d}" for i in range(VENDORS) if f"T{i % TYPES}" in RANGES[text]]
    attrs, found = _vendor_ids(reply)
    assert (found, attrs["totalcount"]) == (wanted[:20], str(len(wanted)))
    assert plans and all("INDEX records_VENDOR_VENDTYPE" in p for p in plans), plans


def test_readmore_pages_of_few_matches_come_from_the_index_in_recordno_order(gw):
    reply = gw.call(fn("<readByQuery><object>VENDOR</object><fields>VENDORID</fields>"
                       "<query>VENDTYPE IN ('T1', 'T5')</query><pagesize>25</pagesize></readByQuery>"))
    attrs, found = _vendor_ids(reply)
    while attrs["resultId"]:
        more, plans = _plans(gw, f"<readMore><resultId>{attrs['resultId']}</resultId></readMore>")
        assert all("INDEX records_VENDOR_VENDTYPE" in p for p in plans), plans
        attrs, rest = _vendor_ids(more)
        found += rest
    assert found == [f"V{i:03d}" for i in range(VENDORS) if i % TYPES in (1, 5)]


def test_query_between_reads_through_the_index(gw):
    reply, plans = _plans(gw, "<query><object>VENDOR</object><select><field>VENDORID</field></select><filter>"
                              "<between><field>VENDTYPE</field><value>T2</value><value>T3</value></between></filter>"
                              "<pagesize>10</pagesize><offset>5</offset></query>")
    attrs, found = _vendor_ids(reply)
    wanted = [f"V{i:03d}" for i in range(VENDORS) if i % TYPES in (2, 3)]
    assert (found, attrs["totalcount"]) == (wanted[5:15], str(len(wanted)))
    assert plans and all("INDEX records_VENDOR_VENDTYPE" in p for p in plans), plans


def test_an_equality_total_comes_from_the_tally_and_its_page_from_the_index(gw):
    reply, plans = _plans(gw, "<readByQuery><object>VENDOR</object><fields>VENDORID</fields>"
                              "<query>VENDTYPE = 'T3'</query><pagesize>10</pagesize></readByQuery>")
    attrs, found = _vendor_ids(reply)
    assert (attrs["totalcount"], found) == ("30", [f"V{i:03d}" for i in range(3, 100, 10)])
    assert len(plans) == 1 and "USING INDEX records_VENDOR_VENDTYPE (company=? AND <expr>=?" in plans[0], plans
    assert "TEMP B-TREE" not in plans[0]   # the index holds them in RECORDNO order: nothing is sorted


def test_a_rare_status_is_found_by_its_index_not_by_walking_every_record(gw):
    reply, plans = _plans(gw, "<readByQuery><object>VENDOR</object><fields>VENDORID</fields>"
                              "<query>STATUS = 'F'</query><pagesize>100</pagesize></readByQuery>")
    assert _vendor_ids(reply) == ({"listtype": "vendor", "count": "2", "totalcount": "2", "numremaining": "0",
                                   "resultId": ""}, ["V007", "V250"])
    assert plans and all("INDEX records_status" in p for p in plans), plans


def test_case_rules_and_nulls_are_the_query_languages_own(gw):
    gw.sim.admin.add_records(gw.sim.company_id, {"VENDOR": [
        {"VENDORID": "LOWER", "NAME": "Lower", "VENDTYPE": "t7"}, {"VENDORID": "NONE", "NAME": "None"}]})
    _, found = _vendor_ids(gw.call(fn("<readByQuery><object>VENDOR</object><fields>VENDORID</fields>"
                                      "<query>VENDTYPE = 't7'</query></readByQuery>")))
    assert found == ["LOWER"]                       # case-sensitive, as readByQuery is
    attrs, _ = _vendor_ids(gw.call(fn("<readByQuery><object>VENDOR</object><fields>VENDORID</fields>"
                                      "<query>NOT VENDTYPE IN ('T1')</query></readByQuery>")))
    assert attrs["totalcount"] == str(VENDORS - 30 + 1)   # NONE has no VENDTYPE: neither IN nor NOT IN
    reply = gw.call(fn("<query><object>VENDOR</object><select><field>VENDORID</field></select><filter><equalto>"
                       "<field>VENDTYPE</field><value>T7</value></equalto></filter><options><caseinsensitive>true"
                       "</caseinsensitive></options><pagesize>2000</pagesize></query>"))
    attrs, found = _vendor_ids(reply)
    assert attrs["totalcount"] == "31" and "LOWER" in found


def test_the_field_tally_follows_inserts_updates_deletes_and_entities():
    store = Store()
    with store.transaction() as tx:
        tx.insert_records("C", [(Record("VENDOR", n, f"k{n}", "E1" if n % 2 else "",
                                        {"VENDTYPE": "odd" if n % 2 else "even"} if n <= 8 else {"VENDTYPE": ["x"]}),
                                 None) for n in range(1, 11)])
        tx.delete_record("C", "VENDOR", 2)
        rec = tx.by_recordno("C", "VENDOR", 3)
        assert rec is not None
        rec.entity, rec.doc["VENDTYPE"] = "", "even"
        tx.update_record("C", rec, None)
    with store.read() as tx:
        counts = [tx.count_values("C", "VENDOR", "VENDTYPE", values, entity, private)
                  for values, entity, private in ((["odd"], "", True), (["even"], "", True), (["odd"], "", False),
                                                  (["odd", "even"], "E2", True), (['["x"]'], "", True))]
    assert counts == [3, 4, 0, 4, 0]   # odd: 1, 5, 7 (all E1); even: 3 (now top level), 4, 6, 8; a list is no value


def test_a_state_file_made_with_other_indexes_gets_these_and_a_fresh_tally(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    with Store(path).transaction() as tx:
        tx.insert_records("C", [(Record("VENDOR", n, f"k{n}", "", {"VENDTYPE": f"T{n % 2}"}), None)
                                for n in range(1, 6)])
    old = sqlite3.connect(path)
    old.executescript("DROP INDEX records_VENDOR_VENDTYPE; DROP TRIGGER field_tally_VENDOR_in; DELETE FROM field_tally;"
                      "CREATE INDEX records_VENDOR_GONE ON records(company) WHERE object = 'VENDOR';"
                      "UPDATE meta SET v = '{}' WHERE k = 'field_indexes';")
    old.close()
    store = Store(path)
    with store.read() as tx:
        names = {r[0] for r in tx.conn.execute("SELECT name FROM sqlite_master")}
        assert {"records_VENDOR_VENDTYPE", "field_tally_VENDOR_in"} <= names and "records_VENDOR_GONE" not in names
        assert [tx.count_values("C", "VENDOR", "VENDTYPE", [v]) for v in ("T0", "T1")] == [2, 3]
    with store.transaction() as tx:   # the trigger is back
        tx.insert_records("C", [(Record("VENDOR", 9, "k9", "", {"VENDTYPE": "T1"}), None)])
    with Store(path).read() as tx:    # opened again: not counted twice
        assert tx.count_values("C", "VENDOR", "VENDTYPE", ["T1"]) == 4


def test_every_declared_index_exists_on_a_new_store():
    with Store().read() as tx:
        names = {r[0] for r in tx.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        triggers = {r[0] for r in tx.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {f"records_{obj}_{f}" for obj, fields in FIELD_INDEXES.items() for f in fields} <= names
    assert FIELD_INDEXES["VENDOR"] == ("VENDTYPE",) and "APBILL" not in FIELD_INDEXES   # bills: writes first
    assert {f"field_tally_{obj}_in" for obj in FIELD_INDEXES} <= triggers


BASE = {"object": "THING", "label": "Thing", "module": "Accounts Payable", "source": "x", "id_field": "THINGID",
        "fields": {"THINGID": {"type": "text"}, "KIND": {"type": "text"}, "BLOCK": {"type": "object"}}}


@pytest.mark.parametrize(("indexes", "message"), [
    ("KIND", "expected a list of field names"),
    (["NOPE"], "'NOPE' is not one of the fields"),
    (["kind"], "'kind' is not one of the fields"),
    (["BLOCK"], "BLOCK is a block"),
    (["KIND", "KIND"], "a field is listed twice"),
])
def test_a_definitions_indexes_name_its_own_value_fields_once(indexes, message):
    with pytest.raises(DefinitionError, match=message):
        parse_object("THING.yaml", {**BASE, "indexes": indexes})
    assert parse_object("THING.yaml", {**BASE, "indexes": ["KIND", "THINGID"]}).indexes == ("KIND", "THINGID")

