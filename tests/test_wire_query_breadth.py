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
    ("<sum>VENDORID</sum>", "", "Invalid query: 'sum' needs a numeric field; VENDORID has the value 'V1'"),
    ("<count>NOSUCHFIELD</count>", "", "Invalid field name 'NOSUCHFIELD' for object APBILL."),
    ("<count><field>RECORDNO</field></count>", "",
     "Invalid query: 'count' takes a field name as text, for example 'count' holding RECORDNO"),
    ("<field>VENDORID</field><count>RECORDNO</count>",
     "<orderby><order><field>TOTALENTERED</field></order></orderby>",
     "Invalid query: with aggregates, 'orderby' may use only the grouping fields in 'select'; TOTALENTERED is "
     "not one of them."),
])
def test_bad_aggregates_are_refused(gw, select, extra, text):
    reply = gw.call(fn(query(select, extra=extra)))
    assert reply.status() == "failure"
    assert reply.errors()[0]["description2"] == text


# --------------------------------------------------------------------------- database characters
def rbq(obj: str, q: str, fields: str = "RECORDNO", pagesize: int = 100) -> str:
    return (f"<readByQuery><object>{obj}</object><query>{q}</query><fields>{fields}</fields>"
            f"<pagesize>{pagesize}</pagesize></readByQuery>")


def found(reply, i: int, tag: str, field: str) -> list[str]:
    return [r.findtext(field) for r in reply.result(i).iter(tag)]


def test_status_and_state_by_their_database_characters(gw):
    reply = gw.call(fn(rbq("VENDOR", "STATUS = 'T'", "VENDORID")) + fn(rbq("VENDOR", "STATUS = 'F'", "VENDORID"), "f2")
                    + fn(rbq("VENDOR", "STATUS IN ('F') OR VENDORID = 'V2'", "VENDORID"), "f3")
                    + fn(rbq("VENDOR", "STATUS = 'active'", "VENDORID"), "f4")
                    + fn(rbq("APBILL", "STATE='A'", "STATE"), "f5") + fn(rbq("APBILL", "STATE = 'P'"), "f6")
                    + fn(rbq("VENDOR", "NOT STATUS = 'T'", "VENDORID"), "f7"))
    assert found(reply, 0, "vendor", "VENDORID") == ["V1", "V2"]
    assert found(reply, 1, "vendor", "VENDORID") == ["V3"]
    assert found(reply, 2, "vendor", "VENDORID") == ["V2", "V3"]
    assert found(reply, 3, "vendor", "VENDORID") == ["V1", "V2"]   # the term the record shows still matches
    assert found(reply, 4, "apbill", "STATE") == ["Posted"] * 4
    assert found(reply, 5, "apbill", "RECORDNO") == []
    assert found(reply, 6, "vendor", "VENDORID") == ["V3"]


def test_usertype_b_lists_business_users(gw):
    reply = gw.call(fn(rbq("USERINFO", "usertype = 'B'", "LOGINID,USERTYPE")))
    assert [(u.findtext("LOGINID"), u.findtext("USERTYPE")) for u in reply.result().iter("userinfo")] == \
        [("alvys_ws", "business user")]


# --------------------------------------------------------------------------- readMore by object
def test_read_more_by_object_continues_the_sessions_read_by_query(gw):
    auth = gw.session()
    first = gw.call(fn(rbq("APBILL", "", pagesize=3)), auth=auth)
    assert first.result().find("data").get("numremaining") == "1"
    more = gw.call(fn("<readMore><object>APBILL</object></readMore>"), auth=auth)
    assert more.status() == "success", more.http.text
    data = more.result().find("data")
    assert (data.get("count"), data.get("numremaining"), data.get("resultId")) == ("1", "0", "")
    assert len(set(found(first, 0, "apbill", "RECORDNO") + found(more, 0, "apbill", "RECORDNO"))) == 4
    done = gw.call(fn("<readMore><object>apbill</object></readMore>"), auth=auth)
    assert done.errors()[0] == {
        "errorno": "readMore failed", "description": "",
        "description2": "Attempt to readMore on object apbill with no readByQuery of it still paging in this session.",
        "correction": "Send readByQuery first, from the same session, or readMore with the resultId it answered."}


