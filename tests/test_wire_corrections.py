"""Corrections on the wire: AP/AR adjustments, legacy update/reverse/delete of invoices and bills, and the
states a reversed or paid document refuses in."""

from __future__ import annotations

import pytest

from tests.wire import Gateway, fn

DATE = "<year>2026</year><month>11</month><day>{d}</day>"


@pytest.fixture
def gw(intacct_company):
    intacct_company.admin.add_records(intacct_company.company_id, {
        "VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}], "CUSTOMER": [{"CUSTOMERID": "C1", "NAME": "Acme"}]})
    return Gateway(intacct_company)


def apadjustment(amount="-150", extra="", vendor="V1"):
    return (f"<create_apadjustment><vendorid>{vendor}</vendorid><datecreated>{DATE.format(d=5)}</datecreated>"
            f"<adjustmentno>ADJ-1</adjustmentno><billno>SET-9</billno><description>Fuel advance</description>{extra}"
            f"<apadjustmentitems><lineitem><glaccountno>5000</glaccountno><amount>{amount}</amount>"
            "<memo>Advance recovered</memo></lineitem></apadjustmentitems></create_apadjustment>")


def bill(amounts=("100",), externalid="EXT-1"):
    lines = "".join(f"<lineitem><glaccountno>5000</glaccountno><amount>{a}</amount></lineitem>" for a in amounts)
    return (f"<create_bill><vendorid>V1</vendorid><datecreated>{DATE.format(d=2)}</datecreated><billno>B-1</billno>"
            f"<externalid>{externalid}</externalid><billitems>{lines}</billitems></create_bill>")


def invoice():
    return (f"<create_invoice><customerid>C1</customerid><datecreated>{DATE.format(d=2)}</datecreated>"
            "<invoiceno>INV-1</invoiceno><invoiceitems><lineitem><glaccountno>4000</glaccountno><amount>80</amount>"
            "</lineitem></invoiceitems></create_invoice>")


def key_of(gw, body):
    reply = gw.call(fn(body))
    assert reply.status() == "success", reply.http.text
    return reply.result().findtext("key")


def read(gw, obj, key):
    reply = gw.call(fn(f"<read><object>{obj}</object><keys>{key}</keys><fields>*</fields></read>"))
    return reply.result().find(f"data/{obj}")


def error_text(reply):
    return reply.errors()[0]["description2"]


# --------------------------------------------------------------------------- adjustments
def test_create_apadjustment_posts_a_debit_memo_readable_as_apadjustment(gw):
    key = key_of(gw, apadjustment())
    adj = read(gw, "APADJUSTMENT", key)
    assert [adj.findtext(f) for f in ("VENDORID", "VENDORNAME", "RECORDID", "DOCNUMBER", "DESCRIPTION",
                                      "WHENCREATED", "TOTALENTERED", "TOTALDUE", "STATE")] == [
        "V1", "Swift", "ADJ-1", "SET-9", "Fuel advance", "11/05/2026", "-150", "-150", "Posted"]
    line = adj.find("APADJUSTMENTITEMS/APADJUSTMENTITEM")
    assert [line.findtext(f) for f in ("ACCOUNTNO", "TRX_AMOUNT", "ENTRYDESCRIPTION")] == [
        "5000", "-150", "Advance recovered"]
    reply = gw.call(fn("<readByQuery><object>APADJUSTMENT</object><query>VENDORID = 'V1'</query>"
                       "<fields>RECORDNO,TOTALENTERED</fields><pagesize>10</pagesize></readByQuery>"))
    assert [r.findtext("TOTALENTERED") for r in reply.result().findall("data/apadjustment")] == ["-150"]


def test_create_aradjustment_is_a_credit_memo_for_the_customer(gw):
    key = key_of(gw, f"<create_aradjustment><customerid>C1</customerid><datecreated>{DATE.format(d=6)}"
                     "</datecreated><invoiceno>INV-1</invoiceno><aradjustmentitems><lineitem><glaccountno>4000"
                     "</glaccountno><amount>-25</amount></lineitem></aradjustmentitems></create_aradjustment>")
    adj = read(gw, "ARADJUSTMENT", key)
    assert [adj.findtext(f) for f in ("CUSTOMERID", "CUSTOMERNAME", "DOCNUMBER", "TOTALENTERED")] == [
        "C1", "Acme", "INV-1", "-25"]


@pytest.mark.parametrize(("body", "errorno", "text"), [
    (apadjustment(vendor="NOPE"), "BL01001973", "Vendor 'NOPE' specified is not valid."),
    (apadjustment(amount="abc"), "BL01001975", "Invalid value 'abc' for field TRX_AMOUNT"),
    ("<create_apadjustment><vendorid>V1</vendorid><datecreated><year>2026</year><month>11</month><day>5</day>"
     "</datecreated></create_apadjustment>", "BL03000018", "Required field APADJUSTMENTITEMS is missing"),
    ("<create><APADJUSTMENT><VENDORID>V1</VENDORID></APADJUSTMENT></create>", "BL01001973",
     "The create operation is not supported for object APADJUSTMENT."),
    ("<delete><object>ARADJUSTMENT</object><keys>1</keys></delete>", "BL01001973",
     "The delete operation is not supported for object ARADJUSTMENT."),
])
def test_adjustments_refuse_what_sage_refuses(gw, body, errorno, text):
    reply = gw.call(fn(body))
    assert reply.status() == "failure"
    err = reply.errors()[0]
    assert err["errorno"] == errorno and text in err["description2"], err


def test_legacy_only_refusal_names_the_legacy_function(gw):
    reply = gw.call(fn("<update><APADJUSTMENT><RECORDNO>1</RECORDNO></APADJUSTMENT></update>"))
    assert reply.errors()[0]["correction"] == "Use create_apadjustment / delete_apadjustment (intacct-sdk-net#202)."


def test_delete_apadjustment_by_key(gw):
    key = key_of(gw, apadjustment())
    reply = gw.call(fn(f'<delete_apadjustment key="{key}"/>'))
    assert reply.status() == "success" and reply.result().findtext("key") == key
    assert read(gw, "APADJUSTMENT", key) is None
    again = gw.call(fn(f'<delete_apadjustment key="{key}"/>'))
    assert error_text(again) == f"Cannot find ap adjustment with key '{key}'."
    assert error_text(gw.call(fn("<delete_aradjustment/>"))) == \
        "delete_aradjustment requires the key attribute (the document's RECORDNO)."


# --------------------------------------------------------------------------- reverse
def test_reverse_bill_marks_it_reversed_and_adds_a_negated_reversal(gw):
    key = key_of(gw, bill(("100", "20.50")))
    reply = gw.call(fn(f'<reverse_bill key="{key}"><datereversed>{DATE.format(d=9)}</datereversed>'
                       "<description>Wrong carrier</description></reverse_bill>"))
    assert reply.status() == "success" and reply.result().findtext("key") == key
    original = read(gw, "APBILL", key)
    assert [original.findtext(f) for f in ("STATE", "TOTALENTERED", "TOTALDUE", "REVERSALDATE")] == [
        "Reversed", "120.50", "0", "11/09/2026"]
    reversal = read(gw, "APBILL", original.findtext("REVERSALKEY"))
    assert [reversal.findtext(f) for f in ("STATE", "TOTALENTERED", "TOTALDUE", "WHENCREATED", "DESCRIPTION",
                                           "REVERSEDKEY", "VENDORID", "RECORDID")] == [
        "Reversal", "-120.50", "0", "11/09/2026", "Wrong carrier", key, "V1", "B-1"]
    assert [li.findtext("TRX_AMOUNT") for li in reversal.findall("APBILLITEMS/APBILLITEM")] == ["-100", "-20.50"]


def test_reverse_invoice_then_everything_else_refuses(gw):
    key = key_of(gw, invoice())
    assert gw.call(fn(f'<reverse_invoice key="{key}"><datereversed>{DATE.format(d=3)}</datereversed>'
                      "</reverse_invoice>")).status() == "success"
    for body in (f'<reverse_invoice key="{key}"><datereversed>{DATE.format(d=4)}</datereversed></reverse_invoice>',
                 f'<delete_invoice key="{key}"/>',
                 f'<update_invoice key="{key}"><description>x</description></update_invoice>',
                 f"<delete><object>ARINVOICE</object><keys>{key}</keys></delete>",
                 f"<update><ARINVOICE><RECORDNO>{key}</RECORDNO><DESCRIPTION>x</DESCRIPTION></ARINVOICE></update>"):
        reply = gw.call(fn(body))
        assert reply.status() == "failure", body
        assert error_text(reply).startswith(f"Invoice {key} is reversed; a reversed invoice cannot be "), body
    reversal = read(gw, "ARINVOICE", read(gw, "ARINVOICE", key).findtext("REVERSALKEY"))
    reply = gw.call(fn(f'<delete_invoice key="{reversal.findtext("RECORDNO")}"/>'))
    assert "is reversal; a reversal invoice cannot be deleted." in error_text(reply)


@pytest.mark.parametrize(("inner", "errorno", "text"), [
    ("", "BL03000018", "Required field datereversed is missing on reverse_bill."),
    (f"<datereversed>{DATE.format(d=1)}</datereversed>", "BL01001975",
     "Invalid value '11/01/2026' for field datereversed: expected a date on or after the bill date 11/02/2026."),
    ("<datereversed><year>2026</year><month>13</month><day>1</day></datereversed>", "BL01001975",
     "Invalid value '13/1/2026' for field datereversed"),
])
def test_reverse_bill_needs_a_valid_date(gw, inner, errorno, text):
    key = key_of(gw, bill())
    reply = gw.call(fn(f'<reverse_bill key="{key}">{inner}</reverse_bill>'))
    err = reply.errors()[0]
    assert err["errorno"] == errorno and err["description2"].startswith(text), err
    assert read(gw, "APBILL", key).findtext("STATE") == "Posted"


def test_reverse_in_a_closed_period_is_refused(gw, intacct_company):
    key = key_of(gw, bill())
    intacct_company.admin.change_company(intacct_company.company_id, closed_through="11/30/2026")
    reply = gw.call(fn(f'<reverse_bill key="{key}"><datereversed>{DATE.format(d=9)}</datereversed></reverse_bill>'))
    assert "Date must be on or after 12/01/2026" in error_text(reply)


def test_a_reversed_document_is_not_found_by_a_wrong_key(gw):
    reply = gw.call(fn(f'<reverse_bill key="999999"><datereversed>{DATE.format(d=9)}</datereversed></reverse_bill>'))
    assert reply.errors()[0]["errorno"] == "BL01001973"
    assert error_text(reply) == "Cannot find bill with key '999999'."


# --------------------------------------------------------------------------- update
def test_update_bill_changes_a_numbered_line_adds_one_and_moves_the_totals(gw):
    key = key_of(gw, bill(("100", "50")))
    reply = gw.call(fn(f'<update_bill key="{key}"><description>Corrected</description><updatebillitems>'
                       '<updatelineitem line_num="2"><amount>75</amount><memo>Detention</memo></updatelineitem>'
                       "<lineitem><glaccountno>5100</glaccountno><amount>10</amount></lineitem>"
                       "</updatebillitems></update_bill>"))
    assert reply.status() == "success", reply.http.text
    doc = read(gw, "APBILL", key)
    assert [doc.findtext(f) for f in ("DESCRIPTION", "TOTALENTERED", "TOTALDUE", "RECORDID")] == [
        "Corrected", "185", "185", "B-1"]
    lines = doc.findall("APBILLITEMS/APBILLITEM")
    assert [(li.findtext("ACCOUNTNO"), li.findtext("TRX_AMOUNT"), li.findtext("LINE_NO")) for li in lines] == [
        ("5000", "100", "1"), ("5000", "75", "2"), ("5100", "10", "3")]
    assert lines[1].findtext("ENTRYDESCRIPTION") == "Detention"


@pytest.mark.parametrize(("items", "text"), [
    ('<updatelineitem line_num="3"><amount>1</amount></updatelineitem>',
     "Invalid value '3' for field line_num: expected a line number from 1 to 1."),
    ("<lineitem><glaccountno>9999</glaccountno><amount>1</amount></lineitem>", "Account 9999 is not valid"),
    ("<removelineitem/>", "updatebillitems holds lineitem and updatelineitem elements, not removelineitem."),
])
def test_update_bill_refuses_bad_lines_and_keeps_the_bill(gw, items, text):
    key = key_of(gw, bill())
    reply = gw.call(fn(f'<update_bill key="{key}"><updatebillitems>{items}</updatebillitems></update_bill>'))
    assert text in error_text(reply)
    assert read(gw, "APBILL", key).findtext("TOTALENTERED") == "100"


def test_update_invoice_header_and_unknown_element(gw):
    key = key_of(gw, invoice())
    reply = gw.call(fn(f'<update_invoice key="{key}"><datedue>{DATE.format(d=30)}</datedue><invoiceno>INV-1A'
                       "</invoiceno></update_invoice>"))
    assert reply.status() == "success"
    doc = read(gw, "ARINVOICE", key)
    assert (doc.findtext("RECORDID"), doc.findtext("WHENDUE"), doc.findtext("TOTALENTERED")) == (
        "INV-1A", "11/30/2026", "80")
    reply = gw.call(fn(f'<update_invoice key="{key}"><billno>x</billno></update_invoice>'))
    assert (reply.control_status, reply.errornos()) == ("failure", ["XL03000003"])   # the DTD has no billno here


def test_supdocid_on_create_aradjustment_fails_the_request_as_sage_answers_it(gw):
    """intacct-sdk-net#217: Sage refuses the whole request at control level, naming what it expected instead."""
    reply = gw.call(fn(f"<create_aradjustment><customerid>C1</customerid><datecreated>{DATE.format(d=6)}"
                       "</datecreated><supdocid>S</supdocid><aradjustmentitems><lineitem><glaccountno>4000"
                       "</glaccountno><amount>1</amount></lineitem></aradjustmentitems></create_aradjustment>")
                    + fn(invoice(), "f2"))
    assert reply.control_status == "failure" and reply.results() == []   # nothing ran, not even the invoice
    [error] = reply.errors()
    assert error["errorno"] == "XL03000003"
    assert error["description2"].startswith(
        "XML Parse schema error: Error 1871: Element 'supdocid': This element is not expected. Expected is one of "
        "( dateposted, batchkey, adjustmentno, action, invoiceno, description, externalid, basecurr, currency, "
        "exchratedate, exchratetype, exchrate, nogl, taxsolutionid, aradjustmentitems ).. Line: 1, column: 0.")
    assert gw.sim.records("ARINVOICE") == []


def test_generic_update_of_bill_lines_recomputes_the_totals(gw):
    key = key_of(gw, bill(("100",)))
    reply = gw.call(fn(f"<update><APBILL><RECORDNO>{key}</RECORDNO><APBILLITEMS><APBILLITEM><ACCOUNTNO>5000"
                       "</ACCOUNTNO><TRX_AMOUNT>40</TRX_AMOUNT></APBILLITEM><APBILLITEM><ACCOUNTNO>5100</ACCOUNTNO>"
                       "<TRX_AMOUNT>2</TRX_AMOUNT></APBILLITEM></APBILLITEMS></APBILL></update>"))
    assert reply.status() == "success", reply.http.text
    doc = read(gw, "APBILL", key)
    assert (doc.findtext("TOTALENTERED"), doc.findtext("TOTALDUE")) == ("42", "42")
    lines = doc.findall("APBILLITEMS/APBILLITEM")
    assert [(li.findtext("RECORDKEY"), li.findtext("LINE_NO")) for li in lines] == [(key, "1"), (key, "2")]
    assert all(li.findtext("RECORDNO").isdigit() for li in lines)   # each line is a record with its own number


# --------------------------------------------------------------------------- delete
def test_delete_bill_and_invoice_by_key_and_by_external_key(gw):
    bill_key = key_of(gw, bill(externalid="TMS-77"))
    invoice_key = key_of(gw, invoice())
    assert gw.call(fn('<delete_bill key="TMS-77" externalkey="true"/>')).status() == "success"
    assert gw.call(fn(f'<delete_invoice key="{invoice_key}"/>')).status() == "success"
    assert read(gw, "APBILL", bill_key) is None and read(gw, "ARINVOICE", invoice_key) is None


def test_delete_bill_needs_the_delete_permission(gw, intacct_company):
    key = key_of(gw, bill())
    intacct_company.set_permission("Accounts Payable", ["List", "View", "Add", "Edit"])
    reply = gw.call(fn(f'<delete_bill key="{key}"/>'))
    assert reply.errors()[0]["errorno"] == "PL04000005"
    assert "API operation DELETE on objects of type apbill" in error_text(reply)


def test_a_failed_reverse_in_a_transaction_leaves_nothing_behind(gw):
    key = key_of(gw, bill())
    reply = gw.call(fn(f'<reverse_bill key="{key}"><datereversed>{DATE.format(d=9)}</datereversed></reverse_bill>')
                    + fn('<delete_bill key="999999"/>', "f2"), transaction=True)
    assert [reply.status(0), reply.status(1)] == ["aborted", "failure"]
    assert read(gw, "APBILL", key).findtext("STATE") == "Posted"
    count = gw.call(fn("<readByQuery><object>APBILL</object><query></query><fields>RECORDNO</fields>"
                       "<pagesize>10</pagesize></readByQuery>"))
    assert count.result().find("data").get("totalcount") == "1"
