"""read / readByName / readByQuery + readMore / query / inspect / getDimensions over the wire."""

from __future__ import annotations

import pytest

from intacct_harness.simulator.testing import standard_company
from tests.wire import Gateway, fn


@pytest.fixture
def gw(intacct_sim_factory):
    sim = intacct_sim_factory(standard_company(user_dimensions=["TRAILER"], custom_fields={"VENDOR": ["SCAC"]}))
    vendors = [{"VENDORID": f"V{i:03d}", "NAME": f"Carrier {i:03d}", "CREDITLIMIT": str(i * 10)} for i in range(25)]
    vendors += [{"VENDORID": "DUP1", "NAME": "Swift Transport"}, {"VENDORID": "DUP2", "NAME": "SWIFT TRANSPORT"},
                {"VENDORID": "Q1", "NAME": "O'Brien Hauling", "STATUS": "inactive", "SCAC": "OBHL"}]
    sim.admin.add_records(sim.company_id, {"VENDOR": vendors})
    return Gateway(sim)


def rbq(query, fields="VENDORID", pagesize=100, obj="VENDOR"):
    return (f"<readByQuery><object>{obj}</object><query>{query}</query><fields>{fields}</fields>"
            f"<pagesize>{pagesize}</pagesize><returnFormat>xml</returnFormat></readByQuery>")


def ids(result, tag="vendor", field="VENDORID"):
    return [r.findtext(field) for r in result.iter(tag)]


def test_read_by_query_pages_and_read_more(gw):
    reply = gw.call(fn(rbq("VENDORID LIKE 'V%'", pagesize=10)))
    data = reply.result().find("data")
    assert {k: data.get(k) for k in ("listtype", "count", "totalcount", "numremaining")} == \
        {"listtype": "vendor", "count": "10", "totalcount": "25", "numremaining": "15"}
    result_id = data.get("resultId")
    assert result_id
    seen = ids(reply.result())
    while True:
        more = gw.call(fn(f"<readMore><resultId>{result_id}</resultId></readMore>"))
        data = more.result().find("data")
        seen += ids(more.result())
        if data.get("numremaining") == "0":
            assert data.get("resultId") == ""
            break
    assert seen == [f"V{i:03d}" for i in range(25)]
    expired = gw.call(fn(f"<readMore><resultId>{result_id}</resultId></readMore>"))
    assert expired.errors()[0]["errorno"] == "readMore failed"
    assert expired.errors()[0]["description2"] == \
        f"Attempt to readMore with an invalid or expired resultId: {result_id}"


def test_result_id_expires_with_time(gw):
    result_id = gw.call(fn(rbq("", pagesize=1))).result().find("data").get("resultId")
    gw.sim.admin.advance_clock(31 * 60)
    assert gw.call(fn(f"<readMore><resultId>{result_id}</resultId></readMore>")).status() == "failure"


def test_empty_result_shape(gw):
    data = gw.call(fn(rbq("VENDORID = 'NONE'"))).result().find("data")
    assert dict(data.attrib) == {"listtype": "vendor", "count": "0", "totalcount": "0", "numremaining": "0",
                                 "resultId": ""}


@pytest.mark.parametrize(("query", "expected"), [
    ("VENDORID = 'V001'", ["V001"]),
    ("NAME = 'Swift Transport'", ["DUP1"]),                       # = is case-sensitive
    ("CREDITLIMIT >= 220", ["V022", "V023", "V024"]),               # numeric comparison
    ("CREDITLIMIT < 20 AND VENDORID <> 'V000'", ["V001"]),
    ("VENDORID IN ('V003', 'Q1') OR NAME LIKE 'SWIFT%'", ["V003", "DUP2", "Q1"]),
    ("STATUS = 'inactive'", ["Q1"]),
    ("NAME = 'O''Brien Hauling'", ["Q1"]),
    ("SCAC IS NOT NULL", ["Q1"]),
    ("(VENDORID = 'V001' OR VENDORID = 'V002') AND CREDITLIMIT > 10", ["V002"]),
])
def test_query_language(gw, query, expected):
    reply = gw.call(fn(rbq(query.replace("<", "&lt;").replace(">", "&gt;"))))
    assert reply.status() == "success", reply.http.text
    assert ids(reply.result()) == expected


@pytest.mark.parametrize(("query", "fragment"), [
    ("VENDORID = ", "Invalid query"),
    ("NOSUCHFIELD = 'x'", "Invalid field name 'NOSUCHFIELD'"),
    ("VENDORID = 'x' AND (", "Invalid query"),
])
def test_bad_queries_are_query_failed(gw, query, fragment):
    reply = gw.call(fn(rbq(query)))
    assert reply.errors()[0]["errorno"] == "Query Failed"
    assert fragment in reply.errors()[0]["description2"]


@pytest.mark.parametrize("pagesize", ["0", "1001", "abc"])
def test_pagesize_limits(gw, pagesize):
    reply = gw.call(fn(rbq("", pagesize=pagesize)))
    assert reply.errors()[0]["description2"].startswith("pagesize must be a whole number from 1 to 1000")


def test_unknown_field_in_fields_list(gw):
    assert "Invalid field name 'BOGUS'" in gw.call(fn(rbq("", fields="VENDORID,BOGUS"))).errors()[0]["description2"]


def test_unknown_object_read(gw):
    reply = gw.call(fn(rbq("", obj="VENDOR2")))
    assert reply.errors()[0]["description2"] == "Object definition VENDOR2 not found"


