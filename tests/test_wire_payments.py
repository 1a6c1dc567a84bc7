"""Payments on the wire: APPYMT pays bills, create_arpayment pays invoices; TOTALPAID / TOTALDUE / STATE move;
overpaying, paying a reversed document and an unknown bank account are refused."""

from __future__ import annotations

import pytest

from tests.wire import Gateway, fn


@pytest.fixture
def gw(intacct_company):
    intacct_company.admin.add_records(intacct_company.company_id, {
        "VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}, {"VENDORID": "V2", "NAME": "Knight"}],
        "CUSTOMER": [{"CUSTOMERID": "C1", "NAME": "Acme"}],
        "CHECKINGACCOUNT": [{"BANKACCOUNTID": "BOA", "BANKNAME": "Bank of America"}]})
    return Gateway(intacct_company)


def new_bill(gw, amount="100"):
    reply = gw.call(fn("<create><APBILL><VENDORID>V1</VENDORID><WHENCREATED>11/01/2026</WHENCREATED><APBILLITEMS>"
                       f"<APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>{amount}</TRX_AMOUNT></APBILLITEM>"
                       "</APBILLITEMS></APBILL></create>"))
    return reply.result().findtext("data/apbill/RECORDNO")


def new_invoice(gw, amount="80"):
    reply = gw.call(fn("<create_invoice><customerid>C1</customerid><datecreated><year>2026</year><month>11</month>"
                       f"<day>2</day></datecreated><invoiceitems><lineitem><glaccountno>4000</glaccountno><amount>"
                       f"{amount}</amount></lineitem></invoiceitems></create_invoice>"))
    return reply.result().findtext("key")


def appymt(key, amount, vendor="V1", bank="BOA", method="Printed Check"):
    return (f"<create><APPYMT><PAYMENTMETHOD>{method}</PAYMENTMETHOD><FINANCIALENTITY>{bank}</FINANCIALENTITY>"
            f"<VENDORID>{vendor}</VENDORID><PAYMENTDATE>11/20/2026</PAYMENTDATE><APPYMTDETAILS><APPYMTDETAIL>"
            f"<RECORDKEY>{key}</RECORDKEY><TRX_PAYMENTAMOUNT>{amount}</TRX_PAYMENTAMOUNT></APPYMTDETAIL>"
            "</APPYMTDETAILS></APPYMT></create>")


def arpayment(key, amount, paid=None, bank="BOA"):
    return (f"<create_arpayment><customerid>C1</customerid><paymentamount>{paid or amount}</paymentamount>"
            f"<bankaccountid>{bank}</bankaccountid><refid>CHK-1</refid><datereceived><year>2026</year>"
            "<month>11</month><day>21</day></datereceived><paymentmethod>Printed Check</paymentmethod>"
            f"<arpaymentitem><invoicekey>{key}</invoicekey><amount>{amount}</amount></arpaymentitem>"
            "</create_arpayment>")


def doc(gw, obj, key):
    return gw.call(fn(f"<read><object>{obj}</object><keys>{key}</keys><fields>*</fields></read>")).result().find(
        f"data/{obj}")


def totals(gw, obj, key):
    d = doc(gw, obj, key)
    return d.findtext("TOTALPAID"), d.findtext("TOTALDUE"), d.findtext("STATE")


def test_appymt_pays_a_bill_partially_then_in_full(gw):
    key = new_bill(gw)
    reply = gw.call(fn(appymt(key, "40")))
    assert reply.status() == "success", reply.http.text
    payment = reply.result().findtext("data/appymt/RECORDNO")
    assert totals(gw, "APBILL", key) == ("40", "60", "Partially Paid")
    assert gw.call(fn(appymt(key, "60"))).status() == "success"
    assert totals(gw, "APBILL", key) == ("100", "0", "Paid")
    stored = doc(gw, "APPYMT", payment)
    assert [stored.findtext(f) for f in ("VENDORNAME", "FINANCIALENTITY", "TOTALENTERED", "STATE")] == [
        "Swift", "BOA", "40", "Complete"]


def test_a_paid_bill_can_no_longer_be_changed(gw):
    key = new_bill(gw)
    gw.call(fn(appymt(key, "10")))
    reply = gw.call(fn(f'<reverse_bill key="{key}"><datereversed><year>2026</year><month>11</month><day>21</day>'
                       "</datereversed></reverse_bill>"))
    assert reply.errors()[0]["description2"].startswith(f"Bill {key} has payments applied and cannot be reversed.")
    reply = gw.call(fn(f"<delete><object>APBILL</object><keys>{key}</keys></delete>"))
    assert reply.errors()[0]["correction"] == "Reverse the payments applied to it first, then try again."


