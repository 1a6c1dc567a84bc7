"""Query completeness on the wire (issue 11 item 6): aggregates, database characters, readMore by object,
related-object fields; refusals included."""

from __future__ import annotations

import pytest

from tests.test_wire_records import bill
from tests.wire import Gateway, fn

BILLS = (("V1", "100"), ("V1", "250.50"), ("V2", "75"), ("V1", "20.25"))


@pytest.fixture
def gw(intacct_sim_factory):
    sim = intacct_sim_factory()
    sim.admin.add_records(sim.company_id, {"VENDOR": [
        {"VENDORID": "V1", "NAME": "Swift", "CREDITLIMIT": "50000"},
        {"VENDORID": "V2", "NAME": "Knight", "CREDITLIMIT": "100"},
        {"VENDORID": "V3", "NAME": "Retired Hauler", "STATUS": "inactive"}]})
    g = Gateway(sim)
    for vendor, amount in BILLS:
        assert g.call(fn(bill(vendor=vendor, amount=amount))).status() == "success"
    return g


def query(select: str, obj: str = "APBILL", extra: str = "") -> str:
    return f"<query><object>{obj}</object><select>{select}</select>{extra}</query>"


def rows(reply, tag: str = "APBILL") -> list[dict[str, str]]:
    return [{c.tag: c.text or "" for c in r} for r in reply.result().iter(tag)]


# --------------------------------------------------------------------------- aggregates
def test_count_and_sum_group_by_the_selected_fields(gw):
    reply = gw.call(fn(query("<field>VENDORID</field><count>RECORDNO</count><sum>TOTALENTERED</sum>",
                             extra="<orderby><order><field>VENDORID</field></order></orderby>")))
    assert reply.status() == "success", reply.http.text
    data = reply.result().find("data")
    assert (data.get("listtype"), data.get("totalcount"), data.get("count")) == ("APBILL", "2", "2")
    assert rows(reply) == [{"VENDORID": "V1", "COUNT.RECORDNO": "3", "SUM.TOTALENTERED": "370.75"},
                           {"VENDORID": "V2", "COUNT.RECORDNO": "1", "SUM.TOTALENTERED": "75"}]


def test_avg_min_max_over_every_record_and_with_a_filter(gw):
    reply = gw.call(fn(query("<avg>TOTALENTERED</avg><min>TOTALENTERED</min><max>TOTALENTERED</max>"
                             "<count>RECORDNO</count>")))
    assert rows(reply) == [{"AVG.TOTALENTERED": "111.4375", "MIN.TOTALENTERED": "20.25",
                            "MAX.TOTALENTERED": "250.50", "COUNT.RECORDNO": "4"}]
    nothing = gw.call(fn(query("<count>RECORDNO</count><sum>TOTALENTERED</sum>",
                               extra="<filter><equalto><field>VENDORID</field><value>V3</value></equalto></filter>")))
    assert rows(nothing) == [{"COUNT.RECORDNO": "0", "SUM.TOTALENTERED": ""}]


def test_the_documented_tip_a_recordno_field_makes_every_count_one(gw):
    reply = gw.call(fn(query("<field>VENDORID</field><field>RECORDNO</field><count>RECORDNO</count>")))
    assert [r["COUNT.RECORDNO"] for r in rows(reply)] == ["1"] * 4


@pytest.mark.parametrize(("select", "extra", "text"), [
    ("<sum>VENDORID</sum>", "", "Invalid query: <sum> needs a numeric field; VENDORID has the value 'V1'"),
    ("<count>NOSUCHFIELD</count>", "", "Invalid field name 'NOSUCHFIELD' for object APBILL."),
    ("<count><field>RECORDNO</field></count>", "",
     "Invalid query: <count> takes a field name as text, for example <count>RECORDNO</count>"),
    ("<field>VENDORID</field><count>RECORDNO</count>",
     "<orderby><order><field>TOTALENTERED</field></order></orderby>",
     "Invalid query: with aggregates, <orderby> may use only the grouping fields in <select>; TOTALENTERED is "
     "not one of them."),
])
def test_bad_aggregates_are_refused(gw, select, extra, text):
    reply = gw.call(fn(query(select, extra=extra)))
    assert reply.status() == "failure"
    assert reply.errors()[0]["description2"] == text
