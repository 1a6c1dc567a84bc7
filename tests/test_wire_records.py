"""create / update / delete / legacy creates: validation as Sage does it, and rollback."""

from __future__ import annotations

import pytest

from intacct_harness.simulator.testing import standard_company
from tests.wire import Gateway, fn


@pytest.fixture
def gw(intacct_sim_factory):
    sim = intacct_sim_factory(standard_company(
        custom_fields={"APBILL": ["SETTLEMENT_NUMBER"], "ARINVOICE": ["LOAD_NUMBER"]},
        user_dimensions=["TRAILER"]))
    sim.admin.add_records(sim.company_id, {
        "VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}, {"VENDORID": "V-OLD", "NAME": "Gone", "STATUS": "inactive"}],
        "CUSTOMER": [{"CUSTOMERID": "C1", "NAME": "Acme"}],
        "DEPARTMENT": [{"DEPARTMENTID": "OTR", "TITLE": "Over the road"}],
        "TRAILER": [{"ID": "T-53", "NAME": "53ft dry van"}],
        "GLACCOUNT": [{"ACCOUNTNO": "6000", "TITLE": "Needs dept", "REQUIREDEPT": "true"}]})
    return Gateway(sim)


def bill(vendor="V1", account="5000", amount="100", header="", line=""):
    return (f"<create><APBILL><VENDORID>{vendor}</VENDORID><WHENCREATED>11/01/2026</WHENCREATED>{header}"
            f"<APBILLITEMS><APBILLITEM><ACCOUNTNO>{account}</ACCOUNTNO><TRX_AMOUNT>{amount}</TRX_AMOUNT>{line}"
            "</APBILLITEM></APBILLITEMS></APBILL></create>")


def first_error(reply):
    return reply.errors()[0]


def test_create_several_objects_in_one_function(gw):
    reply = gw.call(fn("<create><CLASS><CLASSID>UT01</CLASSID><NAME>a</NAME></CLASS>"
                       "<CLASS><CLASSID>UT02</CLASSID><NAME>b</NAME></CLASS></create>"))
    data = reply.result().find("data")
    assert (data.get("listtype"), data.get("count")) == ("objects", "2")
    assert [c.findtext("CLASSID") for c in data.findall("class")] == ["UT01", "UT02"]
    assert all(c.findtext("RECORDNO").isdigit() for c in data.findall("class"))


def test_duplicate_id_gives_bl34000061_then_bl01001973(gw):
    gw.call(fn("<create><CLASS><CLASSID>UT01</CLASSID><NAME>a</NAME></CLASS></create>"))
    reply = gw.call(fn("<create><CLASS><CLASSID>UT01</CLASSID><NAME>a</NAME></CLASS></create>"))
    assert reply.errors() == [
        {"errorno": "BL34000061", "description": "",
         "description2": "Another Class with the given value(s) UT01  already exists",
         "correction": "Use a unique value instead."},
        {"errorno": "BL01001973", "description": "", "description2": "Could not create class record!",
         "correction": ""},
        {"errorno": "BL01001973", "description": "", "description2": "Could not create Class record!",
         "correction": ""}]


def test_function_is_atomic_when_one_object_fails(gw):
    reply = gw.call(fn("<create><CLASS><CLASSID>OK1</CLASSID><NAME>a</NAME></CLASS>"
                       "<CLASS><NAME>no id</NAME></CLASS></create>"))
    assert reply.status() == "failure"
    assert gw.sim.records("CLASS") == []