@pytest.mark.parametrize(("body", "text"), [
    (lambda k: appymt(k, "100.01"), "Invalid value '100.01' for field amount: expected at most the 100 due"),
    (lambda k: appymt(k, "10", bank="NOBANK"), "Bank account 'NOBANK' specified is not valid."),
    (lambda k: appymt(k, "10", vendor="V2"), "specified is not valid for VENDORID V2."),
    (lambda k: appymt("99999", "10"), "Bill '99999' specified is not valid for VENDORID V1."),
    (lambda k: appymt(k, "-5"), "Invalid value '-5' for field TRX_PAYMENTAMOUNT: expected an amount greater than"),
    (lambda k: appymt(k, "10", method="Barter"), "Invalid value 'Barter' for field PAYMENTMETHOD"),
    (lambda k: appymt(k, "10").replace("<VENDORID>V1</VENDORID>", ""), "Required field VENDORID is missing"),
    (lambda k: appymt(k, "10").replace("<PAYMENTDATE>", "<BOGUS/><PAYMENTDATE>"), "Field 'BOGUS' is not defined"),
])
def test_appymt_refusals_leave_the_bill_unpaid(gw, body, text):
    key = new_bill(gw)
    reply = gw.call(fn(body(key)))
    assert reply.status() == "failure"
    assert text in reply.errors()[0]["description2"], reply.errors()
    assert totals(gw, "APBILL", key) == ("0", "100", "Posted")


def test_paying_a_reversed_bill_is_refused(gw):
    key = new_bill(gw)
    gw.call(fn(f'<reverse_bill key="{key}"><datereversed><year>2026</year><month>11</month><day>21</day>'
               "</datereversed></reverse_bill>"))
    reply = gw.call(fn(appymt(key, "10")))
    assert reply.errors()[0]["description2"].startswith(f"Bill {key} is reversed; a reversed bill cannot be paid.")


def test_create_arpayment_pays_an_invoice(gw):
    key = new_invoice(gw)
    reply = gw.call(fn(arpayment(key, "80", paid="100")))
    assert reply.status() == "success", reply.http.text
    assert totals(gw, "ARINVOICE", key) == ("80", "0", "Paid")
    payment = doc(gw, "ARPYMT", reply.result().findtext("key"))
    assert [payment.findtext(f) for f in ("CUSTOMERNAME", "PAYMENTAMOUNT", "TOTALPAID", "DOCNUMBER", "RECEIPTDATE")] \
        == ["Acme", "100", "80", "CHK-1", "11/21/2026"]


@pytest.mark.parametrize(("body", "text"), [
    (lambda k: arpayment(k, "81"), "expected at most the 80 due on invoice"),
    (lambda k: arpayment(k, "50", paid="40"), "Invalid value '40' for field paymentamount: expected at least the 50"),
    (lambda k: arpayment(k, "10", bank="NOBANK"), "Bank account 'NOBANK' specified is not valid."),
    (lambda k: "<create><ARPYMT><PAYMENTMETHOD>Cash</PAYMENTMETHOD><CUSTOMERID>C1</CUSTOMERID><RECEIPTDATE>"
     "11/21/2026</RECEIPTDATE><ARPYMTDETAILS><ARPYMTDETAIL><RECORDKEY>1</RECORDKEY></ARPYMTDETAIL></ARPYMTDETAILS>"
     "</ARPYMT></create>", "Required field FINANCIALENTITY is missing on ARPYMT."),
])
def test_arpayment_refusals_leave_the_invoice_unpaid(gw, body, text):
    key = new_invoice(gw)
    reply = gw.call(fn(body(key)))
    assert text in reply.errors()[0]["description2"], reply.errors()
    assert totals(gw, "ARINVOICE", key) == ("0", "80", "Posted")


@pytest.mark.parametrize(("body", "element", "expected"), [
    (lambda k: arpayment(k, "10").replace("<refid>", "<memo>x</memo><refid>"), "memo",
     "( undepfundsacct, refid, overpaylocid, overpaydeptid, datereceived, paymentmethod, basecurr, currency, "
     "exchratedate, exchratetype, exchrate, cctype, authcode, arpaymentitem, onlinecardpayment, onlineachpayment )"),
    (lambda k: arpayment(k, "10").replace("<customerid>C1</customerid>", ""), "paymentamount", "( customerid )"),
])
def test_arpayment_elements_out_of_the_dtd_fail_the_request(gw, body, element, expected):
    key = new_invoice(gw)
    reply = gw.call(fn(body(key)))
    assert (reply.control_status, reply.errornos()) == ("failure", ["XL03000003"])
    assert f"Element '{element}': This element is not expected. Expected is one of {expected}." in \
        reply.errors()[0]["description2"]
    assert totals(gw, "ARINVOICE", key) == ("0", "80", "Posted")


def test_generic_arpayment_pays_an_invoice_as_the_php_sdk_writes_it(gw):
    key = new_invoice(gw)
    reply = gw.call(fn("<create><ARPYMT><PAYMENTMETHOD>Printed Check</PAYMENTMETHOD><FINANCIALENTITY>BOA"
                       "</FINANCIALENTITY><CUSTOMERID>C1</CUSTOMERID><RECEIPTDATE>11/21/2026</RECEIPTDATE>"
                       f"<ARPYMTDETAILS><ARPYMTDETAIL><RECORDKEY>{key}</RECORDKEY><TRX_PAYMENTAMOUNT>30"
                       "</TRX_PAYMENTAMOUNT></ARPYMTDETAIL></ARPYMTDETAILS></ARPYMT></create>"))
    assert reply.status() == "success", reply.http.text
    assert totals(gw, "ARINVOICE", key) == ("30", "50", "Partially Paid")
    payment = doc(gw, "ARPYMT", reply.result().findtext("data/arpymt/RECORDNO"))
    assert (payment.findtext("CUSTOMERNAME"), payment.findtext("TOTALENTERED")) == ("Acme", "30")
