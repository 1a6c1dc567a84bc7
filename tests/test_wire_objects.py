"""Objects a connector syncs, on the wire and through the fylein SDK: CONTACT and the employee's contact, the
documented fields of the objects already modelled, line objects read on their own, and legacy delete_customer /
delete_vendor refused while something still names the record."""

from __future__ import annotations

import pytest
from sageintacctsdk.exceptions import WrongParamsError

from intacct_harness.simulator.testing import standard_company
from tests.test_sdk_compat import _first_error, connect, live, sdk  # noqa: F401  (fixtures)
from tests.wire import Gateway, fn

DAY = "<year>2026</year><month>11</month><day>3</day>"


@pytest.fixture
def gw(intacct_company):
    intacct_company.admin.add_records(intacct_company.company_id, {
        "VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}], "CUSTOMER": [{"CUSTOMERID": "C1", "NAME": "Acme"},
                                                                     {"CUSTOMERID": "C2", "NAME": "Idle"}]})
    return Gateway(intacct_company)


def contact(name="Dana Driver", printas="Dana D.", extra=""):
    return (f"<create><CONTACT><CONTACTNAME>{name}</CONTACTNAME><PRINTAS>{printas}</PRINTAS><FIRSTNAME>Dana"
            f"</FIRSTNAME><EMAIL1>dana@example.com</EMAIL1>{extra}</CONTACT></create>")


def employee(contact_name="Dana Driver", employee_id="E1"):
    return (f"<create><EMPLOYEE><EMPLOYEEID>{employee_id}</EMPLOYEEID><PERSONALINFO><CONTACTNAME>{contact_name}"
            "</CONTACTNAME></PERSONALINFO></EMPLOYEE></create>")


def rbq(obj, query="", fields="*"):
    return f"<readByQuery><object>{obj}</object><fields>{fields}</fields><query>{query}</query></readByQuery>"


def test_contact_create_read_and_refusals(gw):
    assert gw.call(fn(contact())).status() == "success"
    row = gw.call(fn("<readByName><object>CONTACT</object><keys>Dana Driver</keys><fields>*</fields></readByName>"))
    assert row.result().findtext("data/CONTACT/EMAIL1") == "dana@example.com"
    again = gw.call(fn(contact()))
    assert again.errors()[0]["description2"] == "Another Contact with the given value(s) Dana Driver  already exists"
    missing = gw.call(fn("<create><CONTACT><CONTACTNAME>X</CONTACTNAME></CONTACT></create>"))
    assert missing.errors()[0]["description2"] == "Required field PRINTAS is missing on CONTACT."
    status = gw.call(fn(contact("Y", extra="<STATUS>gone</STATUS>")))
    assert status.errors()[0]["description2"].startswith("Invalid value 'gone' for field STATUS")


def test_an_employee_names_an_existing_contact_and_reads_it_as_contact(gw):
    unknown = gw.call(fn(employee("Nobody")))
    assert unknown.errors()[0]["description2"].startswith("Contact 'Nobody' specified is not valid.")
    assert gw.call(fn("<create><EMPLOYEE><EMPLOYEEID>E9</EMPLOYEEID></EMPLOYEE></create>")).errors()[0][
        "description2"] == "Required field PERSONALINFO is missing on EMPLOYEE."
    gw.call(fn(contact()))
    assert gw.call(fn(employee())).status() == "success"
    row = gw.call(fn("<query><object>EMPLOYEE</object><select><field>EMPLOYEEID</field><field>CONTACT.FIRSTNAME"
                     "</field><field>CONTACT.EMAIL1</field><field>CONTACTKEY</field></select></query>"))
    emp = row.result().find("data/EMPLOYEE")
    assert (emp.findtext("CONTACT.FIRSTNAME"), emp.findtext("CONTACT.EMAIL1")) == ("Dana", "dana@example.com")
    assert emp.findtext("CONTACTKEY").isdigit()
    moved = gw.call(fn("<update><CONTACT><CONTACTNAME>Dana Driver</CONTACTNAME><EMAIL1>dana@carrier.example</EMAIL1>"
                       "</CONTACT></update>"))
    assert moved.status() == "success"
    row = gw.call(fn("<query><object>EMPLOYEE</object><select><field>CONTACT.EMAIL1</field></select></query>"))
    assert row.result().findtext("data/EMPLOYEE/CONTACT.EMAIL1") == "dana@carrier.example"
    in_use = gw.call(fn("<delete><object>CONTACT</object><keys>Dana Driver</keys></delete>"))
    assert in_use.errors()[0]["description2"].startswith("Contact Dana Driver cannot be deleted: Employee ")