@pytest.mark.parametrize(("kwargs", "text"), [
    ({"vendor": "NOPE"}, "Vendor 'NOPE' specified is not valid."),
    ({"account": "9999"}, "Account 9999 is not valid"),
    ({"line": "<DEPARTMENTID>XX</DEPARTMENTID>"}, "Department 'XX' specified is not valid."),
    ({"line": "<LOCATIONID>L9</LOCATIONID>"}, "Location 'L9' is not valid"),
    ({"line": "<PROJECTID>10064</PROJECTID>"}, "Invalid Project '10064' specified."),
    ({"account": "6000"}, "This transaction is missing the Department dimension for the Account 6000"),
    ({"line": "<GLDIMTRAILER>T-99</GLDIMTRAILER>"}, "Invalid Trailer 'T-99' specified."),
])
def test_references_must_exist(gw, kwargs, text):
    reply = gw.call(fn(bill(**kwargs)))
    errs = reply.errors()
    assert errs[0]["errorno"] == "BL01001973"
    assert errs[0]["description2"].startswith(text + " [Support ID: ")
    assert errs[1]["description2"] == "Could not create apbill record!"


def test_inactive_vendor_says_how_to_fix(gw):
    err = first_error(gw.call(fn(bill(vendor="V-OLD"))))
    assert err["description2"].startswith("Vendor 'V-OLD' specified is not valid.")
    assert err["correction"] == "Activate the vendor V-OLD, then try again."


def test_valid_dimensions_custom_fields_and_udd(gw):
    reply = gw.call(fn(bill(header="<SETTLEMENT_NUMBER>S-1</SETTLEMENT_NUMBER>",
                            line="<DEPARTMENTID>OTR</DEPARTMENTID><GLDIMTRAILER>T-53</GLDIMTRAILER>")))
    assert reply.status() == "success", reply.http.text
    rec = gw.sim.records("APBILL")[0]
    assert rec["SETTLEMENT_NUMBER"] == "S-1"
    assert rec["APBILLITEMS"]["APBILLITEM"][0]["GLDIMTRAILER"] == "T-53"
    assert rec["TOTALDUE"] == "100" and rec["STATE"] == "Posted"


@pytest.mark.parametrize(("xml", "errorno", "fragment"), [
    (bill(header="<BOGUS>1</BOGUS>"), "PL03000002", "Field 'BOGUS' is not defined on object APBILL."),
    (bill(line="<BOGUS>1</BOGUS>"), "PL03000002", "Field 'BOGUS' is not defined on object APBILLITEM."),
    (bill(amount="ten"), "BL01001975", "Invalid value 'ten' for field TRX_AMOUNT: expected a number."),
    (bill(amount="NaN"), "BL01001975", "expected a number"),
    (bill().replace("11/01/2026", "2026-11-01"), "BL01001975", "expected a date in the format MM/DD/YYYY"),
    (bill().replace("11/01/2026", "02/30/2026"), "BL01001975", "expected a date"),
    (bill().replace("<VENDORID>V1</VENDORID>", ""), "BL03000018", "Required field VENDORID is missing on APBILL."),
    ("<create><APBILL><VENDORID>V1</VENDORID><WHENCREATED>11/01/2026</WHENCREATED></APBILL></create>",
     "BL03000018", "Required field APBILLITEMS"),
    ("<create><NOTANOBJECT><X>1</X></NOTANOBJECT></create>", "Query Failed",
     "Object definition NOTANOBJECT not found"),
    ("<create><CUSTOMER><CUSTOMERID>C9</CUSTOMERID><NAME>x</NAME><STATUS>maybe</STATUS></CUSTOMER></create>",
     "BL01001975", "expected active or inactive"),
    ("<create></create>", "XL03000004", "create requires at least one object element."),
    ("<create_invoice><customerid>C1</customerid><datecreated><year>2026</year><month>13</month><day>1</day>"
     "</datecreated><invoiceitems><lineitem><glaccountno>4000</glaccountno><amount>1</amount></lineitem>"
     "</invoiceitems></create_invoice>", "BL01001975", "datecreated"),
])
def test_bad_values_are_clear_function_errors(gw, xml, errorno, fragment):
    reply = gw.call(fn(xml))
    assert reply.control_status == "success"
    assert reply.status() == "failure"
    err = first_error(reply)
    assert err["errorno"] == errorno
    assert fragment in err["description2"]