def test_read_more_by_object_is_per_session(gw):
    first = gw.session()
    gw.call(fn(rbq("APBILL", "", pagesize=1)), auth=first)
    other = gw.call(fn("<readMore><object>APBILL</object></readMore>"), auth=gw.session())
    assert other.status() == "failure"
    same = gw.call(fn("<readMore><object>APBILL</object></readMore>"), auth=first)
    assert same.result().find("data").get("numremaining") == "2"


# --------------------------------------------------------------------------- related-object fields
def test_vendor_fields_on_bills_in_select_and_filter(gw):
    reply = gw.call(fn(query("<field>RECORDNO</field><field>VENDOR.NAME</field><field>VENDOR.CREDITLIMIT</field>",
                             extra="<filter><greaterthan><field>VENDOR.CREDITLIMIT</field><value>1000</value>"
                                   "</greaterthan></filter>")))
    assert reply.status() == "success", reply.http.text
    assert {(r["VENDOR.NAME"], r["VENDOR.CREDITLIMIT"]) for r in rows(reply)} == {("Swift", "50000")}
    assert len(rows(reply)) == 3
    grouped = gw.call(fn(query("<field>VENDOR.NAME</field><sum>TOTALENTERED</sum>",
                               extra="<orderby><order><field>VENDOR.NAME</field></order></orderby>")))
    assert rows(grouped) == [{"VENDOR.NAME": "Knight", "SUM.TOTALENTERED": "75"},
                             {"VENDOR.NAME": "Swift", "SUM.TOTALENTERED": "370.75"}]


def test_customer_fields_on_invoices_and_contact_fields_on_employees(gw):
    gw.sim.admin.add_records(gw.sim.company_id, {
        "CUSTOMER": [{"CUSTOMERID": "C1", "NAME": "Acme Freight"}],
        "CONTACT": [{"CONTACTNAME": "Lee, Pat", "PRINTAS": "Pat Lee", "FIRSTNAME": "Pat", "LASTNAME": "Lee",
                     "EMAIL1": "pat@example.com"}]})
    invoice = ("<create_invoice><customerid>C1</customerid><datecreated><year>2026</year><month>11</month>"
               "<day>1</day></datecreated><invoiceitems><lineitem><glaccountno>4000</glaccountno><amount>50</amount>"
               "</lineitem></invoiceitems></create_invoice>")
    employee = ("<create><EMPLOYEE><EMPLOYEEID>E1</EMPLOYEEID><PERSONALINFO><CONTACTNAME>Lee, Pat</CONTACTNAME>"
                "</PERSONALINFO></EMPLOYEE></create>")
    made = gw.call(fn(invoice) + fn(employee, "f2"))
    assert [made.status(0), made.status(1)] == ["success", "success"], made.http.text
    reply = gw.call(fn(query("<field>CUSTOMERID</field><field>CUSTOMER.NAME</field>", "ARINVOICE",
                             "<filter><like><field>CUSTOMER.NAME</field><value>Acme%</value></like></filter>"))
                    + fn(query("<field>EMPLOYEEID</field><field>CONTACT.FIRSTNAME</field><field>CONTACT.EMAIL1</field>",
                               "EMPLOYEE", "<filter><equalto><field>CONTACT.LASTNAME</field><value>Lee</value>"
                                           "</equalto></filter>"), "f2"))
    assert rows(reply, "ARINVOICE") == [{"CUSTOMERID": "C1", "CUSTOMER.NAME": "Acme Freight"}]
    assert [{c.tag: c.text for c in r} for r in reply.result(1).iter("EMPLOYEE")] == [
        {"EMPLOYEEID": "E1", "CONTACT.FIRSTNAME": "Pat", "CONTACT.EMAIL1": "pat@example.com"}]


@pytest.mark.parametrize(("body", "text"), [
    (query("<field>VENDOR.NOSUCH</field>"), "Invalid field name 'VENDOR.NOSUCH' for object APBILL."),
    (query("<field>CARRIER.NAME</field>"), "Invalid field name 'CARRIER.NAME' for object APBILL."),
    (rbq("APBILL", "VENDOR.NAME = 'Swift'"), "Invalid field name 'VENDOR.NAME' in query for object APBILL."),
])
def test_unknown_related_fields_and_readbyquery_joins_are_refused(gw, body, text):
    reply = gw.call(fn(body))
    assert reply.status() == "failure"
    assert reply.errors()[0]["description2"] == text