def test_documented_fields_are_accepted_and_read(gw):
    reply = gw.call(fn(
        "<create><APBILL><VENDORID>V1</VENDORID><WHENCREATED>11/01/2026</WHENCREATED><INCLUSIVETAX>false"
        "</INCLUSIVETAX><APBILLITEMS><APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>10</TRX_AMOUNT>"
        "<TOTALTRXAMOUNT>10</TOTALTRXAMOUNT></APBILLITEM></APBILLITEMS></APBILL></create>")
        + fn("<create><PROJECT><PROJECTID>P1</PROJECTID><NAME>Lane</NAME><CUSTOMERID>C1</CUSTOMERID>"
             "<PROJECTTYPE>Haul</PROJECTTYPE></PROJECT></create>", "f2")
        + fn("<create><TASK><TASKID>T1</TASKID><NAME>Load</NAME><PROJECTID>P1</PROJECTID></TASK></create>", "f3"))
    assert [reply.status(i) for i in range(3)] == ["success"] * 3, reply.http.text
    query = gw.call(fn("<query><object>PROJECT</object><select><field>PROJECTID</field><field>CUSTOMERNAME</field>"
                       "<field>PROJECTTYPE</field></select></query>")
                    + fn("<query><object>TASK</object><select><field>TASKID</field><field>PROJECTNAME</field>"
                         "</select></query>", "f2"))
    assert [reply.status(i) for i in range(2)] == ["success"] * 2, query.http.text
    assert query.result().findtext("data/PROJECT/PROJECTTYPE") == "Haul"
    bad = gw.call(fn("<create><APBILL><VENDORID>V1</VENDORID><WHENCREATED>11/01/2026</WHENCREATED><APBILLITEMS>"
                     "<APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>10</TRX_AMOUNT><TOTALTRXAMOUNT>ten"
                     "</TOTALTRXAMOUNT></APBILLITEM></APBILLITEMS></APBILL></create>"))
    assert bad.errors()[0]["description2"].startswith("Invalid value 'ten' for field TOTALTRXAMOUNT")
    readonly = gw.call(fn("<create><PROJECT><PROJECTID>P2</PROJECTID><NAME>x</NAME><CUSTOMERNAME>Acme</CUSTOMERNAME>"
                          "</PROJECT></create>"))
    assert readonly.errors()[0]["description2"] == "Field 'CUSTOMERNAME' is not defined on object PROJECT."


def _invoice(gw, amounts=("60", "40")):
    lines = "".join(f"<lineitem><glaccountno>4000</glaccountno><amount>{a}</amount></lineitem>" for a in amounts)
    reply = gw.call(fn(f"<create_invoice><customerid>C1</customerid><datecreated>{DAY}</datecreated><invoiceitems>"
                       f"{lines}</invoiceitems></create_invoice>"))
    return reply.result().findtext("key")


def test_line_objects_are_read_on_their_own(gw):
    key = _invoice(gw)
    rows = gw.call(fn(rbq("ARINVOICEITEM", f"RECORDKEY = '{key}'", "RECORDNO,RECORDKEY,LINE_NO,TRX_AMOUNT,STATE")))
    items = rows.result().findall("data/arinvoiceitem")
    assert [(i.findtext("RECORDKEY"), i.findtext("LINE_NO"), i.findtext("TRX_AMOUNT"), i.findtext("STATE"))
            for i in items] == [(key, "1", "60", "Posted"), (key, "2", "40", "Posted")]
    second = items[1].findtext("RECORDNO")
    read = gw.call(fn(f"<read><object>ARINVOICEITEM</object><keys>{second}</keys><fields>*</fields></read>")
                   + fn("<query><object>ARINVOICEITEM</object><select><field>RECORDNO</field><field>TRX_AMOUNT</field>"
                        "</select><filter><greaterthan><field>TRX_AMOUNT</field><value>50</value></greaterthan>"
                        "</filter></query>", "f2"))
    assert read.result(0).findtext("data/ARINVOICEITEM/TRX_AMOUNT") == "40"
    assert [r.findtext("TRX_AMOUNT") for r in read.result(1).findall("data/ARINVOICEITEM")] == ["60"]
    written = gw.call(fn("<create><APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO></APBILLITEM></create>"))
    assert written.errors()[0]["description2"] == "The create operation is not supported for object APBILLITEM."