def test_an_element_the_dtd_does_not_allow_fails_the_whole_request(gw):
    reply = gw.call(fn("<create_invoice><customerid>C1</customerid><bogus>1</bogus></create_invoice>"))
    assert (reply.control_status, reply.errornos()) == ("failure", ["XL03000003"])
    assert "Element 'bogus': This element is not expected. Expected is one of ( datecreated )." in \
        first_error(reply)["description2"]


def test_legacy_create_invoice_and_bill_answer_with_key(gw):
    reply = gw.call(fn(
        "<create_invoice><customerid>C1</customerid><datecreated><year>2026</year><month>11</month><day>2</day>"
        "</datecreated><datedue><year>2026</year><month>12</month><day>2</day></datedue><invoiceno>LOAD-7</invoiceno>"
        "<description>Load 7</description><customfields><customfield><customfieldname>LOAD_NUMBER</customfieldname>"
        "<customfieldvalue>7</customfieldvalue></customfield></customfields><invoiceitems><lineitem>"
        "<glaccountno>4000</glaccountno><amount>1200.50</amount><memo>Linehaul</memo></lineitem><lineitem>"
        "<glaccountno>4100</glaccountno><amount>99.50</amount><departmentid>OTR</departmentid></lineitem>"
        "</invoiceitems></create_invoice>") +
        fn("<create_bill><vendorid>V1</vendorid><datecreated><year>2026</year><month>11</month><day>2</day>"
           "</datecreated><billno>SET-1</billno><billitems><lineitem><glaccountno>5000</glaccountno>"
           "<amount>10</amount></lineitem></billitems></create_bill>", "f2"))
    assert [c.tag for c in reply.result(0)] == ["status", "function", "controlid", "key"]
    inv = gw.sim.records("ARINVOICE")[0]
    assert inv["RECORDNO"] == reply.result(0).findtext("key")
    assert (inv["RECORDID"], inv["WHENCREATED"], inv["WHENDUE"], inv["TOTALENTERED"], inv["CUSTOMERNAME"]) == \
        ("LOAD-7", "11/02/2026", "12/02/2026", "1300.00", "Acme")
    assert len(inv["ARINVOICEITEMS"]["ARINVOICEITEM"]) == 2
    assert gw.sim.records("APBILL")[0]["RECORDID"] == "SET-1"


def test_update_and_delete(gw):
    reply = gw.call(fn("<update><VENDOR><VENDORID>V1</VENDORID><NAME>Swift Transport</NAME></VENDOR></update>"))
    assert reply.result().find("data/vendor").findtext("VENDORID") == "V1"
    assert {v["VENDORID"]: v["NAME"] for v in gw.sim.records("VENDOR")}["V1"] == "Swift Transport"
    reply = gw.call(fn("<update><VENDOR><VENDORID>NOPE</VENDORID><NAME>x</NAME></VENDOR></update>"))
    assert first_error(reply)["description2"] == "Cannot update non-existing VENDOR with VENDORID=NOPE."
    reply = gw.call(fn("<delete><object>CLASS</object><keys>UT01</keys></delete>"))
    assert first_error(reply)["description2"] == "Cannot find class with key 'UT01' to delete."
    recordno = {v["VENDORID"]: v["RECORDNO"] for v in gw.sim.records("VENDOR")}["V-OLD"]
    reply = gw.call(fn(f"<delete><object>VENDOR</object><keys>{recordno}</keys></delete>"))
    assert [c.tag for c in reply.result()] == ["status", "function", "controlid"]
    assert "V-OLD" not in {v["VENDORID"] for v in gw.sim.records("VENDOR")}