def test_query_function_filter_order_offset_case_insensitive(gw):
    q = ("<query><select><field>VENDORID</field><field>NAME</field></select><object>VENDOR</object>"
         "<filter><equalto><field>NAME</field><value>swift transport</value></equalto></filter>"
         "<options><caseinsensitive>true</caseinsensitive></options></query>")
    reply = gw.call(fn(q))
    assert ids(reply.result(), "VENDOR") == ["DUP1", "DUP2"]
    assert [c.tag for c in reply.result().find("data/VENDOR")] == ["VENDORID", "NAME"]
    q = ("<query><select><field>VENDORID</field></select><object>VENDOR</object>"
         "<filter><like><field>VENDORID</field><value>V%</value></like></filter>"
         "<orderby><order><field>CREDITLIMIT</field><descending/></order></orderby>"
         "<pagesize>5</pagesize><offset>5</offset></query>")
    data = gw.call(fn(q)).result().find("data")
    assert {k: data.get(k) for k in ("listtype", "count", "totalcount", "offset", "numremaining")} == \
        {"listtype": "VENDOR", "count": "5", "totalcount": "25", "offset": "5", "numremaining": "15"}
    assert ids(data, "VENDOR") == ["V019", "V018", "V017", "V016", "V015"]


def test_query_needs_select(gw):
    reply = gw.call(fn("<query><object>VENDOR</object></query>"))
    assert reply.errors()[0]["errorno"] == "Query Failed"


def test_read_uses_uppercase_and_record_numbers(gw):
    recordnos = {v["VENDORID"]: v["RECORDNO"] for v in gw.sim.records("VENDOR")}
    keys = f"{recordnos['V001']},{recordnos['Q1']},999999"
    reply = gw.call(fn(f"<read><object>VENDOR</object><keys>{keys}</keys><fields>VENDORID,NAME</fields></read>"))
    data = reply.result().find("data")
    assert (data.get("listtype"), data.get("count")) == ("VENDOR", "2")
    assert ids(data, "VENDOR") == ["V001", "Q1"]
    reply = gw.call(fn("<readByName><object>VENDOR</object><keys>V002,NOPE</keys><fields>*</fields></readByName>"))
    assert ids(reply.result(), "VENDOR") == ["V002"]
    assert reply.result().find("data/VENDOR/MEGAENTITYID") is not None


def test_inspect_and_dimensions(gw):
    reply = gw.call(fn('<inspect detail="0"><object>VENDOR</object></inspect>')
                    + fn('<inspect><object>*</object></inspect>', "f2") + fn("<getDimensions/>", "f3"))
    fields = [f.text for f in reply.result(0).iter("Field")]
    assert "VENDORID" in fields and "SCAC" in fields
    assert "TRAILER" in [t.text for t in reply.result(1).iter("type")]
    dims = [(d.findtext("objectName"), d.findtext("userDefinedDimension"), d.findtext("enabledInGL"))
            for d in reply.result(2).iter("dimension")]
    assert dims[:11] == [(n, "false", "true") for n in ("DEPARTMENT", "LOCATION", "PROJECT", "CUSTOMER", "VENDOR",
                                                         "EMPLOYEE", "ITEM", "CLASS", "CONTRACT", "TASK",
                                                         "WAREHOUSE")]
    assert dims[11:] == [("COSTTYPE", "false", "false"), ("FIXEDASSET", "false", "false"),
                         ("TRAILER", "true", "true")]


def test_index_lookups_return_what_a_scan_would(gw):
    sim = gw.sim
    bills = "<create>" + "".join(
        f"<APBILL><VENDORID>V00{i}</VENDORID><WHENCREATED>11/01/2026</WHENCREATED><RECORDID>B-{i}</RECORDID>"
        "<APBILLITEMS><APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>1</TRX_AMOUNT></APBILLITEM></APBILLITEMS>"
        "</APBILL>" for i in range(1, 4)) + "</create>"
    assert "failure" not in gw.call(fn(bills)).http.text
    by_docno = gw.call(fn(rbq("RECORDID IN ('B-1', 'B-3', 'B-9')", fields="RECORDID", obj="APBILL")))
    assert ids(by_docno.result(), "apbill", "RECORDID") == ["B-1", "B-3"]
    either = gw.call(fn(rbq("VENDORID = 'V001' OR VENDORID = 'V003'")))
    assert ids(either.result()) == ["V001", "V003"]
    narrowed = gw.call(fn(rbq("VENDORID IN ('V001', 'V002') AND CREDITLIMIT > 10")))
    assert ids(narrowed.result()) == ["V002"]
    # '=' compares numbers by value, which a text index cannot: numeric-looking keys fall back to a scan
    assert [a.findtext("ACCOUNTNO") for a in gw.call(fn(rbq("ACCOUNTNO = '5000.0'", fields="ACCOUNTNO",
                                                             obj="GLACCOUNT"))).result().iter("glaccount")] == ["5000"]
    assert sim.records("APBILL")[0]["RECORDID"] == "B-1"


def test_userinfo_shows_the_company_users(intacct_sim_factory):
    sim = intacct_sim_factory(standard_company(users=[
        {"id": "alvys_ws", "password": "sim-user-secret", "roles": ["Alvys Integration"]},
        {"id": "clerk", "password": "x", "type": "employee", "status": "locked"}]))
    q = ("<query><select><field>LOGINID</field><field>USERTYPE</field><field>STATUS</field></select>"
         "<object>USERINFO</object><filter><equalto><field>LOGINID</field><value>clerk</value></equalto></filter>"
         "</query>")
    row = Gateway(sim).call(fn(q)).result().find("data/USERINFO")
    assert (row.findtext("LOGINID"), row.findtext("USERTYPE"), row.findtext("STATUS")) == \
        ("clerk", "employee user", "locked out")
    assert "sim-user-secret" not in Gateway(sim).call(fn(rbq("", fields="*", obj="USERINFO"))).http.text