def test_legacy_delete_customer_and_vendor_refuse_while_used(gw):
    _invoice(gw)
    idle = gw.call(fn('<delete_customer customerid="C2"></delete_customer>'))
    assert (idle.status(), idle.result().findtext("key")) == ("success", "C2")
    used = gw.call(fn('<delete_customer customerid="C1"></delete_customer>')
                   + fn("<delete><object>CUSTOMER</object><keys>C1</keys></delete>", "f2"))
    for i in range(2):
        assert used.errors(used.result(i))[0]["description2"].startswith("Customer C1 cannot be deleted: Invoice ")
    gw.call(fn("<create><APBILL><VENDORID>V1</VENDORID><WHENCREATED>11/01/2026</WHENCREATED><APBILLITEMS>"
               "<APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>1</TRX_AMOUNT></APBILLITEM></APBILLITEMS>"
               "</APBILL></create>"))
    vendor = gw.call(fn('<delete_vendor vendorid="V1"></delete_vendor>')
                     + fn('<delete_vendor vendorid="NOPE"></delete_vendor>', "f2"))
    assert vendor.errors(vendor.result(0))[0]["description2"].startswith("Vendor V1 cannot be deleted: Bill ")
    assert vendor.errors(vendor.result(1))[0]["description2"] == "Cannot find vendor with key 'NOPE' to delete."
    assert {r["CUSTOMERID"] for r in gw.sim.records("CUSTOMER")} == {"C1"}


# ------------------------------------------------------------------------------------------ through the SDK
def test_contacts_employees_projects_and_lines_through_the_sdk(sdk):  # noqa: F811
    for name in ("Dana Driver", "Eli Ops"):
        assert sdk.contacts.post({"CONTACTNAME": name, "PRINTAS": name, "EMAIL1": "x@example.com"})["status"] == \
            "success"
    sdk.employees.post({"EMPLOYEEID": "E1", "PERSONALINFO": {"CONTACTNAME": "Dana Driver"}})
    sdk.employees.post({"EMPLOYEEID": "E2", "PERSONALINFO": {"CONTACTNAME": "Eli Ops"}})
    employees = sdk.employees.get_all()     # every field fylein reads, CONTACT.* included
    assert [(e["EMPLOYEEID"], e["CONTACT.CONTACTNAME"]) for e in employees] == [("E1", "Dana Driver"),
                                                                                ("E2", "Eli Ops")]
    assert len(sdk.contacts.get_all()) == 2
    sdk.customers.post({"CUSTOMERID": "C1", "NAME": "Acme"})
    for pid in ("P1", "P2"):
        sdk.projects.post({"PROJECTID": pid, "NAME": f"Lane {pid}", "CUSTOMERID": "C1"})
    assert [p["CUSTOMERNAME"] for p in sdk.projects.get_all()] == ["Acme", "Acme"]
    sdk.tasks.post({"TASKID": "T1", "NAME": "Load", "PROJECTID": "P1"})
    sdk.tasks.post({"TASKID": "T2", "NAME": "Unload", "PROJECTID": "P1"})
    assert [t["TASKID"] for t in sdk.tasks.get_all()] == ["T1", "T2"]
    sdk.ar_invoices.post({"customerid": "C1", "datecreated": {"year": "2026", "month": "11", "day": "04"},
                          "invoiceitems": {"lineitem": [{"glaccountno": "4000", "amount": "70"},
                                                        {"glaccountno": "4000", "amount": "30"}]}})
    assert [i["TRX_AMOUNT"] for i in sdk.ar_invoice_items.get_all()] == ["70", "30"]
    with pytest.raises(WrongParamsError) as info:
        sdk.customers.format_and_send_request({"delete_customer": {"@customerid": "C1"}})
    assert _first_error(info.value)["description2"].startswith("Customer C1 cannot be deleted: Invoice ")