def test_update_by_recordno_and_to_a_taken_id(gw):
    gw.call(fn("<create><VENDOR><VENDORID>V2</VENDORID><NAME>Two</NAME></VENDOR></create>"))
    recordno = {v["VENDORID"]: v["RECORDNO"] for v in gw.sim.records("VENDOR")}["V2"]
    reply = gw.call(fn(f"<update><VENDOR><RECORDNO>{recordno}</RECORDNO><VENDORID>V1</VENDORID></VENDOR></update>"))
    assert first_error(reply)["errorno"] == "BL34000061"
    reply = gw.call(fn(f"<update><VENDOR><RECORDNO>{recordno}</RECORDNO><VENDORID>V3</VENDORID></VENDOR></update>"))
    assert reply.status() == "success"
    assert "V3" in {v["VENDORID"] for v in gw.sim.records("VENDOR")}


def test_transaction_true_rolls_everything_back(gw):
    reply = gw.call(fn("<create><CLASS><CLASSID>K1</CLASSID><NAME>kept?</NAME></CLASS></create>", "func1UnitTest")
                    + fn(bill(vendor="NOPE"), "func2UnitTest")
                    + fn("<create><CLASS><CLASSID>K2</CLASSID><NAME>never</NAME></CLASS></create>", "f3"),
                    transaction=True)
    assert [r.findtext("status") for r in reply.results()] == ["aborted", "failure", "aborted"]
    rolled = {"errorno": "XL03000009", "description": "", "correction": "",
              "description2": "The entire transaction in this operation has been rolled back due to an error."}
    assert reply.errors(reply.result(0)) == [rolled]
    assert reply.errors(reply.result(1))[-1] == rolled
    assert reply.errors(reply.result(1))[0]["errorno"] == "BL01001973"
    assert reply.result(0).find("data") is None
    assert gw.sim.records("CLASS") == []


def test_without_transaction_other_functions_still_succeed(gw):
    reply = gw.call(fn("<create><CLASS><CLASSID>K1</CLASSID><NAME>a</NAME></CLASS></create>")
                    + fn(bill(vendor="NOPE"), "f2"))
    assert [reply.status(0), reply.status(1)] == ["success", "failure"]
    assert [c["CLASSID"] for c in gw.sim.records("CLASS")] == ["K1"]


def test_usage_counts_records_written_and_query_pages(gw):
    before = sum(gw.sim.admin.usage(gw.sim.company_id).values())
    gw.call(fn("<create><CLASS><CLASSID>A</CLASSID><NAME>a</NAME></CLASS><CLASS><CLASSID>B</CLASSID><NAME>b</NAME>"
               "</CLASS></create>") + fn(bill(), "f2")
            + fn("<readByQuery><object>CLASS</object><query/><fields>*</fields><pagesize>1</pagesize></readByQuery>",
                 "f3") + fn(bill(vendor="NOPE"), "f4"))
    # 2 classes + 1 bill (lines do not count) + 1 query page; failures are not billed
    assert sum(gw.sim.admin.usage(gw.sim.company_id).values()) - before == 4


def test_unknown_function_fails_the_request_before_any_function_runs(gw):
    reply = gw.call(fn(bill()) + fn("<frobnicate/>", "f2"))
    assert reply.control_status == "failure" and reply.results() == []
    assert first_error(reply)["errorno"] == "XL03000003"
    assert gw.sim.records("APBILL") == []


def test_closed_period_refuses_transactions_dated_in_it(gw):
    gw.sim.admin.change_company(gw.sim.company_id, closed_through="10/31/2026")
    reply = gw.call(fn(bill().replace("11/01/2026", "10/15/2026")) + fn(bill(), "f2"))
    assert reply.status(0) == "failure"
    err = reply.errors(reply.result(0))[0]
    assert err["description2"].startswith("Date must be on or after 11/01/2026")
    assert reply.status(1) == "success"
    gw.sim.admin.change_company(gw.sim.company_id, closed_through=None)
    assert gw.call(fn(bill().replace("11/01/2026", "10/15/2026"))).status() == "success"