def test_savings_accounts_credit_cards_tax_details_and_expense_types_are_files(gw):
    gw.sim.admin.add_records(gw.sim.company_id, {
        "SAVINGSACCOUNT": [{"BANKACCOUNTID": "SAV", "BANKNAME": "Reserve"}],
        "CREDITCARD": [{"CARDID": "AMEX", "DESCRIPTION": "Fuel card"}],
        "TAXDETAIL": [{"DETAILID": "GST 10", "DESCRIPTION": "GST", "VALUE": "10"}],
        "EEACCOUNTLABEL": [{"ACCOUNTLABEL": "Fuel", "GLACCOUNTNO": "6100"}]})
    reply = gw.call(fn(rbq("TAXDETAIL", "DETAILID = 'GST 10'", "DETAILID,VALUE")) + fn(
        "<query><object>EEACCOUNTLABEL</object><select><field>ACCOUNTLABEL</field><field>GLACCOUNTNO</field>"
        "</select></query>", "f2"))
    assert reply.result(0).findtext("data/taxdetail/VALUE") == "10"
    assert reply.result(1).findtext("data/EEACCOUNTLABEL/GLACCOUNTNO") == "6100"
    bill = gw.call(fn("<create><APBILL><VENDORID>V1</VENDORID><WHENCREATED>11/01/2026</WHENCREATED><APBILLITEMS>"
                      "<APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>30</TRX_AMOUNT></APBILLITEM></APBILLITEMS>"
                      "</APBILL></create>")).result().findtext("data/apbill/RECORDNO")

    def pay(entity, amount):
        return gw.call(fn(f"<create><APPYMT><PAYMENTMETHOD>Credit Card</PAYMENTMETHOD><FINANCIALENTITY>{entity}"
                          "</FINANCIALENTITY><VENDORID>V1</VENDORID><PAYMENTDATE>11/20/2026</PAYMENTDATE><APPYMTDETAILS>"
                          f"<APPYMTDETAIL><RECORDKEY>{bill}</RECORDKEY><TRX_PAYMENTAMOUNT>{amount}</TRX_PAYMENTAMOUNT>"
                          "</APPYMTDETAIL></APPYMTDETAILS></APPYMT></create>"))

    assert pay("AMEX", "10").status() == "success"    # "a checking account ID, a savings account ID, or a credit card"
    assert pay("SAV", "10").status() == "success"
    assert pay("NOPE", "10").errors()[0]["description2"].startswith("Bank account 'NOPE' specified is not valid.")


def test_low_priority_objects_through_the_sdk(sdk, live):  # noqa: F811
    live.admin.add_records(live.company_id, {
        "SAVINGSACCOUNT": [{"BANKACCOUNTID": "SAV1", "BANKNAME": "Reserve"},
                           {"BANKACCOUNTID": "SAV2", "BANKNAME": "Tax"}],
        "TAXDETAIL": [{"DETAILID": "GST 10", "VALUE": "10"}, {"DETAILID": "GST 0", "VALUE": "0"}]})
    assert [a["BANKACCOUNTID"] for a in sdk.savings_accounts.get_all()["savingsaccount"]] == ["SAV1", "SAV2"]
    assert [t["DETAILID"] for t in sdk.tax_details.get_all()] == ["GST 10", "GST 0"]


UDD_COMPANY = standard_company(user_dimensions=["TRAILER"])


@pytest.mark.intacct(company=UDD_COMPANY)
def test_udd_values_answer_with_their_documented_field_names(intacct_company):
    gw = Gateway(intacct_company)
    created = gw.call(fn("<create><TRAILER><ID>TR-53</ID><NAME>53 ft dry van</NAME></TRAILER></create>"))
    assert created.status() == "success", created.http.text
    reply = gw.call(fn("<query><object>TRAILER</object><select><field>name</field><field>createdBy</field>"
                       "<field>updatedBy</field><field>id</field></select></query>")
                    + fn(rbq("TRAILER", "id = 'TR-53'"), "f2"))
    row = reply.result(0).find("data/TRAILER")
    assert [(c.tag, c.text) for c in row] == [("name", "53 ft dry van"), ("createdBy", gw.sim.credentials.user_id),
                                              ("updatedBy", gw.sim.credentials.user_id), ("id", "TR-53")]
    assert reply.result(1).findtext("data/trailer/id") == "TR-53"


@pytest.mark.intacct(company=UDD_COMPANY)
def test_udd_values_through_the_sdks_dimension_values(sdk, live):  # noqa: F811
    live.admin.add_records(live.company_id, {"TRAILER": [{"ID": "TR-53", "NAME": "53 ft"},
                                                         {"ID": "TR-48", "NAME": "48 ft"}]})
    assert sdk.dimension_values.count("TRAILER") == 2
    values = sdk.dimension_values.get_all("TRAILER")
    assert sorted((v["id"], v["name"]) for v in values) == [("TR-48", "48 ft"), ("TR-53", "53 ft")]
